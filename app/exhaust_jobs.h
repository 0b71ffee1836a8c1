#pragma once

// The job_request trigger (docs/exhaust.md, "job_request"): a new row of
// Sunbird's job_request table whose job_id names a configured report makes
// walcast write the report and set the row's status to SUCCESS with the
// file in download_urls (FAILED with err_message when the request is bad),
// once, even across a crash.
//
// The rows reach walcast through the stream, as the `job_request`
// projection; Run() is the ProjectionSink's on_commit hook, so a job starts
// on the state committed up to (at least) the transaction that submitted
// it. Reports are written off the reader thread, by `exhaust.jobs.workers`
// worker threads (one report each at a time), each reading a RocksDB
// snapshot of the state taken when its job was handed over: streaming goes
// on while a report is written, and the report sees one consistent state.
//
// Per job: the worker writes the file (FILE.partial, fsync, rename) and
// UPDATEs the row (only while it is SUBMITTED or PROCESSING); then the
// reader thread commits a done marker in the state at its next Run(). A
// crash before the marker runs the job again: the file is rewritten whole
// and the UPDATE matches no row the second time, so no half file is ever
// marked done and the row changes once. The ZIP password of an encrypted
// request is the row's encryption_key (read from the database at run time,
// never stored) or exhaust.zip.password.
//
// Thread: Create, Run and Stop on the pipeline's reader thread; the workers
// are this object's own threads, each with its own database connection.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "exhaust/report.h"
#include "exhaust/report_definition.h"
#include "pg/libpq.h"
#include "projections/engine.h"

namespace walcast::app {

class ExhaustJobs {
 public:
  // Null when exhaust.job.table is empty. kInvalidArgument when it is set
  // and the projections lack a `job_request` projection, or the report
  // definitions do not load. Starts the workers.
  static Result<std::unique_ptr<ExhaustJobs>> Create(const Config& config,
                                                     const projections::ProjectionSet& set,
                                                     const projections::SunbirdCipher* cipher);
  // Stop().
  ~ExhaustJobs();
  ExhaustJobs(const ExhaustJobs&) = delete;
  ExhaustJobs& operator=(const ExhaustJobs&) = delete;

  // Commits the done markers of the jobs the workers finished (one batch),
  // then hands every submitted job that is neither done nor running to a
  // worker, with a snapshot of `engine`'s state, while fewer than
  // exhaust.jobs.workers run. A job postponed by a temporary error (the
  // database unreachable) is handed over again at a later call. Never
  // blocks on a report. Errors: the state's (they stop the pipeline), and
  // a worker's error that is not temporary.
  Status Run(projections::ProjectionEngine& engine);

  // Cancels the reports under way (each stops at its next row, leaves no
  // file under its name and no marker: it runs again after a restart),
  // joins the workers and drops the snapshots. Must be called before the
  // engine Run() read is destroyed; idempotent.
  void Stop();

  // Jobs marked done (or failed) by this process.
  uint64_t jobs_done() const { return jobs_done_; }

 private:
  // One job handed to a worker.
  struct Job {
    std::string request_id;
    std::string done_key;
    const exhaust::ReportDefinition* definition = nullptr;
    std::string request_data;
    std::unique_ptr<projections::ProjectionSnapshot> state;
  };
  // What a worker did: the marker to commit ("done", "failed"), or a
  // temporary error (the job runs again) or another error (stops).
  struct Finished {
    std::string request_id;
    std::string done_key;
    Result<std::string> marker;
  };

  ExhaustJobs() = default;
  void Worker();
  // The worker's part of a job: report, then the row's UPDATE.
  Result<std::string> Execute(const Job& job, pg::PgConnPtr* conn);
  // Runs an UPDATE/SELECT with parameters on the worker's connection
  // (opened when needed); kUnavailable on a lost connection.
  Result<pg::PgResultPtr> Exec(pg::PgConnPtr* conn, const std::string& sql,
                               const std::vector<std::string>& params) const;

  std::vector<exhaust::ReportDefinition> reports_;
  exhaust::ReportOptions options_;
  std::string output_dir_;
  std::string table_;  // quoted schema.table
  std::string conninfo_;
  const projections::SunbirdCipher* cipher_ = nullptr;
  size_t max_running_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<bool> cancel_{false};  // read by the reports under way

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;           // guarded by mu_
  std::vector<Finished> finished_;  // guarded by mu_
  bool stopping_ = false;           // guarded by mu_

  // Reader thread only.
  std::set<std::string> running_;  // request ids handed over, not yet finished
  uint64_t jobs_done_ = 0;
  log::RateLimiter retry_log_{std::chrono::seconds(10)};
};

}  // namespace walcast::app
