#include "projections/definition.h"

#include <gtest/gtest.h>

namespace walcast::projections {
namespace {

Status::Code CodeOf(std::string_view json) {
  Result<ProjectionSet> set = ParseProjectionDefinitions(json);
  return set.ok() ? Status::Code::kOk : set.status().code();
}

TEST(ProjectionDefinitionTest, RefusesBadDefinitions) {
  EXPECT_EQ(CodeOf("{"), Status::Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(R"({"format":2,"projections":[]})"), Status::Code::kInvalidArgument);
  // Key field not among the fields.
  EXPECT_EQ(
      CodeOf(
          R"({"format":1,"projections":[{"name":"x","table":"a.b","key":["k"],"fields":{"j":"j"}}]})"),
      Status::Code::kInvalidArgument);
  // JSON paths without a document column.
  EXPECT_EQ(
      CodeOf(
          R"({"format":1,"projections":[{"name":"x","table":"a.b","key":["k"],"fields":{"k":"$.k"}}]})"),
      Status::Code::kInvalidArgument);
  // A bad path.
  EXPECT_EQ(
      CodeOf(
          R"({"format":1,"projections":[{"name":"x","table":"a.b","document":"d","key":["k"],"fields":{"k":"$.k["}}]})"),
      Status::Code::kInvalidArgument);
  EXPECT_EQ(
      CodeOf(
          R"({"format":1,"projections":[{"name":"x","table":"a.b","key":["k"],"fields":{"k":"k"},"extra":1}]})"),
      Status::Code::kInvalidArgument);
  EXPECT_EQ(
      CodeOf(
          R"({"format":1,"projections":[{"name":"x","table":"a.b","key":["k"],"fields":{"k":"k"}}]})"),
      Status::Code::kOk);
}

TEST(JsonPathTest, ReachesMembersIndexesAndEveryElement) {
  rapidjson::Document doc;
  doc.Parse(R"({"a":{"b":[{"c":1},{"c":"two"}]},"d e":true})");
  Result<JsonPath> all = JsonPath::Parse("$.a.b[*].c");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> seen;
  all->Visit(doc, [&](const rapidjson::Value& v) { seen.push_back(*ScalarText(v)); });
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "two"}));
  Result<JsonPath> one = JsonPath::Parse("$.a.b[1].c");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*ScalarText(*one->First(doc)), "two");
  Result<JsonPath> quoted = JsonPath::Parse("$['d e']");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(*ScalarText(*quoted->First(doc)), "true");
  EXPECT_EQ(JsonPath::Parse("$.a.missing")->First(doc), nullptr);
  EXPECT_EQ(JsonPath::Parse("a.b").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::projections
