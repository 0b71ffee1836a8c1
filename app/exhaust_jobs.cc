#include "app/exhaust_jobs.h"

#include <filesystem>

#include "app/options.h"
#include "exhaust/options.h"
#include "exhaust/request.h"
#include "metrics/state_store.h"

namespace walcast::app {
namespace {

constexpr std::string_view kJobProjection = "job_request";

std::string QuotedTable(const std::string& dotted) {
  const size_t dot = dotted.find('.');
  if (dot == std::string::npos) return pg::QuoteIdentifier(dotted);
  return pg::QuoteIdentifier(dotted.substr(0, dot)) + "." +
         pg::QuoteIdentifier(dotted.substr(dot + 1));
}

}  // namespace

Result<std::unique_ptr<ExhaustJobs>> ExhaustJobs::Create(const Config& config,
                                                         const projections::ProjectionSet& set,
                                                         const projections::SunbirdCipher* cipher) {
  const std::string table = config.GetString("exhaust.job.table");
  if (table.empty()) return std::unique_ptr<ExhaustJobs>();
  if (set.Find(kJobProjection) == nullptr) {
    return Status::InvalidArgument(
        "exhaust.job.table: the projections define no 'job_request' projection (see "
        "config/examples/sunbird-program-users/projections.json)");
  }
  std::unique_ptr<ExhaustJobs> jobs(new ExhaustJobs());
  WALCAST_ASSIGN_OR_RETURN(jobs->reports_, exhaust::LoadReportDefinitions(config));
  if (jobs->reports_.empty()) {
    return Status::InvalidArgument("exhaust.job.table: exhaust.definitions.file lists no report");
  }
  jobs->options_ = exhaust::ReportOptionsFromConfig(config);
  jobs->output_dir_ = config.GetString("exhaust.output.dir");
  jobs->table_ = QuotedTable(table);
  jobs->conninfo_ = Conninfo(config);
  jobs->cipher_ = cipher;
  return jobs;
}

Status ExhaustJobs::Connect() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return Status::Ok();
  conn_.reset(PQconnectdb(conninfo_.c_str()));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    const Status s = pg::ClassifyConnectError(conn_.get());
    conn_.reset();
    return s;
  }
  return Status::Ok();
}

Result<pg::PgResultPtr> ExhaustJobs::Exec(const std::string& sql,
                                          const std::vector<std::string>& params) {
  WALCAST_RETURN_IF_ERROR(Connect());
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  pg::PgResultPtr res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                   nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      conn_.reset();
      return Status::Unavailable("exhaust jobs: the database connection broke");
    }
    return pg::StatusFromResult(res.get(), "exhaust jobs");
  }
  return res;
}

Status ExhaustJobs::Run(projections::ProjectionEngine& engine) {
  std::vector<projections::ProjectedRow> pending;
  WALCAST_RETURN_IF_ERROR(
      engine.Scan(kJobProjection, {}, [&](const projections::ProjectedRow& job) {
        const std::string* status = job.Find("status");
        if (status != nullptr && *status == "SUBMITTED") pending.push_back(job);
        return true;
      }));
  for (const projections::ProjectedRow& job : pending) {
    const std::string* id = job.Find("request_id");
    if (id == nullptr) continue;
    const std::string done_key = metrics::state_key::Meta("exhaust_job_done/" + *id);
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> done, engine.store().Get(done_key));
    if (done) continue;
    const Status s = RunJob(engine, job, done_key);
    if (s.IsRetryable()) {
      int suppressed = 0;
      if (retry_log_.Allow(&suppressed)) {
        log::Warn("exhaust job postponed; retrying at the next commit",
                  {{"request_id", *id}, {"error", s.ToString()}, {"suppressed", suppressed}});
      }
      return Status::Ok();
    }
    WALCAST_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status ExhaustJobs::RunJob(projections::ProjectionEngine& engine,
                           const projections::ProjectedRow& job, const std::string& done_key) {
  const std::string id = *job.Find("request_id");
  const std::string* job_id = job.Find("job_id");
  const exhaust::ReportDefinition* definition = nullptr;
  for (const exhaust::ReportDefinition& d : reports_) {
    if (job_id != nullptr && d.id == *job_id) definition = &d;
  }
  if (definition == nullptr) {
    // Not one of ours (another Sunbird job): left to its own runner.
    engine.Stage(done_key, "skipped");
    return engine.Commit();
  }
  const std::string* data = job.Find("request_data");
  Result<exhaust::ReportRequest> request =
      exhaust::ParseSunbirdRequest(data != nullptr ? *data : std::string());
  std::string location;
  Status outcome = request.status();
  if (request.ok()) {
    exhaust::ReportOptions options = options_;
    if (request->encrypt) {
      // The row's own key, read now and never kept (Sunbird's
      // job_request.encryption_key), else the configured password.
      WALCAST_ASSIGN_OR_RETURN(
          pg::PgResultPtr key,
          Exec("SELECT encryption_key FROM " + table_ + " WHERE request_id = $1", {id}));
      if (PQntuples(key.get()) == 1 && !PQgetisnull(key.get(), 0, 0) &&
          PQgetlength(key.get(), 0, 0) > 0) {
        options.zip_password = PQgetvalue(key.get(), 0, 0);
      }
    }
    std::error_code ec;
    std::filesystem::create_directories(output_dir_, ec);
    const std::string file = (std::filesystem::path(output_dir_) / (id + ".csv")).string();
    Result<exhaust::ReportStats> stats =
        exhaust::WriteReport(*definition, *request, engine, cipher_, options, file);
    outcome = stats.status();
    if (stats.ok()) {
      location = stats->output;
      log::Info("exhaust job done", {{"request_id", id},
                                     {"report", definition->id},
                                     {"rows", stats->rows},
                                     {"file", location}});
    }
  }
  if (outcome.IsRetryable()) return outcome;
  pg::PgResultPtr updated;
  if (outcome.ok()) {
    WALCAST_ASSIGN_OR_RETURN(
        updated, Exec("UPDATE " + table_ +
                          " SET status = 'SUCCESS', download_urls = ARRAY[$2]::text[], "
                          "dt_file_created = now(), dt_job_completed = now(), err_message = NULL "
                          "WHERE request_id = $1 AND status IN ('SUBMITTED', 'PROCESSING')",
                      {id, location}));
  } else {
    log::Warn("exhaust job failed", {{"request_id", id}, {"error", outcome.ToString()}});
    WALCAST_ASSIGN_OR_RETURN(
        updated, Exec("UPDATE " + table_ +
                          " SET status = 'FAILED', err_message = $2, dt_job_completed = now() "
                          "WHERE request_id = $1 AND status IN ('SUBMITTED', 'PROCESSING')",
                      {id, outcome.message()}));
  }
  engine.Stage(done_key, outcome.ok() ? "done" : "failed");
  WALCAST_RETURN_IF_ERROR(engine.Commit());
  ++jobs_done_;
  return Status::Ok();
}

}  // namespace walcast::app
