#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/lsn.h"
#include "core/status.h"
#include "sinks/elasticsearch/bulk_client.h"
#include "sinks/elasticsearch/bulk_job_order.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/http_transport.h"
#include "sinks/elasticsearch/shared_bulk_client.h"

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
// thread running the task.
using BulkSend = std::function<Result<BulkResult>(const BulkRequest&)>;

// Work that talks to the server directly, on a sending thread of the
// worker's client: it gets that thread's connection and the worker's way of
// sending bulk requests.
using BulkTask = std::function<Status(HttpTransport&, const BulkSend&)>;

// One unit of work for the worker thread: a bulk request (with one origin
// per action), or a task (a truncate's delete-by-search; retried with
// backoff while it returns kUnavailable or kTimeout). `done` runs on a
// sending thread once the job is over: OK when every item is durable in its
// index or in the dead-letter index. The worker calls the `done`s of its
// jobs one at a time, in submission order, whatever order the jobs finish
// in.
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
  // Jobs waiting to be sent (beyond those in flight); Submit blocks beyond
  // this (backpressure on the reader).
  size_t max_queued = 2;
  // Name in log lines ("elasticsearch", "metrics").
  std::string name = "elasticsearch";
  // Called on a sending thread for documents written to the dead-letter
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
  uint64_t in_flight_items = 0;     // now: items of the jobs being sent
  uint64_t max_in_flight_jobs = 0;  // the most jobs that were in flight at once
};

// Sends bulk jobs to Elasticsearch through a SharedBulkClient, each until
// every item is durable (the BulkClient retries outages without a limit, so
// an unreachable server means waiting, not losing). Items the server
// refuses for good become documents in the dead-letter index (the reason,
// the origin, and the refused document as unindexed text) before the job
// counts as done. A job that cannot finish (credentials refused, a dead
// letter refused, a malformed request) makes the worker fail: its `done`
// gets the error, later jobs are not sent, and Submit returns the error from
// then on. The worker's failure is its own: other workers of a shared
// client go on.
//
// Order. Jobs start in submission order, several at once when the client
// has several connections, as long as MustFollow (bulk_job_order.h) allows:
// a job whose outcome could depend on an earlier one still in flight waits
// for it. Jobs may finish in any order; their `done`s run in submission
// order, so an acknowledgement in a `done` covers only contiguous durable
// jobs and never passes one still in flight.
//
// Thread: Submit, Drain, failure and Stop from one owner thread (never from
// a `done`); `done` callbacks run on the client's sending threads.
class BulkWorker {
 public:
  // A worker with a client of its own: one connection over `transport`,
  // jobs sent one at a time. Every wait between retries, of bulk requests
  // and of tasks, follows Backoff with options.client.backoff, draws from
  // `random` (default: real randomness; tests inject their own, which must
  // be callable from several threads when the client has several
  // connections) and ends early at Stop.
  BulkWorker(std::unique_ptr<HttpTransport> transport, BulkWorkerOptions options,
             Backoff::RandomUnit random = {});
  // A lane of `client`, which may be shared with other workers.
  BulkWorker(std::shared_ptr<SharedBulkClient> client, BulkWorkerOptions options,
             Backoff::RandomUnit random = {});
  ~BulkWorker();
  BulkWorker(const BulkWorker&) = delete;
  BulkWorker& operator=(const BulkWorker&) = delete;

  // Queues `job`; blocks while max_queued jobs wait. Returns the worker's
  // failure, if any (the job is then dropped and its `done` not called).
  Status Submit(BulkJob job);
  // Blocks until every submitted job is done (its `done` returned), the
  // worker failed, or the timeout passed (kTimeout).
  Status Drain(std::chrono::milliseconds timeout);
  // The first failure (sticky), or OK.
  Status failure() const;
  BulkWorkerStats stats() const;
  // The retries of its requests and whether one is retrying now (any
  // thread).
  const BulkClientCounters& counters() const { return counters_; }
  // Ends retries and waits for the jobs in flight to end; jobs not finished
  // are abandoned (their `done` is not called). Idempotent.
  void Stop();

 private:
  friend class SharedBulkClient;

  struct Queued {
    BulkJob job;
    BulkJobShape shape;
  };
  struct InFlight {
    BulkJobShape shape;
    size_t items = 0;
  };
  struct Finished {
    Status status;
    std::function<void(const Status&)> done;
  };

  // With the client's mutex held (the SharedBulkClient's threads):
  // the next job if it may start now (*seq gets its number), or false.
  bool TakeStartableLocked(BulkJob* job, uint64_t* seq);
  // Records the end of job `seq` and runs the `done`s now due, in order,
  // unlocking `lock` around each.
  void FinishLocked(std::unique_lock<std::mutex>& lock, uint64_t seq, const Status& status,
                    std::function<void(const Status&)> done);
  bool IdleLocked() const;

  // Without the mutex, on a sending thread:
  Status Execute(BulkJob& job, HttpTransport& transport);
  Status RunTask(const BulkTask& task, HttpTransport& transport);
  Result<BulkResult> SendBulk(const BulkRequest& request, HttpTransport& transport);
  Status WriteDeadLetters(const BulkJob& job, const BulkResult& result,
                          const std::vector<size_t>& rejected, HttpTransport& transport);
  bool KeepGoing() const;
  // False if Stop was called before `wait` passed.
  bool SleepUnlessStopping(std::chrono::milliseconds wait);

  std::shared_ptr<SharedBulkClient> client_;
  std::mutex& mu_;                    // client_->mu_
  std::condition_variable& changed_;  // client_->changed_
  const BulkWorkerOptions options_;
  const Backoff::RandomUnit random_;
  BulkClientCounters counters_;
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};

  // Guarded by mu_.
  std::deque<Queued> queue_;
  std::map<uint64_t, InFlight> in_flight_;
  std::map<uint64_t, Finished> finished_;  // ended, `done` not yet run
  uint64_t next_seq_ = 0;                  // the number of the next job to start
  uint64_t next_done_ = 0;                 // the job whose `done` runs next
  bool delivering_ = false;                // a thread is running `done`s
  bool stopping_ = false;
  bool attached_ = false;
  Status failure_;
  uint64_t failed_seq_ = UINT64_MAX;  // the job that failed
  BulkWorkerStats stats_;
};

}  // namespace walcast::sinks::elasticsearch
