#include "sinks/elasticsearch/shared_bulk_client.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "sinks/elasticsearch/bulk_worker.h"

namespace walcast::sinks::elasticsearch {

Result<std::shared_ptr<SharedBulkClient>> SharedBulkClient::Create(size_t connections,
                                                                   const TransportFactory& make) {
  std::vector<std::unique_ptr<HttpTransport>> transports;
  for (size_t i = 0; i < std::max<size_t>(connections, 1); ++i) {
    WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<HttpTransport> transport, make());
    transports.push_back(std::move(transport));
  }
  return std::shared_ptr<SharedBulkClient>(new SharedBulkClient(std::move(transports)));
}

std::shared_ptr<SharedBulkClient> SharedBulkClient::Wrap(std::unique_ptr<HttpTransport> transport) {
  std::vector<std::unique_ptr<HttpTransport>> transports;
  transports.push_back(std::move(transport));
  return std::shared_ptr<SharedBulkClient>(new SharedBulkClient(std::move(transports)));
}

SharedBulkClient::SharedBulkClient(std::vector<std::unique_ptr<HttpTransport>> transports)
    : transports_(std::move(transports)) {
  for (size_t i = 0; i < transports_.size(); ++i) threads_.emplace_back([this, i] { Run(i); });
}

SharedBulkClient::~SharedBulkClient() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }
  for (std::thread& thread : threads_) thread.join();
}

size_t SharedBulkClient::workers() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

void SharedBulkClient::Attach(BulkWorker* worker) {
  std::lock_guard lock(mu_);
  workers_.push_back(worker);
}

void SharedBulkClient::Detach(BulkWorker* worker) {
  std::lock_guard lock(mu_);
  workers_.erase(std::remove(workers_.begin(), workers_.end(), worker), workers_.end());
  // A detached worker has nothing in flight (BulkWorker::Stop waited), so
  // no thread holds a pointer to it.
}

void SharedBulkClient::Run(size_t slot) {
  // Named so that operators (and tests) can count the clients of a process.
  pthread_setname_np(pthread_self(), "es:bulk");
  HttpTransport& transport = *transports_[slot];
  std::unique_lock lock(mu_);
  while (true) {
    BulkWorker* worker = nullptr;
    BulkJob job;
    uint64_t seq = 0;
    // The workers in turn from where the last look stopped, so that one
    // with a long queue does not keep the others waiting.
    const auto take = [&] {
      for (size_t n = 0; n < workers_.size(); ++n) {
        const size_t i = (next_worker_ + n) % workers_.size();
        if (workers_[i]->TakeStartableLocked(&job, &seq)) {
          worker = workers_[i];
          next_worker_ = i + 1;
          return true;
        }
      }
      return false;
    };
    changed_.wait(lock, [&] { return stopping_ || take(); });
    if (worker == nullptr) return;  // stopping, nothing taken
    lock.unlock();
    const Status status = worker->Execute(job, transport);
    std::function<void(const Status&)> done = std::move(job.done);
    job = BulkJob();  // the request's memory goes before the next one
    lock.lock();
    worker->FinishLocked(lock, seq, status, std::move(done));
  }
}

}  // namespace walcast::sinks::elasticsearch
