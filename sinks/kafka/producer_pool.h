#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "sinks/kafka/shared_producer.h"

namespace walcast::sinks::kafka {

// The Kafka producers of a process with several pipelines: one per distinct
// list of librdkafka settings (bootstrap servers, security, acks, queue
// bounds, client.id: every key counts), created by the first Kafka sink that
// asks and shared by each sink asking with the same settings, so six
// pipelines writing to one cluster use one client, its threads and its
// broker connections. A producer lives while a sink uses it.
//
// The exactly-once sink never asks: each pipeline's transactional producer
// has its own transactional.id, and one Kafka transaction cannot hold the
// records of two pipelines whose checkpoints commit independently.
//
// Thread-safe.
class ProducerPool {
 public:
  // The producer for `settings` (ProducerSettings), created when no live one
  // has them. Errors as SharedProducer::Create; a failed creation is not
  // remembered.
  Result<std::shared_ptr<SharedProducer>> Get(const ClientSettingList& settings);

  // Producers created so far, and those alive now.
  uint64_t created() const;
  size_t alive() const;

 private:
  mutable std::mutex mu_;
  // Keyed by the settings in key order; they may hold secrets: never logged.
  std::map<ClientSettingList, std::weak_ptr<SharedProducer>> producers_;
  uint64_t created_ = 0;
};

}  // namespace walcast::sinks::kafka
