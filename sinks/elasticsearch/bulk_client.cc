#include "sinks/elasticsearch/bulk_client.h"

#include <string>
#include <thread>
#include <utility>

#include "sinks/elasticsearch/http_status.h"

namespace walcast::sinks::elasticsearch {
namespace {

// Only what the client reads, so large batches answer with small bodies.
constexpr std::string_view kBulkPath =
    "/_bulk?filter_path=errors,items.*.status,items.*.error,items.*._version";

}  // namespace

std::vector<size_t> BulkResult::Rejected() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].disposition == ItemDisposition::kRejected) out.push_back(i);
  }
  return out;
}

BulkClient::BulkClient(HttpTransport& transport, BulkClientOptions options,
                       Backoff::RandomUnit random, Sleep sleep, BulkClientCounters* counters)
    : transport_(transport),
      options_(std::move(options)),
      backoff_(options_.backoff, std::move(random)),
      sleep_(std::move(sleep)),
      counters_(counters != nullptr ? counters : &own_counters_) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

Result<BulkResult> BulkClient::Send(const BulkRequest& request,
                                    const std::function<bool()>& keep_going) {
  BulkResult result;
  result.items.resize(request.size());
  if (request.empty()) return result;

  Remaining remaining;
  remaining.pending.resize(request.size());
  for (size_t i = 0; i < request.size(); ++i) remaining.pending[i] = i;
  remaining.current = &request;
  backoff_.Reset();
  Status last_failure;
  // However Send ends, it is no longer retrying; the counters say since
  // when any send of theirs has been.
  struct Retrying {
    BulkClientCounters* counters;
    bool retrying = false;
    void Start() {
      if (retrying) return;
      retrying = true;
      if (counters->retrying_sends.fetch_add(1) == 0) {
        counters->retrying_since_ms.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch())
                                              .count(),
                                          std::memory_order_relaxed);
      }
    }
    ~Retrying() {
      if (retrying && counters->retrying_sends.fetch_sub(1) == 1) {
        counters->retrying_since_ms.store(0, std::memory_order_relaxed);
      }
    }
  } retrying{counters_};
  while (true) {
    ++result.attempts;
    bool progress = false;
    WALCAST_RETURN_IF_ERROR(SendOnce(&remaining, &result, &last_failure, &progress));
    if (remaining.pending.empty()) return result;
    counters_->retries.fetch_add(1, std::memory_order_relaxed);
    retrying.Start();
    WALCAST_RETURN_IF_ERROR(WaitToRetry(result.attempts, remaining.pending.size(), last_failure,
                                        progress, keep_going));
  }
}

Status BulkClient::SendOnce(Remaining* remaining, BulkResult* result, Status* last_failure,
                            bool* progress) {
  Result<HttpResponse> answer = transport_.Send(HttpMethod::kPost, kBulkPath,
                                                remaining->current->body(), ContentType::kNdjson);
  if (!answer.ok() || !answer->ok()) {
    // The whole request failed: it goes again as it is.
    counters_->failures.fetch_add(1, std::memory_order_relaxed);
    *last_failure = StatusFromHttp(answer, "POST /_bulk");
    return last_failure->IsRetryable() ? Status::Ok() : *last_failure;
  }
  WALCAST_ASSIGN_OR_RETURN(std::vector<BulkItemResult> items,
                           ParseBulkResponse(answer->body, *remaining->current));
  std::vector<size_t> retry;      // into the original request
  std::vector<size_t> positions;  // into `current`, for Select
  for (size_t j = 0; j < items.size(); ++j) {
    if (items[j].disposition == ItemDisposition::kRetryable) {
      retry.push_back(remaining->pending[j]);
      positions.push_back(j);
      *last_failure = Status::Unavailable("elasticsearch: bulk item answered HTTP " +
                                          std::to_string(items[j].status) + " " +
                                          items[j].error_type);
    } else {
      *progress = true;
    }
    result->items[remaining->pending[j]] = std::move(items[j]);
  }
  // Only the retryable items go again, in their original order.
  if (!retry.empty()) {
    counters_->failures.fetch_add(1, std::memory_order_relaxed);
    remaining->subset = remaining->current->Select(positions);
    remaining->current = &remaining->subset;
  }
  remaining->pending = std::move(retry);
  return Status::Ok();
}

Status BulkClient::WaitToRetry(int attempts, size_t items, const Status& last_failure,
                               bool progress, const std::function<bool()>& keep_going) {
  const auto stop = [&](const std::string& why) {
    return Status(last_failure.code(), last_failure.message() + " (" + why + ")");
  };
  if (options_.max_attempts >= 0 && attempts >= options_.max_attempts) {
    return stop("gave up after " + std::to_string(attempts) + " attempts");
  }
  if (keep_going && !keep_going()) return stop("stopped while retrying");
  if (progress) backoff_.Reset();
  const std::chrono::milliseconds wait = backoff_.Next();
  int suppressed = 0;
  if (counters_->retry_log.Allow(&suppressed)) {
    log::Warn("elasticsearch bulk retry", {{"attempt", attempts},
                                           {"items", static_cast<int64_t>(items)},
                                           {"wait_ms", static_cast<int64_t>(wait.count())},
                                           {"suppressed", suppressed},
                                           {"reason", last_failure.message()}});
    if (options_.on_retry) options_.on_retry(last_failure);
  }
  sleep_(wait);
  // A stop during the wait (the worker's waits end early) sends nothing more.
  if (keep_going && !keep_going()) return stop("stopped while retrying");
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
