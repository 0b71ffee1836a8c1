#include "metrics/state_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "metrics_test_util.h"

namespace walcast::metrics {
namespace {

using testing::TempDir;

std::unique_ptr<StateStore> OpenAt(const std::string& dir) {
  Result<std::unique_ptr<StateStore>> store = StateStore::Open({dir, size_t{1} << 20, true});
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(*store) : nullptr;
}

std::vector<std::string> Keys(const StateStore& store, std::string_view prefix) {
  std::vector<std::string> keys;
  EXPECT_TRUE(store
                  .Scan(prefix,
                        [&](std::string_view key, std::string_view) {
                          keys.emplace_back(key);
                          return true;
                        })
                  .ok());
  return keys;
}

TEST(StateStoreTest, ABatchIsAppliedWholeAndSurvivesReopening) {
  TempDir dir;
  {
    std::unique_ptr<StateStore> store = OpenAt(dir.Sub("state"));
    ASSERT_NE(store, nullptr);
    StateStore::Batch batch;
    batch.Put(state_key::Meta("applied_lsn"), "0/16B3748");
    batch.Put(state_key::Aggregate(7), "seven");
    batch.Put(state_key::Row("idrepo.anonymous_profile", "k1"), "row");
    EXPECT_EQ(batch.count(), 3u);
    ASSERT_TRUE(store->Write(&batch).ok());
  }
  std::unique_ptr<StateStore> store = OpenAt(dir.Sub("state"));
  ASSERT_NE(store, nullptr);
  Result<std::optional<std::string>> lsn = store->Get(state_key::Meta("applied_lsn"));
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, std::optional<std::string>("0/16B3748"));
  Result<std::optional<std::string>> missing = store->Get(state_key::Aggregate(8));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(StateStoreTest, ScanSeesOnePrefixInKeyOrderAndCanStopEarly) {
  TempDir dir;
  std::unique_ptr<StateStore> store = OpenAt(dir.path());
  ASSERT_NE(store, nullptr);
  StateStore::Batch batch;
  for (uint64_t id : {300u, 2u, 10u}) batch.Put(state_key::Aggregate(id), "x");
  batch.Put(state_key::Dirty(2), "");
  ASSERT_TRUE(store->Write(&batch).ok());
  const std::vector<std::string> keys = Keys(*store, std::string(1, state_key::kAggregate));
  ASSERT_EQ(keys.size(), 3u);
  // Fixed-width big-endian ids sort numerically.
  EXPECT_EQ(state_key::IdOf(keys[0]), 2u);
  EXPECT_EQ(state_key::IdOf(keys[1]), 10u);
  EXPECT_EQ(state_key::IdOf(keys[2]), 300u);
  int calls = 0;
  ASSERT_TRUE(store->Scan("", [&](std::string_view, std::string_view) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
}

TEST(StateStoreTest, DeleteRangeForgetsOneTablesRows) {
  TempDir dir;
  std::unique_ptr<StateStore> store = OpenAt(dir.path());
  ASSERT_NE(store, nullptr);
  StateStore::Batch batch;
  batch.Put(state_key::Row("a.t", "1"), "r");
  batch.Put(state_key::Row("a.t", "2"), "r");
  batch.Put(state_key::Row("a.u", "1"), "r");
  ASSERT_TRUE(store->Write(&batch).ok());
  batch.Clear();
  const std::string prefix = state_key::RowPrefix("a.t");
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  batch.DeleteRange(prefix, end);
  ASSERT_TRUE(store->Write(&batch).ok());
  EXPECT_TRUE(Keys(*store, prefix).empty());
  EXPECT_EQ(Keys(*store, state_key::RowPrefix("a.u")).size(), 1u);
}

TEST(StateStoreTest, ASecondOpenOfTheSameDirectoryIsUnavailable) {
  TempDir dir;
  std::unique_ptr<StateStore> first = OpenAt(dir.path());
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<StateStore>> second = StateStore::Open({dir.path(), size_t{1} << 20, true});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
}

TEST(StateStoreTest, ADirectoryThatIsAFileCannotBeOpened) {
  TempDir dir;
  std::ofstream(dir.Sub("file")) << "not a database";
  Result<std::unique_ptr<StateStore>> store = StateStore::Open({dir.Sub("file"), size_t{1} << 20, true});
  EXPECT_FALSE(store.ok());
}

// Puts one aggregate in a batch of its own.
Status WriteOne(StateStore& store, uint64_t id, std::string_view value) {
  StateStore::Batch batch;
  batch.Put(state_key::Aggregate(id), value);
  return store.Write(&batch);
}

// A store whose free-space check refuses every write: it asks for more
// than any disk has.
std::unique_ptr<StateStore> OpenRefusing(const std::string& dir) {
  StateStoreOptions options{dir, size_t{1} << 20, true};
  options.min_free_bytes = UINT64_MAX;
  Result<std::unique_ptr<StateStore>> store = StateStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(StateStoreTest, TooLittleFreeSpaceStopsWritesBeforeRocksDbWrites) {
  TempDir dir;
  {
    std::unique_ptr<StateStore> store = OpenAt(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(WriteOne(*store, 1, "before").ok());
  }
  {
    std::unique_ptr<StateStore> store = OpenRefusing(dir.path());
    ASSERT_NE(store, nullptr);
    const Status refused = WriteOne(*store, 2, "refused");
    EXPECT_EQ(refused.code(), Status::Code::kUnavailable);
    // The message names the directory and its free space.
    EXPECT_NE(refused.message().find(dir.path()), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("bytes free"), std::string::npos) << refused.message();
    // Reads still work; nothing was written.
    Result<std::optional<std::string>> two = store->Get(state_key::Aggregate(2));
    ASSERT_TRUE(two.ok());
    EXPECT_FALSE(two->has_value());
  }
  // Reopened with space enough, it writes again.
  std::unique_ptr<StateStore> store = OpenAt(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(WriteOne(*store, 3, "after").ok());
  EXPECT_EQ(Keys(*store, std::string(1, state_key::kAggregate)).size(), 2u);
}

// Once failed, a store stays failed: no later write reaches RocksDB.
TEST(StateStoreTest, AFailedWriteIsRepeatedWithoutTouchingTheDatabase) {
  TempDir dir;
  std::unique_ptr<StateStore> store = OpenRefusing(dir.path());
  ASSERT_NE(store, nullptr);
  const Status first = WriteOne(*store, 1, "x");
  ASSERT_FALSE(first.ok());
  const Status second = WriteOne(*store, 2, "y");
  EXPECT_EQ(second.code(), first.code());
  EXPECT_EQ(second.message(), first.message());
}

TEST(StateStoreTest, RocksDbLogsToItsLogFileInTheDirectory) {
  TempDir dir;
  {
    ASSERT_NE(OpenAt(dir.path()), nullptr);
  }
  {
    ASSERT_NE(OpenAt(dir.path()), nullptr);
  }
  std::ifstream log(dir.path() + "/LOG");
  std::string first;
  ASSERT_TRUE(std::getline(log, first));
  EXPECT_FALSE(first.empty());
  // The previous run's log is kept once.
  EXPECT_TRUE(std::ifstream(dir.path() + "/LOG.old").good());
}

}  // namespace
}  // namespace walcast::metrics
