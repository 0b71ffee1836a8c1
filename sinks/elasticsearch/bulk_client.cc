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
                       Backoff::RandomUnit random, Sleep sleep)
    : transport_(transport),
      options_(options),
      backoff_(options.backoff, std::move(random)),
      sleep_(std::move(sleep)) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

Result<BulkResult> BulkClient::Send(const BulkRequest& request,
                                    const std::function<bool()>& keep_going) {
  BulkResult result;
  result.items.resize(request.size());
  if (request.empty()) return result;

  // pending[j] is the index in `request` of the j-th action of `current`.
  std::vector<size_t> pending(request.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  BulkRequest subset;
  const BulkRequest* current = &request;
  backoff_.Reset();
  Status last_failure;

  while (true) {
    ++result.attempts;
    Result<HttpResponse> answer =
        transport_.Send(HttpMethod::kPost, kBulkPath, current->body(), ContentType::kNdjson);
    bool progress = false;
    if (!answer.ok()) {
      if (!answer.status().IsRetryable()) return answer.status();
      last_failure = answer.status();
    } else if (!answer->ok()) {
      last_failure = StatusFromHttp(*answer, "POST /_bulk");
      if (!last_failure.IsRetryable()) return last_failure;
    } else {
      WALCAST_ASSIGN_OR_RETURN(std::vector<BulkItemResult> items,
                               ParseBulkResponse(answer->body, *current));
      std::vector<size_t> retry;
      for (size_t j = 0; j < items.size(); ++j) {
        if (items[j].disposition == ItemDisposition::kRetryable) {
          retry.push_back(pending[j]);
          last_failure =
              Status::Unavailable("elasticsearch: bulk item answered HTTP " +
                                  std::to_string(items[j].status) + " " + items[j].error_type);
        } else {
          progress = true;
        }
        result.items[pending[j]] = std::move(items[j]);
      }
      if (retry.empty()) return result;
      // Only the retryable items go again, in their original order.
      std::vector<size_t> positions;  // into `current`, for Select
      positions.reserve(retry.size());
      for (size_t j = 0; j < pending.size(); ++j) {
        if (result.items[pending[j]].disposition == ItemDisposition::kRetryable) {
          positions.push_back(j);
        }
      }
      subset = current->Select(positions);
      current = &subset;
      pending = std::move(retry);
    }

    if (options_.max_attempts >= 0 && result.attempts >= options_.max_attempts) {
      return Status(last_failure.code(), last_failure.message() + " (gave up after " +
                                             std::to_string(result.attempts) + " attempts)");
    }
    if (keep_going && !keep_going()) {
      return Status(last_failure.code(), last_failure.message() + " (stopped while retrying)");
    }
    if (progress) backoff_.Reset();
    const std::chrono::milliseconds wait = backoff_.Next();
    int suppressed = 0;
    if (retry_log_.Allow(&suppressed)) {
      log::Warn("elasticsearch bulk retry", {{"attempt", result.attempts},
                                             {"items", static_cast<int64_t>(pending.size())},
                                             {"wait_ms", static_cast<int64_t>(wait.count())},
                                             {"suppressed", suppressed},
                                             {"reason", last_failure.message()}});
    }
    sleep_(wait);
  }
}

}  // namespace walcast::sinks::elasticsearch
