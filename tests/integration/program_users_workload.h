#pragma once

// What the projections' integration tests share: Sunbird's enrolment table,
// a workload of inserts, moves, soft deletes and deletes (and consents), the
// projection definitions with an output, and what SQL says the projection
// must hold (every live enrolment once, with its latest district).

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "tests/support/walcast_process_test.h"

namespace walcast::testing {

// The definitions: program_enrollment of sunbird.program_users with
// `outputs` (a JSON object's members, e.g. "\"elasticsearch_index\": \"i\"").
inline std::string OutputDefinitions(const std::string& outputs) {
  return R"({"format": 1, "projections": [
    {"name": "program_enrollment", "table": "sunbird.program_users", "document": "doc",
     "key": ["program_id", "user_id"], "soft_delete": "$.deleted",
     "fields": {"program_id": "$.programId", "user_id": "$.userId",
                "program_name": "$.programName"},
     "maps": {"user_locations": {"path": "$.userProfile.userLocations[*]", "type": "type",
                                 "values": ["name", "id"]}},
     "outputs": {)" +
         outputs + "}}]}";
}

inline std::string EnrolmentTableSql() {
  return "CREATE SCHEMA sunbird;"
         "CREATE TABLE sunbird.program_users (id text PRIMARY KEY, doc jsonb);";
}

// One transaction: five enrolments in (a program name holding a quote and
// a comma), one moved, one soft deleted, one deleted; with `consents`, a
// consent per enrolment and one revoked.
inline std::string EnrolmentRoundSql(int i, bool consents = false) {
  const std::string n = std::to_string(i);
  std::ostringstream sql;
  sql << "BEGIN;";
  for (int k = 0; k < 5; ++k) {
    const std::string id = n + "-" + std::to_string(k);
    sql << "INSERT INTO sunbird.program_users VALUES ('" << id
        << "', jsonb_build_object('programId', 'p" << (i % 3) << "', 'userId', 'u" << id
        << "', 'programName', 'Program \"" << k
        << "\", one', 'requestForPIIConsent', true, 'deleted', false, "
           "'userProfile', jsonb_build_object('userLocations', jsonb_build_array("
           "jsonb_build_object('type','district','name','D"
        << (k % 4) << "','id','d" << (k % 4) << "','code','c'))),"
        << "'updatedAt', '2021-03-01'));";
    if (consents) {
      sql << "INSERT INTO sunbird.user_consent VALUES ('u" << id << "', 'p" << (i % 3)
          << "', 'active', now());";
    }
  }
  if (i > 2) {
    const std::string old = std::to_string(i - 2);
    sql << "UPDATE sunbird.program_users SET doc = jsonb_set(doc, "
           "'{userProfile,userLocations,0,name}', '\"Moved\"') WHERE id = '"
        << old << "-0';";
    sql << "UPDATE sunbird.program_users SET doc = jsonb_set(doc, '{deleted}', 'true') "
           "WHERE id = '"
        << old << "-1';";
    sql << "DELETE FROM sunbird.program_users WHERE id = '" << old << "-2';";
    if (consents) {
      sql << "UPDATE sunbird.user_consent SET status = 'revoked' WHERE user_id = 'u" << old
          << "-3';";
    }
  }
  sql << "COMMIT;";
  return sql.str();
}

// "program/user" -> district name of every live enrolment, from SQL.
inline std::string ExpectedEnrolmentsSql() {
  return "SELECT doc->>'programId' || '/' || (doc->>'userId') || '|' || "
         "(doc->'userProfile'->'userLocations'->0->>'name') FROM sunbird.program_users "
         "WHERE NOT (doc->>'deleted')::boolean ORDER BY 1";
}

inline std::map<std::string, std::string> ParseKeyedLines(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream rows(text);
  for (std::string line; std::getline(rows, line);) {
    if (line.empty()) continue;
    const size_t bar = line.find('|');
    out[line.substr(0, bar)] = line.substr(bar + 1);
  }
  return out;
}

// Keys whose values differ between `actual` and `expected` ("" when none),
// at most 20: "key: actual / expected" (<none> for a missing key).
inline std::string MapDifferences(const std::map<std::string, std::string>& actual,
                                  const std::map<std::string, std::string>& expected) {
  std::ostringstream out;
  int shown = 0;
  auto show = [&](const std::string& key) {
    if (shown++ >= 20) return;
    const auto a = actual.find(key);
    const auto e = expected.find(key);
    out << key << ": " << (a != actual.end() ? a->second : "<none>") << " / "
        << (e != expected.end() ? e->second : "<none>") << "\n";
  };
  for (const auto& [key, value] : actual) {
    const auto e = expected.find(key);
    if (e == expected.end() || e->second != value) show(key);
  }
  for (const auto& [key, value] : expected) {
    if (actual.find(key) == actual.end()) show(key);
  }
  if (shown > 20) out << "... " << shown << " in all\n";
  return out.str();
}

// A test of a projection output over `Base` (a WalcastProcessTest with the
// output's server): the enrolment table, definitions naming the output, and
// the workload through repeated kill -9.
template <typename Base>
class ProgramUsersOutputTest : public Base {
 protected:
  // `outputs`: the members of the definition's "outputs" object.
  void SetUpOutput(const std::string& outputs) {
    std::ofstream(this->dir_ + "/projections.json") << OutputDefinitions(outputs);
    this->Sql(EnrolmentTableSql());
  }
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = Base::BaseConfig();
    kv["sinks"] = "";
    kv["table.include.list"] = "sunbird\\..*";
    kv["projections.definitions.file"] = this->dir_ + "/projections.json";
    kv["checkpoint.interval.ms"] = "100";
    kv["projections.output.batch.max"] = "50";  // several writes per commit too
    return kv;
  }
  // Runs `rounds` rounds of the workload while walcast is killed at random
  // points (at least `min_kills` times), waits until it confirmed
  // everything, stops it and returns what SQL says the projection holds.
  std::map<std::string, std::string> RunThroughKills(int rounds, uint32_t seed, int min_kills) {
    std::unique_ptr<ChildProcess> walcast = this->Start("walcast0");
    const int kills = this->KillRepeatedly(
        &walcast,
        [&] {
          for (int i = 0; i < rounds; ++i) this->Sql(EnrolmentRoundSql(i));
        },
        seed, std::chrono::milliseconds(300), /*first_in_snapshot=*/true, min_kills);
    EXPECT_GE(kills, min_kills);
    const std::string last = "walcast" + std::to_string(kills);
    EXPECT_TRUE(this->WaitConfirmed(walcast.get(), std::chrono::seconds(120), last));
    walcast->Signal(SIGTERM);
    EXPECT_EQ(walcast->Wait(std::chrono::seconds(30)), 0) << this->Log(last);
    return ParseKeyedLines(this->Sql(ExpectedEnrolmentsSql()));
  }
};

}  // namespace walcast::testing
