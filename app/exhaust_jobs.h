#pragma once

// The job_request trigger (docs/exhaust.md, "job_request"): a new row of
// Sunbird's job_request table whose job_id names a configured report makes
// walcast write the report and set the row's status to SUCCESS with the
// file in download_urls (FAILED with err_message when the request is bad),
// once, even across a crash.
//
// The rows reach walcast through the stream, as the `job_request`
// projection; Run() is the ProjectionSink's on_commit hook, so a job runs
// on the state committed up to (at least) the transaction that submitted
// it. Per job: write the file (FILE.partial, fsync, rename), UPDATE the
// row (only while it is SUBMITTED or PROCESSING), then commit a done marker
// in the state. A crash before the marker runs the job again: the file is
// rewritten whole and the UPDATE matches no row the second time, so no half
// file is ever marked done and the row changes once. The ZIP password of an
// encrypted request is the row's encryption_key (read from the database at
// run time, never stored) or exhaust.zip.password.
//
// Thread: the pipeline's reader thread (the hook); blocks it while a report
// is written.

#include <memory>
#include <string>
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
  // definitions do not load.
  static Result<std::unique_ptr<ExhaustJobs>> Create(const Config& config,
                                                     const projections::ProjectionSet& set,
                                                     const projections::SunbirdCipher* cipher);

  // Runs every submitted, not yet done job. A failed database update is
  // retried at the next commit (kUnavailable is logged, not returned);
  // other errors stop the pipeline.
  Status Run(projections::ProjectionEngine& engine);

  uint64_t jobs_done() const { return jobs_done_; }

 private:
  ExhaustJobs() = default;
  Status Connect();
  Status RunJob(projections::ProjectionEngine& engine, const projections::ProjectedRow& job,
                const std::string& done_key);
  // Runs an UPDATE/SELECT with parameters; kUnavailable on a lost connection.
  Result<pg::PgResultPtr> Exec(const std::string& sql, const std::vector<std::string>& params);

  std::vector<exhaust::ReportDefinition> reports_;
  exhaust::ReportOptions options_;
  std::string output_dir_;
  std::string table_;  // quoted schema.table
  std::string conninfo_;
  const projections::SunbirdCipher* cipher_ = nullptr;
  pg::PgConnPtr conn_;
  uint64_t jobs_done_ = 0;
  log::RateLimiter retry_log_{std::chrono::seconds(10)};
};

}  // namespace walcast::app
