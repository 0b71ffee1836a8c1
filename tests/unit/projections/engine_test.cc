#include "projections/engine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

#include "projections/definition.h"
#include "tests/unit/projections/projections_test_util.h"

namespace walcast::projections {
namespace {

using testing::Enrolment;
using testing::Event;
using testing::Text;

class ProjectionEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<SunbirdCipher>> c = SunbirdCipher::Create("test-salt");
    ASSERT_TRUE(c.ok());
    cipher_ = std::move(*c);
    Reopen();
  }
  void Reopen() {
    engine_.reset();
    ProjectionEngineOptions o;
    o.store.dir = dir_.Sub("state");
    o.store.sync = false;
    Result<std::unique_ptr<ProjectionEngine>> e = ProjectionEngine::Open(set_, o, cipher_.get());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  ChangeEvent Enrol(const Enrolment& e, uint64_t lsn, Op op = Op::kCreate) {
    return Event(op, testing::ProgramUsers(), {Text("e-" + e.user_id), Text(e.Json())}, lsn);
  }
  std::optional<ProjectedRow> Entry(const std::string& program, const std::string& user) {
    Result<std::optional<ProjectedRow>> r = engine_->Get("program_enrollment", {program, user});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }

  testing::TempDir dir_;
  ProjectionSet set_ = testing::ExampleSet();
  std::unique_ptr<SunbirdCipher> cipher_;
  std::unique_ptr<ProjectionEngine> engine_;
};

TEST_F(ProjectionEngineTest, EnrolmentBecomesAKeyedEntry) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  const std::optional<ProjectedRow> row = Entry(e.program_id, "u1");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(*row->Find("program_name"), "Learn, \"Grow\"");
  EXPECT_EQ(*row->Find("pii_consent_required"), "true");
  EXPECT_EQ(*row->Find("user_locations.district_name"), "Pune");
  EXPECT_EQ(*row->Find("user_locations.district_id"), "d-Pune");
  EXPECT_EQ(*row->Find("user_locations.school_code"), "SCH-9");
  EXPECT_EQ(*row->Find("organisation_name"), "State Org");
  EXPECT_EQ(*row->Find("user_type"), "administrator");
  EXPECT_EQ(*row->Find("user_sub_type"), "hm");
  EXPECT_EQ(engine_->applied_lsn(), Lsn(110));
}

TEST_F(ProjectionEngineTest, UpdateSoftDeleteAndDeleteApply) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  e.district = "Nashik";
  ASSERT_TRUE(engine_->Apply(Enrol(e, 120, Op::kUpdate)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(130)).ok());
  EXPECT_EQ(*Entry(e.program_id, "u1")->Find("user_locations.district_name"), "Nashik");

  e.deleted = true;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 140, Op::kUpdate)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(150)).ok());
  EXPECT_FALSE(Entry(e.program_id, "u1").has_value());

  Enrolment other;
  other.user_id = "u2";
  ASSERT_TRUE(engine_->Apply(Enrol(other, 160)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(170)).ok());
  ASSERT_TRUE(Entry(other.program_id, "u2").has_value());
  // A delete carries only the source row's key.
  ASSERT_TRUE(
      engine_
          ->Apply(Event(Op::kDelete, testing::ProgramUsers(), {Text("e-u2"), Datum::Null()}, 180))
          .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(190)).ok());
  EXPECT_FALSE(Entry(other.program_id, "u2").has_value());
}

TEST_F(ProjectionEngineTest, KeyChangeMovesTheEntry) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  e.program_id = "p-other";
  ASSERT_TRUE(engine_->Apply(Enrol(e, 110, Op::kUpdate)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(120)).ok());
  EXPECT_FALSE(Entry("602512d8e6aefa27d9629bc3", "u1").has_value());
  EXPECT_TRUE(Entry("p-other", "u1").has_value());
}

TEST_F(ProjectionEngineTest, UncommittedChangesAreLostAndReplayedOnce) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Enrolment second;
  second.user_id = "u2";
  ASSERT_TRUE(engine_->Apply(Enrol(second, 200)).ok());
  Reopen();  // a crash before the commit
  EXPECT_EQ(engine_->applied_lsn(), Lsn(110));
  EXPECT_FALSE(Entry(second.program_id, "u2").has_value());
  // The replay applies twice (a partly spilled transaction): same state.
  ASSERT_TRUE(engine_->Apply(Enrol(second, 200)).ok());
  ASSERT_TRUE(engine_->Commit().ok());
  ASSERT_TRUE(engine_->Apply(Enrol(second, 200)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(210)).ok());
  int entries = 0;
  ASSERT_TRUE(engine_
                  ->Scan("program_enrollment", {e.program_id},
                         [&](const ProjectedRow&) {
                           ++entries;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(entries, 2);
}

TEST_F(ProjectionEngineTest, EventWithoutProgramIdOrUserIdIsADeadLetter) {
  Enrolment e;
  std::string json = e.Json();
  json.replace(json.find("\"programId\""), 11, "\"programX\"");
  ASSERT_TRUE(
      engine_->Apply(Event(Op::kCreate, testing::ProgramUsers(), {Text("e-1"), Text(json)}, 100))
          .ok());
  std::string no_user = e.Json();
  no_user.replace(no_user.find("\"userId\""), 8, "\"userIX\"");
  ASSERT_TRUE(
      engine_->Apply(Event(Op::kCreate, testing::ProgramUsers(), {Text("e-2"), Text(no_user)}, 101))
          .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Result<std::vector<metrics::DeadLetter>> dl = engine_->DeadLetters();
  ASSERT_TRUE(dl.ok());
  ASSERT_EQ(dl->size(), 2u);
  EXPECT_EQ((*dl)[0].error, "missing_key");
  EXPECT_NE((*dl)[0].reason.find("'program_id' ($.programId)"), std::string::npos);
  EXPECT_EQ((*dl)[0].lsn, Lsn(100));
  EXPECT_EQ((*dl)[0].key, (std::vector<std::pair<std::string, std::string>>{{"id", "e-1"}}));
  EXPECT_NE((*dl)[1].reason.find("'user_id' ($.userId)"), std::string::npos);
}

TEST_F(ProjectionEngineTest, MalformedJsonIsADeadLetter) {
  ASSERT_TRUE(engine_
                  ->Apply(Event(Op::kCreate, testing::ProgramUsers(),
                                {Text("e-1"), Text("{\"programId\": ")}, 100))
                  .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Result<std::vector<metrics::DeadLetter>> dl = engine_->DeadLetters();
  ASSERT_TRUE(dl.ok());
  ASSERT_EQ(dl->size(), 1u);
  EXPECT_EQ((*dl)[0].error, "malformed_json");
  EXPECT_EQ(engine_->stats().dead_letters, 1u);
}

TEST_F(ProjectionEngineTest, UndecryptableColumnIsADeadLetterAndTheRowStays) {
  const std::string email = *cipher_->Encrypt("a@example.org");
  ASSERT_TRUE(engine_
                  ->Apply(Event(Op::kCreate, testing::Users(),
                                {Text("u1"), Text("Asha"), Text("K"), Text(email),
                                 Text("not-encrypted"), Text("asha")},
                                100))
                  .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Result<std::vector<metrics::DeadLetter>> dl = engine_->DeadLetters();
  ASSERT_TRUE(dl.ok());
  ASSERT_EQ(dl->size(), 1u);
  EXPECT_EQ((*dl)[0].error, "undecryptable");
  EXPECT_NE((*dl)[0].reason.find("field 'phone'"), std::string::npos);
  EXPECT_EQ((*dl)[0].reason.find("not-encrypted"), std::string::npos);
  Result<std::optional<ProjectedRow>> user = engine_->Get("user", {"u1"});
  ASSERT_TRUE(user.ok() && user->has_value());
  // Stored as Sunbird stored it, never in clear.
  EXPECT_EQ(*(*user)->Find("email"), email);
}

TEST_F(ProjectionEngineTest, ReferenceTablesKeepTheLatestRow) {
  auto consent = [&](const std::string& status, uint64_t lsn, Op op) {
    return Event(
        op, testing::UserConsent(),
        {Text("u1"), Text("p1"), Text(status), Text("2021-03-0" + std::to_string(lsn % 9))}, lsn);
  };
  ASSERT_TRUE(engine_->Apply(consent("revoked", 100, Op::kCreate)).ok());
  ASSERT_TRUE(engine_->Apply(consent("active", 101, Op::kUpdate)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Result<std::optional<ProjectedRow>> row = engine_->Get("user_consent", {"u1", "p1"});
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ(*(*row)->Find("status"), "active");
  ASSERT_TRUE(engine_->Apply(consent("active", 102, Op::kDelete)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(120)).ok());
  row = engine_->Get("user_consent", {"u1", "p1"});
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST_F(ProjectionEngineTest, TruncateEmptiesTheProjection) {
  ASSERT_TRUE(engine_->Apply(Enrol(Enrolment{}, 100)).ok());
  ChangeEvent t;
  t.op = Op::kTruncate;
  t.relation = testing::ProgramUsers();
  ASSERT_TRUE(engine_->Apply(t).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  EXPECT_FALSE(Entry("602512d8e6aefa27d9629bc3", "u1").has_value());
}

TEST_F(ProjectionEngineTest, ResetWipesEntriesButKeepsOtherMeta) {
  ASSERT_TRUE(engine_->Apply(Enrol(Enrolment{}, 100)).ok());
  engine_->Stage(metrics::state_key::Meta("exhaust_job_done/r1"), "done");
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  ASSERT_TRUE(engine_->Reset().ok());
  EXPECT_FALSE(engine_->applied_lsn().valid());
  EXPECT_FALSE(Entry("602512d8e6aefa27d9629bc3", "u1").has_value());
  Reopen();
  EXPECT_FALSE(engine_->applied_lsn().valid());
  Result<std::optional<std::string>> done =
      engine_->store().Get(metrics::state_key::Meta("exhaust_job_done/r1"));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->value_or(""), "done");
}

TEST_F(ProjectionEngineTest, OtherDefinitionsAreRefused) {
  engine_.reset();
  Result<ProjectionSet> other = ParseProjectionDefinitions(
      R"({"format":1,"projections":[{"name":"x","table":"a.b","key":["k"],"fields":{"k":"k"}}]})");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ProjectionEngineOptions o;
  o.store.dir = dir_.Sub("state");
  Result<std::unique_ptr<ProjectionEngine>> e = ProjectionEngine::Open(*other, o, nullptr);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
}

TEST_F(ProjectionEngineTest, EncryptedFieldsNeedAKey) {
  engine_.reset();
  ProjectionEngineOptions o;
  o.store.dir = dir_.Sub("other");
  Result<std::unique_ptr<ProjectionEngine>> e = ProjectionEngine::Open(set_, o, nullptr);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
}

// A report worker reads a snapshot: commits after it was taken (a move, a
// delete, a new enrolment) are not seen, on another thread too.
TEST_F(ProjectionEngineTest, SnapshotKeepsTheStateItWasTakenFrom) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  std::unique_ptr<ProjectionSnapshot> snapshot = engine_->TakeSnapshot();
  e.district = "Nashik";
  ASSERT_TRUE(engine_->Apply(Enrol(e, 120, Op::kUpdate)).ok());
  Enrolment other;
  other.user_id = "u2";
  ASSERT_TRUE(engine_->Apply(Enrol(other, 125)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(130)).ok());
  EXPECT_EQ(*Entry(e.program_id, "u1")->Find("user_locations.district_name"), "Nashik");

  std::vector<std::string> seen;
  std::thread reader([&] {
    ASSERT_TRUE(snapshot
                    ->Scan("program_enrollment", {e.program_id},
                           [&](const ProjectedRow& row) {
                             seen.push_back(*row.Find("user_id") + "/" +
                                            *row.Find("user_locations.district_name"));
                             return true;
                           })
                    .ok());
  });
  reader.join();
  EXPECT_EQ(seen, std::vector<std::string>{"u1/Pune"});
  Result<std::optional<ProjectedRow>> gone =
      snapshot->Get("program_enrollment", {e.program_id, "u2"});
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

class ProjectionOutboxTest : public ProjectionEngineTest {
 protected:
  void SetUp() override {
    set_ = testing::ExampleSet(R"({"elasticsearch_index": "enrolments"})");
    ProjectionEngineTest::SetUp();
  }
  std::vector<ProjectionChange> Pending() {
    Result<std::vector<ProjectionChange>> p = engine_->PendingChanges(100);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(*p) : std::vector<ProjectionChange>();
  }
};

// The outbox holds each changed entry once, with what the outputs hold
// (before) and the committed entry (after); acknowledged items leave it,
// also across a reopen (it is state, committed with the entries).
TEST_F(ProjectionOutboxTest, ChangedEntriesWaitForTheOutputs) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  e.district = "Nashik";
  ASSERT_TRUE(engine_->Apply(Enrol(e, 105, Op::kUpdate)).ok());
  // Another projection (no output): not in the outbox.
  ASSERT_TRUE(engine_
                  ->Apply(Event(Op::kCreate, testing::UserConsent(),
                                {Text("u1"), Text(e.program_id), Text("active"), Text("x")}, 106))
                  .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  Reopen();
  std::vector<ProjectionChange> pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].definition->name, "program_enrollment");
  EXPECT_EQ(pending[0].key, (std::vector<std::string>{e.program_id, "u1"}));
  EXPECT_FALSE(pending[0].before.has_value());
  ASSERT_TRUE(pending[0].after.has_value());
  EXPECT_EQ(*pending[0].after->Find("user_locations.district_name"), "Nashik");

  ASSERT_TRUE(engine_->AcknowledgeChanges(pending).ok());
  ASSERT_TRUE(engine_->Commit().ok());
  Reopen();
  EXPECT_TRUE(Pending().empty());

  // A delete: before is what the outputs hold, after is gone.
  ASSERT_TRUE(
      engine_
          ->Apply(Event(Op::kDelete, testing::ProgramUsers(), {Text("e-u1"), Datum::Null()}, 120))
          .ok());
  ASSERT_TRUE(engine_->Commit(Lsn(130)).ok());
  pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  ASSERT_TRUE(pending[0].before.has_value());
  EXPECT_EQ(*pending[0].before->Find("user_locations.district_name"), "Nashik");
  EXPECT_FALSE(pending[0].after.has_value());
}

// An entry that changes while the outputs write it stays in the outbox,
// now with what they wrote as before.
TEST_F(ProjectionOutboxTest, ChangeDuringAWriteStaysPending) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  const std::vector<ProjectionChange> written = Pending();
  ASSERT_EQ(written.size(), 1u);
  e.district = "Nashik";
  ASSERT_TRUE(engine_->Apply(Enrol(e, 120, Op::kUpdate)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(130)).ok());
  ASSERT_TRUE(engine_->AcknowledgeChanges(written).ok());
  ASSERT_TRUE(engine_->Commit().ok());
  const std::vector<ProjectionChange> next = Pending();
  ASSERT_EQ(next.size(), 1u);
  ASSERT_TRUE(next[0].before.has_value());
  EXPECT_EQ(*next[0].before->Find("user_locations.district_name"), "Pune");
  EXPECT_EQ(*next[0].after->Find("user_locations.district_name"), "Nashik");
}

// A truncate removes every entry from the outputs too.
TEST_F(ProjectionOutboxTest, TruncateRemovesEntriesFromTheOutputs) {
  Enrolment e;
  ASSERT_TRUE(engine_->Apply(Enrol(e, 100)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  ASSERT_TRUE(engine_->AcknowledgeChanges(Pending()).ok());
  ASSERT_TRUE(engine_->Commit().ok());
  ChangeEvent truncate;
  truncate.op = Op::kTruncate;
  truncate.relation = testing::ProgramUsers();
  truncate.lsn = Lsn(120);
  ASSERT_TRUE(engine_->Apply(truncate).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(130)).ok());
  const std::vector<ProjectionChange> pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_TRUE(pending[0].before.has_value());
  EXPECT_FALSE(pending[0].after.has_value());
}

// A fresh snapshot (Reset) keeps what the outputs hold in the outbox: an
// entry the new snapshot does not bring back is removed from them.
TEST_F(ProjectionOutboxTest, ResetKeepsTheOutputsInformed) {
  Enrolment gone;
  gone.user_id = "u-gone";
  Enrolment kept;
  ASSERT_TRUE(engine_->Apply(Enrol(gone, 100)).ok());
  ASSERT_TRUE(engine_->Apply(Enrol(kept, 101)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(110)).ok());
  ASSERT_TRUE(engine_->AcknowledgeChanges(Pending()).ok());
  ASSERT_TRUE(engine_->Commit().ok());
  ASSERT_TRUE(engine_->Reset().ok());
  ASSERT_TRUE(engine_->Apply(Enrol(kept, 200, Op::kRead)).ok());
  ASSERT_TRUE(engine_->Commit(Lsn(210)).ok());
  std::map<std::string, bool> after;  // user -> still there
  for (const ProjectionChange& c : Pending()) {
    EXPECT_TRUE(c.before.has_value());
    after[c.key[1]] = c.after.has_value();
  }
  EXPECT_EQ(after, (std::map<std::string, bool>{{"u-gone", false}, {"u1", true}}));
}

}  // namespace
}  // namespace walcast::projections
