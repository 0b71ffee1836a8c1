#include "sinks/elasticsearch/server_info.h"

#include <gtest/gtest.h>

#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

// GET / as each server answers it (trimmed to the fields that matter).
constexpr const char* kEs7Root = R"({"name":"n","cluster_name":"c","version":{
    "number":"7.17.29","build_flavor":"default","build_type":"tar",
    "lucene_version":"8.11.3"},"tagline":"You Know, for Search"})";
constexpr const char* kEs8Root = R"({"name":"n","version":{"number":"8.19.21",
    "build_flavor":"default","lucene_version":"9.12.2"},"tagline":"You Know, for Search"})";
constexpr const char* kOpenSearchRoot = R"({"name":"n","version":{"distribution":"opensearch",
    "number":"2.19.6","build_type":"zip","lucene_version":"9.12.3"},
    "tagline":"The OpenSearch Project: https://opensearch.org/"})";

TEST(ServerInfoTest, ParsesEachDistributionsRoot) {
  const Result<ServerInfo> es7 = ParseServerInfo(kEs7Root);
  ASSERT_TRUE(es7.ok());
  EXPECT_EQ(es7->distribution, Distribution::kElasticsearch);
  EXPECT_EQ(es7->version, "7.17.29");
  EXPECT_EQ(es7->major, 7);
  EXPECT_EQ(es7->minor, 17);
  EXPECT_TRUE(es7->SupportsComposableTemplates());

  const Result<ServerInfo> es8 = ParseServerInfo(kEs8Root);
  ASSERT_TRUE(es8.ok());
  EXPECT_EQ(es8->major, 8);
  EXPECT_EQ(DistributionName(es8->distribution), "elasticsearch");

  const Result<ServerInfo> os = ParseServerInfo(kOpenSearchRoot);
  ASSERT_TRUE(os.ok());
  EXPECT_EQ(os->distribution, Distribution::kOpenSearch);
  EXPECT_EQ(os->major, 2);
  EXPECT_EQ(os->minor, 19);
  EXPECT_EQ(DistributionName(os->distribution), "opensearch");
  EXPECT_TRUE(os->SupportsComposableTemplates());
}

TEST(ServerInfoTest, ComposableTemplatesNeedElasticsearch78) {
  EXPECT_FALSE(ParseServerInfo(R"({"version":{"number":"7.7.1"}})")->SupportsComposableTemplates());
  EXPECT_TRUE(ParseServerInfo(R"({"version":{"number":"7.8.0"}})")->SupportsComposableTemplates());
  EXPECT_FALSE(
      ParseServerInfo(R"({"version":{"number":"6.8.23"}})")->SupportsComposableTemplates());
  EXPECT_TRUE(ParseServerInfo(R"({"version":{"number":"1.3.0","distribution":"opensearch"}})")
                  ->SupportsComposableTemplates());
  EXPECT_EQ(ParseServerInfo(R"({"version":{"number":"8.0.0-SNAPSHOT"}})")->major, 8);
}

TEST(ServerInfoTest, AnswersWithoutAVersionAreCorruption) {
  for (const char* body : {"", "[]", R"({"version":{}})", R"({"version":{"number":8}})",
                           R"({"version":{"number":"eight"}})", R"({"version":{"number":"8"}})",
                           R"({"version":{"number":"8."}})"}) {
    EXPECT_EQ(ParseServerInfo(body).status().code(), Status::Code::kCorruption) << body;
  }
}

TEST(ServerInfoTest, DetectAsksTheRoot) {
  ScriptedTransport transport;
  transport.Answer(200, kOpenSearchRoot);
  const Result<ServerInfo> info = DetectServer(transport);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->distribution, Distribution::kOpenSearch);
  ASSERT_EQ(transport.requests().size(), 1u);
  EXPECT_EQ(transport.requests()[0].method, HttpMethod::kGet);
  EXPECT_EQ(transport.requests()[0].path, "/");
}

TEST(ServerInfoTest, DetectFallsBackToTheLocalNodeWithoutRootEndpoint) {
  ScriptedTransport transport;
  transport.Answer(
      405,
      R"({"error":"Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]","status":405})");
  transport.Answer(200, R"({"nodes":{"whkhowDcSnuwYUeKwtybcQ":{"version":"8.19.21"}}})");
  const Result<ServerInfo> info = DetectServer(transport);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->distribution, Distribution::kElasticsearch);
  EXPECT_EQ(info->version, "8.19.21");
  ASSERT_EQ(transport.requests().size(), 2u);
  EXPECT_TRUE(transport.requests()[1].path.starts_with("/_nodes/_local"))
      << transport.requests()[1].path;
}

TEST(ServerInfoTest, DetectErrors) {
  {
    ScriptedTransport transport;
    transport.Answer(401, R"({"error":{"type":"security_exception"}})");
    EXPECT_EQ(DetectServer(transport).status().code(), Status::Code::kPermissionDenied);
  }
  {
    ScriptedTransport transport;
    transport.Answer(503, "{}");
    EXPECT_EQ(DetectServer(transport).status().code(), Status::Code::kUnavailable);
  }
  {
    ScriptedTransport transport;
    transport.Fail(Status::Unavailable("connection refused"));
    EXPECT_EQ(DetectServer(transport).status().code(), Status::Code::kUnavailable);
  }
  {
    ScriptedTransport transport;
    transport.Answer(404, "{}");
    transport.Answer(200, R"({"nodes":{}})");
    EXPECT_EQ(DetectServer(transport).status().code(), Status::Code::kCorruption);
  }
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
