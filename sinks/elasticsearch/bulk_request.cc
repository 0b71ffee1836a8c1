#include "sinks/elasticsearch/bulk_request.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/json_writer.h"

namespace walcast::sinks::elasticsearch {
const char* BulkOpName(BulkOp op) {
  switch (op) {
    case BulkOp::kIndex:
      return "index";
    case BulkOp::kDelete:
      return "delete";
    case BulkOp::kUpdate:
      return "update";
  }
  return "index";
}

std::string_view BulkRequest::Source(size_t i) const {
  if (actions_[i].op == BulkOp::kDelete) return {};
  const std::string_view lines(body_.data() + spans_[i].first, spans_[i].second);
  const size_t first_end = lines.find('\n');
  if (first_end == std::string_view::npos) return {};
  std::string_view source = lines.substr(first_end + 1);
  if (!source.empty() && source.back() == '\n') source.remove_suffix(1);
  return source;
}

BulkRequest BulkRequest::Select(const std::vector<size_t>& which) const {
  BulkRequest out;
  size_t total = 0;
  for (const size_t i : which) total += spans_[i].second;
  out.body_.reserve(total);
  out.actions_.reserve(which.size());
  out.spans_.reserve(which.size());
  for (const size_t i : which) {
    const auto [offset, length] = spans_[i];
    out.spans_.emplace_back(out.body_.size(), length);
    out.body_.append(body_, offset, length);
    out.actions_.push_back(actions_[i]);
  }
  return out;
}

BulkRequestBuilder::BulkRequestBuilder(Clock clock, VersionType version_type)
    : clock_(std::move(clock)), version_type_(version_type) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

Status BulkRequestBuilder::Index(std::string_view index, std::string_view id,
                                 std::string_view document_json, std::optional<int64_t> version,
                                 std::string_view routing) {
  if (document_json.empty()) {
    return Status::InvalidArgument("bulk: empty document for _id " + std::string(id));
  }
  return Append(BulkOp::kIndex, index, id, version, routing, document_json);
}

Status BulkRequestBuilder::Delete(std::string_view index, std::string_view id,
                                  std::optional<int64_t> version, std::string_view routing) {
  return Append(BulkOp::kDelete, index, id, version, routing, {});
}

Status BulkRequestBuilder::Update(std::string_view index, std::string_view id,
                                  std::string_view partial_json, int64_t version,
                                  std::string_view routing) {
  if (partial_json.empty()) {
    return Status::InvalidArgument("bulk: empty document for _id " + std::string(id));
  }
  return Append(BulkOp::kUpdate, index, id, version, routing, partial_json);
}

// NOLINTBEGIN(bugprone-easily-swappable-parameters): private; Index and Delete fix the order.
Status BulkRequestBuilder::Append(BulkOp op, std::string_view index, std::string_view id,
                                  std::optional<int64_t> version, std::string_view routing,
                                  std::string_view document_json) {
  // NOLINTEND(bugprone-easily-swappable-parameters)
  if (index.empty() || id.empty()) return Status::InvalidArgument("bulk: empty _index or _id");
  // Elasticsearch accepts external versions from 0 to 2^63-1.
  if (version && *version < 0) {
    return Status::InvalidArgument("bulk: negative version for _id " + std::string(id));
  }
  rapidjson::StringBuffer line;
  rapidjson::Writer<rapidjson::StringBuffer> w(line);
  w.StartObject();
  w.Key(BulkOpName(op));
  w.StartObject();
  w.Key("_index");
  json::String(w, index);
  w.Key("_id");
  json::String(w, id);
  if (op == BulkOp::kUpdate) {
    // Concurrent writers are not expected (one walcast per index), but a
    // conflict between the update's read and its write is retried by the
    // server rather than refused.
    w.Key("retry_on_conflict");
    w.Int(3);
  } else if (version) {
    w.Key("version");
    w.Int64(*version);
    w.Key("version_type");
    w.String(version_type_ == VersionType::kExternalGte ? "external_gte" : "external");
  }
  if (!routing.empty()) {
    w.Key("routing");
    json::String(w, routing);
  }
  w.EndObject();
  w.EndObject();

  if (request_.empty()) first_added_ = clock_();
  std::string& body = request_.body_;
  const size_t offset = body.size();
  body.append(line.GetString(), line.GetSize());
  body.push_back('\n');
  if (op == BulkOp::kUpdate) body.append(R"({"doc":)");
  if (op != BulkOp::kDelete) {
    const size_t doc_offset = body.size();
    body.append(document_json);
    std::replace_if(
        body.begin() + static_cast<std::ptrdiff_t>(doc_offset), body.end(),
        [](char c) { return c == '\n' || c == '\r'; }, ' ');
    if (op == BulkOp::kUpdate) body.push_back('}');
    body.push_back('\n');
  }
  request_.spans_.emplace_back(offset, body.size() - offset);
  request_.actions_.push_back(
      BulkAction{op, std::string(index), std::string(id), version, std::string(routing),
                 version_type_});
  return Status::Ok();
}

void BulkRequestBuilder::Copy(const BulkRequest& from, size_t i) {
  if (request_.empty()) first_added_ = clock_();
  const auto [offset, length] = from.spans_[i];
  request_.spans_.emplace_back(request_.body_.size(), length);
  request_.body_.append(from.body_, offset, length);
  request_.actions_.push_back(from.actions_[i]);
}

bool BulkRequestBuilder::Full(const BulkLimits& limits) const {
  return count() >= limits.max_actions || bytes() >= limits.max_bytes;
}

bool BulkRequestBuilder::Due(const BulkLimits& limits,
                             std::chrono::steady_clock::time_point now) const {
  return Full(limits) || (!empty() && now - first_added_ >= limits.max_age);
}

BulkRequest BulkRequestBuilder::Take() {
  BulkRequest out = std::move(request_);
  request_ = BulkRequest();
  return out;
}

}  // namespace walcast::sinks::elasticsearch
