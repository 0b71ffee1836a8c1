// SharedProducer: one librdkafka producer, its poll thread, and the routing
// of its callbacks to the sinks using it. librdkafka's rules (src/rdkafka.h):
// rd_kafka_new takes the conf only on success; destroy after flush or purge,
// never from a callback thread.

#include "sinks/kafka/shared_producer.h"

#include <librdkafka/rdkafka.h>

#include <vector>

namespace walcast::sinks::kafka {

Result<std::shared_ptr<SharedProducer>> SharedProducer::Create(ClientSettingList settings) {
  std::shared_ptr<SharedProducer> producer(new SharedProducer(std::move(settings)));
  WALCAST_ASSIGN_OR_RETURN(producer->client_, producer->NewClient());
  producer->StartPolling();
  return producer;
}

SharedProducer::~SharedProducer() {
  StopPolling();
  if (client_) Discard(std::move(client_));
}

Result<ClientPtr> SharedProducer::NewClient() {
  WALCAST_ASSIGN_OR_RETURN(ConfPtr conf, NewConf(settings_));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &SharedProducer::DeliveryCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &SharedProducer::ErrorCallback);
  rd_kafka_conf_set_opaque(conf.get(), this);
  return NewProducerClient(std::move(conf), "kafka producer");
}

uint64_t SharedProducer::Attach(ProducerUser* user) {
  std::lock_guard lock(users_mu_);
  const uint64_t id = next_user_++;
  users_.emplace(id, user);
  return id;
}

void SharedProducer::Detach(uint64_t id) {
  std::lock_guard lock(users_mu_);
  users_.erase(id);
}

size_t SharedProducer::users() const {
  std::lock_guard lock(users_mu_);
  return users_.size();
}

void SharedProducer::StartPolling() {
  stop_poll_.store(false);
  poll_thread_ = std::thread([this] { PollLoop(); });
}

void SharedProducer::StopPolling() {
  stop_poll_.store(true);
  if (poll_thread_.joinable()) poll_thread_.join();
}

void SharedProducer::PollLoop() {
  poll_thread_id_.store(std::this_thread::get_id());
  // rd_kafka_poll returns as soon as it has served a report; the 100 ms
  // bound is only how soon StopPolling is noticed when there is none. Only
  // Renew replaces client_, with this thread stopped, and starts it only
  // with a client.
  while (!stop_poll_.load()) {
    if (rd_kafka_poll(client_.get(), 100) == 0) continue;
    Served();
  }
}

void SharedProducer::Served() {
  std::lock_guard lock(users_mu_);
  for (const auto& [id, user] : users_) user->OnReportsServed();
}

void SharedProducer::Discard(ClientPtr client) {
  // Drop what is queued or in flight so that destroy does not block; the
  // purged records' reports run in flush, on this thread.
  discard_thread_id_.store(std::this_thread::get_id());
  rd_kafka_purge(client.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(client.get(), 10000);
  client.reset();
  discard_thread_id_.store(std::thread::id());
}

Status SharedProducer::Renew(uint64_t epoch) {
  std::lock_guard renewing(renew_mu_);
  if (epoch_.load() != epoch) return Status::Ok();  // renewed since
  StopPolling();
  Status created = Status::Ok();
  {
    std::unique_lock lock(client_mu_);
    // The old client goes first: a new idempotent producer next to the old
    // one's purge was seen to time its records out. Its reports run here;
    // a user's dead letter among them is deferred (IsCallbackThread), as
    // WithClient would wait for this lock.
    if (client_) Discard(std::move(client_));
    // A fresh idempotent producer id, sequence numbers and metadata.
    Result<ClientPtr> fresh = NewClient();
    if (fresh.ok()) {
      client_ = std::move(*fresh);
    } else {
      created = fresh.status();  // the next Renew tries again
    }
    epoch_.fetch_add(1);
  }
  if (client_) StartPolling();
  Served();  // the purge freed the queue
  return created;
}

void SharedProducer::DeliveryCallback(rd_kafka_s* /*rk*/, const rd_kafka_message_s* message,
                                      void* opaque) {
  auto* self = static_cast<SharedProducer*>(opaque);
  std::unique_ptr<RoutedRecord> record(static_cast<RoutedRecord*>(message->_private));
  if (!record) return;
  std::lock_guard lock(self->users_mu_);
  auto it = self->users_.find(record->user);
  // A user that detached (its pipeline closed its sink) no longer cares.
  if (it == self->users_.end()) return;
  (void)record.release();  // the user's now
  it->second->OnDelivery(message);
}

void SharedProducer::ErrorCallback(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<SharedProducer*>(opaque);
  std::lock_guard lock(self->users_mu_);
  for (const auto& [id, user] : self->users_) user->OnProducerError(rk, err, reason);
}

}  // namespace walcast::sinks::kafka
