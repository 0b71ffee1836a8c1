#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/telemetry.h"

namespace walcast {

// AckTracker computes the LSN watermark: the highest transaction end LSN L
// such that L and every earlier tracked transaction have been acknowledged by
// every registered sink. Only the watermark may be confirmed to PostgreSQL as
// the flush LSN (DESIGN.md, "The checkpoint protocol").
//
// Thread-safety: Track() and AdvanceIdle() are called by the reader thread;
// Ack() and AckThrough() may be called from any thread (delivery callbacks,
// bulk workers); watermark() from any thread. All methods lock one mutex for
// a short time and never block otherwise.
class AckTracker {
 public:
  // start: the position streaming resumes from (the slot's confirmed flush
  // LSN); the watermark never goes below it.
  explicit AckTracker(Lsn start);

  AckTracker(const AckTracker&) = delete;
  AckTracker& operator=(const AckTracker&) = delete;

  // Registers a sink before any Track(); returns its id. At most 64 sinks.
  int RegisterSink(std::string name);

  // Records that the transaction ending at end_lsn was handed to every sink.
  // end_lsn must be greater than every earlier tracked LSN; one that is not
  // (a replay at or below what is tracked) is ignored and returns false.
  // commit_time_us (the server's commit time, 0 when unknown) is kept for
  // the lag in seconds.
  bool Track(Lsn end_lsn, int64_t commit_time_us = 0);

  // Sink `sink` made the transaction ending at end_lsn durable. Acks may come
  // in any order. An ack for an untracked LSN is ignored.
  void Ack(int sink, Lsn end_lsn);

  // Sink `sink` made every tracked transaction with end LSN <= lsn durable.
  void AckThrough(int sink, Lsn lsn);

  // With nothing in flight, every change before server_lsn is either durable
  // or was never published, so the watermark may move to server_lsn. This is
  // what keeps an idle slot from holding WAL. The caller guarantees that it
  // is not inside a transaction. Returns true if the watermark moved.
  bool AdvanceIdle(Lsn server_lsn);

  // A sink lost transactions it had accepted (e.g. Kafka failed their
  // deliveries): forgets every tracked transaction above the watermark, so
  // streaming restarts from the watermark and tracks them again. Acks that
  // still arrive for the forgotten LSNs are ignored.
  void Rewind();
  Lsn watermark() const;
  // Number of tracked transactions not yet acknowledged by every sink.
  size_t pending() const;
  // Highest LSN passed to Track().
  Lsn last_tracked() const;
  std::vector<std::string> sink_names() const;
  // The server commit time of the oldest transaction not yet acknowledged by
  // every sink, in microseconds since the Unix epoch; 0 when none is pending
  // (or its time is unknown).
  int64_t oldest_pending_commit_time_us() const;
  // From Track() to the last sink's acknowledgement, per transaction.
  const LatencyHistogram& ack_latency() const { return ack_latency_; }

 private:
  struct Entry {
    Lsn end_lsn;
    uint64_t acked = 0;  // one bit per sink
    std::chrono::steady_clock::time_point tracked_at;
    int64_t commit_time_us = 0;
  };

  void PopCompletedLocked();
  uint64_t all_mask_locked() const;

  mutable std::mutex mu_;
  std::vector<std::string> sinks_;
  std::deque<Entry> pending_;
  Lsn watermark_;
  Lsn last_tracked_;
  LatencyHistogram ack_latency_;
};

}  // namespace walcast
