// KafkaSink: the producer's lifecycle. Getting it (the pool's, shared with
// other pipelines, or one of its own) with walcast's settings, replacing it
// on a rewind and letting go of it at close. The producer and its poll
// thread are SharedProducer's (shared_producer.h); librdkafka's callbacks
// reach this sink through ProducerUser.

#include <librdkafka/rdkafka.h>

#include "core/log.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/kafka/producer_pool.h"

namespace walcast::sinks::kafka {

Status KafkaSink::AttachProducer() {
  for (const auto& kv : options_.producer_config) {
    if (kv.first == "transactional.id") {
      return Status::InvalidArgument(
          "config key 'kafka.transactional.id': set exactly.once=true and "
          "exactly.once.transactional.id instead");
    }
  }
  const ClientSettingList settings = ProducerSettings(options_);
  // A transactional producer is never shared: its transactions carry one
  // slot's checkpoint (docs/pipelines.md, "Shared clients").
  shared_ = options_.pool != nullptr && !exactly_once();
  if (shared_) {
    WALCAST_ASSIGN_OR_RETURN(producer_, options_.pool->Get(settings));
  } else {
    WALCAST_ASSIGN_OR_RETURN(producer_, SharedProducer::Create(settings));
  }
  user_id_ = producer_->Attach(this);
  return Status::Ok();
}

void KafkaSink::DetachProducer() {
  if (!producer_) return;
  producer_->Detach(user_id_);
  // The last owner of a producer purges it and destroys it here.
  producer_.reset();
}

void KafkaSink::OnReportsServed() {
  // The reports served so far have freed their records' places in the
  // queue: a producer waiting for room may try again (WaitForQueueRoom).
  std::lock_guard lock(mu_);
  ++served_;
  settled_cv_.notify_all();
}

void KafkaSink::NeedNewProducerLocked() {
  if (renew_needed_) return;
  renew_needed_ = true;
  renew_epoch_ = producer_->epoch();
}

void KafkaSink::OnRewind() {
  if (batches_) batches_->Drop();  // produced again from the watermark
  if (exactly_once()) {
    AbortForReplay();
  } else {
    ReplaceProducer();
  }
}

void KafkaSink::AbortForReplay() {
  // The producer stays (its transactional.id and epoch); only the Kafka
  // transaction holding the lost records goes.
  {
    std::lock_guard lock(mu_);
    ++generation_;  // reports of the aborted records are ignored
    deferred_.clear();
    failure_ = Status::Ok();
  }
  current_.reset();
  skipping_ = false;
  reset_aborted_ = false;
  Status aborted = AbortKafkaTransaction();
  if (!aborted.ok()) {
    // Still open (no answer from the broker): the next call returns
    // kReplay and the reader's next rewind, after its backoff, tries again.
    std::lock_guard lock(mu_);
    failure_ = aborted.code() == Status::Code::kFatal ? aborted : Status::Replay(aborted.message());
  }
}

void KafkaSink::ReplaceProducer() {
  bool renew = false;
  uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    ++generation_;  // deliveries of everything produced so far are ignored
    deferred_.clear();
    unsettled_ = 0;
    failure_ = Status::Ok();
    // A producer of its own is replaced on every rewind, as its purge is
    // the only way to drop what it still holds. A shared one holds the
    // other pipelines' records too: it is replaced only when it failed
    // itself, and then once, by whichever of its sinks rewinds first.
    renew = !shared_ || renew_needed_;
    epoch = shared_ ? renew_epoch_ : producer_->epoch();
    renew_needed_ = false;
    settled_cv_.notify_all();
  }
  current_.reset();
  if (!renew) return;
  // A new producer: a fresh idempotent producer id, sequence numbers and
  // metadata. The purged records' reports come with the old generation.
  Status renewed = producer_->Renew(epoch);
  if (!renewed.ok()) {
    std::lock_guard lock(mu_);
    failure_ = Status::Fatal(renewed.message());
  }
}

}  // namespace walcast::sinks::kafka
