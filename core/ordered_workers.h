#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"

namespace walcast {

// Runs the order-free part of a stream's work (e.g. encoding) on several
// threads and gives the items back in the order they were submitted, so the
// order-bound part (writing, producing) stays on one thread.
//
// One caller thread submits, reads and pops; `work` runs on the worker
// threads, one item at a time per worker, never on an item the caller may
// touch. Memory is bounded by `capacity` items in flight: Submit needs room
// (!full()), which only Pop makes, so a caller that finds the pool full
// takes the oldest item first (Front(true), Pop()). Items should be batches
// of work: each one costs a lock and a wake-up.
template <typename Item>
class OrderedWorkers {
 public:
  // `work(worker, item)` runs on worker thread `worker` (0 ≤ worker <
  // threads), so it may use per-worker state indexed by it. It must not
  // throw; it reports failure inside the item.
  using Work = std::function<void(size_t worker, Item& item)>;

  OrderedWorkers(size_t threads, size_t capacity, Work work)
      : work_(std::move(work)), items_(capacity), done_(capacity, 0) {
    WALCAST_CHECK(threads > 0 && capacity > 0);
    for (size_t w = 0; w < threads; ++w) workers_.emplace_back([this, w] { Run(w); });
  }
  // Waits for the work running now, then joins the workers; items not
  // popped are dropped.
  ~OrderedWorkers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  OrderedWorkers(const OrderedWorkers&) = delete;
  OrderedWorkers& operator=(const OrderedWorkers&) = delete;

  bool full() const {
    std::lock_guard lock(mu_);
    return tail_ - head_ == items_.size();
  }
  bool empty() const {
    std::lock_guard lock(mu_);
    return tail_ == head_;
  }

  // Queues `item` for a worker. The pool must not be full().
  void Submit(Item item) {
    {
      std::lock_guard lock(mu_);
      WALCAST_CHECK(tail_ - head_ < items_.size());
      items_[tail_ % items_.size()] = std::move(item);
      ++tail_;
    }
    work_cv_.notify_one();
  }

  // The oldest item not popped, once its work is done: waits for it when
  // `wait`, else nullptr while it runs. nullptr when nothing is in flight.
  // Valid until Pop().
  Item* Front(bool wait) {
    std::unique_lock lock(mu_);
    if (head_ == tail_) return nullptr;
    const size_t slot = head_ % items_.size();
    if (!done_[slot]) {
      if (!wait) return nullptr;
      done_cv_.wait(lock, [&] { return done_[slot] != 0; });
    }
    return &items_[slot];
  }

  // Drops the item Front() returned.
  void Pop() {
    std::lock_guard lock(mu_);
    WALCAST_CHECK(head_ != tail_ && done_[head_ % items_.size()]);
    done_[head_ % items_.size()] = 0;
    items_[head_ % items_.size()] = Item{};
    ++head_;
  }

 private:
  void Run(size_t worker) {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return stop_ || claimed_ < tail_; });
      if (stop_) return;
      const uint64_t i = claimed_++;
      lock.unlock();
      // The slot is this worker's until it is marked done: the caller reads
      // only done slots and writes only free ones.
      work_(worker, items_[i % items_.size()]);
      lock.lock();
      done_[i % items_.size()] = 1;
      if (i == head_) done_cv_.notify_one();
    }
  }

  const Work work_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // an item to claim, or stop
  std::condition_variable done_cv_;  // the oldest item is done
  std::vector<Item> items_;          // ring: [head_, tail_) in flight
  std::vector<char> done_;           // parallel to items_
  uint64_t head_ = 0;                // oldest not popped
  uint64_t claimed_ = 0;             // next to hand to a worker
  uint64_t tail_ = 0;                // next to submit
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace walcast
