#include "sinks/elasticsearch/server_info.h"

#include <rapidjson/document.h>

#include <charconv>

#include "sinks/elasticsearch/http_status.h"

namespace walcast::sinks::elasticsearch {
namespace {

// "7.17.29" (or "8.0.0-SNAPSHOT") → major 7, minor 17.
bool ParseVersion(std::string_view number, ServerInfo* info) {
  const char* end = number.data() + number.size();
  auto [p, ec] = std::from_chars(number.data(), end, info->major);
  if (ec != std::errc() || p == end || *p != '.') return false;
  auto [q, ec2] = std::from_chars(p + 1, end, info->minor);
  if (ec2 != std::errc() || q == p + 1) return false;
  info->version = std::string(number);
  return true;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// The node's version from GET /_nodes/_local?filter_path=nodes.*.version:
// {"nodes": {"<node id>": {"version": "8.19.21"}}}.
Result<ServerInfo> ParseLocalNode(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  const rapidjson::Value* nodes = doc.HasParseError() ? nullptr : Member(doc, "nodes");
  ServerInfo info;
  if (nodes != nullptr && nodes->IsObject() && nodes->MemberCount() == 1) {
    const rapidjson::Value* number = Member(nodes->MemberBegin()->value, "version");
    if (number != nullptr && number->IsString() &&
        ParseVersion({number->GetString(), number->GetStringLength()}, &info)) {
      return info;
    }
  }
  return Status::Corruption("elasticsearch: GET /_nodes/_local has no node version");
}

}  // namespace

std::string_view DistributionName(Distribution distribution) {
  return distribution == Distribution::kOpenSearch ? "opensearch" : "elasticsearch";
}

Result<ServerInfo> ParseServerInfo(std::string_view root_json) {
  rapidjson::Document doc;
  doc.Parse(root_json.data(), root_json.size());
  const rapidjson::Value* version = doc.HasParseError() ? nullptr : Member(doc, "version");
  const rapidjson::Value* number = version != nullptr ? Member(*version, "number") : nullptr;
  ServerInfo info;
  if (number == nullptr || !number->IsString() ||
      !ParseVersion({number->GetString(), number->GetStringLength()}, &info)) {
    return Status::Corruption("elasticsearch: GET / has no version.number");
  }
  const rapidjson::Value* distribution = Member(*version, "distribution");
  if (distribution != nullptr && distribution->IsString() &&
      std::string_view(distribution->GetString()) == "opensearch") {
    info.distribution = Distribution::kOpenSearch;
  }
  return info;
}

Result<ServerInfo> DetectServer(HttpTransport& transport) {
  WALCAST_ASSIGN_OR_RETURN(HttpResponse root, transport.Get("/"));
  if (root.ok()) return ParseServerInfo(root.body);
  if (root.status != 404 && root.status != 405) {
    return StatusFromHttp(root, "GET /", ServerReason::kInclude);
  }
  constexpr std::string_view kLocalNode = "/_nodes/_local?filter_path=nodes.*.version";
  WALCAST_ASSIGN_OR_RETURN(HttpResponse node, transport.Get(kLocalNode));
  if (!node.ok()) return StatusFromHttp(node, "GET /_nodes/_local", ServerReason::kInclude);
  return ParseLocalNode(node.body);
}

}  // namespace walcast::sinks::elasticsearch
