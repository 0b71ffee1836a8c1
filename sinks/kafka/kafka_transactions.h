#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "core/backoff.h"
#include "core/status.h"
#include "sinks/kafka/retry_wait.h"
#include "sinks/kafka/rdkafka_handles.h"

namespace walcast::sinks::kafka {

// librdkafka's transactional producer API (init/begin/commit/abort) on a
// borrowed producer handle created with transactional.id, with its errors
// mapped to the codes the Kafka sink acts on:
//   kReplay      the transaction must be aborted (a record of it failed, or
//                the broker gave up on it); nothing of it becomes visible, so
//                the sink aborts and replays from the watermark;
//   kFatal       the producer cannot go on: another producer with the same
//                transactional.id fenced it, or it is not authorized;
//   kUnavailable the broker did not answer before the deadline; the same
//                call may be made again.
// Retriable errors are retried inside each call until its timeout, with
// capped, jittered waits between attempts (retry_wait.h).
//
// Thread: the reader thread only; every call blocks up to its timeout. The
// producer must outlive this object.
class KafkaTransactions {
 public:
  // `random` draws the jitter of the waits between retries (Backoff's
  // default when empty).
  KafkaTransactions(rd_kafka_s* producer, std::string transactional_id,
                    Backoff::RandomUnit random = {})
      : producer_(producer), id_(std::move(transactional_id)), backoff_(kRetryBackoff, random) {}

  KafkaTransactions(const KafkaTransactions&) = delete;
  KafkaTransactions& operator=(const KafkaTransactions&) = delete;

  // Registers the transactional.id with the coordinator: every earlier
  // producer with the same id is fenced and its open transaction aborted.
  Status Init(std::chrono::milliseconds timeout);
  // Begins a transaction unless one is open.
  Status BeginIfNeeded();
  // Commits the open transaction (flushing its records first). On kReplay
  // the transaction is still open and must be aborted.
  Status Commit(std::chrono::milliseconds timeout);
  // Aborts the open transaction, if any; its records are purged.
  Status Abort(std::chrono::milliseconds timeout);

  bool open() const { return open_; }

  // kFatal for librdkafka's fatal error `code` (a rd_kafka_resp_err_t) with
  // `reason`, naming the transactional.id, and what to do when fenced.
  Status FatalStatus(int code, const std::string& reason) const;
  const std::string& transactional_id() const { return id_; }

 private:
  // Maps `error`; `what` names the call.
  Status FromError(const rd_kafka_error_s* error, std::string_view what) const;
  template <typename Api>
  ErrorPtr RetryUntil(std::chrono::steady_clock::time_point deadline, Api api);

  rd_kafka_s* producer_;
  std::string id_;
  Backoff backoff_;
  bool open_ = false;
};

}  // namespace walcast::sinks::kafka
