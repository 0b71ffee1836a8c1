#include "wal_reader/replication_frame.h"

#include <string>

namespace walcast::wal_reader {
namespace {

uint64_t ReadU64(std::span<const std::byte> bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | std::to_integer<uint64_t>(bytes[at + i]);
  return v;
}

}  // namespace

Result<ReplicationFrame> ParseReplicationFrame(std::span<const std::byte> message) {
  // libpq never hands over an empty CopyData message, but a frame is input:
  // its length is checked before any byte is read (pg_recvlogical does too).
  if (message.empty()) return Status::Corruption("empty replication frame");
  ReplicationFrame frame;
  const auto type = std::to_integer<unsigned char>(message[0]);
  if (type == 'w') {
    constexpr size_t kHeader = 1 + 8 + 8 + 8;
    if (message.size() < kHeader) {
      return Status::Corruption("XLogData frame of " + std::to_string(message.size()) + " bytes");
    }
    frame.kind = ReplicationFrame::Kind::kXLogData;
    frame.wal_start = Lsn(ReadU64(message, 1));
    frame.wal_end = Lsn(ReadU64(message, 9));
    frame.server_time_us = static_cast<int64_t>(ReadU64(message, 17));
    frame.payload = message.subspan(kHeader);
    return frame;
  }
  if (type == 'k') {
    constexpr size_t kSize = 1 + 8 + 8 + 1;
    if (message.size() < kSize) {
      return Status::Corruption("keepalive frame of " + std::to_string(message.size()) + " bytes");
    }
    frame.kind = ReplicationFrame::Kind::kKeepalive;
    frame.wal_end = Lsn(ReadU64(message, 1));
    frame.server_time_us = static_cast<int64_t>(ReadU64(message, 9));
    frame.reply_requested = message[17] != std::byte{0};
    return frame;
  }
  constexpr char kHex[] = "0123456789abcdef";
  return Status::Corruption(std::string("unknown replication frame type 0x") + kHex[type >> 4] +
                            kHex[type & 0xf]);
}

}  // namespace walcast::wal_reader
