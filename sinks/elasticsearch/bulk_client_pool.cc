#include "sinks/elasticsearch/bulk_client_pool.h"

#include <algorithm>

namespace walcast::sinks::elasticsearch {

Result<std::shared_ptr<SharedBulkClient>> BulkClientPool::Get(const std::string& key,
                                                              size_t connections,
                                                              const TransportFactory& make) {
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(key); it != clients_.end()) {
    if (std::shared_ptr<SharedBulkClient> live = it->second.lock()) return live;
  }
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<SharedBulkClient> created,
                           SharedBulkClient::Create(connections, make));
  clients_[key] = created;
  ++created_;
  return created;
}

uint64_t BulkClientPool::created() const {
  std::lock_guard lock(mu_);
  return created_;
}

size_t BulkClientPool::alive() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(clients_.begin(), clients_.end(),
                                           [](const auto& kv) { return !kv.second.expired(); }));
}

}  // namespace walcast::sinks::elasticsearch
