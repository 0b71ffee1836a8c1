#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <vector>

#include "core/ack_tracker.h"
#include "core/event_handler.h"
#include "core/row_transform.h"
#include "core/sink.h"
#include "core/telemetry.h"

namespace walcast {

// Fans decoded transactions out to every sink and registers each commit with
// the AckTracker. Owns the sinks; borrows the tracker, which must outlive it.
// Called on the reader thread only.
class Pipeline : public EventHandler {
 public:
  // `problems` (may be null) collects the sinks' recent problems
  // (Sink::ReportProblem); it must outlive the pipeline.
  explicit Pipeline(AckTracker* tracker, ProblemRing* problems = nullptr)
      : tracker_(tracker), problems_(problems) {}

  // Adds a sink before streaming starts. A sink added with
  // RowView::kOriginal bypasses the row transform (the metric engine reads
  // values no output may receive); every other sink gets transformed rows.
  void AddSink(std::unique_ptr<Sink> sink, RowView view = RowView::kTransformed);

  // Sets the transform applied once to each change before the sinks that
  // take transformed rows (privacy/); null: none. Before streaming starts.
  void SetRowTransform(std::unique_ptr<RowTransform> transform) {
    transform_ = std::move(transform);
  }

  // Work on a timer that is not a sink (e.g. heartbeat.action.query); runs
  // on every Tick after the sinks' OnTick.
  using Ticker = std::function<Status(std::chrono::steady_clock::time_point)>;
  void AddTicker(Ticker ticker) { tickers_.push_back(std::move(ticker)); }
  // Called by the reader at least every 200 ms.
  Status Tick(std::chrono::steady_clock::time_point now);

  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;

  // True between OnBegin and OnCommit.
  bool in_transaction() const { return in_transaction_; }

  // The stream broke inside a transaction: tells every sink to drop what it
  // holds of the open transaction (it will be sent again from the watermark).
  void ResetOpenTransaction();
  // A sink returned kReplay: every sink forgets what is not acknowledged.
  // The caller rewinds the tracker and restarts from the watermark.
  void Rewind();

  // Both hand on the held changes first (see below).
  Status Flush(std::chrono::milliseconds timeout);
  Status Close(std::chrono::milliseconds timeout);

  // While the transform needs it (RowTransform::NeedsDurable), the outputs'
  // begins, changes and commits wait here, in order. Once the oldest has
  // waited kMaxHoldTime or kMaxHeld are waiting (checked on every event and
  // Tick), MakeDurable starts on a thread of its own for everything held
  // so far, and the stream goes on being held meanwhile; when it is done,
  // what it covers goes to the outputs. Flush, Close and a broken
  // transaction wait for it. At kMaxHeld * 4 the reader waits too, so memory
  // stays bounded. The kOriginal sinks are never held.
  static constexpr size_t kMaxHeld = 8192;
  static constexpr std::chrono::milliseconds kMaxHoldTime{20};
  size_t held() const { return held_.size(); }

  const std::vector<std::unique_ptr<Sink>>& sinks() const { return sinks_; }
  // Events and transactions handed to the sinks (read from any thread).
  const EventCounters& counters() const { return counters_; }

 private:
  AckTracker* tracker_;
  ProblemRing* problems_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::vector<RowView> views_;  // parallel to sinks_
  std::unique_ptr<RowTransform> transform_;
  ChangeEvent transformed_;  // reused between changes
  std::vector<Ticker> tickers_;
  bool in_transaction_ = false;
  EventCounters counters_;

  enum class HeldKind { kBegin, kChange, kCommit };
  struct Held {
    HeldKind kind;
    TransactionInfo txn;
    ChangeEvent event;  // kChange
  };
  bool holding() const { return !held_.empty(); }
  void Hold(HeldKind kind, const TransactionInfo& txn, ChangeEvent event = {});
  // Every held event to the output sinks, in order, once durable (waits).
  Status Release();
  // Hands on what a finished MakeDurable covers; starts the next one when due.
  Status ReleaseIfDue(std::chrono::steady_clock::time_point now);
  // Waits for the running MakeDurable, if any; hands on what it covers.
  Status FinishSync();
  Status Deliver(size_t count);  // the first `count` held events
  std::deque<Held> held_;
  // When the oldest held event not covered by the running MakeDurable came.
  std::chrono::steady_clock::time_point held_since_;
  std::future<Status> sync_;  // the running MakeDurable
  size_t sync_covers_ = 0;    // how many of held_ it covers
};

}  // namespace walcast
