// A projection written to Elasticsearch / OpenSearch (docs/projections.md,
// "Outputs"), exactly once across kill -9: walcast is killed at random
// points while enrolments are inserted, moved, soft deleted and deleted;
// afterwards the index must hold exactly the projection — one document per
// live enrolment, _id its key, its latest district — which must equal both
// walcast's state and what SQL computes from the table.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <map>
#include <string>

#include "projections/definition.h"
#include "projections/engine.h"
#include "projections/entry_record.h"
#include "tests/integration/es_process_test.h"
#include "tests/integration/program_users_workload.h"

namespace walcast::testing {
namespace {

class ProjectionsEsTest : public ProgramUsersOutputTest<EsProcessTest> {
 protected:
  void SetUp() override {
    ProgramUsersOutputTest::SetUp();
    if (HasFatalFailure()) return;
    SetUpOutput("\"elasticsearch_index\": \"" + Index() + "\"");
  }
  std::string Index() const { return db_ + "-enrolments"; }
};

TEST_F(ProjectionsEsTest, IndexEqualsTheProjectionAfterKillNine) {
  const std::map<std::string, std::string> expected = RunThroughKills(200, 29, 4);
  ASSERT_FALSE(HasFailure());
  ASSERT_GT(expected.size(), 500u);

  // The index.
  ASSERT_TRUE(es_->Refresh(Index()));
  std::map<std::string, std::string> indexed;
  for (const EsCluster::Hit& hit : es_->Scroll(Index(), R"({"match_all":{}})")) {
    rapidjson::Document doc;
    doc.Parse(hit.source.c_str());
    ASSERT_TRUE(doc.IsObject()) << hit.source;
    const std::string program = doc["program_id"].GetString();
    const std::string user = doc["user_id"].GetString();
    EXPECT_EQ(hit.id, projections::EntryDocumentId({program, user}));
    EXPECT_EQ(doc["program_name"].GetString()[0], 'P');
    const std::string key = program + "/" + user;
    EXPECT_EQ(indexed.count(key), 0u) << key;
    indexed[key] = doc["user_locations"]["district_name"].GetString();
  }
  EXPECT_EQ(MapDifferences(indexed, expected), "");

  // The state.
  Result<projections::ProjectionSet> set =
      projections::LoadProjectionDefinitions(dir_ + "/projections.json");
  ASSERT_TRUE(set.ok());
  projections::ProjectionEngineOptions options;
  options.store.dir = dir_ + "/state/projections-" + db_;
  Result<std::unique_ptr<projections::ProjectionEngine>> engine =
      projections::ProjectionEngine::Open(*set, options, nullptr);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::map<std::string, std::string> state;
  ASSERT_TRUE((*engine)
                  ->Scan("program_enrollment", {},
                         [&](const projections::ProjectedRow& row) {
                           state[*row.Find("program_id") + "/" + *row.Find("user_id")] =
                               *row.Find("user_locations.district_name");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(MapDifferences(state, expected), "");
  // Nothing left to write.
  Result<std::vector<projections::ProjectionChange>> pending = (*engine)->PendingChanges(10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

}  // namespace
}  // namespace walcast::testing
