#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/lsn.h"
#include "core/status.h"

namespace walcast::wal_reader {

// Holds the raw pgoutput messages of one streamed (in-progress) top-level
// transaction until its Stream Commit or Stream Abort. Each message is kept
// as {wal_start, sub-xid, bytes}; the sub-xid is the xid the server put in
// the message (the top-level xid for the transaction's own changes).
//
// Messages stay in memory up to memory_limit_bytes; past that the buffered
// block is appended to a spill file in spill_dir and memory starts over, so
// memory stays bounded for a transaction of any size. The spill file is
// unlinked right after it is created, so it never outlives the process and
// its space is freed when the buffer closes it (DiscardAll, destructor).
//
// Layout of the memory block and of the spill file (same process, so
// native byte order): a sequence of records
//   uint64 wal_start | uint32 subxid | uint32 size | size bytes of message
// The spill file always holds the older records, memory the newer ones.
//
// Not thread-safe; used by the reader thread only. Every call may block on
// the spill file's disk I/O.
class StreamBuffer {
 public:
  // Called once per kept message, in append order. The span is valid only
  // during the call.
  using ReplayFn =
      std::function<Status(Lsn wal_start, uint32_t subxid, std::span<const std::byte> message)>;

  StreamBuffer(size_t memory_limit_bytes, std::string spill_dir);
  ~StreamBuffer();
  StreamBuffer(const StreamBuffer&) = delete;
  StreamBuffer& operator=(const StreamBuffer&) = delete;

  // Appends one message. Errors (the buffer is then unusable; discard it):
  // kInvalidArgument if no spill file can be created in spill_dir (missing,
  // not a directory, not writable); kUnavailable if the disk is full;
  // kFatal for any other write error.
  Status Append(Lsn wal_start, uint32_t subxid, std::span<const std::byte> message);

  // Drops every message appended so far under subxid (a subtransaction
  // abort). In-memory records are removed; spilled ones are skipped on
  // Replay.
  void DiscardSubxact(uint32_t subxid);

  // Drops everything and closes the spill file (freeing its disk space).
  // spilled_bytes() keeps counting from where it was.
  void DiscardAll();

  // Calls fn for each message not discarded, in append order. Stops at and
  // returns the first non-OK status of fn; kFatal if the spill file cannot
  // be read back. Does not change the buffer.
  Status Replay(const ReplayFn& fn) const;

  // Messages appended and not discarded (spilled ones included).
  size_t message_count() const { return message_count_; }
  bool empty() const { return message_count_ == 0; }
  // Bytes held in memory now (record headers included).
  size_t memory_bytes() const { return memory_.size(); }
  // Bytes written to spill files since construction (record headers
  // included); never decreases.
  uint64_t spilled_bytes() const { return spilled_bytes_total_; }

 private:
  struct RecordHeader {
    uint64_t wal_start;
    uint32_t subxid;
    uint32_t size;
  };
  static constexpr size_t kHeaderSize = sizeof(RecordHeader);
  static_assert(kHeaderSize == 16, "record header must pack to 16 bytes");

  Status EnsureSpillFile();
  Status WriteToSpill(std::span<const std::byte> data);
  Status Spill();
  Status ReplaySpillFile(const ReplayFn& fn) const;
  void CloseSpillFile();

  size_t memory_limit_bytes_;
  std::string spill_dir_;

  std::vector<std::byte> memory_;  // records, newest last
  int spill_fd_ = -1;              // -1 until the first spill
  uint64_t spill_file_bytes_ = 0;  // bytes in the current spill file
  uint64_t spilled_bytes_total_ = 0;
  size_t message_count_ = 0;
  // Per subxid, how many spilled messages carry it; lets DiscardSubxact keep
  // message_count() exact without reading the file back.
  std::unordered_map<uint32_t, size_t> spilled_count_by_subxid_;
  // A spilled record of subxid at a file offset below the mapped value was
  // discarded by DiscardSubxact.
  std::unordered_map<uint32_t, uint64_t> discarded_before_offset_;
};

}  // namespace walcast::wal_reader
