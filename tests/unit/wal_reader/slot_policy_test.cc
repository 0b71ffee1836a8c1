#include "wal_reader/slot_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walcast::wal_reader {
namespace {

using Code = Status::Code;
using Sev = Finding::Severity;

SlotInfo Slot(std::string plugin = "pgoutput", std::string database = "db",
              std::string wal_status = "reserved") {
  SlotInfo slot;
  slot.name = "walcast";
  slot.plugin = std::move(plugin);
  slot.database = std::move(database);
  slot.wal_status = std::move(wal_status);
  slot.confirmed_flush = Lsn(0x1000);
  return slot;
}

const std::vector<TableId> kTables = {{"public", "a"}, {"public", "b"}};

PublicationState Existing(std::set<TableId> members, bool all_tables = false) {
  PublicationState state;
  state.exists = true;
  state.all_tables = all_tables;
  state.owner = "walcast";
  state.members = std::move(members);
  return state;
}

TEST(CheckSlotReusableTest, MatchingSlotIsReused) {
  EXPECT_EQ(CheckSlotReusable(Slot(), "pgoutput", "db").code(), Code::kOk);
  // Reserved, extended and unreserved WAL can all still be streamed.
  EXPECT_EQ(CheckSlotReusable(Slot("pgoutput", "db", "unreserved"), "pgoutput", "db").code(),
            Code::kOk);
}

TEST(CheckSlotReusableTest, OtherPluginIsRefused) {
  const Status s = CheckSlotReusable(Slot("wal2json"), "pgoutput", "db");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("plugin.name=wal2json"), std::string::npos) << s.message();
}

TEST(CheckSlotReusableTest, OtherDatabaseIsRefused) {
  EXPECT_EQ(CheckSlotReusable(Slot("pgoutput", "other"), "pgoutput", "db").code(),
            Code::kInvalidArgument);
}

TEST(CheckSlotReusableTest, LostWalIsFatal) {
  EXPECT_EQ(CheckSlotReusable(Slot("pgoutput", "db", "lost"), "pgoutput", "db").code(),
            Code::kFatal);
}

TEST(CheckSlotReusableTest, LostWalNamesTheSettingAndTheWaysOn) {
  for (const std::string reason : {"", "wal_removed"}) {
    SlotInfo slot = Slot("pgoutput", "db", "lost");
    slot.invalidation_reason = reason;
    const Status s = CheckSlotReusable(slot, "pgoutput", "db");
    EXPECT_EQ(s.code(), Code::kFatal);
    EXPECT_NE(s.message().find("max_slot_wal_keep_size"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("snapshot.mode=when_needed"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("pg_drop_replication_slot('walcast')"), std::string::npos);
  }
  // Another cause (a conflict on a standby) is named, not blamed on the
  // WAL limit.
  SlotInfo conflict = Slot("pgoutput", "db", "lost");
  conflict.invalidation_reason = "rows_removed";
  const std::string msg = LostSlotMessage(conflict);
  EXPECT_NE(msg.find("invalidation_reason=rows_removed"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("max_slot_wal_keep_size"), std::string::npos) << msg;
}

TEST(CheckSlotReusableTest, PluginIsCheckedBeforeLostWal) {
  EXPECT_EQ(CheckSlotReusable(Slot("wal2json", "db", "lost"), "pgoutput", "db").code(),
            Code::kInvalidArgument);
}

TEST(PublicationStatementTest, DisabledNeedsAnExistingPublication) {
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kDisabled, {}, kTables).status().code(),
            Code::kNotFound);
  const auto existing = PublicationStatement("pub", PublicationMode::kDisabled, Existing({}), {});
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ(*existing, "");
}

TEST(PublicationStatementTest, AllTablesAndNoTablesCreateOnlyWhenMissing) {
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kAllTables, {}, {}).value(),
            "CREATE PUBLICATION \"pub\" FOR ALL TABLES");
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kNoTables, {}, {}).value(),
            "CREATE PUBLICATION \"pub\"");
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kAllTables, Existing({}), {}).value(), "");
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kNoTables, Existing({}), {}).value(), "");
}

TEST(PublicationStatementTest, FilteredCreatesForTheMatchedTables) {
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kFiltered, {}, kTables).value(),
            "CREATE PUBLICATION \"pub\" FOR TABLE \"public\".\"a\", \"public\".\"b\"");
}

TEST(PublicationStatementTest, FilteredAltersWhenMembersDiffer) {
  const PublicationState state = Existing({{"public", "a"}, {"public", "c"}});
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kFiltered, state, kTables).value(),
            "ALTER PUBLICATION \"pub\" SET TABLE \"public\".\"a\", \"public\".\"b\"");
}

TEST(PublicationStatementTest, FilteredLeavesMatchingMembersAlone) {
  const PublicationState state = Existing({kTables.begin(), kTables.end()});
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kFiltered, state, kTables).value(), "");
}

TEST(PublicationStatementTest, FilteredWithoutTablesIsRefused) {
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kFiltered, {}, {}).status().code(),
            Code::kInvalidArgument);
}

TEST(PublicationStatementTest, FilteredRefusesForAllTablesPublication) {
  const PublicationState state = Existing({}, /*all_tables=*/true);
  EXPECT_EQ(PublicationStatement("pub", PublicationMode::kFiltered, state, kTables).status().code(),
            Code::kInvalidArgument);
}

// A server with 10 replication slots and 10 WAL senders.
ServerInfo Server(int version, std::string wal_level, int used_slots, int used_senders) {
  ServerInfo server;
  server.version = version;
  server.wal_level = std::move(wal_level);
  server.max_replication_slots = 10;
  server.used_replication_slots = used_slots;
  server.max_wal_senders = 10;
  server.used_wal_senders = used_senders;
  return server;
}

TEST(ServerFindingsTest, HealthyServer) {
  const std::vector<Finding> findings =
      ServerFindings(Server(150000, "logical", 9, 1), /*slot_exists=*/false);
  ASSERT_EQ(findings.size(), 4u);
  for (const Finding& f : findings) EXPECT_EQ(f.severity, Sev::kOk) << f.check;
}

TEST(ServerFindingsTest, EachShortfallIsAnErrorWithItsFix) {
  const ServerInfo server = Server(90600, "replica", 10, 10);
  const std::vector<Finding> findings = ServerFindings(server, /*slot_exists=*/false);
  ASSERT_EQ(findings.size(), 4u);
  for (const Finding& f : findings) EXPECT_EQ(f.severity, Sev::kError) << f.check;
  EXPECT_EQ(findings[0].check, "wal_level");
  EXPECT_FALSE(findings[0].fix_sql.empty());
  // An existing slot needs no free one.
  EXPECT_EQ(ServerFindings(server, /*slot_exists=*/true)[2].severity, Sev::kOk);
}

TEST(ServerFindingsTest, AStandbyNeedsHotStandbyFeedback) {
  ServerInfo server = Server(170000, "logical", 9, 1);
  server.in_recovery = true;
  server.primary_slot_name = "standby1";
  std::vector<Finding> findings = ServerFindings(server, /*slot_exists=*/false);
  ASSERT_EQ(findings.size(), 7u);
  EXPECT_EQ(findings[5].check, "hot_standby_feedback");
  EXPECT_EQ(findings[5].severity, Sev::kError);
  EXPECT_EQ(findings[5].fix_sql.front(),
            "ALTER SYSTEM SET hot_standby_feedback = on;  -- on the standby");
  server.hot_standby_feedback = true;
  findings = ServerFindings(server, /*slot_exists=*/false);
  for (const Finding& f : findings) EXPECT_EQ(f.severity, Sev::kOk) << f.check;
  // Without a physical slot on the primary the feedback lapses while the
  // standby is away.
  server.primary_slot_name.clear();
  EXPECT_EQ(ServerFindings(server, /*slot_exists=*/false).back().severity, Sev::kWarning);
}

TEST(ServerFindingsTest, AStandbyBefore16CannotDecode) {
  ServerInfo server = Server(150000, "logical", 9, 1);
  server.in_recovery = true;
  const std::vector<Finding> findings = ServerFindings(server, /*slot_exists=*/false);
  EXPECT_EQ(findings.back().check, "standby");
  EXPECT_EQ(findings.back().severity, Sev::kError);
}

TEST(SlotFindingTest, LostSlotIsAnErrorWithItsDrop) {
  const Finding f = SlotFinding(Slot("pgoutput", "db", "lost"), "walcast", "pgoutput", "db");
  EXPECT_EQ(f.severity, Sev::kError);
  EXPECT_NE(f.detail.find("max_slot_wal_keep_size"), std::string::npos) << f.detail;
}

TEST(RoleFindingTest, ReplicationOrSuperuserIsNeeded) {
  RoleInfo role;
  role.name = "\"walcast\"";
  EXPECT_EQ(RoleFinding(role).severity, Sev::kError);
  EXPECT_EQ(RoleFinding(role).fix_sql, std::vector<std::string>{
                                           "ALTER ROLE \"walcast\" WITH REPLICATION;"});
  role.replication = true;
  EXPECT_EQ(RoleFinding(role).severity, Sev::kOk);
}

TEST(SlotFindingTest, EachSlotState) {
  EXPECT_EQ(SlotFinding(std::nullopt, "walcast", "pgoutput", "db").severity, Sev::kWarning);
  EXPECT_EQ(SlotFinding(Slot("wal2json"), "walcast", "pgoutput", "db").severity, Sev::kError);
  EXPECT_EQ(SlotFinding(Slot("pgoutput", "other"), "walcast", "pgoutput", "db").severity,
            Sev::kError);
  SlotInfo active = Slot();
  active.active = true;
  active.active_pid = 4242;
  const Finding in_use = SlotFinding(active, "walcast", "pgoutput", "db");
  EXPECT_EQ(in_use.severity, Sev::kWarning);
  EXPECT_NE(in_use.detail.find("4242"), std::string::npos);
  EXPECT_EQ(SlotFinding(Slot(), "walcast", "pgoutput", "db").severity, Sev::kOk);
}

TEST(PublicationFindingsTest, MissingPublicationSaysWhoCanCreateIt) {
  RoleInfo role;
  role.name = "\"walcast\"";
  auto first = [&](PublicationMode mode) {
    return PublicationFindings("pub", mode, {}, kTables, role, "db").at(0);
  };
  EXPECT_EQ(first(PublicationMode::kDisabled).severity, Sev::kError);
  EXPECT_EQ(first(PublicationMode::kAllTables).severity, Sev::kError);  // needs a superuser
  const Finding cannot_create = first(PublicationMode::kFiltered);
  EXPECT_EQ(cannot_create.severity, Sev::kError);
  EXPECT_EQ(cannot_create.fix_sql.size(), 2u);  // GRANT CREATE, then CREATE PUBLICATION
  role.can_create = true;
  EXPECT_EQ(first(PublicationMode::kFiltered).severity, Sev::kWarning);
}

TEST(PublicationFindingsTest, MissingMembersAreListedWithTheirFix) {
  const PublicationState state = Existing({{"public", "a"}});
  const std::vector<Finding> filtered =
      PublicationFindings("pub", PublicationMode::kFiltered, state, kTables, {}, "db");
  ASSERT_EQ(filtered.size(), 2u);  // owner, then public.b
  EXPECT_EQ(filtered[1].severity, Sev::kWarning);
  EXPECT_EQ(filtered[1].fix_sql,
            std::vector<std::string>{"ALTER PUBLICATION \"pub\" ADD TABLE \"public\".\"b\";"});
  // Nobody adds the table when the DBA owns the publication.
  EXPECT_EQ(PublicationFindings("pub", PublicationMode::kDisabled, state, kTables, {}, "db")[1]
                .severity,
            Sev::kError);
}

TEST(PublicationFindingsTest, ForAllTablesIsAnErrorOnlyWhenFiltered) {
  const PublicationState state = Existing({}, /*all_tables=*/true);
  EXPECT_EQ(PublicationFindings("pub", PublicationMode::kFiltered, state, kTables, {}, "db")[1]
                .severity,
            Sev::kError);
  EXPECT_EQ(PublicationFindings("pub", PublicationMode::kAllTables, state, kTables, {}, "db")[1]
                .severity,
            Sev::kOk);
}

TEST(ReplicaIdentityFindingTest, NothingWarnsDefaultWithoutKeyFails) {
  const TableId t{"public", "t"};
  EXPECT_EQ(ReplicaIdentityFinding(t, 'n', true, false).severity, Sev::kWarning);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'n', true, false).fix_sql,
            std::vector<std::string>{"ALTER TABLE \"public\".\"t\" REPLICA IDENTITY FULL;"});
  EXPECT_EQ(ReplicaIdentityFinding(t, 'd', false, false).severity, Sev::kError);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'd', false, true).severity, Sev::kError);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'd', true, false).severity, Sev::kOk);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'f', false, false).severity, Sev::kOk);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'i', false, false).detail, "public.t USING INDEX");
}

TEST(ReplicaIdentityFindingTest, ToastableColumnsWarnUnlessFull) {
  const TableId t{"public", "t"};
  const Finding by_default = ReplicaIdentityFinding(t, 'd', true, true);
  EXPECT_EQ(by_default.severity, Sev::kWarning);
  EXPECT_EQ(by_default.check, "replica identity");
  EXPECT_EQ(by_default.fix_sql,
            std::vector<std::string>{"ALTER TABLE \"public\".\"t\" REPLICA IDENTITY FULL;"});
  EXPECT_EQ(ReplicaIdentityFinding(t, 'i', false, true).severity, Sev::kWarning);
  EXPECT_EQ(ReplicaIdentityFinding(t, 'f', true, true).severity, Sev::kOk);
  EXPECT_TRUE(ReplicaIdentityFinding(t, 'f', true, true).fix_sql.empty());
  EXPECT_EQ(ReplicaIdentityFinding(t, 'n', true, true).severity, Sev::kWarning);
}

}  // namespace
}  // namespace walcast::wal_reader
