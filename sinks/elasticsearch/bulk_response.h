#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/bulk_request.h"

namespace walcast::sinks::elasticsearch {

// What became of one bulk item, and what the caller does about it.
enum class ItemDisposition {
  kApplied,  // 2xx: indexed or deleted
  // 409 version conflict on an externally versioned action: the stored
  // document's version is at least ours, i.e. a newer (or this very)
  // change of the row is already there. Versions come from commit LSNs, so
  // a replay after a restart or a retry whose first send did arrive lands
  // here; it is success, and going back in time is exactly what external
  // versioning prevents.
  kSuperseded,
  kAlreadyDeleted,  // 404 on a delete: the document is not there (success)
  // A status CodeFromHttp retries (408, 429, 5xx) or
  // es_rejected_execution_exception: the node was overloaded or a shard
  // unavailable; sending the item again may succeed.
  kRetryable,
  // Anything else (400 mapper_parsing_exception or
  // document_parsing_exception, 409 without a version, …): sending it
  // again fails the same way. It belongs in the dead-letter index.
  kRejected,
};

std::string_view DispositionName(ItemDisposition disposition);

// One item of a bulk response.
struct BulkItemResult {
  int status = 0;
  ItemDisposition disposition = ItemDisposition::kApplied;
  // The server's error type and reason, "" on success. The reason may quote
  // a field's value (Elasticsearch 8 previews it): store it with the dead
  // letter, never log it. A nested caused_by is appended as
  // "; caused by <type>: <reason>".
  std::string error_type;
  std::string error_reason;
  int64_t version = -1;  // the document's _version after the item, if given

  bool done() const {
    return disposition == ItemDisposition::kApplied ||
           disposition == ItemDisposition::kSuperseded ||
           disposition == ItemDisposition::kAlreadyDeleted;
  }
};

// The disposition of an item answered with `status` and `error_type` for
// `action` (see ItemDisposition).
ItemDisposition ClassifyItem(int status, std::string_view error_type, const BulkAction& action);

// Parses the answer to `request` (HTTP 200 from _bulk, possibly reduced by
// filter_path to errors, items.*.status, items.*.error, items.*._version).
// Item i answers request.action(i). kCorruption if `body` is not a bulk
// response, lacks an item's status, names another operation than the
// action's, or has a different number of items than the request.
Result<std::vector<BulkItemResult>> ParseBulkResponse(std::string_view body,
                                                      const BulkRequest& request);

}  // namespace walcast::sinks::elasticsearch
