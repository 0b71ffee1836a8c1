#include "wal_reader/replication_frame.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::wal_reader {
namespace {

using Kind = ReplicationFrame::Kind;

std::span<const std::byte> Bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

std::string U64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

TEST(ReplicationFrameTest, XLogDataCarriesPositionsAndPayload) {
  const std::string frame = "w" + U64(0x16B3748) + U64(0x16B3800) + U64(42) + "BEGIN";
  const Result<ReplicationFrame> f = ParseReplicationFrame(Bytes(frame));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, Kind::kXLogData);
  EXPECT_EQ(f->wal_start, Lsn(0x16B3748));
  EXPECT_EQ(f->wal_end, Lsn(0x16B3800));
  EXPECT_EQ(f->server_time_us, 42);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->payload.data()), f->payload.size()),
            "BEGIN");
}

TEST(ReplicationFrameTest, XLogDataMayHaveAnEmptyPayload) {
  const std::string frame = "w" + U64(1) + U64(2) + U64(3);
  const Result<ReplicationFrame> f = ParseReplicationFrame(Bytes(frame));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->payload.empty());
}

TEST(ReplicationFrameTest, KeepaliveCarriesTheReplyFlag) {
  const std::string frame = "k" + U64(0x5000) + U64(7) + std::string(1, '\1');
  const Result<ReplicationFrame> f = ParseReplicationFrame(Bytes(frame));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, Kind::kKeepalive);
  EXPECT_EQ(f->wal_end, Lsn(0x5000));
  EXPECT_TRUE(f->reply_requested);
}

TEST(ReplicationFrameTest, ShortFramesAreCorruption) {
  EXPECT_EQ(ParseReplicationFrame(Bytes("w" + U64(1) + U64(2))).status().code(),
            Status::Code::kCorruption);
  EXPECT_EQ(ParseReplicationFrame(Bytes("k" + U64(1) + U64(2))).status().code(),
            Status::Code::kCorruption);
}

// libpq never returns an empty CopyData message, but the parser must not
// read a byte it was not given (the fuzz target feeds it empty input).
TEST(ReplicationFrameTest, EmptyMessageIsCorruption) {
  EXPECT_EQ(ParseReplicationFrame({}).status().code(), Status::Code::kCorruption);
}

TEST(ReplicationFrameTest, UnknownTypeIsCorruptionNamingTheByte) {
  const Result<ReplicationFrame> f = ParseReplicationFrame(Bytes("r"));
  ASSERT_EQ(f.status().code(), Status::Code::kCorruption);
  EXPECT_NE(f.status().message().find("0x72"), std::string::npos) << f.status().message();
}

}  // namespace
}  // namespace walcast::wal_reader
