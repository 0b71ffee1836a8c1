#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/sink.h"

namespace walcast::testing {

// A sink that keeps every event it is given and acknowledges each commit at
// once (or never, if told so). Events are read from the test thread while
// the reader thread appends, hence the mutex.
class RecordingSink : public Sink {
 public:
  struct Record {
    TransactionInfo txn;
    ChangeEvent event;
  };

  explicit RecordingSink(std::string name = "recording") : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo&) override { return Status::Ok(); }
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override {
    std::lock_guard lock(mu_);
    pending_.push_back({txn, event});
    return Status::Ok();
  }
  Status OnCommit(const TransactionInfo& txn) override {
    {
      std::lock_guard lock(mu_);
      for (auto& r : pending_) {
        r.txn = txn;
        records_.push_back(std::move(r));
      }
      pending_.clear();
      commits_.push_back(txn);
    }
    cv_.notify_all();
    if (ack_) acker().Ack(txn.end_lsn);
    return Status::Ok();
  }
  void OnReset() override {
    std::lock_guard lock(mu_);
    pending_.clear();
  }
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }
  Status Close(std::chrono::milliseconds) override { return Status::Ok(); }

  void set_ack(bool ack) { ack_ = ack; }

  // Waits until `pred(records)` holds or the timeout passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<Record>&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(records_); });
  }
  bool WaitForCount(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitFor([n](const std::vector<Record>& r) { return r.size() >= n; }, timeout);
  }
  std::vector<Record> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }
  std::vector<TransactionInfo> commits() const {
    std::lock_guard lock(mu_);
    return commits_;
  }

 private:
  std::string name_;
  std::atomic<bool> ack_{true};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Record> pending_;
  std::vector<Record> records_;
  std::vector<TransactionInfo> commits_;
};

}  // namespace walcast::testing
