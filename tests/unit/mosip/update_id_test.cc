#include "mosip/update_id.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "core/encoding.h"
#include "tests/support/mosip_rows.h"

namespace walcast::mosip {
namespace {

using walcast::testing::ReadDataFile;

const std::string kDataDir = WALCAST_TEST_DATA_DIR;

std::string Base64(std::string_view text) {
  std::string out;
  AppendBase64(text, &out);
  return out;
}

// update_ids.txt holds what the real org.json 20210307 computes for each
// profile file and for update_id_edge.json (update_ids.sh regenerates it).
TEST(UpdateIdEncoderTest, MatchesOrgJsonOnEveryProfileAndTheEdgeCases) {
  std::istringstream lines(ReadDataFile(kDataDir + "/elasticsearch/update_ids.txt"));
  UpdateIdEncoder encoder;
  int checked = 0;
  std::string file, new_field, old_field;
  while (lines >> file >> new_field >> old_field) {
    const std::string dir = file == "update_id_edge.json" ? "/elasticsearch/" : "/profiles/";
    const std::string text = ReadDataFile(kDataDir + dir + file);
    ASSERT_FALSE(text.empty()) << file;
    const bool idrepo = text.find("\"newProfile\"") != std::string::npos ||
                        text.find("\"oldProfile\"") != std::string::npos;
    std::string new_id, old_id;
    const Status s = encoder.Compute(text, idrepo ? "newProfile" : "new",
                                     idrepo ? "oldProfile" : "old", &new_id, &old_id);
    ASSERT_TRUE(s.ok()) << file << ": " << s.ToString();
    EXPECT_EQ(new_id.empty() ? "-" : new_id, new_field.substr(4)) << file;
    EXPECT_EQ(old_id.empty() ? "-" : old_id, old_field.substr(4)) << file;
    ++checked;
  }
  EXPECT_EQ(checked, 10) << "nine profiles and the edge file";
}

TEST(UpdateIdEncoderTest, OrdersMembersAsJavaHashMapDoes) {
  UpdateIdEncoder encoder;
  std::string new_id, old_id;
  // "b" (98) sorts before "c" (99) and after "a" (97) in a 16-bucket table
  // whatever the order written; null members are dropped.
  ASSERT_TRUE(encoder
                  .Compute(R"({"newProfile":{"c":3,"a":1,"z":null,"b":[null,"x"]}})", "newProfile",
                           "oldProfile", &new_id, &old_id)
                  .ok());
  EXPECT_EQ(new_id, Base64(R"({"a":1,"b":[null,"x"],"c":3})"));
  EXPECT_TRUE(old_id.empty());
}

TEST(UpdateIdEncoderTest, WritesNumbersAndStringsAsOrgJson) {
  UpdateIdEncoder encoder;
  std::string new_id, old_id;
  ASSERT_TRUE(encoder
                  .Compute(R"({"new":{"a":1.50,"b":1e3,"c":-0.0,"d":"<\/x>\u0085"}})", "new", "old",
                           &new_id, &old_id)
                  .ok());
  EXPECT_EQ(new_id, Base64("{\"a\":1.5,\"b\":1E+3,\"c\":-0,\"d\":\"<\\/x>\\u0085\"}"));
}

TEST(UpdateIdEncoderTest, AbsentNullOrNonObjectSidesHaveNoId) {
  UpdateIdEncoder encoder;
  std::string new_id = "stale", old_id = "stale";
  ASSERT_TRUE(encoder
                  .Compute(R"({"newProfile":null,"oldProfile":"text"})", "newProfile", "oldProfile",
                           &new_id, &old_id)
                  .ok());
  EXPECT_TRUE(new_id.empty());
  EXPECT_TRUE(old_id.empty());
  // A nested "newProfile" is not the side.
  ASSERT_TRUE(
      encoder
          .Compute(R"({"x":{"newProfile":{"a":1}}})", "newProfile", "oldProfile", &new_id, &old_id)
          .ok());
  EXPECT_TRUE(new_id.empty());
}

TEST(UpdateIdEncoderTest, RefusesWhatIsNotAJsonObject) {
  UpdateIdEncoder encoder;
  std::string new_id, old_id;
  EXPECT_EQ(encoder.Compute("[1]", "newProfile", "oldProfile", &new_id, &old_id).code(),
            Status::Code::kRejected);
  EXPECT_EQ(
      encoder.Compute("{\"newProfile\":{", "newProfile", "oldProfile", &new_id, &old_id).code(),
      Status::Code::kRejected);
  const std::string deep = "{\"newProfile\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(encoder.Compute(deep, "newProfile", "oldProfile", &new_id, &old_id).code(),
            Status::Code::kRejected);
}

}  // namespace
}  // namespace walcast::mosip
