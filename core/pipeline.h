#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "core/ack_tracker.h"
#include "core/event_handler.h"
#include "core/sink.h"

namespace walcast {

// Fans decoded transactions out to every sink and registers each commit with
// the AckTracker. Owns the sinks; borrows the tracker, which must outlive it.
// Called on the reader thread only.
class Pipeline : public EventHandler {
 public:
  explicit Pipeline(AckTracker* tracker) : tracker_(tracker) {}

  // Adds a sink before streaming starts.
  void AddSink(std::unique_ptr<Sink> sink);

  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;

  // True between OnBegin and OnCommit.
  bool in_transaction() const { return in_transaction_; }

  // The stream broke inside a transaction: tells every sink to drop what it
  // holds of the open transaction (it will be sent again from the watermark).
  void ResetOpenTransaction();

  Status Flush(std::chrono::milliseconds timeout);
  Status Close(std::chrono::milliseconds timeout);

  const std::vector<std::unique_ptr<Sink>>& sinks() const { return sinks_; }

 private:
  AckTracker* tracker_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  bool in_transaction_ = false;
};

}  // namespace walcast
