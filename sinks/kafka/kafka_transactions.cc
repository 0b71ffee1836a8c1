#include "sinks/kafka/kafka_transactions.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <thread>

#include "core/log.h"

namespace walcast::sinks::kafka {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 1, 1 << 30));
}

// Calls `api` (a librdkafka transactional call taking a timeout) until it
// succeeds, fails for a reason other than a retriable one, or the deadline
// passes; returns the last error (owned by the caller) or null.
template <typename Api>
rd_kafka_error_t* RetryUntil(Clock::time_point deadline, Api api) {
  while (true) {
    rd_kafka_error_t* error = api(RemainingMs(deadline));
    if (error == nullptr || !rd_kafka_error_is_retriable(error) || Clock::now() >= deadline) {
      return error;
    }
    rd_kafka_error_destroy(error);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

Status KafkaTransactions::FatalStatus(int code, const std::string& reason) const {
  std::string message = "kafka producer (transactional.id '" + id_ + "') failed: " + reason;
  if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED) {
    message +=
        "; another producer with the same transactional.id took over "
        "(exactly.once.transactional.id must be unique per walcast)";
  }
  return Status::Fatal(std::move(message));
}

Status KafkaTransactions::FromError(rd_kafka_error_t* error, std::string_view what) const {
  const std::string message = "kafka " + std::string(what) + " (transactional.id '" + id_ +
                              "'): " + rd_kafka_error_string(error);
  Status status;
  if (rd_kafka_error_is_fatal(error)) {
    status = FatalStatus(rd_kafka_error_code(error),
                         std::string(what) + ": " + rd_kafka_error_string(error));
  } else if (rd_kafka_error_txn_requires_abort(error)) {
    status = Status::Replay(message);
  } else if (rd_kafka_error_is_retriable(error)) {
    status = Status::Unavailable(message);
  } else {
    status = Status::Fatal(message);
  }
  rd_kafka_error_destroy(error);
  return status;
}

Status KafkaTransactions::Init(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  rd_kafka_error_t* error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_init_transactions(producer_, ms); });
  if (error != nullptr) return FromError(error, "init_transactions");
  return Status::Ok();
}

Status KafkaTransactions::BeginIfNeeded() {
  if (open_) return Status::Ok();
  if (rd_kafka_error_t* error = rd_kafka_begin_transaction(producer_)) {
    return FromError(error, "begin_transaction");
  }
  open_ = true;
  return Status::Ok();
}

Status KafkaTransactions::Commit(std::chrono::milliseconds timeout) {
  if (!open_) return Status::Ok();
  const auto deadline = Clock::now() + timeout;
  rd_kafka_error_t* error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_commit_transaction(producer_, ms); });
  if (error != nullptr) return FromError(error, "commit_transaction");
  open_ = false;
  return Status::Ok();
}

Status KafkaTransactions::Abort(std::chrono::milliseconds timeout) {
  if (!open_) return Status::Ok();
  const auto deadline = Clock::now() + timeout;
  rd_kafka_error_t* error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_abort_transaction(producer_, ms); });
  if (error != nullptr) return FromError(error, "abort_transaction");
  open_ = false;
  return Status::Ok();
}

}  // namespace walcast::sinks::kafka
