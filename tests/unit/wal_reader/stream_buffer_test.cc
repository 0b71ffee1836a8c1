#include "wal_reader/stream_buffer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace walcast::wal_reader {
namespace {

struct Record {
  Lsn wal_start;
  uint32_t subxid;
  std::string bytes;
  bool operator==(const Record&) const = default;
};

std::span<const std::byte> AsBytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::vector<Record> ReplayAll(const StreamBuffer& buffer) {
  std::vector<Record> out;
  Status status = buffer.Replay([&](Lsn lsn, uint32_t subxid, std::span<const std::byte> message) {
    out.push_back(
        {lsn, subxid, std::string(reinterpret_cast<const char*>(message.data()), message.size())});
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

// A fresh directory per test, removed at the end; lets a test check that the
// spill file never shows up in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "walcast-stream-buffer-test-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    if (!path_.empty()) (void)::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  int EntryCount() const {
    DIR* dir = ::opendir(path_.c_str());
    if (dir == nullptr) return -1;
    int count = 0;
    while (dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") ++count;
    }
    ::closedir(dir);
    return count;
  }

 private:
  std::string path_;
};

// 40 records of mixed sizes over three subxids, in LSN order.
std::vector<Record> SampleRecords() {
  std::vector<Record> records;
  for (uint32_t i = 0; i < 40; ++i) {
    const uint32_t subxid = i % 5 == 0 ? 701 : i % 3 == 0 ? 702 : 700;
    records.push_back(
        {Lsn(0x1000 + i * 0x10), subxid, std::string(10 + (i * 37) % 90, 'a' + i % 26)});
  }
  return records;
}

void AppendAll(StreamBuffer* buffer, const std::vector<Record>& records) {
  for (const Record& r : records) {
    Status status = buffer->Append(r.wal_start, r.subxid, AsBytes(r.bytes));
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
}

std::vector<Record> Without(std::vector<Record> records, uint32_t subxid) {
  std::erase_if(records, [&](const Record& r) { return r.subxid == subxid; });
  return records;
}

TEST(StreamBufferTest, ReplaysInMemoryRecordsInAppendOrder) {
  TempDir dir;
  StreamBuffer buffer(1 << 20, dir.path());
  const std::vector<Record> records = SampleRecords();
  AppendAll(&buffer, records);
  EXPECT_EQ(buffer.message_count(), records.size());
  EXPECT_EQ(buffer.spilled_bytes(), 0u);
  EXPECT_GT(buffer.memory_bytes(), 0u);
  EXPECT_EQ(ReplayAll(buffer), records);
  // Replay does not consume.
  EXPECT_EQ(ReplayAll(buffer), records);
}

TEST(StreamBufferTest, SpillsPastTheLimitAndReplaysInOrder) {
  TempDir dir;
  StreamBuffer buffer(256, dir.path());
  const std::vector<Record> records = SampleRecords();
  AppendAll(&buffer, records);
  EXPECT_GT(buffer.spilled_bytes(), 0u);
  EXPECT_LE(buffer.memory_bytes(), 256u);
  EXPECT_EQ(buffer.message_count(), records.size());
  EXPECT_EQ(ReplayAll(buffer), records);
}

TEST(StreamBufferTest, SpillFileIsUnlinkedAtOnce) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  {
    StreamBuffer buffer(64, dir.path());
    AppendAll(&buffer, SampleRecords());
    ASSERT_GT(buffer.spilled_bytes(), 0u);
    EXPECT_EQ(dir.EntryCount(), 0);
  }
  EXPECT_EQ(dir.EntryCount(), 0);
}

TEST(StreamBufferTest, RecordLargerThanTheLimitGoesStraightToTheFile) {
  TempDir dir;
  StreamBuffer buffer(100, dir.path());
  const std::vector<Record> records = {
      {Lsn(1), 7, "small"},
      {Lsn(2), 7, std::string(1000, 'x')},
      {Lsn(3), 8, "after"},
      {Lsn(4), 7, ""},
  };
  AppendAll(&buffer, records);
  EXPECT_GE(buffer.spilled_bytes(), 1000u);
  EXPECT_EQ(ReplayAll(buffer), records);
}

TEST(StreamBufferTest, ReadsBackRecordsLargerThanTheReadChunk) {
  TempDir dir;
  StreamBuffer buffer(1024, dir.path());
  const std::vector<Record> records = {
      {Lsn(1), 1, std::string(300 * 1024, 'a')},
      {Lsn(2), 1, std::string(700, 'b')},
      {Lsn(3), 1, std::string(900 * 1024, 'c')},
      {Lsn(4), 1, "tail"},
  };
  AppendAll(&buffer, records);
  EXPECT_EQ(ReplayAll(buffer), records);
}

TEST(StreamBufferTest, DiscardSubxactDropsOnlyThatSubxactInMemory) {
  TempDir dir;
  StreamBuffer buffer(1 << 20, dir.path());
  const std::vector<Record> records = SampleRecords();
  AppendAll(&buffer, records);
  buffer.DiscardSubxact(701);
  const std::vector<Record> expected = Without(records, 701);
  EXPECT_EQ(buffer.message_count(), expected.size());
  EXPECT_EQ(ReplayAll(buffer), expected);
  buffer.DiscardSubxact(12345);  // unknown: no effect
  EXPECT_EQ(ReplayAll(buffer), expected);
}

TEST(StreamBufferTest, DiscardSubxactDropsSpilledAndInMemoryRecords) {
  TempDir dir;
  StreamBuffer buffer(300, dir.path());
  const std::vector<Record> records = SampleRecords();
  AppendAll(&buffer, records);
  ASSERT_GT(buffer.spilled_bytes(), 0u);
  buffer.DiscardSubxact(702);
  std::vector<Record> expected = Without(records, 702);
  EXPECT_EQ(buffer.message_count(), expected.size());
  EXPECT_EQ(ReplayAll(buffer), expected);

  // Later records of other subxids still replay, after the kept ones.
  const std::vector<Record> more = {{Lsn(0x9000), 700, "later"}, {Lsn(0x9010), 701, "later2"}};
  AppendAll(&buffer, more);
  expected.insert(expected.end(), more.begin(), more.end());
  EXPECT_EQ(ReplayAll(buffer), expected);
}

TEST(StreamBufferTest, DiscardAllEmptiesAndTheBufferCanBeReused) {
  TempDir dir;
  StreamBuffer buffer(128, dir.path());
  AppendAll(&buffer, SampleRecords());
  const uint64_t spilled = buffer.spilled_bytes();
  ASSERT_GT(spilled, 0u);
  buffer.DiscardAll();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.memory_bytes(), 0u);
  EXPECT_TRUE(ReplayAll(buffer).empty());
  EXPECT_EQ(buffer.spilled_bytes(), spilled);  // a running total

  const std::vector<Record> records = SampleRecords();
  AppendAll(&buffer, records);
  EXPECT_EQ(ReplayAll(buffer), records);
}

TEST(StreamBufferTest, ReplayStopsAtTheFirstCallbackError) {
  TempDir dir;
  StreamBuffer buffer(200, dir.path());
  AppendAll(&buffer, SampleRecords());
  int calls = 0;
  Status status = buffer.Replay([&](Lsn, uint32_t, std::span<const std::byte>) {
    return ++calls == 3 ? Status::Unavailable("sink down") : Status::Ok();
  });
  EXPECT_EQ(status.code(), Status::Code::kUnavailable);
  EXPECT_EQ(calls, 3);
}

TEST(StreamBufferTest, MissingSpillDirIsInvalidArgument) {
  StreamBuffer buffer(16, "/nonexistent/walcast/spill");
  const std::string big(64, 'x');
  Status status = buffer.Append(Lsn(1), 1, AsBytes(big));
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
}

TEST(StreamBufferTest, NothingTouchesTheDiskBelowTheLimit) {
  StreamBuffer buffer(1 << 20, "/nonexistent/walcast/spill");
  const std::string small(64, 'x');
  EXPECT_TRUE(buffer.Append(Lsn(1), 1, AsBytes(small)).ok());
  EXPECT_EQ(buffer.spilled_bytes(), 0u);
}

}  // namespace
}  // namespace walcast::wal_reader
