#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "sinks/elasticsearch/shared_bulk_client.h"

namespace walcast::sinks::elasticsearch {

// The Elasticsearch clients of a process with several pipelines: one
// SharedBulkClient per distinct client configuration (the caller's `key`:
// URL, credentials, TLS files, timeouts, compression and the number of
// connections), created by the first sink or metric writer that asks and
// shared by every one asking with the same key, so six pipelines writing to
// one cluster use one set of connections and sending threads. A client
// lives while a worker uses it.
//
// Thread-safe.
class BulkClientPool {
 public:
  // The client for `key`, created with `connections` connections made by
  // `make` when no live one has that key. `key` may hold secrets: it is
  // compared, never logged. Errors as SharedBulkClient::Create; a failed
  // creation is not remembered.
  Result<std::shared_ptr<SharedBulkClient>> Get(const std::string& key, size_t connections,
                                                const TransportFactory& make);

  // Clients created so far, and those alive now.
  uint64_t created() const;
  size_t alive() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::weak_ptr<SharedBulkClient>> clients_;
  uint64_t created_ = 0;
};

}  // namespace walcast::sinks::elasticsearch
