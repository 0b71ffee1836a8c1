#include "debezium/jackson_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::debezium {
namespace {

std::string Text(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

TEST(JacksonWriterTest, RawValueKeepsSeparatorsAndNesting) {
  rapidjson::StringBuffer buffer;
  JacksonWriter w(buffer);
  const std::string schema = R"({"type":"struct","fields":[{"field":"id"}]})";
  w.StartObject();
  w.Key("schema");
  w.RawValue(schema.data(), schema.size(), rapidjson::kObjectType);
  w.Key("payload");
  w.StartArray();
  w.RawValue("1", 1, rapidjson::kNumberType);
  w.RawValue("2.5", 3, rapidjson::kNumberType);
  w.EndArray();
  w.EndObject();
  EXPECT_TRUE(w.IsComplete());
  EXPECT_EQ(Text(buffer), R"({"schema":)" + schema + R"(,"payload":[1,2.5]})");
}

TEST(JacksonWriterTest, EscapesCharactersOutsideTheBmpWhereverTheyAre) {
  // U+1F600 in the first eight bytes, after them, at the very end, and a
  // string of ASCII and two-/three-byte characters that needs no surrogates.
  const std::string smile = "\xF0\x9F\x98\x80";
  const std::string texts[] = {smile + "abc", "abcdefghijklmnop" + smile, "0123456" + smile,
                               "caf\xC3\xA9 \xE2\x82\xAC 12345678"};
  const std::string expected[] = {R"("\uD83D\uDE00abc")", R"("abcdefghijklmnop\uD83D\uDE00")",
                                  R"("0123456\uD83D\uDE00")",
                                  "\"caf\xC3\xA9 \xE2\x82\xAC 12345678\""};
  for (size_t i = 0; i < std::size(texts); ++i) {
    rapidjson::StringBuffer buffer;
    JacksonWriter w(buffer);
    w.String(texts[i].data(), static_cast<rapidjson::SizeType>(texts[i].size()));
    EXPECT_EQ(Text(buffer), expected[i]) << i;
  }
}

}  // namespace
}  // namespace walcast::debezium
