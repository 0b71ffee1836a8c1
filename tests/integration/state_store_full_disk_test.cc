// The metric state on a disk that fills up while batches are written:
// RocksDB itself meets ENOSPC (the free-space check is off here; its own
// test is in tests/unit/metrics/state_store_test.cc). The write that failed
// and every later one return one kUnavailable error naming the directory
// and its free space, the process never aborts (Debian's RocksDB 7.8 used
// to, on an assertion in its LOG writer: rocks/info_log.h), and once space
// is freed the database reopens with exactly the batches that succeeded.
// Repeated, since where the disk fills (WAL, memtable flush, LOG) varies.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "metrics/state_store.h"
#include "tests/support/small_disk.h"

namespace walcast::metrics {
namespace {

using walcast::testing::SmallDisk;

std::string Key(int batch, int i) {
  return state_key::Aggregate(static_cast<uint64_t>(batch) * 100 + static_cast<uint64_t>(i));
}

class StateStoreFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/walcast-full-disk-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string ignored;
    walcast::testing::RunCommand("rm -rf '" + dir_ + "'", &ignored);
  }
  std::string dir_;
};

TEST_F(StateStoreFullDiskTest, EveryWriteAfterTheDiskFillsIsOneErrorAndTheReopenIsExact) {
  constexpr int kRounds = 10;
  const std::string value(1000, 'v');
  for (int round = 0; round < kRounds && !HasFailure(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    SmallDisk disk(dir_ + "/disk" + std::to_string(round), 16);
    ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs for the test: " << disk.error();
    StateStoreOptions options{disk.path() + "/state", size_t{1} << 20, true};
    options.min_free_bytes = 0;
    int written = 0;
    {
      Result<std::unique_ptr<StateStore>> store = StateStore::Open(options);
      ASSERT_TRUE(store.ok()) << store.status().message();
      // The disk fills while batches are written: after a few (the WAL
      // fails), or later (a memtable flush or the LOG meets it first).
      std::atomic<bool> filled = false;
      std::thread filler([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * (round % 5)));
        disk.Fill();
        filled = true;
      });
      Status failed;
      for (int batch = 0; batch < 100000; ++batch) {
        StateStore::Batch b;
        for (int i = 0; i < 20; ++i) b.Put(Key(batch, i), value);
        failed = (*store)->Write(&b);
        if (!failed.ok()) break;
        written = batch + 1;
        // Slower once the disk is full: the point is the first failure.
        if (filled) disk.Fill();
      }
      filler.join();
      ASSERT_FALSE(failed.ok()) << "the disk never filled";
      EXPECT_EQ(failed.code(), Status::Code::kUnavailable) << failed.message();
      EXPECT_NE(failed.message().find("o space left"), std::string::npos) << failed.message();
      EXPECT_NE(failed.message().find("bytes free in " + options.dir), std::string::npos)
          << failed.message();
      // Later writes get the same error and never reach RocksDB.
      for (int i = 0; i < 3; ++i) {
        StateStore::Batch b;
        b.Put(Key(written, i), value);
        const Status again = (*store)->Write(&b);
        EXPECT_EQ(again.message(), failed.message());
      }
      // Closing the store on the full disk must not abort either.
    }
    disk.Free();
    Result<std::unique_ptr<StateStore>> reopened = StateStore::Open(options);
    ASSERT_TRUE(reopened.ok()) << reopened.status().message();
    // Exactly the batches whose Write() succeeded, each whole.
    int keys = 0;
    int last_batch = -1;
    ASSERT_TRUE((*reopened)
                    ->Scan(std::string(1, state_key::kAggregate),
                           [&](std::string_view key, std::string_view v) {
                             ++keys;
                             last_batch =
                                 std::max(last_batch, static_cast<int>(state_key::IdOf(key) / 100));
                             EXPECT_EQ(v.size(), value.size());
                             return true;
                           })
                    .ok());
    EXPECT_EQ(keys, written * 20);
    EXPECT_EQ(last_batch, written - 1);
    std::printf("figure round=%d batches_written=%d\n", round, written);
  }
}

}  // namespace
}  // namespace walcast::metrics
