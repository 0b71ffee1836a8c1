// A projection as a Kafka topic in Debezium's format of a virtual table
// (docs/projections.md, "Outputs"): walcast is killed at random points while
// enrolments are inserted, moved, soft deleted and deleted; afterwards the
// last record per key of <topic.prefix>.projections.program_enrollment must
// be the projection (a tombstone or a delete for a removed entry), equal to
// what SQL computes from the table. Every record must be one a consumer
// with Kafka Connect's JsonConverter (schemas.enable=true) accepts: key and
// value each {"schema", "payload"}, the payload matching the schema
// (CheckConnectJson below applies the converter's rules), with Debezium's
// envelope and schema names.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <map>
#include <string>

#include "tests/integration/kafka_process_test.h"
#include "tests/integration/program_users_workload.h"

namespace walcast::testing {
namespace {

// JsonConverter's toConnectData rules for a value with an inline schema:
// "" when `payload` fits `schema`, else where and why not.
std::string CheckConnectJson(const rapidjson::Value& schema, const rapidjson::Value& payload,
                             const std::string& path) {
  if (!schema.IsObject() || !schema.HasMember("type") || !schema["type"].IsString()) {
    return path + ": schema without a type";
  }
  const std::string type = schema["type"].GetString();
  const bool optional =
      schema.HasMember("optional") && schema["optional"].IsBool() && schema["optional"].GetBool();
  if (payload.IsNull()) {
    return optional || schema.HasMember("default") ? "" : path + ": null in a required field";
  }
  if (type == "struct") {
    if (!payload.IsObject()) return path + ": struct is not an object";
    if (!schema.HasMember("fields") || !schema["fields"].IsArray()) return path + ": no fields";
    size_t matched = 0;
    for (const rapidjson::Value& f : schema["fields"].GetArray()) {
      if (!f.HasMember("field") || !f["field"].IsString()) return path + ": unnamed field";
      const std::string name = f["field"].GetString();
      static const rapidjson::Value kNull;
      const auto it = payload.FindMember(name.c_str());
      if (it != payload.MemberEnd()) ++matched;
      const std::string e =
          CheckConnectJson(f, it != payload.MemberEnd() ? it->value : kNull, path + "." + name);
      if (!e.empty()) return e;
    }
    if (matched != payload.MemberCount()) return path + ": members the schema does not declare";
    return "";
  }
  if (type == "string" || type == "bytes") {
    return payload.IsString() ? "" : path + ": not a string";
  }
  if (type == "int8" || type == "int16" || type == "int32" || type == "int64") {
    return payload.IsInt64() ? "" : path + ": not an integer";
  }
  if (type == "float" || type == "double") return payload.IsNumber() ? "" : path + ": not a number";
  if (type == "boolean") return payload.IsBool() ? "" : path + ": not a boolean";
  if (type == "array") {
    if (!payload.IsArray()) return path + ": not an array";
    for (const rapidjson::Value& item : payload.GetArray()) {
      const std::string e = CheckConnectJson(schema["items"], item, path + "[]");
      if (!e.empty()) return e;
    }
    return "";
  }
  if (type == "map") return payload.IsObject() ? "" : path + ": not an object";
  return path + ": unknown type " + type;
}

std::string SchemaName(const rapidjson::Value& schema) {
  return schema.HasMember("name") && schema["name"].IsString() ? schema["name"].GetString() : "";
}

const rapidjson::Value* Field(const rapidjson::Value& struct_schema, const char* name) {
  for (const rapidjson::Value& f : struct_schema["fields"].GetArray()) {
    if (std::string(f["field"].GetString()) == name) return &f;
  }
  return nullptr;
}

class ProjectionsKafkaTest : public ProgramUsersOutputTest<KafkaProcessTest> {
 protected:
  void SetUp() override {
    ProgramUsersOutputTest::SetUp();
    if (HasFatalFailure()) return;
    SetUpOutput("\"kafka_table\": \"projections.program_enrollment\"");
  }
};

TEST_F(ProjectionsKafkaTest, LastRecordPerKeyIsTheProjectionAfterKillNine) {
  const std::map<std::string, std::string> expected = RunThroughKills(150, 31, 3);
  ASSERT_FALSE(HasFailure());
  ASSERT_GT(expected.size(), 300u);

  const std::string topic = db_ + ".projections.program_enrollment";
  const std::vector<KafkaRecord> records =
      kafka_->ConsumeAll(topic, std::chrono::seconds(3), std::chrono::seconds(90));
  ASSERT_FALSE(records.empty());
  std::map<std::string, std::string> last_per_key;
  std::map<std::string, int> ops;
  for (const KafkaRecord& r : records) {
    ASSERT_TRUE(r.key.has_value()) << ::testing::PrintToString(r);
    rapidjson::Document key;
    key.Parse(r.key->c_str());
    ASSERT_TRUE(key.IsObject() && key.HasMember("schema") && key.HasMember("payload")) << *r.key;
    ASSERT_EQ(CheckConnectJson(key["schema"], key["payload"], "key"), "") << *r.key;
    EXPECT_EQ(SchemaName(key["schema"]), topic + ".Key");
    const std::string id = std::string(key["payload"]["program_id"].GetString()) + "/" +
                           key["payload"]["user_id"].GetString();
    if (!r.value) {  // tombstone
      ++ops["tombstone"];
      last_per_key.erase(id);
      continue;
    }
    rapidjson::Document value;
    value.Parse(r.value->c_str());
    ASSERT_TRUE(value.IsObject() && value.HasMember("schema") && value.HasMember("payload"))
        << *r.value;
    ASSERT_EQ(CheckConnectJson(value["schema"], value["payload"], "value"), "") << *r.value;
    const rapidjson::Value& schema = value["schema"];
    EXPECT_EQ(SchemaName(schema), topic + ".Envelope");
    const rapidjson::Value* after_schema = Field(schema, "after");
    ASSERT_NE(after_schema, nullptr);
    EXPECT_EQ(SchemaName(*after_schema), topic + ".Value");
    const rapidjson::Value& payload = value["payload"];
    const std::string op = payload["op"].GetString();
    ++ops[op];
    EXPECT_EQ(std::string(payload["source"]["schema"].GetString()), "projections");
    EXPECT_EQ(std::string(payload["source"]["table"].GetString()), "program_enrollment");
    if (op == "d") {
      EXPECT_TRUE(payload["after"].IsNull());
      EXPECT_TRUE(payload["before"].IsObject());
      last_per_key.erase(id);
      continue;
    }
    ASSERT_TRUE(op == "c" || op == "u") << op;
    EXPECT_EQ(payload["before"].IsObject(), op == "u");
    const rapidjson::Value& after = payload["after"];
    rapidjson::Document locations;
    const rapidjson::Value& map = after["user_locations"];
    ASSERT_TRUE(map.IsString());
    locations.Parse(map.GetString());
    last_per_key[id] = locations["district_name"].GetString();
  }
  EXPECT_EQ(MapDifferences(last_per_key, expected), "");
  EXPECT_GT(ops["c"], 0);
  EXPECT_GT(ops["u"], 0);
  EXPECT_GT(ops["d"], 0);
  EXPECT_EQ(ops["tombstone"], ops["d"]);
}

}  // namespace
}  // namespace walcast::testing
