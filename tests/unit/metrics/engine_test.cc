// MetricsEngine on hand-written change events against a real RocksDB in a
// temporary directory: metrics.md §2's operation table (create, snapshot
// reads, updates, deletes, soft deletes, truncate), retraction, derived keys
// (age-group edges, locations, unknown process names, time buckets,
// changed attributes, shared channels), bad profiles, restart and reset.

#include "metrics/engine.h"

#include <gtest/gtest.h>

#include <map>

#include "metrics/codec.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace walcast::metrics {
namespace {

using testing::AnnexureProfile;
using testing::ChannelInfoRelation;
using testing::IdrepoProfile;
using testing::IdrepoRelation;
using testing::Person;
using testing::Registration;
using testing::RegprcProfile;
using testing::RegprcRelation;
using testing::Row;
using testing::TempDir;

constexpr char kDefinitions[] = R"({
  "metrics": [
    {"id": "profiles", "source": ["idrepo", "annexure"], "measure": "count"},
    {"id": "identities", "source": ["idrepo", "annexure"], "measure": "count", "mode": "state"},
    {"id": "by_process", "source": ["idrepo", "annexure", "regprc"], "keys": ["processName"],
     "measure": "count"},
    {"id": "by_gender", "source": ["idrepo", "annexure"], "keys": ["gender"], "measure": "count",
     "mode": "state"},
    {"id": "by_age", "source": ["idrepo", "annexure"], "keys": ["ageGroup"], "measure": "count",
     "mode": "state"},
    {"id": "by_l1", "source": ["idrepo", "annexure"], "keys": ["location_L1"], "measure": "count",
     "mode": "state"},
    {"id": "by_l2", "source": ["idrepo", "annexure"], "keys": ["location_L2"], "measure": "count",
     "mode": "state"},
    {"id": "by_lang", "source": ["idrepo", "annexure"], "keys": ["preferredLanguage"],
     "measure": "count", "mode": "state"},
    {"id": "by_lang_none", "source": ["idrepo", "annexure"],
     "keys": [{"field": "preferredLanguage", "missing": "None"}], "measure": "count",
     "mode": "state"},
    {"id": "exceptions", "source": ["idrepo", "annexure"], "keys": ["exception"],
     "measure": "count", "mode": "state"},
    {"id": "daily", "source": "idrepo", "keys": ["processName"], "measure": "count", "time": "day"},
    {"id": "weekly", "source": "idrepo", "measure": "count", "time": "week"},
    {"id": "monthly", "source": "idrepo", "measure": "count", "time": "month"},
    {"id": "changed", "source": ["idrepo", "annexure"], "filter": {"isUpdate": "true"},
     "keys": ["changedAttribute"], "measure": "count"},
    {"id": "shared", "source": "annexure", "keys": ["channelType"],
     "measure": {"count_distinct": "hashedChannel", "min_count": 2}, "mode": "state"},
    {"id": "ci_histogram", "source": "channel_info", "keys": ["channelType"],
     "filter": {"hashedChannel": {"not_in": ["NO_PHONE", "NO_EMAIL"]}},
     "measure": {"count_distinct": "hashedChannel", "weight": "noOfRecords",
                 "histogram": [1, 2, 3, 6, 11]}, "mode": "state"},
    {"id": "reg_gender", "source": "regprc",
     "filter": {"status": "PROCESSED", "column.process_stage": "PrintingStage"},
     "keys": ["gender"], "measure": "count"},
    {"id": "reg_quality", "source": "regprc", "keys": ["modality"],
     "measure": {"avg": "qualityScore"}}
  ]
})";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Load(kDefinitions); }

  void Load(const std::string& json) {
    engine_.reset();
    Result<MetricSet> set = ParseMetricDefinitions(json);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    set_ = std::make_unique<MetricSet>(std::move(set).value());
    Open();
  }

  void Open() {
    engine_.reset();
    EngineOptions options = options_;
    options.store.dir = dir_.Sub(state_name_);
    options.store.sync = false;
    options.instance = "test/slot";
    Result<std::unique_ptr<MetricsEngine>> engine = MetricsEngine::Open(*set_, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  void Apply(const ChangeEvent& e) {
    const Status s = engine_->Apply(e);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Insert(const std::string& id, const std::string& profile,
              const std::string& cr_dtimes = "2025-03-14 10:00:00", Op op = Op::kCreate) {
    Apply(Row(op, IdrepoRelation(),
              {{"id", id},
               {"profile", profile},
               {"cr_by", "t"},
               {"cr_dtimes", cr_dtimes},
               {"is_deleted", "f"}}));
  }

  // Committed aggregates of one metric: "v1|v2[@bucket]" -> count, leaving
  // out those at 0 (what a SQL GROUP BY over the table returns).
  std::map<std::string, int64_t> Counts(const std::string& metric, bool sums = false) {
    return testing::CommittedCounts(*engine_, metric, sums);
  }

  using M = std::map<std::string, int64_t>;

  TempDir dir_;
  std::string state_name_ = "state";
  EngineOptions options_;
  std::unique_ptr<MetricSet> set_;
  std::unique_ptr<MetricsEngine> engine_;
};

Person Female() { return Person{}; }

Person Male() {
  Person p;
  p.gender = "Male";
  p.location = {"Zone-South", "20450"};
  return p;
}

// ---- metrics.md §2's operation table ----

TEST_F(EngineTest, CreateCountsEventsAndIdentities) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  Insert("b", IdrepoProfile("New", "2025-03-15", std::nullopt, Male()));
  EXPECT_EQ(Counts("profiles"), (M{{"", 2}}));
  EXPECT_EQ(Counts("identities"), (M{{"", 2}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}, {"Male", 1}}));
  EXPECT_EQ(Counts("by_l2"), (M{{"Zone-North > 10101", 1}, {"Zone-South > 20450", 1}}));
  EXPECT_EQ(Counts("by_process"), (M{{"New", 2}}));
  EXPECT_EQ(engine_->stats().rows_applied, 2u);
}

TEST_F(EngineTest, UpdateProfileMovesIdentityInStateModeAndCountsEventInEventMode) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  Insert("b", IdrepoProfile("Update", "2025-06-02", Female(), Male()));
  EXPECT_EQ(Counts("profiles"), (M{{"", 2}}));
  EXPECT_EQ(Counts("identities"), (M{{"", 1}}));  // an update adds no identity
  EXPECT_EQ(Counts("by_gender"), (M{{"Male", 1}}));
  EXPECT_EQ(Counts("by_l1"), (M{{"Zone-South", 1}}));
  EXPECT_EQ(Counts("by_process"), (M{{"New", 1}, {"Update", 1}}));
}

TEST_F(EngineTest, RowUpdateRetractsTheStoredVersion) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  // An ops fix edits the row in place: the old version's contribution goes.
  Apply(Row(Op::kUpdate, IdrepoRelation(),
            {{"id", "a"},
             {"profile", IdrepoProfile("New", "2025-03-14", std::nullopt, Male())},
             {"cr_dtimes", "2025-03-14 10:00:00"}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Male", 1}}));
  EXPECT_EQ(Counts("by_process"), (M{{"New", 1}}));
}

TEST_F(EngineTest, DeleteRetractsAndForgetsTheRow) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  Insert("b", IdrepoProfile("New", "2025-03-14", std::nullopt, Male()));
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "a"}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Male", 1}}));
  // Deleting it again (a replay) changes nothing; a new insert counts again.
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "a"}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}, {"Male", 1}}));
}

TEST_F(EngineTest, SoftDeleteRetractsAndUndeleteWithUnchangedToastRestores) {
  const std::string profile = IdrepoProfile("New", "2025-03-14", std::nullopt, Female());
  Insert("a", profile);
  Apply(Row(Op::kUpdate, IdrepoRelation(),
            {{"id", "a"}, {"profile", "<toast>"}, {"is_deleted", "t"}}));
  EXPECT_EQ(Counts("profiles"), M{});
  EXPECT_EQ(Counts("by_gender"), M{});
  // is_deleted back to false; the profile is not resent (unchanged TOAST).
  Apply(Row(Op::kUpdate, IdrepoRelation(),
            {{"id", "a"}, {"profile", "<toast>"}, {"is_deleted", "f"}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
  // An insert that arrives already soft-deleted counts nothing.
  Apply(
      Row(Op::kCreate, IdrepoRelation(), {{"id", "b"}, {"profile", profile}, {"is_deleted", "t"}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
}

TEST_F(EngineTest, SnapshotReadsSeedStateAndRepeatsAreIgnored) {
  const std::string profile = IdrepoProfile("New", "2025-03-14", std::nullopt, Female());
  Insert("a", profile, "2025-03-14 10:00:00", Op::kRead);
  Insert("a", profile, "2025-03-14 10:00:00", Op::kRead);    // a re-snapshot
  Insert("a", profile, "2025-03-14 10:00:00", Op::kCreate);  // a replayed insert
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
  EXPECT_EQ(engine_->stats().rows_ignored, 2u);
}

TEST_F(EngineTest, ReplayingAnUpdateOrDeleteIsIdempotent) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  const ChangeEvent fix =
      Row(Op::kUpdate, IdrepoRelation(),
          {{"id", "a"}, {"profile", IdrepoProfile("New", "2025-03-14", std::nullopt, Male())}});
  Apply(fix);
  Apply(fix);
  EXPECT_EQ(Counts("by_gender"), (M{{"Male", 1}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
}

TEST_F(EngineTest, PrimaryKeyChangeMovesTheRow) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ChangeEvent e =
      Row(Op::kUpdate, IdrepoRelation(),
          {{"id", "b"}, {"profile", IdrepoProfile("New", "2025-03-14", std::nullopt, Female())}});
  e.before = testing::MakeTuple(*IdrepoRelation(), {{"id", "a"}});
  Apply(e);
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "a"}}));  // already gone
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "b"}}));
  EXPECT_EQ(Counts("profiles"), M{});
}

TEST_F(EngineTest, PrimaryKeyChangeWithUnchangedToastCarriesTheContributions) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Male()));
  Insert("c", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  // The key changes and the profile is not resent (REPLICA IDENTITY
  // DEFAULT: the old tuple holds the key only).
  ChangeEvent e =
      Row(Op::kUpdate, IdrepoRelation(), {{"id", "b"}, {"profile", "<toast>"}, {"is_deleted", "f"}});
  e.before = testing::MakeTuple(*IdrepoRelation(), {{"id", "a"}});
  e.before_is_key_only = true;
  Apply(e);
  Apply(e);  // a replay: the row is already under "b"
  EXPECT_EQ(Counts("profiles"), (M{{"", 2}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}, {"Male", 1}}));
  EXPECT_EQ(engine_->stats().bad_profiles, 0u);
  // The contributions live under "b" now.
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "a"}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}, {"Male", 1}}));
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "b"}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  ASSERT_TRUE(engine_->Commit().ok());
  Result<Outbox> out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->dead_letters.empty());
}

TEST_F(EngineTest, TruncateRetractsEveryRowOfTheTable) {
  for (int i = 0; i < 30; ++i) {
    Insert("id" + std::to_string(i), IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  }
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r1"},
             {"process_stage", "PrintingStage"},
             {"profile", RegprcProfile(Registration{})}}));
  ChangeEvent truncate;
  truncate.op = Op::kTruncate;
  truncate.relation = IdrepoRelation();
  Apply(truncate);
  EXPECT_EQ(Counts("profiles"), M{});
  EXPECT_EQ(Counts("by_gender"), M{});
  EXPECT_EQ(Counts("reg_gender"), (M{{"Female", 1}}));  // another table: untouched
  Insert("id1", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
}

// ---- Derived keys ----

TEST_F(EngineTest, AgeGroupsAtTheirEdges) {
  // MOSIP's buckets are half-open: 5 is "5-18", 18 is "18-60", 60 "60 and above".
  const std::pair<std::string, std::string> cases[] = {
      {"\"2021\"", "0-5"},        {"\"2020\"", "5-18"},  {"\"2008\"", "5-18"},
      {"\"2007\"", "18-60"},      {"\"1966\"", "18-60"}, {"\"1965\"", "60 and above"},
      {"0", "Unknown"},           {"null", "Unknown"},   {"\"2026\"", "Unknown"},
      {"\"unknown\"", "Unknown"}, {"2025", "0-5"},
  };
  M expected;
  for (size_t i = 0; i < std::size(cases); ++i) {
    Person p;
    p.yob = cases[i].first;
    Insert("p" + std::to_string(i), IdrepoProfile("New", "2025-03-14", std::nullopt, p));
    ++expected[cases[i].second];
  }
  EXPECT_EQ(Counts("by_age"), expected);
}

TEST_F(EngineTest, AgeUsesCrDtimesWhenTheProfileHasNoDate) {
  Person p;
  p.yob = "\"2007\"";
  // No date: the age is taken against cr_dtimes' year (2024 -> 17).
  Insert("a", IdrepoProfile("New", "", std::nullopt, p), "2024-12-31 23:59:59");
  EXPECT_EQ(Counts("by_age"), (M{{"5-18", 1}}));
  EXPECT_EQ(Counts("daily"), (M{{"New@2024-12-31", 1}}));
}

TEST_F(EngineTest, MissingFieldsGoToUnknownOrAddNothing) {
  Person p;
  p.gender = "";
  p.location = {"Zone-East"};  // the postal level is missing
  p.languages = {};
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, p));
  EXPECT_EQ(Counts("by_gender"), (M{{"Unknown", 1}}));
  EXPECT_EQ(Counts("by_l1"), (M{{"Zone-East", 1}}));
  EXPECT_EQ(Counts("by_l2"), (M{{"Unknown", 1}}));
  EXPECT_EQ(Counts("by_lang"), M{});  // an empty list adds nothing by default
  EXPECT_EQ(Counts("by_lang_none"), (M{{"None", 1}}));
}

TEST_F(EngineTest, UnknownProcessNamesKeepTheirOwnBucket) {
  Registration r;
  r.process = "RES_REPRINT";
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r1"}, {"process_stage", "PrintingStage"}, {"profile", RegprcProfile(r)}}));
  r.process = "FUTURE_KIND";
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r2"}, {"process_stage", "PrintingStage"}, {"profile", RegprcProfile(r)}}));
  // MOSIP's empty profile after a builder error: no process name at all.
  Insert("a", R"({"processName":null,"date":null,"oldProfile":null,"newProfile":null})");
  EXPECT_EQ(Counts("by_process"), (M{{"Res_reprint", 1}, {"Future_kind", 1}, {"Unknown", 1}}));
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  EXPECT_EQ(Counts("by_gender"), M{});  // no identity in it
  EXPECT_EQ(engine_->stats().bad_profiles, 0u);
}

TEST_F(EngineTest, TimeBucketsDayWeekMonth) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));            // a Friday
  Insert("b", IdrepoProfile("New", "2025-03-10T23:00:00Z", std::nullopt, Female()));  // Monday
  Insert("c", IdrepoProfile("Update", "2025-03-09", Female(), Female()));             // Sunday
  Insert("d", IdrepoProfile("New", "2025-02-30", std::nullopt, Female()));            // rolls over
  EXPECT_EQ(Counts("daily"), (M{{"New@2025-03-14", 1},
                                {"New@2025-03-10", 1},
                                {"Update@2025-03-09", 1},
                                {"New@2025-03-02", 1}}));
  EXPECT_EQ(Counts("weekly"), (M{{"@2025-03-10", 2}, {"@2025-03-03", 1}, {"@2025-02-24", 1}}));
  EXPECT_EQ(Counts("monthly"), (M{{"@2025-03-01", 4}}));
}

TEST_F(EngineTest, ChangedAttributesOfUpdates) {
  Person before = Female();
  before.channels = {"PHONE", "EMAIL"};
  Person after = Male();  // gender, both location levels
  after.channels = {"PHONE"};
  after.verified = {"phone"};
  after.documents = {"DOC001", "DOC007"};
  Insert("a", IdrepoProfile("Update", "2025-06-02", before, after));
  Insert("b", IdrepoProfile("Update", "2025-06-02", Female(), Female()));   // a name change
  Insert("c", IdrepoProfile("New", "2025-06-02", std::nullopt, Female()));  // not an update
  EXPECT_EQ(Counts("changed"), (M{{"gender", 1},
                                  {"location_L1", 1},
                                  {"location_L2", 1},
                                  {"channel", 1},
                                  {"verified", 1},
                                  {"documents", 1},
                                  {"none", 1}}));
}

TEST_F(EngineTest, ExceptionsGroupByNormalizedTypeAndSubType) {
  Person p = Female();
  p.exceptions = {{"Finger", "Left Thumb"}, {"FINGER", "Left Thumb"}, {"Iris", "Left"}};
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, p));
  EXPECT_EQ(Counts("exceptions"), (M{{"FINGER|Left Thumb", 1}, {"IRIS|Left", 1}}));
}

TEST_F(EngineTest, SharedChannelsFromAnnexureHashes) {
  Person a;
  a.hashed = {{"9f2c", "phone"}};
  Person b;
  b.hashed = {{"9F2C", "phone"}, {"03a1", "email"}};  // same phone, other case
  Person none;  // no channel at all: in no hash, and no "Unknown" one either
  for (const char* id : {"n0", "n1", "n2"}) {
    Apply(Row(Op::kCreate, IdrepoRelation(),
              {{"id", id}, {"profile", AnnexureProfile("new", std::nullopt, none)}}));
  }
  Apply(Row(Op::kCreate, IdrepoRelation(),
            {{"id", "a"}, {"profile", AnnexureProfile("new", std::nullopt, a)}}));
  Apply(Row(Op::kCreate, IdrepoRelation(),
            {{"id", "b"}, {"profile", AnnexureProfile("new", std::nullopt, b)}}));
  EXPECT_EQ(Counts("shared"), (M{{"phone", 1}}));
  EXPECT_EQ(Counts("shared", /*sums=*/true), (M{{"phone", 2 * kMicrosPerUnit}}));
  // b moves to a phone of its own: nothing is shared any more. Its email is
  // in both sides: a net change of 0.
  Person b2 = b;
  b2.hashed = {{"77aa", "phone"}, {"03a1", "email"}};
  Apply(Row(Op::kCreate, IdrepoRelation(),
            {{"id", "c"}, {"profile", AnnexureProfile("update", b, b2)}}));
  EXPECT_EQ(Counts("shared"), M{});
  // Deleting the update brings the sharing back.
  Apply(Row(Op::kDelete, IdrepoRelation(), {{"id", "c"}}));
  EXPECT_EQ(Counts("shared"), (M{{"phone", 1}}));
}

TEST_F(EngineTest, ChannelInfoHistogramFollowsNoOfRecords) {
  auto upsert = [&](Op op, const std::string& hash, const std::string& type, int n) {
    Apply(Row(
        op, ChannelInfoRelation(),
        {{"hashed_channel", hash}, {"channel_type", type}, {"no_of_records", std::to_string(n)}}));
  };
  upsert(Op::kCreate, "h1", "phone", 1);
  upsert(Op::kCreate, "h2", "phone", 2);
  upsert(Op::kCreate, "h3", "phone", 4);
  upsert(Op::kCreate, "h4", "email", 12);
  upsert(Op::kCreate, "NO_PHONE", "phone", 40);  // filtered out
  EXPECT_EQ(Counts("ci_histogram"),
            (M{{"phone|1", 1}, {"phone|2", 1}, {"phone|3-5", 1}, {"email|11+", 1}}));
  upsert(Op::kUpdate, "h3", "phone", 6);
  upsert(Op::kUpdate, "h1", "phone", 2);
  Apply(Row(Op::kDelete, ChannelInfoRelation(), {{"hashed_channel", "h4"}}));
  EXPECT_EQ(Counts("ci_histogram"), (M{{"phone|2", 2}, {"phone|6-10", 1}}));
  EXPECT_EQ(Counts("ci_histogram", true),
            (M{{"phone|2", 4 * kMicrosPerUnit}, {"phone|6-10", 6 * kMicrosPerUnit}}));
}

TEST_F(EngineTest, RegprcFilterAndAverageQuality) {
  Registration r;
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r1"}, {"process_stage", "PrintingStage"}, {"profile", RegprcProfile(r)}}));
  Registration sync = r;
  sync.stage = "SYNC";
  sync.status = "REGISTERED";
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r2"}, {"process_stage", "SYNC"}, {"profile", RegprcProfile(sync)}}));
  EXPECT_EQ(Counts("reg_gender"), (M{{"Female", 1}}));  // one per registration
  // Per profile, FINGER averages (78 + 81) / 2; two profiles of each.
  EXPECT_EQ(Counts("reg_quality"), (M{{"FINGER", 2}, {"FACE", 2}}));
  EXPECT_EQ(Counts("reg_quality", true),
            (M{{"FINGER", 159 * kMicrosPerUnit}, {"FACE", 180 * kMicrosPerUnit}}));
}

// ---- Bad input ----

TEST_F(EngineTest, BadProfilesAreCountedAndDeadLetteredAndThePipelineGoesOn) {
  Insert("bad", R"({"processName":"New","date":"2025-03-14","newProfile":{"gender":)");
  Insert("worse", R"({"processName":"New","date":"2025-03-14","newProfile":{"location":"x"}})");
  Insert("good", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  Insert("bad", R"({"processName":"New","date":"2025-03-14","newProfile":{"gender":)");  // replay
  EXPECT_EQ(engine_->stats().bad_profiles, 0u);  // counted with the position that covers them
  ASSERT_TRUE(engine_->Commit(Lsn(0x180)).ok());
  EXPECT_EQ(engine_->stats().bad_profiles, 2u);
  EXPECT_EQ(Counts("profiles"), (M{{"", 1}}));
  Result<Outbox> out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->dead_letters.size(), 2u);
  const DeadLetter& d = out->dead_letters[0].second;
  EXPECT_EQ(d.table, "idrepo.anonymous_profile");
  EXPECT_EQ(d.key, (std::vector<std::pair<std::string, std::string>>{{"id", "bad"}}));
  EXPECT_EQ(d.error, "malformed_json");
  EXPECT_EQ(d.op, 'c');
  EXPECT_EQ(d.lsn, Lsn(0x100));
  EXPECT_EQ(out->dead_letters[1].second.error, "wrong_type");
  EXPECT_NE(out->dead_letters[1].second.reason.find("newProfile.location"), std::string::npos);
  // A later fix of the bad row counts it.
  Apply(
      Row(Op::kUpdate, IdrepoRelation(),
          {{"id", "bad"}, {"profile", IdrepoProfile("New", "2025-03-14", std::nullopt, Male())}}));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}, {"Male", 1}}));
}

// A checkpoint inside a transaction writes its rows without moving
// applied_lsn; after a crash or a broken stream the transaction comes again
// and its rows apply again. Its bad profiles must count once.
TEST_F(EngineTest, ABadProfileReplayedAfterAPartialCommitCountsOnce) {
  const std::string bad = R"({"processName":"New","date":"2025-03-14","newProfile":{"gender":)";
  Insert("bad", bad);
  ASSERT_TRUE(engine_->Commit(Lsn(0x180)).ok());
  ASSERT_EQ(engine_->stats().bad_profiles, 1u);
  const ChangeEvent update = Row(Op::kUpdate, IdrepoRelation(), {{"id", "bad"}, {"profile", bad}});
  Apply(update);
  ASSERT_TRUE(engine_->Commit().ok());  // inside the transaction: no position
  EXPECT_EQ(engine_->stats().bad_profiles, 1u);
  engine_->DropUnappliedCounts();  // the stream broke; the transaction comes again
  Apply(update);
  ASSERT_TRUE(engine_->Commit(Lsn(0x300)).ok());
  EXPECT_EQ(engine_->stats().bad_profiles, 2u);
}

TEST_F(EngineTest, UpdateOfUnknownRowWithoutProfileIsDeadLettered) {
  Apply(Row(Op::kUpdate, IdrepoRelation(), {{"id", "x"}, {"profile", "<toast>"}}));
  ASSERT_TRUE(engine_->Commit().ok());
  Result<Outbox> out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->dead_letters.size(), 1u);
  EXPECT_EQ(out->dead_letters[0].second.error, "unchanged_toast");
  EXPECT_EQ(out->dead_letters[0].second.op, 'u');
}

TEST_F(EngineTest, TableWithoutPrimaryKeyIsAClearError) {
  auto keyless = testing::MakeRelation(16499, "idrepo", "anonymous_profile",
                                       {"id", "profile", "cr_dtimes"}, {});
  const Status s = engine_->Apply(Row(Op::kCreate, keyless, {{"id", "a"}, {"profile", "{}"}}));
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("primary key"), std::string::npos);
}

TEST_F(EngineTest, NegativeStateCountsAreKeptExactAndCounted) {
  // An update whose New was never seen: the old side's -1 has nothing to cancel.
  Insert("u", IdrepoProfile("Update", "2025-06-02", Female(), Male()));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", -1}, {"Male", 1}}));
  // by_gender, by_l1 and by_l2 each went below 0 once.
  EXPECT_EQ(engine_->stats().state_negative_corrections, 3u);
  Insert("n", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  EXPECT_EQ(Counts("by_gender"), (M{{"Male", 1}}));  // exact again
}

// ---- Durability ----

TEST_F(EngineTest, RestartRestoresStateAppliedLsnAndDirtySet) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ASSERT_TRUE(engine_->Commit(Lsn(0x500)).ok());
  Insert("b", IdrepoProfile("New", "2025-03-14", std::nullopt, Male()));  // never committed
  Open();  // a crash: the uncommitted row is gone
  EXPECT_EQ(engine_->applied_lsn(), Lsn(0x500));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
  // The committed aggregates were never acknowledged: they are pending.
  Result<Outbox> out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->aggregates.empty());
  ASSERT_TRUE(engine_->Acknowledge(*out).ok());
  EXPECT_FALSE(engine_->HasPendingOutput());
  Open();
  EXPECT_FALSE(engine_->HasPendingOutput());
  // The row state came back too: a replayed insert is ignored.
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
}

TEST_F(EngineTest, AcknowledgeKeepsAggregatesChangedSince) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ASSERT_TRUE(engine_->Commit(Lsn(0x500)).ok());
  Result<Outbox> first = engine_->PendingOutput(1000);
  ASSERT_TRUE(first.ok());
  Insert("b", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ASSERT_TRUE(engine_->Commit(Lsn(0x600)).ok());
  ASSERT_TRUE(engine_->Acknowledge(*first).ok());
  Result<Outbox> second = engine_->PendingOutput(1000);
  ASSERT_TRUE(second.ok());
  // by_gender/Female changed after `first` was taken: it is still pending,
  // with its newer value.
  const auto female =
      std::find_if(second->aggregates.begin(), second->aggregates.end(),
                   [](const AggregateValue& v) { return v.key.metric == "by_gender"; });
  ASSERT_NE(female, second->aggregates.end());
  EXPECT_EQ(female->count, 2);
}

TEST_F(EngineTest, LargeTransactionSpillsWithoutMovingAppliedLsn) {
  options_.max_batch_rows = 7;
  Open();
  for (int i = 0; i < 100; ++i) {
    Insert("id" + std::to_string(i),
           IdrepoProfile("New", "2025-03-14", std::nullopt, i % 2 ? Female() : Male()));
  }
  EXPECT_GE(engine_->stats().spills, 10u);
  EXPECT_LT(engine_->batch_rows(), 7u);
  EXPECT_EQ(engine_->applied_lsn(), Lsn());
  Open();                          // a crash inside the transaction keeps what was spilled...
  for (int i = 0; i < 100; ++i) {  // ...and the transaction's replay lands on the same counts
    Insert("id" + std::to_string(i),
           IdrepoProfile("New", "2025-03-14", std::nullopt, i % 2 ? Female() : Male()));
  }
  ASSERT_TRUE(engine_->Commit(Lsn(0x900)).ok());
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 50}, {"Male", 50}}));
  EXPECT_EQ(engine_->applied_lsn(), Lsn(0x900));
}

TEST_F(EngineTest, ResetZeroesAggregatesAndForgetsRows) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ASSERT_TRUE(engine_->Commit(Lsn(0x500)).ok());
  Result<Outbox> out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(engine_->Acknowledge(*out).ok());
  ASSERT_TRUE(engine_->Reset().ok());
  EXPECT_EQ(engine_->applied_lsn(), Lsn());
  EXPECT_EQ(Counts("by_gender"), M{});
  // Every aggregate's document goes out again, as 0.
  out = engine_->PendingOutput(1000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->aggregates.size(), engine_->ReadAggregates()->size());
  for (const AggregateValue& v : out->aggregates) EXPECT_EQ(v.count, 0);
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()), "x", Op::kRead);
  EXPECT_EQ(Counts("by_gender"), (M{{"Female", 1}}));
}

TEST_F(EngineTest, RefusesStateOfOtherDefinitionsOrInstance) {
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  ASSERT_TRUE(engine_->Commit(Lsn(0x500)).ok());
  engine_.reset();
  Result<MetricSet> other = ParseMetricDefinitions(
      R"({"metrics":[{"id":"profiles","source":"idrepo","measure":"count"}]})");
  ASSERT_TRUE(other.ok());
  EngineOptions options;
  options.store.dir = dir_.Sub("state");
  options.instance = "test/slot";
  Result<std::unique_ptr<MetricsEngine>> e = MetricsEngine::Open(*other, options);
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
  options.instance = "other/slot";
  e = MetricsEngine::Open(*set_, options);
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
  // Allowed to reset: the state is wiped and the caller is told.
  options.instance = "test/slot";
  options.reset_on_definition_change = true;
  e = MetricsEngine::Open(*other, options);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE((*e)->reset_at_open());
  EXPECT_EQ((*e)->applied_lsn(), Lsn());
}

TEST_F(EngineTest, MosipDefaultSetOnEveryShape) {
  Result<MetricSet> mosip =
      LoadMetricDefinitions(std::string(WALCAST_SOURCE_DIR) + "/config/metrics/mosip.json");
  ASSERT_TRUE(mosip.ok()) << mosip.status().ToString();
  set_ = std::make_unique<MetricSet>(std::move(mosip).value());
  state_name_ = "mosip";
  Open();
  Insert("a", IdrepoProfile("New", "2025-03-14", std::nullopt, Female()));
  Insert("b", IdrepoProfile("Update", "2025-04-01", Female(), Male()));
  Person h;
  h.hashed = {{"AB", "phone"}};
  Insert("c", AnnexureProfile("new", std::nullopt, h));
  Insert("d", AnnexureProfile("new", std::nullopt, h));
  Apply(Row(Op::kCreate, RegprcRelation(),
            {{"id", "r"},
             {"process_stage", "PrintingStage"},
             {"profile", RegprcProfile(Registration{})}}));
  Apply(Row(Op::kCreate, ChannelInfoRelation(),
            {{"hashed_channel", "h"}, {"channel_type", "phone"}, {"no_of_records", "3"}}));
  EXPECT_EQ(Counts("idrepo_profiles"), (M{{"", 4}}));
  EXPECT_EQ(Counts("idrepo_identities"), (M{{"", 3}}));
  EXPECT_EQ(Counts("idrepo_by_process"), (M{{"New", 3}, {"Update", 1}}));
  EXPECT_EQ(Counts("idrepo_by_gender"), (M{{"Male", 1}, {"Female", 2}}));
  EXPECT_EQ(Counts("annexure_shared_channels"), (M{{"phone", 1}}));
  EXPECT_EQ(Counts("shared_channels"), (M{{"phone", 1}}));
  EXPECT_EQ(Counts("regprc_by_process"), (M{{"New", 1}}));
  EXPECT_EQ(Counts("regprc_stage_funnel"), (M{{"PrintingStage|PROCESSED", 1}}));
}

}  // namespace
}  // namespace walcast::metrics
