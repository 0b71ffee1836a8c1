#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/lsn.h"
#include "core/log.h"
#include "core/status.h"
#include "sinks/elasticsearch/bulk_client.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// Where a bulk item came from, for its dead letter if the server refuses it.
struct ItemOrigin {
  std::string table;  // "schema.table", or a metric id
  std::string key;    // the row's key as text
  Lsn lsn;            // commit LSN of the change
  // The item is itself a dead letter (a row the sink could not map): it
  // counts as a dead letter, not as an item, once durable.
  bool dead_letter = false;
};

// A record that could not be indexed, as stored in the dead-letter index.
// `reason` and `document` may quote row values: they are stored, never
// logged.
struct DeadLetter {
  std::string_view index;      // where the document was going
  std::string_view id;         // its _id there
  std::string_view operation;  // "index", "delete"
  const ItemOrigin* origin = nullptr;
  int status = 0;              // the server's item status; 0 if refused before sending
  std::string_view error_type;
  std::string_view reason;
  std::string_view document;   // the refused document, if any
};

// The dead letter's JSON document (@timestamp, index, id, operation, table,
// key, lsn, status, error_type, reason, document).
std::string DeadLetterJson(const DeadLetter& letter);

// The dead letter's _id: one per refused version of a document, so a
// replay of the same change overwrites its own dead letter.
std::string DeadLetterId(std::string_view index, std::string_view id,
                         std::optional<int64_t> version);

// Sends one bulk request the way the worker sends its own (BulkClient::Send
// with the worker's backoff; Stop ends the retries). For tasks, on the
// worker thread.
using BulkSend = std::function<Result<BulkResult>(const BulkRequest&)>;

// Work that talks to the server directly, on the worker thread: it gets the
// worker's transport and its way of sending bulk requests.
using BulkTask = std::function<Status(HttpTransport&, const BulkSend&)>;

// One unit of work for the worker thread: a bulk request (with one origin
// per action), or a task (a truncate's delete-by-search; retried with
// backoff while it returns kUnavailable or kTimeout). `done` runs on the
// worker thread once the job is over: OK when every item is durable in its
// index or in the dead-letter index.
struct BulkJob {
  BulkRequest request;
  std::vector<ItemOrigin> origins;
  BulkTask task;
  // Runs after `request` is durable (retried like a task), e.g. deleting
  // the documents that the request's rows supersede.
  BulkTask after;
  std::function<void(const Status&)> done;
};

struct BulkWorkerOptions {
  BulkClientOptions client;
  // Index for documents the server refuses for good. Empty: a refused
  // document stops the sink (kFatal) instead.
  std::string dead_letter_index;
  // Jobs waiting behind the one being sent; Submit blocks beyond this
  // (backpressure on the reader).
  size_t max_queued = 2;
  // Name in log lines ("elasticsearch", "metrics").
  std::string name = "elasticsearch";
  // Called on the worker thread for documents written to the dead-letter
  // index ("dead_letter") and for the failure that stops the worker
  // ("error"), with a reason naming the index, table, LSN and error type,
  // never a document's value. Optional.
  std::function<void(const std::string& kind, const std::string& reason)> on_problem;
};

// Counters for tests and `walcast status`.
struct BulkWorkerStats {
  uint64_t requests = 0;      // bulk jobs finished
  uint64_t items = 0;         // items durable in their index
  uint64_t dead_letters = 0;  // items written to the dead-letter index (refused or unmappable)
  uint64_t queued_items = 0;  // now: items of the jobs waiting to be sent
  uint64_t in_flight_items = 0;  // now: items of the job being sent
};

// Sends bulk jobs to Elasticsearch on one thread, in submission order, each
// until every item is durable (the BulkClient retries outages without a
// limit, so an unreachable server means waiting, not losing). Items the
// server refuses for good become documents in the dead-letter index (the
// reason, the origin, and the refused document as unindexed text) before
// the job counts as done. A job that cannot finish (credentials refused, a
// dead letter refused, a malformed request) makes the worker fail: its
// `done` gets the error, later jobs are not sent, and Submit returns the
// error from then on.
//
// Thread: Submit, Drain, failure and Stop from one owner thread; `done`
// callbacks run on the worker thread.
class BulkWorker {
 public:
  // Every wait between retries, of bulk requests and of tasks, follows
  // Backoff with options.client.backoff, draws from `random` (default: real
  // randomness; tests inject their own) and ends early at Stop.
  BulkWorker(std::unique_ptr<HttpTransport> transport, BulkWorkerOptions options,
             Backoff::RandomUnit random = {});
  ~BulkWorker();
  BulkWorker(const BulkWorker&) = delete;
  BulkWorker& operator=(const BulkWorker&) = delete;

  // Queues `job`; blocks while max_queued jobs wait. Returns the worker's
  // failure, if any (the job is then dropped and its `done` not called).
  Status Submit(BulkJob job);
  // Blocks until every submitted job is done, the worker failed, or the
  // timeout passed (kTimeout).
  Status Drain(std::chrono::milliseconds timeout);
  // The first failure (sticky), or OK.
  Status failure() const;
  BulkWorkerStats stats() const;
  // The client's retries and whether it is retrying now (any thread).
  const BulkClient& client() const { return client_; }
  // Ends retries and joins the thread; jobs not finished are abandoned
  // (their `done` is not called). Idempotent.
  void Stop();

 private:
  void Run();
  bool KeepGoing() const;
  // False if Stop was called before `wait` passed.
  bool SleepUnlessStopping(std::chrono::milliseconds wait);
  Status Process(BulkJob& job);
  Status RunTask(const BulkTask& task);
  Result<BulkResult> SendBulk(const BulkRequest& request);
  Status WriteDeadLetters(const BulkJob& job, const BulkResult& result,
                          const std::vector<size_t>& rejected);

  std::unique_ptr<HttpTransport> transport_;
  BulkWorkerOptions options_;
  BulkClient client_;
  Backoff task_backoff_;  // between tries of a task; client_ has its own

  mutable std::mutex mu_;
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};
  std::condition_variable changed_;
  std::deque<BulkJob> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  Status failure_;
  BulkWorkerStats stats_;
  std::thread thread_;
};

}  // namespace walcast::sinks::elasticsearch
