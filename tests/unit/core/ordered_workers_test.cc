// OrderedWorkers: work on several threads, results in submission order.

#include "core/ordered_workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace walcast {
namespace {

struct Item {
  int id = -1;
  int result = -1;
  size_t worker = 0;
};

TEST(OrderedWorkersTest, ResultsComeBackInSubmissionOrderWhenLaterItemsFinishFirst) {
  // Item 0's work cannot end before item 1's has: with two workers, item 1
  // is done first, yet Front still gives item 0 first.
  std::mutex mu;
  std::condition_variable cv;
  bool second_done = false;
  OrderedWorkers<Item> workers(2, 4, [&](size_t worker, Item& item) {
    item.worker = worker;
    if (item.id == 0) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return second_done; });
    }
    item.result = item.id * 10;
    if (item.id == 1) {
      std::lock_guard lock(mu);
      second_done = true;
      cv.notify_all();
    }
  });
  workers.Submit(Item{0});
  workers.Submit(Item{1});
  EXPECT_FALSE(workers.full());
  Item* first = workers.Front(/*wait=*/true);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id, 0);
  EXPECT_EQ(first->result, 0);
  const size_t first_worker = first->worker;
  workers.Pop();
  Item* second = workers.Front(/*wait=*/true);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->id, 1);
  EXPECT_EQ(second->result, 10);
  // The two ran on different workers (item 0 was blocked meanwhile).
  EXPECT_NE(first_worker, second->worker);
  workers.Pop();
  EXPECT_TRUE(workers.empty());
  EXPECT_EQ(workers.Front(/*wait=*/true), nullptr);
}

TEST(OrderedWorkersTest, CapacityBoundsTheItemsInFlight) {
  std::atomic<bool> release{false};
  OrderedWorkers<Item> workers(3, 2, [&](size_t, Item& item) {
    while (!release.load()) std::this_thread::yield();
    item.result = item.id;
  });
  workers.Submit(Item{0});
  EXPECT_FALSE(workers.full());
  workers.Submit(Item{1});
  EXPECT_TRUE(workers.full());
  // Not done yet: Front without waiting gives nothing.
  EXPECT_EQ(workers.Front(/*wait=*/false), nullptr);
  release.store(true);
  ASSERT_NE(workers.Front(/*wait=*/true), nullptr);
  workers.Pop();
  EXPECT_FALSE(workers.full());
  workers.Submit(Item{2});
  for (int expected = 1; expected <= 2; ++expected) {
    Item* item = workers.Front(/*wait=*/true);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->result, expected);
    workers.Pop();
  }
}

TEST(OrderedWorkersTest, ManyItemsOnManyWorkersKeepTheirOrder) {
  OrderedWorkers<Item> workers(4, 8, [](size_t worker, Item& item) {
    item.worker = worker;
    // Uneven work (unsigned: it wraps), kept by the volatile store.
    unsigned x = static_cast<unsigned>(item.id);
    for (int i = 0; i < (item.id % 7) * 1000; ++i) x = x * 31u + static_cast<unsigned>(i);
    volatile unsigned sink = x;
    (void)sink;
    item.result = item.id;
  });
  // Which worker ran what is up to the scheduler (on a loaded machine one
  // worker may take every item); the first test proves two run at once.
  int next = 0;
  for (int id = 0; id < 2000; ++id) {
    while (workers.full()) {
      Item* item = workers.Front(/*wait=*/true);
      ASSERT_EQ(item->result, next++);
      workers.Pop();
    }
    workers.Submit(Item{id});
  }
  while (Item* item = workers.Front(/*wait=*/true)) {
    ASSERT_EQ(item->result, next++);
    workers.Pop();
  }
  EXPECT_EQ(next, 2000);
}

}  // namespace
}  // namespace walcast
