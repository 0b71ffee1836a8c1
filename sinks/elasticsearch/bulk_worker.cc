#include "sinks/elasticsearch/bulk_worker.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>

#include "core/event.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "sinks/elasticsearch/partial_update.h"

namespace walcast::sinks::elasticsearch {

std::string DeadLetterJson(const DeadLetter& letter) {
  static const ItemOrigin kNoOrigin;
  const ItemOrigin& origin = letter.origin ? *letter.origin : kNoOrigin;
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("@timestamp");
  w.Int64(UnixMicrosNow() / 1000);
  for (const auto& [key, value] :
       {std::pair{"index", letter.index}, std::pair{"id", letter.id},
        std::pair{"operation", letter.operation}, std::pair{"table", std::string_view(origin.table)},
        std::pair{"key", std::string_view(origin.key)}}) {
    w.Key(key);
    json::String(w, value);
  }
  w.Key("lsn");
  json::String(w, origin.lsn.ToString());
  w.Key("status");
  w.Int(letter.status);
  for (const auto& [key, value] :
       {std::pair{"error_type", letter.error_type}, std::pair{"reason", letter.reason},
        std::pair{"document", letter.document}}) {
    w.Key(key);
    json::String(w, value);
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

std::string DeadLetterId(std::string_view index, std::string_view id,
                         std::optional<int64_t> version) {
  std::string out(index);
  out.push_back('/');
  out.append(id);
  if (version) out.append("@").append(std::to_string(*version));
  return out;
}

BulkWorker::BulkWorker(std::unique_ptr<HttpTransport> transport, BulkWorkerOptions options,
                       Backoff::RandomUnit random)
    : BulkWorker(SharedBulkClient::Wrap(std::move(transport)), std::move(options),
                 std::move(random)) {}

BulkWorker::BulkWorker(std::shared_ptr<SharedBulkClient> client, BulkWorkerOptions options,
                       Backoff::RandomUnit random)
    : client_(std::move(client)),
      mu_(client_->mu_),
      changed_(client_->changed_),
      options_(std::move(options)),
      random_(std::move(random)) {
  client_->Attach(this);
  std::lock_guard lock(mu_);
  attached_ = true;
}

BulkWorker::~BulkWorker() { Stop(); }

Status BulkWorker::Submit(BulkJob job) {
  // The shape reads every action: done before taking the shared lock.
  BulkJobShape shape = ShapeOf(job.request, job.task != nullptr || job.after != nullptr);
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] {
    return !failure_.ok() || stopping_ || queue_.size() < options_.max_queued;
  });
  if (!failure_.ok()) return failure_;
  if (stopping_) return Status::Unavailable(options_.name + ": stopped");
  stats_.queued_items += job.request.size();
  queue_.push_back(Queued{std::move(job), std::move(shape)});
  changed_.notify_all();
  return Status::Ok();
}

bool BulkWorker::IdleLocked() const {
  return queue_.empty() && in_flight_.empty() && finished_.empty() && !delivering_;
}

Status BulkWorker::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool drained =
      changed_.wait_for(lock, timeout, [&] { return !failure_.ok() || IdleLocked(); });
  if (!failure_.ok()) return failure_;
  if (!drained) {
    return Status::Timeout(options_.name + ": " +
                           std::to_string(queue_.size() + in_flight_.size() + finished_.size()) +
                           " bulk request(s) not yet durable");
  }
  return Status::Ok();
}

Status BulkWorker::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

BulkWorkerStats BulkWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void BulkWorker::Stop() {
  {
    std::unique_lock lock(mu_);
    if (!attached_) return;
    stopping_ = true;
    stats_.queued_items = 0;
    queue_.clear();
    changed_.notify_all();
    // The jobs in flight end their retries at once (KeepGoing); nothing may
    // call into this worker once Stop returns.
    changed_.wait(lock, [&] { return in_flight_.empty() && !delivering_; });
    finished_.clear();
    attached_ = false;
  }
  client_->Detach(this);
}

bool BulkWorker::TakeStartableLocked(BulkJob* job, uint64_t* seq) {
  if (stopping_ || !failure_.ok() || queue_.empty()) return false;
  const Queued& next = queue_.front();
  for (const auto& [number, running] : in_flight_) {
    if (MustFollow(next.shape, running.shape)) return false;
  }
  *seq = next_seq_++;
  const size_t items = next.job.request.size();
  in_flight_.emplace(*seq, InFlight{next.shape, items});
  *job = std::move(queue_.front().job);
  queue_.pop_front();
  stats_.queued_items -= items;
  stats_.in_flight_items += items;
  stats_.max_in_flight_jobs = std::max<uint64_t>(stats_.max_in_flight_jobs, in_flight_.size());
  changed_.notify_all();  // room in the queue for Submit
  return true;
}

void BulkWorker::FinishLocked(std::unique_lock<std::mutex>& lock, uint64_t seq,
                              const Status& status, std::function<void(const Status&)> done) {
  const auto it = in_flight_.find(seq);
  stats_.in_flight_items -= it->second.items;
  if (!stopping_) {
    if (!status.ok() && failure_.ok()) {
      log::Error(options_.name + ": bulk request failed; stopping",
                 {{"reason", status.ToString()}});
      failure_ = status;
      failed_seq_ = seq;
      stats_.queued_items = 0;
      queue_.clear();
      if (options_.on_problem) {
        lock.unlock();
        options_.on_problem("error", status.ToString());
        lock.lock();
      }
    }
    if (seq <= failed_seq_) finished_.emplace(seq, Finished{status, std::move(done)});
    // One thread at a time runs the `done`s due, in order; a thread
    // finishing a later job meanwhile leaves its own to that one.
    while (!delivering_ && !finished_.empty() && finished_.begin()->first == next_done_) {
      Finished next = std::move(finished_.begin()->second);
      finished_.erase(finished_.begin());
      ++next_done_;
      delivering_ = true;
      lock.unlock();
      if (next.done) next.done(next.status);
      lock.lock();
      delivering_ = false;
    }
  }
  // Else shutdown interrupted the retries: the job is abandoned, not failed.
  // Only now may Stop return (it waits for in_flight_ to empty): this
  // thread no longer touches the worker.
  in_flight_.erase(it);
  changed_.notify_all();
}

Status BulkWorker::RunTask(const BulkTask& task, HttpTransport& transport) {
  // Outages pass like a bulk request's: wait and try again.
  const BulkSend send = [this, &transport](const BulkRequest& request) {
    return SendBulk(request, transport);
  };
  Backoff backoff(options_.client.backoff, random_);
  while (true) {
    Status status = task(transport, send);
    if (!status.IsRetryable()) return status;
    log::Warn(options_.name + ": request failed; retrying", {{"reason", status.ToString()}});
    if (!SleepUnlessStopping(backoff.Next())) return status;
  }
}

Result<BulkResult> BulkWorker::SendBulk(const BulkRequest& request, HttpTransport& transport) {
  // A client per request: each keeps its own backoff, the counters are the
  // worker's.
  BulkClient client(
      transport, options_.client, random_,
      [this](std::chrono::milliseconds wait) { (void)SleepUnlessStopping(wait); }, &counters_);
  return client.Send(request, [this] { return KeepGoing(); });
}

bool BulkWorker::SleepUnlessStopping(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  return !changed_.wait_for(lock, wait, [&] { return stopping_; });
}

bool BulkWorker::KeepGoing() const {
  std::lock_guard lock(mu_);
  return !stopping_;
}

Status BulkWorker::Execute(BulkJob& job, HttpTransport& transport) {
  if (job.task) return RunTask(job.task, transport);
  if (job.request.empty()) return Status::Ok();
  if (std::any_of(job.request.actions().begin(), job.request.actions().end(),
                  [](const BulkAction& a) { return a.op == BulkOp::kUpdate; })) {
    // Partial updates become versioned writes of the merged document; the
    // reads wait out an outage like a task.
    WALCAST_RETURN_IF_ERROR(RunTask(
        [&job](HttpTransport& connection, const BulkSend&) -> Status {
          WALCAST_ASSIGN_OR_RETURN(job.request, ResolvePartialUpdates(connection, job.request));
          return Status::Ok();
        },
        transport));
  }
  Result<BulkResult> result = SendBulk(job.request, transport);
  if (!result.ok()) return result.status();
  const std::vector<size_t> rejected = result->Rejected();
  if (!rejected.empty()) {
    WALCAST_RETURN_IF_ERROR(WriteDeadLetters(job, *result, rejected, transport));
  }
  if (job.after) WALCAST_RETURN_IF_ERROR(RunTask(job.after, transport));
  // Dead letters the sink wrote itself were items of the request.
  size_t own_dead_letters = 0;
  for (size_t i = 0; i < job.origins.size() && i < job.request.size(); ++i) {
    if (job.origins[i].dead_letter) ++own_dead_letters;
  }
  std::lock_guard lock(mu_);
  ++stats_.requests;
  stats_.items += job.request.size() - rejected.size() - own_dead_letters;
  stats_.dead_letters += rejected.size() + own_dead_letters;
  return Status::Ok();
}

Status BulkWorker::WriteDeadLetters(const BulkJob& job, const BulkResult& result,
                                    const std::vector<size_t>& rejected, HttpTransport& transport) {
  const BulkItemResult& first = result.items[rejected.front()];
  if (options_.dead_letter_index.empty()) {
    return Status::Fatal(options_.name + ": the server refused a document (" + first.error_type +
                         ", index " + job.request.action(rejected.front()).index +
                         ") and no dead-letter index is configured");
  }
  BulkRequestBuilder builder;
  for (const size_t i : rejected) {
    const BulkAction& action = job.request.action(i);
    const ItemOrigin* origin = i < job.origins.size() ? &job.origins[i] : nullptr;
    const BulkItemResult& item = result.items[i];
    const DeadLetter letter{.index = action.index,
                            .id = action.id,
                            .operation = BulkOpName(action.op),
                            .origin = origin,
                            .status = item.status,
                            .error_type = item.error_type,
                            .reason = item.error_reason,
                            .document = job.request.Source(i)};
    WALCAST_RETURN_IF_ERROR(builder.Index(options_.dead_letter_index,
                                          DeadLetterId(action.index, action.id, action.version),
                                          DeadLetterJson(letter), std::nullopt));
    // The reason may quote the refused value: it goes to the index, never
    // to the log.
    if (int suppressed = 0; dead_letter_log_.Allow(&suppressed)) {
      log::Warn(options_.name + ": document refused; written to the dead-letter index",
                {{"index", action.index},
                 {"table", origin ? origin->table : ""},
                 {"lsn", origin ? origin->lsn.ToString() : ""},
                 {"error_type", result.items[i].error_type},
                 {"dead_letter_index", options_.dead_letter_index},
                 {"suppressed", suppressed}});
    }
  }
  if (options_.on_problem) {
    const ItemOrigin* origin =
        rejected.front() < job.origins.size() ? &job.origins[rejected.front()] : nullptr;
    options_.on_problem(
        "dead_letter",
        std::to_string(rejected.size()) + " document(s) refused (" + first.error_type + ", HTTP " +
            std::to_string(first.status) + "), index " +
            job.request.action(rejected.front()).index +
            (origin != nullptr ? ", table " + origin->table + " at " + origin->lsn.ToString()
                               : std::string()));
  }
  const BulkRequest letters = builder.Take();
  WALCAST_ASSIGN_OR_RETURN(BulkResult written, SendBulk(letters, transport));
  const std::vector<size_t> refused = written.Rejected();
  if (!refused.empty()) {
    return Status::Fatal(options_.name + ": the dead-letter index " + options_.dead_letter_index +
                         " refused a dead letter (" + written.items[refused.front()].error_type +
                         ")");
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
