// libFuzzer target: the replication stream's frame parser
// (wal_reader/replication_frame.h). Input: one CopyData message, as
// PQgetCopyData returns it. A frame that parses must lie inside the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wal_reader/replication_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using walcast::wal_reader::ReplicationFrame;
  const auto message = std::as_bytes(std::span(data, size));
  const walcast::Result<ReplicationFrame> frame = walcast::wal_reader::ParseReplicationFrame(message);
  if (!frame.ok()) return 0;
  if (frame->kind == ReplicationFrame::Kind::kXLogData) {
    // The payload is the message past its 25-byte header, nothing more.
    if (frame->payload.data() != message.data() + 25 || frame->payload.size() != size - 25) {
      std::abort();
    }
    unsigned sum = 0;
    for (const std::byte b : frame->payload) sum += std::to_integer<unsigned>(b);
    (void)sum;
  } else if (frame->kind != ReplicationFrame::Kind::kKeepalive || !frame->payload.empty()) {
    std::abort();
  }
  return 0;
}
