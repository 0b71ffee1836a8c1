#include "app/run_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "app/options.h"

namespace walcast::app {
namespace {

Config ConfigWith(std::map<std::string, std::string> values) {
  Result<Config> config = Config::Build(AllOptions(), values, PassthroughPrefixes());
  EXPECT_TRUE(config.ok()) << config.status().message();
  return *config;
}

wal_reader::SlotInfo Slot(std::string wal_status = "reserved") {
  wal_reader::SlotInfo s;
  s.name = "walcast";
  s.plugin = "pgoutput";
  s.wal_status = std::move(wal_status);
  return s;
}

TEST(RunPlanTest, InitialSnapshotWhenNoSlotOrNoCompletedSnapshot) {
  Result<SnapshotDecision> d = DecideSnapshot("initial", std::nullopt, false);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->take);
  d = DecideSnapshot("initial", Slot(), false);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->take);
  EXPECT_EQ(d->reason, "no completed snapshot recorded");
  d = DecideSnapshot("initial", Slot(), true);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->take);
}

TEST(RunPlanTest, AlwaysTakesOneAndNeverOrNoDataNone) {
  Result<SnapshotDecision> d = DecideSnapshot("always", Slot(), true);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->take);
  EXPECT_EQ(d->reason, "snapshot.mode=always");
  for (const char* mode : {"never", "no_data"}) {
    d = DecideSnapshot(mode, std::nullopt, false);
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d->take) << mode;
    EXPECT_FALSE(d->mode_reads_data) << mode;
  }
}

TEST(RunPlanTest, NoSlotOrWalcastsOwnSlotIsAlwaysUsable) {
  for (const char* mode : {"initial", "always", "when_needed", "never", "no_data"}) {
    EXPECT_TRUE(CheckSlotOwnership(mode, "pgoutput", std::nullopt, false).ok()) << mode;
    EXPECT_TRUE(CheckSlotOwnership(mode, "pgoutput", Slot(), /*owned=*/true).ok()) << mode;
  }
}

TEST(RunPlanTest, ForeignSlotIsUsedFromItsPositionWhenNoSnapshotIsTaken) {
  for (const char* mode : {"never", "no_data"}) {
    EXPECT_TRUE(CheckSlotOwnership(mode, "pgoutput", Slot(), /*owned=*/false).ok()) << mode;
    // ...and then nothing drops it: no snapshot is taken.
    const Result<SnapshotDecision> d = DecideSnapshot(mode, Slot(), false);
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d->take) << mode;
  }
}

TEST(RunPlanTest, ForeignSlotIsNeverDroppedForASnapshot) {
  // Debezium's slot, no snapshot recorded in state.dir: taking one would
  // mean dropping it.
  for (const char* mode : {"initial", "always", "when_needed", "initial_only"}) {
    const Status s = CheckSlotOwnership(mode, "pgoutput", Slot(), /*owned=*/false);
    ASSERT_EQ(s.code(), Status::Code::kInvalidArgument) << mode;
    EXPECT_NE(s.message().find("SELECT pg_drop_replication_slot('walcast');"), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("snapshot.mode=no_data"), std::string::npos) << s.message();
  }
}

TEST(RunPlanTest, ForeignSlotWithAnotherPluginOrLostWalIsRefused) {
  wal_reader::SlotInfo wal2json = Slot();
  wal2json.plugin = "wal2json";
  for (const char* mode : {"initial", "no_data"}) {
    const Status s = CheckSlotOwnership(mode, "pgoutput", wal2json, /*owned=*/false);
    ASSERT_EQ(s.code(), Status::Code::kInvalidArgument) << mode;
    EXPECT_NE(s.message().find("wal2json"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("SELECT pg_drop_replication_slot('walcast');"), std::string::npos);
  }
  EXPECT_EQ(CheckSlotOwnership("no_data", "pgoutput", Slot("lost"), false).code(),
            Status::Code::kInvalidArgument);
}

TEST(RunPlanTest, LostSlotIsFatalUnlessWhenNeeded) {
  Result<SnapshotDecision> d = DecideSnapshot("initial", Slot("lost"), true);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kFatal);
  d = DecideSnapshot("when_needed", Slot("lost"), true);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->take);
  EXPECT_EQ(d->reason, "slot lost its WAL");
}

TEST(RunPlanTest, MetricsAskForASnapshotOnlyWhenTheModeReadsData) {
  SnapshotDecision streaming{false, "", true};
  EXPECT_FALSE(ApplyMetricsNeed("the metric state is empty", &streaming));
  EXPECT_TRUE(streaming.take);
  EXPECT_EQ(streaming.reason, "the metric state is empty");

  SnapshotDecision no_data{false, "", false};
  EXPECT_TRUE(ApplyMetricsNeed("metric definitions changed", &no_data));  // caller warns
  EXPECT_FALSE(no_data.take);

  SnapshotDecision already{true, "snapshot.mode=always", true};
  EXPECT_FALSE(ApplyMetricsNeed("the metric state is empty", &already));
  EXPECT_EQ(already.reason, "snapshot.mode=always");

  SnapshotDecision nothing{false, "", true};
  EXPECT_FALSE(ApplyMetricsNeed(nullptr, &nothing));
  EXPECT_FALSE(nothing.take);
}

TEST(RunPlanTest, PgOutputPicksTheHighestProtocolTheServerOffers) {
  wal_reader::ReaderOptions r;
  ASSERT_TRUE(SetPluginOptions(ConfigWith({}), "pub", {}, 150004, &r).ok());
  EXPECT_EQ(r.pgoutput.proto_version, 3);
  EXPECT_TRUE(r.pgoutput.streaming);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"proto_version", "3"}, {"publication_names", "pub"}, {"messages", "true"},
      {"streaming", "on"}};
  EXPECT_EQ(r.plugin_options, expected);

  for (const auto& [server, proto] : std::vector<std::pair<int, int>>{
           {130010, 1}, {140018, 2}, {150013, 3}, {160009, 4}, {170005, 4}, {180001, 4}}) {
    wal_reader::ReaderOptions options;
    ASSERT_TRUE(SetPluginOptions(ConfigWith({}), "pub", {}, server, &options).ok()) << server;
    EXPECT_EQ(options.pgoutput.proto_version, proto) << server;
    EXPECT_EQ(options.plugin_options.front().second, std::to_string(proto)) << server;
    EXPECT_EQ(options.pgoutput.streaming, server >= 140000) << server;
  }
  // An explicit lower protocol is kept.
  wal_reader::ReaderOptions two;
  ASSERT_TRUE(
      SetPluginOptions(ConfigWith({{"pgoutput.proto.version", "2"}}), "pub", {}, 170005, &two)
          .ok());
  EXPECT_EQ(two.pgoutput.proto_version, 2);
}

TEST(RunPlanTest, ProtocolTheServerDoesNotOfferNamesTheKey) {
  wal_reader::ReaderOptions r;
  const Status s =
      SetPluginOptions(ConfigWith({{"pgoutput.proto.version", "4"}}), "pub", {}, 150004, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("pgoutput.proto.version"), std::string::npos);
}

TEST(RunPlanTest, OriginNoneIsPassedFrom16AndRefusedBefore) {
  wal_reader::ReaderOptions r;
  ASSERT_TRUE(
      SetPluginOptions(ConfigWith({{"pgoutput.origin", "none"}}), "pub", {}, 160009, &r).ok());
  EXPECT_EQ(r.plugin_options.back(), (std::pair<std::string, std::string>{"origin", "none"}));
  const Status s =
      SetPluginOptions(ConfigWith({{"pgoutput.origin", "none"}}), "pub", {}, 150004, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("pgoutput.origin"), std::string::npos);
  // The default sends no origin option, which every version accepts.
  ASSERT_TRUE(SetPluginOptions(ConfigWith({}), "pub", {}, 140018, &r).ok());
  for (const auto& option : r.plugin_options) EXPECT_NE(option.first, "origin");
}

TEST(RunPlanTest, StreamingThatCannotWorkNamesTheKey) {
  wal_reader::ReaderOptions r;
  Status s = SetPluginOptions(
      ConfigWith({{"pgoutput.proto.version", "1"}, {"pgoutput.streaming", "on"}}), "pub", {},
      150004, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("pgoutput.streaming"), std::string::npos);
  s = SetPluginOptions(ConfigWith({{"pgoutput.streaming", "on"}}), "pub", {}, 130010, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST(RunPlanTest, Wal2JsonAddTablesEscapesItsSeparators) {
  EXPECT_EQ(Wal2JsonAddTables({{"idrepo", "anonymous_profile"}, {"odd.schema", "a,b*c\\d"}}),
            "idrepo.anonymous_profile,odd\\.schema.a\\,b\\*c\\\\d");
  wal_reader::ReaderOptions r;
  r.plugin = "wal2json";
  EXPECT_EQ(SetPluginOptions(ConfigWith({}), "pub", {}, 150004, &r).code(),
            Status::Code::kInvalidArgument);
  ASSERT_TRUE(SetPluginOptions(ConfigWith({}), "pub", {{"s", "t"}}, 150004, &r).ok());
  EXPECT_EQ(r.plugin_options.back(), (std::pair<std::string, std::string>{"add-tables", "s.t"}));
}

}  // namespace
}  // namespace walcast::app
