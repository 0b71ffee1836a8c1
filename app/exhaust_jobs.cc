#include "app/exhaust_jobs.h"

#include <algorithm>
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
  jobs->max_running_ =
      static_cast<size_t>(std::max<int64_t>(1, config.GetInt("exhaust.jobs.workers")));
  for (size_t i = 0; i < jobs->max_running_; ++i) {
    jobs->workers_.emplace_back([raw = jobs.get()] { raw->Worker(); });
  }
  return jobs;
}

ExhaustJobs::~ExhaustJobs() { Stop(); }

void ExhaustJobs::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
  }
  cancel_ = true;
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

Result<pg::PgResultPtr> ExhaustJobs::Exec(pg::PgConnPtr* conn, const std::string& sql,
                                          const std::vector<std::string>& params) const {
  if (!*conn || PQstatus(conn->get()) != CONNECTION_OK) {
    conn->reset(PQconnectdb(conninfo_.c_str()));
    if (PQstatus(conn->get()) != CONNECTION_OK) {
      const Status s = pg::ClassifyConnectError(conn->get());
      conn->reset();
      return s;
    }
  }
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  pg::PgResultPtr res(PQexecParams(conn->get(), sql.c_str(), static_cast<int>(values.size()),
                                   nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (PQstatus(conn->get()) != CONNECTION_OK) {
      conn->reset();
      return Status::Unavailable("exhaust jobs: the database connection broke");
    }
    return pg::StatusFromResult(res.get(), "exhaust jobs");
  }
  return res;
}

Status ExhaustJobs::Run(projections::ProjectionEngine& engine) {
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished.swap(finished_);
  }
  Status stop;
  size_t marked = 0;
  for (Finished& f : finished) {
    running_.erase(f.request_id);
    if (f.marker.ok()) {
      engine.Stage(f.done_key, *f.marker);
      ++marked;
      continue;
    }
    if (f.marker.status().IsRetryable()) {
      int suppressed = 0;
      if (retry_log_.Allow(&suppressed)) {
        log::Warn("exhaust job postponed; retrying at the next commit",
                  {{"request_id", f.request_id},
                   {"error", f.marker.status().ToString()},
                   {"suppressed", suppressed}});
      }
    } else if (stop.ok()) {
      stop = f.marker.status();
    }
  }
  if (marked > 0) {
    WALCAST_RETURN_IF_ERROR(engine.Commit());
    jobs_done_ += marked;
  }
  WALCAST_RETURN_IF_ERROR(stop);

  std::vector<projections::ProjectedRow> pending;
  WALCAST_RETURN_IF_ERROR(
      engine.Scan(kJobProjection, {}, [&](const projections::ProjectedRow& job) {
        const std::string* status = job.Find("status");
        if (status != nullptr && *status == "SUBMITTED") pending.push_back(job);
        return true;
      }));
  for (const projections::ProjectedRow& job : pending) {
    if (running_.size() >= max_running_) break;
    const std::string* id = job.Find("request_id");
    if (id == nullptr || running_.contains(*id)) continue;
    const std::string done_key = metrics::state_key::Meta("exhaust_job_done/" + *id);
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> done, engine.store().Get(done_key));
    if (done) continue;
    const std::string* job_id = job.Find("job_id");
    const exhaust::ReportDefinition* definition = nullptr;
    for (const exhaust::ReportDefinition& d : reports_) {
      if (job_id != nullptr && d.id == *job_id) definition = &d;
    }
    if (definition == nullptr) {
      // Not one of ours (another Sunbird job): left to its own runner.
      engine.Stage(done_key, "skipped");
      WALCAST_RETURN_IF_ERROR(engine.Commit());
      continue;
    }
    Job handed;
    handed.request_id = *id;
    handed.done_key = done_key;
    handed.definition = definition;
    const std::string* data = job.Find("request_data");
    handed.request_data = data != nullptr ? *data : std::string();
    handed.state = engine.TakeSnapshot();
    running_.insert(*id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(handed));
    }
    cv_.notify_one();
  }
  return Status::Ok();
}

void ExhaustJobs::Worker() {
  pg::PgConnPtr conn;
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<std::string> marker = Execute(job, &conn);
    job.state.reset();  // the snapshot pins old state: let it go at once
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back({job.request_id, job.done_key, std::move(marker)});
  }
}

Result<std::string> ExhaustJobs::Execute(const Job& job, pg::PgConnPtr* conn) {
  const std::string& id = job.request_id;
  Result<exhaust::ReportRequest> request = exhaust::ParseSunbirdRequest(job.request_data);
  std::string location;
  Status outcome = request.status();
  if (request.ok()) {
    exhaust::ReportOptions options = options_;
    options.cancel = &cancel_;
    if (request->encrypt) {
      // The row's own key, read now and never kept (Sunbird's
      // job_request.encryption_key), else the configured password.
      WALCAST_ASSIGN_OR_RETURN(
          pg::PgResultPtr key,
          Exec(conn, "SELECT encryption_key FROM " + table_ + " WHERE request_id = $1", {id}));
      if (PQntuples(key.get()) == 1 && !PQgetisnull(key.get(), 0, 0) &&
          PQgetlength(key.get(), 0, 0) > 0) {
        options.zip_password = PQgetvalue(key.get(), 0, 0);
      }
    }
    std::error_code ec;
    std::filesystem::create_directories(output_dir_, ec);
    const std::string file = (std::filesystem::path(output_dir_) / (id + ".csv")).string();
    log::Info("exhaust job started", {{"request_id", id}, {"report", job.definition->id}});
    Result<exhaust::ReportStats> stats =
        exhaust::WriteReport(*job.definition, *request, *job.state, cipher_, options, file);
    outcome = stats.status();
    if (stats.ok()) {
      location = stats->output;
      log::Info("exhaust job done", {{"request_id", id},
                                     {"report", job.definition->id},
                                     {"rows", stats->rows},
                                     {"file", location}});
    }
  }
  if (outcome.IsRetryable()) return outcome;
  if (outcome.ok()) {
    WALCAST_RETURN_IF_ERROR(
        Exec(conn,
             "UPDATE " + table_ +
                 " SET status = 'SUCCESS', download_urls = ARRAY[$2]::text[], "
                 "dt_file_created = now(), dt_job_completed = now(), err_message = NULL "
                 "WHERE request_id = $1 AND status IN ('SUBMITTED', 'PROCESSING')",
             {id, location})
            .status());
    return std::string("done");
  }
  log::Warn("exhaust job failed", {{"request_id", id}, {"error", outcome.ToString()}});
  WALCAST_RETURN_IF_ERROR(
      Exec(conn,
           "UPDATE " + table_ +
               " SET status = 'FAILED', err_message = $2, dt_job_completed = now() "
               "WHERE request_id = $1 AND status IN ('SUBMITTED', 'PROCESSING')",
           {id, outcome.message()})
          .status());
  return std::string("failed");
}

}  // namespace walcast::app
