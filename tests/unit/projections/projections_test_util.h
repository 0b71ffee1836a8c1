#pragma once

// Helpers for the projections tests: the Sunbird example's tables as
// relations, enrolment documents and change events.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "projections/definition.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace walcast::projections::testing {

using metrics::testing::MakeRelation;
using metrics::testing::TempDir;

inline std::shared_ptr<const Relation> ProgramUsers() {
  static const auto r = MakeRelation(17001, "sunbird", "program_users", {"id", "doc"});
  return r;
}
inline std::shared_ptr<const Relation> UserConsent() {
  static const auto r = MakeRelation(17002, "sunbird", "user_consent",
                                     {"user_id", "object_id", "status", "last_updated_on"}, {0, 1});
  return r;
}
inline std::shared_ptr<const Relation> Users() {
  static const auto r = MakeRelation(
      17003, "sunbird", "users", {"userid", "firstname", "lastname", "email", "phone", "username"});
  return r;
}

inline Datum Text(std::string s) { return Datum::Text(std::move(s)); }

inline ChangeEvent Event(Op op, std::shared_ptr<const Relation> relation, Tuple tuple,
                         uint64_t lsn) {
  ChangeEvent e;
  e.op = op;
  e.lsn = Lsn(lsn);
  e.relation = std::move(relation);
  if (op == Op::kDelete) {
    e.before = std::move(tuple);
  } else {
    e.after = std::move(tuple);
  }
  return e;
}

// An enrolment event as Sunbird's ML service writes it.
struct Enrolment {
  std::string program_id = "602512d8e6aefa27d9629bc3";
  std::string user_id = "u1";
  bool consent_required = true;
  std::string district = "Pune";
  std::string block = "Haveli";
  std::string org_id = "0126796199493140480";
  bool deleted = false;
  std::string updated_at = "2021-03-01T10:00:00.000Z";

  std::string Json() const {
    return R"({"_id":"e-)" + user_id + R"(","programId":")" + program_id +
           R"(","programName":"Learn, \"Grow\"","programExternalId":"PGM-1","requestForPIIConsent":)" +
           (consent_required ? "true" : "false") + R"(,"userId":")" + user_id +
           R"(","userRoleInformation":{"role":"HM,DEO"},"appInformation":{"appName":"diksha"},)"
           R"("userProfile":{"userLocations":[{"code":"27","name":"Maharashtra","id":"s-1","type":"state"},)"
           R"({"code":"2725","name":")" +
           district + R"(","id":"d-)" + district +
           R"(","type":"district"},{"code":"272501","name":")" + block + R"(","id":"b-)" + block +
           R"(","type":"block"},{"code":"27250101","name":"Cluster 1","id":"c-1","type":"cluster"},)"
           R"({"code":"SCH-9","name":"School 9","id":"sc-9","type":"school"}],)"
           R"("profileUserTypes":[{"type":"administrator","subType":"hm"}],)"
           R"("rootOrg":{"id":")" +
           org_id +
           R"(","orgName":"State Org"}},)"
           R"("noOfResourcesStarted":0,"createdAt":"2021-02-23T10:42:22.523Z","updatedAt":")" +
           updated_at + R"(","deleted":)" + (deleted ? "true" : "false") + R"(,"__v":0})";
  }
};

// The shipped example's projections, program_enrollment given `outputs`
// (a JSON object) when not empty.
inline ProjectionSet ExampleSet(const std::string& outputs = "") {
  std::ifstream in(std::string(WALCAST_SOURCE_DIR) +
                   "/config/examples/sunbird-program-users/projections.json");
  std::ostringstream text;
  text << in.rdbuf();
  std::string json = text.str();
  if (!outputs.empty()) {
    const std::string name = "\"name\": \"program_enrollment\",";
    const size_t at = json.find(name);
    EXPECT_NE(at, std::string::npos);
    json.insert(at + name.size(), " \"outputs\": " + outputs + ",");
  }
  Result<ProjectionSet> set = ParseProjectionDefinitions(json);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return set.ok() ? std::move(*set) : ProjectionSet();
}

}  // namespace walcast::projections::testing
