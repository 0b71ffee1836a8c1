#include "debezium/connect_schema.h"

#include <gtest/gtest.h>

#include <string>

#include "debezium/column_codec.h"

// Expected JSON is what Kafka Connect 4.3.1's JsonConverter wrote
// (tests/data/debezium/schemas.jsonl).

namespace walcast::debezium {
namespace {

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string WrittenByRapidJson(std::string_view s) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

TEST(AppendJsonStringTest, EscapesAsJackson) {
  EXPECT_EQ(Escaped("plain"), R"("plain")");
  EXPECT_EQ(Escaped("q\"b\\s/"), R"("q\"b\\s/")");  // '/' is not escaped
  EXPECT_EQ(Escaped("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(Escaped(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001F\x7f\"");
  EXPECT_EQ(Escaped("é ü 漢字"), "\"é ü 漢字\"");  // non-ASCII as is (item 5)
  // Outside the BMP: the surrogate pair, escaped (what JsonConverter wrote
  // for U+1F600 in the differential test).
  EXPECT_EQ(Escaped("ab\xF0\x9F\x98\x80" "c"), R"("ab\uD83D\uDE00c")");
}

// Payloads go through RapidJSON's Writer and schemas through
// AppendJsonString: both must escape every byte the same way.
TEST(AppendJsonStringTest, AgreesWithRapidJsonWriterOnEveryByte) {
  for (int c = 0; c < 256; ++c) {
    const std::string s = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(Escaped(s), WrittenByRapidJson(s)) << c;
  }
  const std::string mixed =
      "text with \"quotes\", \\backslash, tab\tand é ü 漢字\x1b[0m, \xF0\x9F\x98\x80 \xF0\x90\x80\x80";
  EXPECT_EQ(Escaped(mixed), WrittenByRapidJson(mixed));
}

// Keys in asJsonSchema's order: type, fields/items, optional, name,
// version, doc, parameters, default; a field's name last.
TEST(AppendSchemaJsonTest, KeysInJsonConverterOrder) {
  ConnectSchema item = ConnectSchema::Of(ConnectType::kString, false, "io.debezium.data.Enum", 1);
  item.parameters.emplace_back("allowed", "a,b");
  ConnectSchema array = ConnectSchema::Of(ConnectType::kArray, true);
  array.items.push_back(item);
  ConnectSchema number = ConnectSchema::Of(ConnectType::kInt32, false);
  number.default_json = "0";
  ConnectSchema s = ConnectSchema::Of(ConnectType::kStruct, true, "x.Value", 2);
  s.doc = "a \"doc\"";
  s.fields.push_back({"id", number});
  s.fields.push_back({"tags", array});
  std::string json;
  AppendSchemaJson(s, &json);
  EXPECT_EQ(json,
            R"({"type":"struct","fields":[{"type":"int32","optional":false,"default":0,)"
            R"("field":"id"},{"type":"array","items":{"type":"string","optional":false,)"
            R"("name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"a,b"}},)"
            R"("optional":true,"field":"tags"}],"optional":true,"name":"x.Value","version":2,)"
            R"("doc":"a \"doc\""})");
}

}  // namespace
}  // namespace walcast::debezium
