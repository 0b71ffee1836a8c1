// KafkaSink in exactly-once mode: Kafka transactions over batches of
// PostgreSQL transactions, each ending with the slot's LSN checkpoint
// (kafka_checkpoint.h), acknowledged only once committed. See
// docs/design.md, "Exactly once".

#include "core/log.h"
#include "sinks/kafka/kafka_checkpoint.h"
#include "sinks/kafka/kafka_sink.h"

namespace walcast::sinks::kafka {

using debezium::EncodedRecord;

Status KafkaSink::StartTransactions() {
  const ExactlyOnceOptions& eos = options_.exactly_once;
  if (eos.transactional_id.empty() || eos.checkpoint_topic.empty() || eos.slot.empty()) {
    return Status::InvalidArgument(
        "exactly.once needs a transactional.id, a checkpoint topic and a slot name");
  }
  transactions_ = std::make_unique<KafkaTransactions>(producer_->client(), eos.transactional_id);
  // Fences every earlier producer with this transactional.id and aborts its
  // open transaction first, so that the checkpoint read next is final: no
  // zombie can commit after it.
  WALCAST_RETURN_IF_ERROR(transactions_->Init(eos.start_timeout));
  WALCAST_RETURN_IF_ERROR(
      EnsureCheckpointTopic(producer_->client(), eos.checkpoint_topic, eos.start_timeout));
  WALCAST_ASSIGN_OR_RETURN(std::optional<KafkaCheckpoint> last,
                           ReadLastCheckpoint(ClientSettings(options_.producer_config),
                                              eos.checkpoint_topic, eos.slot, eos.start_timeout));
  if (!last) {
    log::Info("kafka exactly-once: no checkpoint yet",
              {{"slot", eos.slot}, {"topic", eos.checkpoint_topic}});
    return Status::Ok();
  }
  if (eos.server_wal_lsn.valid() && last->end_lsn > eos.server_wal_lsn) {
    return Status::Fatal("kafka exactly-once: the checkpoint of slot '" + eos.slot + "' in '" +
                         eos.checkpoint_topic + "' is at " + last->end_lsn.ToString() +
                         ", beyond the server's WAL position " + eos.server_wal_lsn.ToString() +
                         "; it was written for another server. Delete it (a null record with "
                         "key '" +
                         eos.slot + "') or set exactly.once.checkpoint.topic");
  }
  committed_lsn_ = last->end_lsn;
  log::Info(
      "kafka exactly-once: resuming after the committed checkpoint",
      {{"slot", eos.slot}, {"lsn", committed_lsn_.ToString()}, {"topic", eos.checkpoint_topic}});
  return Status::Ok();
}

Status KafkaSink::EnsureKafkaTransaction() {
  if (!exactly_once() || transactions_->open()) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(transactions_->BeginIfNeeded());
  batch_started_ = std::chrono::steady_clock::now();
  batch_records_ = 0;
  return Status::Ok();
}

bool KafkaSink::CommitDue(std::chrono::steady_clock::time_point now) const {
  const ExactlyOnceOptions& eos = options_.exactly_once;
  // Transactions whose records all went out in a Kafka transaction already
  // committed (a snapshot whose last piece was just due) still need their
  // checkpoint, in a Kafka transaction of its own.
  if (!transactions_->open()) return !batch_.empty();
  return now - batch_started_ >= eos.commit_interval || batch_records_ >= eos.commit_max_records;
}

Status KafkaSink::CommitKafkaTransaction() {
  if (!transactions_->open() && batch_.empty()) return Status::Ok();
  const ExactlyOnceOptions& eos = options_.exactly_once;
  if (!batch_.empty()) {
    // The checkpoint commits with the records it vouches for, or not at all.
    EncodedRecord checkpoint;
    checkpoint.topic = eos.checkpoint_topic;
    checkpoint.key = eos.slot;
    checkpoint.value =
        EncodeCheckpoint({eos.slot, batch_.back(), eos.transactional_id, UnixMicrosNow() / 1000});
    WALCAST_RETURN_IF_ERROR(Produce(std::move(checkpoint), nullptr, batch_.back()));
  }
  Status committed = transactions_->Commit(eos.commit_timeout);
  if (!committed.ok()) {
    // Fenced or refused: walcast stops and main reports it.
    if (committed.code() == Status::Code::kFatal) return committed;
    // A failed record explains the failed commit better than the commit.
    const Status failure = FailureStatus();
    const Status aborted = AbortKafkaTransaction();
    if (aborted.code() == Status::Code::kFatal) return aborted;
    if (!failure.ok()) return failure;
    return Status::Replay(committed.message());
  }
  ++kafka_commits_;
  std::vector<Lsn> done;
  done.swap(batch_);
  batch_records_ = 0;
  if (done.empty()) return Status::Ok();
  committed_lsn_ = done.back();
  {
    // Rejections of committed transactions are never needed again.
    std::lock_guard lock(mu_);
    rejected_.erase(rejected_.begin(), rejected_.lower_bound(RecordId{committed_lsn_, 0}));
  }
  for (const Lsn end_lsn : done) acker().Ack(end_lsn);
  return Status::Ok();
}

Status KafkaSink::AbortKafkaTransaction() {
  batch_.clear();
  batch_records_ = 0;
  return transactions_->Abort(options_.exactly_once.start_timeout);
}

}  // namespace walcast::sinks::kafka
