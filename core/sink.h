#pragma once

#include <chrono>
#include <string>

#include "core/ack_tracker.h"
#include "core/event_handler.h"
#include "core/telemetry.h"

namespace walcast {

// A destination for change events. The pipeline calls Begin/Change/Commit
// on the reader thread in commit order. A sink acknowledges each transaction
// by end LSN through its Acker once the transaction is durable there; it may
// do so later and from another thread. A sink must never acknowledge data it
// could still lose.
class Sink : public EventHandler {
 public:
  // Handle a sink uses to acknowledge; cheap to copy. The tracker outlives
  // every sink (app/ owns both).
  class Acker {
   public:
    Acker() = default;
    Acker(AckTracker* tracker, int id) : tracker_(tracker), id_(id) {}
    void Ack(Lsn end_lsn) const { tracker_->Ack(id_, end_lsn); }
    void AckThrough(Lsn lsn) const { tracker_->AckThrough(id_, lsn); }

   private:
    AckTracker* tracker_ = nullptr;
    int id_ = -1;
  };

  virtual const std::string& name() const = 0;
  // Called once by the pipeline before any event. `problems` (may be null)
  // receives ReportProblem's entries and must outlive the sink.
  void Attach(Acker acker, ProblemRing* problems = nullptr) {
    acker_ = acker;
    problems_ = problems;
  }

  // The transaction begun last will not be committed on this stream (the
  // connection broke); drop any state held for it. Default: nothing held.
  virtual void OnReset() {}

  // After this or another sink returned kReplay: forget every transaction
  // not yet acknowledged (it will be handed over again from the watermark)
  // and be ready to accept events again. Default: nothing held.
  virtual void OnRewind() {}

  // Called on the reader thread at least every 200 ms, between or inside
  // transactions, for work on a timer (e.g. heartbeats). A non-OK status
  // stops the stream like an event's. Default: nothing.
  virtual Status OnTick(std::chrono::steady_clock::time_point /*now*/) { return Status::Ok(); }

  // The sink's own figures for /metrics (core/telemetry.h); safe to call
  // from any thread. Default: none reported.
  virtual SinkCounters counters() const { return {}; }

  // Blocks until everything handed over so far is durable and acknowledged,
  // or the timeout passes (kTimeout).
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  // Flushes within the timeout, then releases resources. Idempotent.
  virtual Status Close(std::chrono::milliseconds timeout) = 0;

 protected:
  const Acker& acker() const { return acker_; }
  // Adds a problem (a dead letter, a failure) to the pipeline's recent
  // problems for the status page; from any thread, on error paths only.
  // `reason` must hold no row or profile value (names, positions, error
  // names), as a log line.
  void ReportProblem(std::string kind, std::string reason) const;

 private:
  Acker acker_;
  ProblemRing* problems_ = nullptr;
};

}  // namespace walcast
