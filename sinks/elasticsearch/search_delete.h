#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// Deletes the documents of `index` that match `query_json` (a query
// object) and whose version is at most `version`, with versioned bulk
// deletes sent through `send`: a document written by a later change
// survives, and a replay deletes nothing newer. Scrolls over a refreshed
// view, so it needs only the core search and bulk APIs (no
// _delete_by_query, which lives in a module not every distribution loads).
// A missing index counts as done.
//
// Errors: kInvalidArgument for an index name that is not URL-safe,
// StatusFromHttp's code for a refused refresh, search or scroll
// (kUnavailable / kTimeout: retry the whole call), kCorruption for a search
// answer without hits, and `send`'s. Blocks on HTTP; runs on the worker
// thread (a BulkJob task).
Status DeleteMatching(HttpTransport& transport, const BulkSend& send, const std::string& index,
                      std::string_view query_json, int64_t version);

// The next page of a scroll (POST /_search/scroll, keeping it open 1 m).
Result<HttpResponse> NextScrollPage(HttpTransport& transport, const std::string& scroll_id);

// Documents of `index` whose keyword `field` equals `value` and whose
// version is at most `version` (the superseding document's) are deleted.
struct SupersedeDelete {
  std::string index;
  std::string field;
  std::string value;
  int64_t version = 0;
};

// Runs the supersede deletes, one DeleteMatching per index and field (a
// terms query on every value), so the documents of the bulk request just
// written are seen; its errors are DeleteMatching's.
Status DeleteSuperseded(HttpTransport& transport, const BulkSend& send,
                        const std::vector<SupersedeDelete>& deletes);

}  // namespace walcast::sinks::elasticsearch
