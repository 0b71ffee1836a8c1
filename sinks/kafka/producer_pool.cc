#include "sinks/kafka/producer_pool.h"

#include <algorithm>

namespace walcast::sinks::kafka {

Result<std::shared_ptr<SharedProducer>> ProducerPool::Get(const ClientSettingList& settings) {
  // Settings are applied in order, so a key set twice keeps its last value;
  // ProducerSettings sets each key once, and their order does not matter.
  ClientSettingList key = settings;
  std::sort(key.begin(), key.end());
  std::lock_guard lock(mu_);
  if (auto it = producers_.find(key); it != producers_.end()) {
    if (std::shared_ptr<SharedProducer> live = it->second.lock()) return live;
  }
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<SharedProducer> created,
                           SharedProducer::Create(settings));
  producers_[std::move(key)] = created;
  ++created_;
  return created;
}

uint64_t ProducerPool::created() const {
  std::lock_guard lock(mu_);
  return created_;
}

size_t ProducerPool::alive() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(producers_.begin(), producers_.end(),
                                           [](const auto& kv) { return !kv.second.expired(); }));
}

}  // namespace walcast::sinks::kafka
