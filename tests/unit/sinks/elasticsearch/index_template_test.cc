#include "sinks/elasticsearch/index_template.h"

#include <gtest/gtest.h>

#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr const char* kTemplate =
    R"({"index_patterns":["mosip.*"],"template":{"mappings":{"properties":{"n":{"type":"integer"}}}}})";

TEST(IndexTemplateTest, InstallsAMissingTemplateWithCreateOnly) {
  ScriptedTransport transport;
  transport.Answer(404, R"({"error":{"type":"resource_not_found_exception"},"status":404})");
  transport.Answer(200, R"({"acknowledged":true})");
  const Result<bool> installed = EnsureIndexTemplate(transport, "walcast-profiles", kTemplate);
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_TRUE(*installed);
  ASSERT_EQ(transport.requests().size(), 2u);
  EXPECT_EQ(transport.requests()[0].method, HttpMethod::kGet);
  EXPECT_EQ(transport.requests()[0].path, "/_index_template/walcast-profiles");
  EXPECT_EQ(transport.requests()[1].method, HttpMethod::kPut);
  EXPECT_EQ(transport.requests()[1].path, "/_index_template/walcast-profiles?create=true");
  EXPECT_EQ(transport.requests()[1].body, kTemplate);
}

TEST(IndexTemplateTest, LeavesAnExistingTemplateAlone) {
  ScriptedTransport transport;
  transport.Answer(200, R"({"index_templates":[{"name":"walcast-profiles"}]})");
  const Result<bool> installed = EnsureIndexTemplate(transport, "walcast-profiles", kTemplate);
  ASSERT_TRUE(installed.ok());
  EXPECT_FALSE(*installed);
  EXPECT_EQ(transport.requests().size(), 1u);
}

TEST(IndexTemplateTest, LosingTheRaceToAnotherInstallerCountsAsPresent) {
  ScriptedTransport transport;
  transport.Answer(404, "{}");
  transport.Answer(400, R"({"error":{"type":"illegal_argument_exception",
      "reason":"index template [walcast-profiles] already exists"},"status":400})");
  transport.Answer(200, R"({"index_templates":[]})");
  const Result<bool> installed = EnsureIndexTemplate(transport, "walcast-profiles", kTemplate);
  ASSERT_TRUE(installed.ok());
  EXPECT_FALSE(*installed);
}

TEST(IndexTemplateTest, ARefusedTemplateIsInvalidWithTheServersReason) {
  ScriptedTransport transport;
  transport.Answer(404, "{}");
  transport.Answer(400, R"({"error":{"type":"mapper_parsing_exception",
      "reason":"No handler for type [integr] declared on field [n]"},"status":400})");
  transport.Answer(404, "{}");
  const Result<bool> installed = EnsureIndexTemplate(transport, "walcast-profiles", "{}");
  ASSERT_FALSE(installed.ok());
  EXPECT_EQ(installed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(installed.status().message().find("No handler for type [integr]"), std::string::npos)
      << installed.status().message();
}

TEST(IndexTemplateTest, OtherErrors) {
  ScriptedTransport none;
  EXPECT_EQ(EnsureIndexTemplate(none, "Bad Name", "{}").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(EnsureIndexTemplate(none, "_hidden", "{}").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(EnsureIndexTemplate(none, "a/../b", "{}").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(none.requests().empty());

  ScriptedTransport forbidden;
  forbidden.Answer(403, "{}");
  EXPECT_EQ(EnsureIndexTemplate(forbidden, "t", "{}").status().code(),
            Status::Code::kPermissionDenied);

  ScriptedTransport down;
  down.Fail(Status::Unavailable("connection refused"));
  EXPECT_EQ(EnsureIndexTemplate(down, "t", "{}").status().code(), Status::Code::kUnavailable);

  ScriptedTransport busy;
  busy.Answer(404, "{}");
  busy.Answer(503, "{}");
  EXPECT_EQ(EnsureIndexTemplate(busy, "t", "{}").status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
