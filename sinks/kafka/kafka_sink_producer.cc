// KafkaSink: the producer's lifecycle. Creating it with walcast's settings,
// the poll thread that serves its delivery reports, replacing it on a rewind
// and discarding it at close. librdkafka's rules (src/rdkafka.h): rd_kafka_new
// takes the conf only on success; destroy after flush or purge; never from a
// callback thread (the reader thread destroys it, with the poll thread
// stopped).

#include <librdkafka/rdkafka.h>

#include "core/log.h"
#include "sinks/kafka/kafka_sink.h"

namespace walcast::sinks::kafka {

Result<ClientPtr> KafkaSink::NewProducer() {
  for (const auto& kv : options_.producer_config) {
    if (kv.first == "transactional.id") {
      return Status::InvalidArgument(
          "config key 'kafka.transactional.id': set exactly.once=true and "
          "exactly.once.transactional.id instead");
    }
  }
  WALCAST_ASSIGN_OR_RETURN(ConfPtr conf, NewConf(ProducerSettings(options_)));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::DeliveryCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::ErrorCallback);
  rd_kafka_conf_set_opaque(conf.get(), this);
  return NewProducerClient(std::move(conf), "kafka producer");
}

void KafkaSink::StartPolling() {
  stop_poll_.store(false);
  poll_thread_ = std::thread([this] { PollLoop(); });
}

void KafkaSink::StopPolling() {
  stop_poll_.store(true);
  if (poll_thread_.joinable()) poll_thread_.join();
}

void KafkaSink::PollLoop() {
  poll_thread_id_.store(std::this_thread::get_id());
  // rd_kafka_poll returns as soon as it has served a report; the 100 ms
  // bound is only how soon StopPolling is noticed when there is none.
  while (!stop_poll_.load()) {
    if (rd_kafka_poll(producer_.get(), 100) == 0) continue;
    // The reports served so far have freed their records' places in the
    // queue: a producer waiting for room may try again (WaitForQueueRoom).
    std::lock_guard lock(mu_);
    ++served_;
    settled_cv_.notify_all();
  }
}

void KafkaSink::DiscardProducer() {
  // Drop what is queued or in flight, so destroy does not block; the purged
  // messages' delivery reports run in flush and free their contexts.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(producer_.get(), 10000);
  producer_.reset();
}

void KafkaSink::OnRewind() {
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
  StopPolling();
  {
    std::lock_guard lock(mu_);
    ++generation_;  // deliveries of everything produced so far are ignored
    deferred_.clear();
    unsettled_ = 0;
    failure_ = Status::Ok();
    settled_cv_.notify_all();
  }
  current_.reset();
  DiscardProducer();
  // A new producer: a fresh idempotent producer id and sequence numbers.
  Result<ClientPtr> producer = NewProducer();
  if (!producer.ok()) {
    std::lock_guard lock(mu_);
    failure_ = Status::Fatal(producer.status().message());
    return;
  }
  producer_ = std::move(*producer);
  StartPolling();
}

}  // namespace walcast::sinks::kafka
