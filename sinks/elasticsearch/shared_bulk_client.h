#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

class BulkWorker;

// Makes one connection to the cluster (HttpClient::Create for the real
// one).
using TransportFactory = std::function<Result<std::unique_ptr<HttpTransport>>()>;

// The connections to one Elasticsearch / OpenSearch cluster and the threads
// that send on them, used by one BulkWorker or shared by several (the sinks
// and metric writers of several pipelines pointing at the same cluster with
// the same client settings: BulkClientPool). Each connection has a thread
// of its own that owns it (a libcurl easy handle is not thread-safe, and
// libcurl's share interface cannot share a connection cache between threads
// using it at once), so up to connections() bulk requests are in flight at
// once, whoever submitted them. The threads are named "es:bulk".
//
// The workers are lanes: each keeps its own queue, order, failure, dead
// letters, counters and acknowledgements (bulk_worker.h); the threads take
// the next job that may start from the workers in turn, so a worker with a
// long queue does not keep the others waiting behind it.
//
// Thread: Create and the destructor from an owner thread; workers attach
// and detach from theirs. Every worker must have stopped (BulkWorker::Stop)
// before the client is destroyed; the last owner must not let go of it on
// one of its threads (from a job's `done`).
class SharedBulkClient {
 public:
  // `connections` (at least 1) made with `make`; its first error is
  // returned.
  static Result<std::shared_ptr<SharedBulkClient>> Create(size_t connections,
                                                          const TransportFactory& make);
  // One connection: `transport` (tests, and a worker of its own).
  static std::shared_ptr<SharedBulkClient> Wrap(std::unique_ptr<HttpTransport> transport);
  ~SharedBulkClient();
  SharedBulkClient(const SharedBulkClient&) = delete;
  SharedBulkClient& operator=(const SharedBulkClient&) = delete;

  size_t connections() const { return transports_.size(); }
  // Workers attached now (any thread).
  size_t workers() const;

 private:
  friend class BulkWorker;

  explicit SharedBulkClient(std::vector<std::unique_ptr<HttpTransport>> transports);
  void Attach(BulkWorker* worker);
  void Detach(BulkWorker* worker);
  // The thread of connection `slot`.
  void Run(size_t slot);

  std::vector<std::unique_ptr<HttpTransport>> transports_;
  // Guards this object's state and every attached worker's queue, jobs in
  // flight and counters; `changed_` wakes the threads and the workers'
  // callers.
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<BulkWorker*> workers_;
  size_t next_worker_ = 0;  // where the next look for a job starts (round robin)
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace walcast::sinks::elasticsearch
