#pragma once

#include <chrono>
#include <string>

#include "core/ack_tracker.h"
#include "core/event_handler.h"

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
  // Called once by the pipeline before any event.
  void Attach(Acker acker) { acker_ = acker; }

  // The transaction begun last will not be committed on this stream (the
  // connection broke); drop any state held for it. Default: nothing held.
  virtual void OnReset() {}

  // Blocks until everything handed over so far is durable and acknowledged,
  // or the timeout passes (kTimeout).
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  // Flushes within the timeout, then releases resources. Idempotent.
  virtual Status Close(std::chrono::milliseconds timeout) = 0;

 protected:
  const Acker& acker() const { return acker_; }

 private:
  Acker acker_;
};

}  // namespace walcast
