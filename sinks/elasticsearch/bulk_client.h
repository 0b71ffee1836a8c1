#pragma once

#include <chrono>
#include <atomic>
#include <functional>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "core/backoff.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/bulk_response.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

struct BulkClientOptions {
  BackoffOptions backoff;
  // Sends of one request, the first included, before Send gives up with
  // kUnavailable; -1: no limit (the sink's choice: an outage means waiting,
  // and the caller's keep_going ends the wait at shutdown).
  int max_attempts = -1;
  // Called (on the sending thread) with the failure that makes Send retry,
  // as often as the retry warning is logged: at most every 10 s. The text
  // names statuses and error types only, never a document's value.
  std::function<void(const Status&)> on_retry = nullptr;
};

// What the BulkClients sending for one user count (a BulkWorker sends each
// request with a client of its own, several at once, and reports their sum).
// Thread-safe.
struct BulkClientCounters {
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> failures{0};
  // Sends retrying now, and since when (steady clock, ms) one has been.
  std::atomic<int> retrying_sends{0};
  std::atomic<int64_t> retrying_since_ms{0};
  // The retry warning, at most every 10 s for all the clients together.
  log::RateLimiter retry_log{std::chrono::seconds(10)};
};

// The outcome of one Send: every item done() or kRejected.
struct BulkResult {
  std::vector<BulkItemResult> items;  // in the request's order
  int attempts = 0;                   // HTTP requests it took

  // Indices of the items the server refused for good (dead letters).
  std::vector<size_t> Rejected() const;
};

// Sends bulk requests to POST /_bulk and retries what can succeed later:
// the whole request on connection errors, timeouts and the answers
// CodeFromHttp retries (408, 429, 5xx), and on a 200 answer only the items
// that failed retryably (the same statuses, or
// es_rejected_execution_exception), each resent alone in a smaller request.
// Items that succeeded or failed for good are never sent again.
// Waits between sends follow Backoff (exponential, full jitter), reset
// after a send that made progress.
//
// Resending is safe because walcast's actions carry external versions: an
// item whose first send did arrive answers 409 on the second, which counts
// as done (ItemDisposition::kSuperseded).
//
// Thread: one caller at a time; borrows `transport` and `counters`, which
// must outlive the client. Send blocks for as long as it retries (sleeping
// through `sleep`).
class BulkClient {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  // `random` and `sleep` default to real randomness and
  // std::this_thread::sleep_for; tests inject their own. `counters`
  // (default: the client's own) gets the retries and failures.
  BulkClient(HttpTransport& transport, BulkClientOptions options, Backoff::RandomUnit random = {},
             Sleep sleep = {}, BulkClientCounters* counters = nullptr);

  // Sends `request` until every item is done or rejected; returns the items
  // in the request's order. `keep_going`, asked before each wait, may end
  // the retries (shutdown). Errors, each meaning that some items may be
  // applied and others not (resending the whole request is safe):
  //   kUnavailable / kTimeout  max_attempts reached, or keep_going said stop;
  //                            the message has the last failure
  //   any other code of        a non-2xx answer that retrying cannot fix:
  //   CodeFromHttp             kPermissionDenied (401/403), kInvalidArgument
  //                            (400; 413: the body exceeds
  //                            http.max_content_length), kNotFound (404), …
  //   kCorruption              a 200 answer that is not a bulk response
  //   kFatal                   a transport failure retrying cannot fix
  //                            (e.g. TLS verification)
  Result<BulkResult> Send(const BulkRequest& request, const std::function<bool()>& keep_going = {});

  // Retries so far (any thread), and since when (steady clock, ms) the
  // request in progress has been retrying; 0 when none is.
  uint64_t retries() const { return counters_->retries.load(std::memory_order_relaxed); }
  // Sends that did not make every item final: a failed request, or a 200
  // answer with items to retry (any thread).
  uint64_t failures() const { return counters_->failures.load(std::memory_order_relaxed); }
  int64_t retrying_since_ms() const {
    return counters_->retrying_since_ms.load(std::memory_order_relaxed);
  }

 private:
  // What is left of the request after each send.
  struct Remaining {
    // pending[j] is the index in the original request of current's j-th
    // action.
    std::vector<size_t> pending;
    BulkRequest subset;  // the retryable items, once there were some
    const BulkRequest* current = nullptr;
  };

  // Sends `remaining->current` once, stores the items' results in *result
  // and narrows *remaining to the items to send again (none: done). A
  // failure to retry goes to *last_failure; *progress says whether an item
  // got a final result. Returns the errors Send does not retry.
  Status SendOnce(Remaining* remaining, BulkResult* result, Status* last_failure, bool* progress);
  // Waits before attempt `attempts` + 1 of `items` items, unless
  // max_attempts or keep_going end the retries (the error Send returns).
  Status WaitToRetry(int attempts, size_t items, const Status& last_failure, bool progress,
                     const std::function<bool()>& keep_going);

  HttpTransport& transport_;
  BulkClientOptions options_;
  Backoff backoff_;
  Sleep sleep_;
  BulkClientCounters own_counters_;
  BulkClientCounters* counters_;
};

}  // namespace walcast::sinks::elasticsearch
