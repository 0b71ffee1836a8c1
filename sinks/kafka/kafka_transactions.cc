#include "sinks/kafka/kafka_transactions.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "core/log.h"
#include "sinks/kafka/retry_wait.h"

namespace walcast::sinks::kafka {

using Clock = std::chrono::steady_clock;

// Calls `api` (a librdkafka transactional call taking a timeout) until it
// succeeds, fails for a reason other than a retriable one, or the deadline
// passes, waiting with backoff between attempts; returns the last error or
// null.
template <typename Api>
ErrorPtr KafkaTransactions::RetryUntil(Clock::time_point deadline, Api api) {
  backoff_.Reset();
  while (true) {
    ErrorPtr error(api(std::max(1, RemainingMs(deadline))));
    if (!error || !rd_kafka_error_is_retriable(error.get()) ||
        !WaitBeforeRetry(&backoff_, deadline)) {
      return error;
    }
  }
}

Status KafkaTransactions::FatalStatus(int code, const std::string& reason) const {
  std::string message = "kafka producer (transactional.id '" + id_ + "') failed: " + reason;
  if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED) {
    message +=
        "; another producer with the same transactional.id took over "
        "(exactly.once.transactional.id must be unique per walcast)";
  }
  return Status::Fatal(std::move(message));
}

Status KafkaTransactions::FromError(const rd_kafka_error_t* error, std::string_view what) const {
  const std::string message = "kafka " + std::string(what) + " (transactional.id '" + id_ +
                              "'): " + rd_kafka_error_string(error);
  if (rd_kafka_error_is_fatal(error)) {
    return FatalStatus(rd_kafka_error_code(error),
                       std::string(what) + ": " + rd_kafka_error_string(error));
  }
  if (rd_kafka_error_txn_requires_abort(error)) return Status::Replay(message);
  if (rd_kafka_error_is_retriable(error)) return Status::Unavailable(message);
  return Status::Fatal(message);
}

Status KafkaTransactions::Init(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const ErrorPtr error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_init_transactions(producer_, ms); });
  if (error) return FromError(error.get(), "init_transactions");
  return Status::Ok();
}

Status KafkaTransactions::BeginIfNeeded() {
  if (open_) return Status::Ok();
  if (const ErrorPtr error{rd_kafka_begin_transaction(producer_)}) {
    return FromError(error.get(), "begin_transaction");
  }
  open_ = true;
  return Status::Ok();
}

Status KafkaTransactions::Commit(std::chrono::milliseconds timeout) {
  if (!open_) return Status::Ok();
  const auto deadline = Clock::now() + timeout;
  const ErrorPtr error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_commit_transaction(producer_, ms); });
  if (error) return FromError(error.get(), "commit_transaction");
  open_ = false;
  return Status::Ok();
}

Status KafkaTransactions::Abort(std::chrono::milliseconds timeout) {
  if (!open_) return Status::Ok();
  const auto deadline = Clock::now() + timeout;
  const ErrorPtr error =
      RetryUntil(deadline, [&](int ms) { return rd_kafka_abort_transaction(producer_, ms); });
  if (error) return FromError(error.get(), "abort_transaction");
  open_ = false;
  return Status::Ok();
}

}  // namespace walcast::sinks::kafka
