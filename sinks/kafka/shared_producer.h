#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/status.h"
#include "sinks/kafka/rdkafka_handles.h"

namespace walcast::sinks::kafka {

// The opaque of every record produced through a SharedProducer
// (RD_KAFKA_V_OPAQUE): it names the user whose delivery report it is. The
// user's own record context derives from it.
struct RoutedRecord {
  virtual ~RoutedRecord() = default;
  uint64_t user = 0;  // SharedProducer::Attach's id
};

// What a SharedProducer calls back. Every call runs on a librdkafka
// callback thread (the producer's poll thread, or a thread inside flush):
// nothing may throw, block on the producer queue or drop the producer.
class ProducerUser {
 public:
  virtual ~ProducerUser() = default;
  // The delivery report of a record this user produced; the user owns
  // message->_private (a RoutedRecord) from here on.
  virtual void OnDelivery(const rd_kafka_message_s* message) = 0;
  // librdkafka's error callback (every user gets it: an error of the
  // client is an error of each user's records).
  virtual void OnProducerError(rd_kafka_s* rk, int err, const char* reason) = 0;
  // The poll thread served delivery reports: records left the queue, so a
  // producer waiting for room may try again.
  virtual void OnReportsServed() = 0;
};

// One librdkafka producer and the thread that polls it, used by one Kafka
// sink or shared by several (one per pipeline) that write to the same
// cluster with the same settings (ProducerPool). Delivery reports go back
// to the user that produced the record, by the record's opaque (RoutedRecord);
// records of a user that detached are dropped silently. librdkafka keeps
// the order of records per partition whoever produced them, so a shared
// producer keeps each pipeline's order.
//
// Renew replaces the client (a fatal idempotent-producer error, a topic the
// client's metadata lost): everything queued is purged, and every user with
// records in it sees them fail (kReplay for each, see KafkaSink).
//
// Threads: Attach, Detach, WithClient, Renew from any thread; callbacks on
// the poll thread (or the thread of a Renew, while it purges the old
// client). The destructor purges what is left and destroys the client; the
// last owner must never be let go on a callback thread.
class SharedProducer {
 public:
  // kInvalidArgument for a setting librdkafka refuses (named) or a client
  // it cannot create.
  static Result<std::shared_ptr<SharedProducer>> Create(ClientSettingList settings);
  ~SharedProducer();
  SharedProducer(const SharedProducer&) = delete;
  SharedProducer& operator=(const SharedProducer&) = delete;

  // Registers `user` for callbacks; the id goes into every record's opaque.
  // `user` must stay valid until Detach returns.
  uint64_t Attach(ProducerUser* user);
  // After this returns no callback to the user runs or will run; reports of
  // its records still in flight are dropped (their opaques freed).
  void Detach(uint64_t id);
  size_t users() const;

  // Calls f(rd_kafka_s*) with the current client, which no Renew replaces
  // while f runs; null after a Renew that could not create one (the next
  // Renew tries again). f must not wait for delivery reports.
  template <typename F>
  auto WithClient(F&& f) {
    std::shared_lock lock(client_mu_);
    return f(client_.get());
  }
  // The client, for a producer with one user that never renews it (the
  // exactly-once sink's transactional producer).
  rd_kafka_s* client() { return client_.get(); }

  // Bumped by each Renew.
  uint64_t epoch() const { return epoch_.load(); }
  // Replaces the client by a new one with the same settings, unless it was
  // renewed since `epoch` (another user already did). Blocks while the old
  // client's records are purged and its reports served (up to 10 s), and
  // WithClient waits meanwhile. kInvalidArgument when the new client cannot
  // be created: there is none until the next Renew.
  Status Renew(uint64_t epoch);

  // True on a thread that serves this producer's callbacks (the poll
  // thread, or a Renew purging the old client): such a thread must never
  // wait for queue room, which only served reports free.
  bool IsCallbackThread() const {
    return std::this_thread::get_id() == poll_thread_id_.load() || IsRenewingThread();
  }
  // True on the thread of a Renew, while it purges the old client: a
  // callback here must not call WithClient (Renew holds the client).
  bool IsRenewingThread() const { return std::this_thread::get_id() == discard_thread_id_.load(); }

 private:
  explicit SharedProducer(ClientSettingList settings) : settings_(std::move(settings)) {}

  Result<ClientPtr> NewClient();
  void StartPolling();
  void StopPolling();
  void PollLoop();
  // Purges `client`'s records, serves their reports and destroys it.
  void Discard(ClientPtr client);

  static void DeliveryCallback(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  static void ErrorCallback(rd_kafka_s* rk, int err, const char* reason, void* opaque);
  void Served();

  const ClientSettingList settings_;  // may hold secrets: never logged
  std::shared_mutex client_mu_;       // exclusive only while Renew swaps client_
  ClientPtr client_;
  std::atomic<uint64_t> epoch_{0};
  std::mutex renew_mu_;  // one Renew at a time

  // Held while a callback runs, so Detach waits for it to end.
  mutable std::mutex users_mu_;
  std::map<uint64_t, ProducerUser*> users_;
  uint64_t next_user_ = 1;

  std::atomic<bool> stop_poll_{false};
  std::atomic<std::thread::id> poll_thread_id_;
  std::atomic<std::thread::id> discard_thread_id_;  // while Renew discards the old client
  std::thread poll_thread_;
};

}  // namespace walcast::sinks::kafka
