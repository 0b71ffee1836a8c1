#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// Turns each partial update of `request` (BulkOp::kUpdate, see
// BulkRequestBuilder::Update) into an index of the whole document with the
// update's external version: it reads the stored document (a realtime GET,
// which sees every write the server acknowledged, refreshed or not),
// replaces the members the update carries and keeps the others. So a
// partial update is versioned like every other write of the sink: a replay,
// or an update older than the stored document, is refused with 409 and
// changes nothing. An update whose document is missing is kept as it is: the
// server answers it 404 (document_missing_exception), a dead letter, rather
// than creating a document without the fields the update lacks. Other
// actions are copied unchanged.
//
// Each update sees the document as stored before `request` is sent, so a
// request must not hold an earlier action on the same document (the sink
// sends partial updates in requests of their own).
//
// Errors: the GET's, mapped by StatusFromHttp (kUnavailable and kTimeout
// are retryable); kCorruption for an answer that is not a document.
// Thread: the bulk worker's.
Result<BulkRequest> ResolvePartialUpdates(HttpTransport& transport, const BulkRequest& request);

// `text` with every byte but RFC 3986's unreserved characters
// percent-encoded, for an _id in a URL path.
std::string EscapePathSegment(std::string_view text);

}  // namespace walcast::sinks::elasticsearch
