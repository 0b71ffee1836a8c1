#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

enum class BulkOp {
  kIndex,
  kDelete,
  // A partial update: the given fields replace the stored ones, the others
  // stay (see BulkRequestBuilder::Update).
  kUpdate,
};

// The action's name in a _bulk body and its response: "index", "delete",
// "update".
const char* BulkOpName(BulkOp op);


// How a versioned action compares with the stored document's version.
enum class VersionType {
  kExternal,     // applies only if ours is greater
  // Applies if ours is greater or equal: several changes of one row in one
  // PostgreSQL transaction share its commit LSN as their version, and the
  // last of them, sent last, must win; a replay of the same change rewrites
  // the same content.
  kExternalGte,
};

// One action of a bulk request as the builder wrote it.
struct BulkAction {
  BulkOp op = BulkOp::kIndex;
  std::string index;
  std::string id;
  // Written with version_type=external: the document changes only if this
  // is greater than the stored version. nullopt: an unversioned write.
  std::optional<int64_t> version;
  std::string routing;  // "" for none
  VersionType version_type = VersionType::kExternal;

  bool operator==(const BulkAction&) const = default;
};

// A finished _bulk body (NDJSON, "\n"-terminated) and the actions in it, in
// order: item i of the response answers action(i). Immutable value.
class BulkRequest {
 public:
  const std::string& body() const { return body_; }
  const std::vector<BulkAction>& actions() const { return actions_; }
  const BulkAction& action(size_t i) const { return actions_[i]; }
  size_t size() const { return actions_.size(); }
  bool empty() const { return actions_.empty(); }

  // The document line of index action i (the {"doc":…} line of an
  // update), without its '\n'; "" for a delete.
  std::string_view Source(size_t i) const;

  // A request with only the actions at `which` (ascending indices into this
  // request), their lines copied unchanged; used to resend retryable items.
  BulkRequest Select(const std::vector<size_t>& which) const;

 private:
  friend class BulkRequestBuilder;

  std::string body_;
  std::vector<BulkAction> actions_;
  // Where each action's lines (metadata, and the source for an index) are
  // in body_: offset and length.
  std::vector<std::pair<size_t, size_t>> spans_;
};

// When a batch is due: whichever limit is reached first.
struct BulkLimits {
  size_t max_actions = 1000;
  size_t max_bytes = 5 << 20;               // uncompressed NDJSON
  std::chrono::milliseconds max_age{1000};  // since the first action was added
};

// Builds the NDJSON body of one _bulk request
// (https://www.elastic.co/guide/en/elasticsearch/reference/7.17/docs-bulk.html;
// the same format on Elasticsearch 8 and OpenSearch):
//
//   {"index":{"_index":"i","_id":"k","version":7,"version_type":"external"}}
//   {…the document…}
//   {"delete":{"_index":"i","_id":"k","version":8,"version_type":"external"}}
//   {"update":{"_index":"i","_id":"k","retry_on_conflict":3}}    (see Update)
//   {"doc":{…}}
//
// and tracks the body's size, its action count and when the first action
// came, so that callers flush by size, count or time (Full, Due).
//
// Thread: one caller at a time.
class BulkRequestBuilder {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `clock` stamps the first action of each batch (default: steady_clock).
  // Versioned actions are written with `version_type`.
  explicit BulkRequestBuilder(Clock clock = {}, VersionType version_type = VersionType::kExternal);

  // Appends an index action (create or replace) with `document_json`, one
  // JSON object; line breaks in it become spaces (outside strings they are
  // whitespace, inside they cannot occur unescaped), so the NDJSON stays
  // one line per document. kInvalidArgument for an empty index, id or
  // document, or a negative version; nothing is appended then.
  Status Index(std::string_view index, std::string_view id, std::string_view document_json,
               std::optional<int64_t> version, std::string_view routing = {});
  // Appends a delete action; same errors as Index.
  Status Delete(std::string_view index, std::string_view id, std::optional<int64_t> version,
                std::string_view routing = {});
  // Appends a partial update of a stored document: the members of
  // `partial_json` (one JSON object) replace the document's members of the
  // same name and every other member stays:
  //
  //   {"update":{"_index":"i","_id":"k","retry_on_conflict":3}}
  //   {"doc":{…}}
  //
  // `_bulk` updates take no external version, so `version` is only kept in
  // the action: BulkWorker turns the update into an index of the merged
  // document with that version before sending (ResolvePartialUpdates), and
  // sends it as it is only when the document is missing, which the server
  // answers 404 (no upsert: the fields left out are unknown). Same errors
  // as Index.
  Status Update(std::string_view index, std::string_view id, std::string_view partial_json,
                int64_t version, std::string_view routing = {});

  // Appends action `i` of `from` with its lines as they are.
  void Copy(const BulkRequest& from, size_t i);

  size_t count() const { return request_.size(); }
  size_t bytes() const { return request_.body_.size(); }
  bool empty() const { return request_.empty(); }
  // True once the batch has max_actions actions or max_bytes bytes.
  bool Full(const BulkLimits& limits) const;
  // Full, or not empty and max_age has passed since its first action.
  bool Due(const BulkLimits& limits, std::chrono::steady_clock::time_point now) const;

  // The batch so far; the builder starts a new, empty one.
  BulkRequest Take();

 private:
  Status Append(BulkOp op, std::string_view index, std::string_view id,
                std::optional<int64_t> version, std::string_view routing,
                std::string_view document_json);

  Clock clock_;
  VersionType version_type_;
  BulkRequest request_;
  std::chrono::steady_clock::time_point first_added_{};
};

}  // namespace walcast::sinks::elasticsearch
