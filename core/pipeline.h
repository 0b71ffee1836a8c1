#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ack_tracker.h"
#include "core/event_handler.h"
#include "core/row_transform.h"
#include "core/sink.h"
#include "core/telemetry.h"

namespace walcast {

// Fans decoded transactions out to every sink and registers each commit with
// the AckTracker. Owns the sinks; borrows the tracker, which must outlive it.
// Called on the reader thread only; the sinks are only ever called on it.
class Pipeline : public EventHandler {
 public:
  // `problems` (may be null) collects the sinks' recent problems
  // (Sink::ReportProblem); it must outlive the pipeline.
  explicit Pipeline(AckTracker* tracker, ProblemRing* problems = nullptr)
      : tracker_(tracker), problems_(problems) {}
  // Stops the transform worker (if any); what it had not handed on is
  // dropped, as on a crash (sent again from the watermark).
  ~Pipeline() override;

  // Adds a sink before streaming starts. A sink added with
  // RowView::kOriginal bypasses the row transform (the metric engine reads
  // values no output may receive); every other sink gets transformed rows.
  void AddSink(std::unique_ptr<Sink> sink, RowView view = RowView::kTransformed);

  // Sets the transform applied once to each change before the sinks that
  // take transformed rows (privacy/); null: none. Before streaming starts.
  //
  // on_worker: the transform runs on a thread of its own while the reader
  // goes on decoding and the sinks encoding. Every output event (begin,
  // change, commit) then waits in the held queue, in commit order, until
  // its change is transformed (and, as below, durable), and goes to the
  // outputs from the reader thread on a later event, Tick, Flush or Close;
  // a transform error comes back from that later call. The kOriginal sinks
  // still get each change at once. Acks are unchanged (tracked at commit,
  // before any sink sees it).
  void SetRowTransform(std::unique_ptr<RowTransform> transform, bool on_worker = false);

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
    HeldKind kind = HeldKind::kBegin;
    TransactionInfo txn;
    ChangeEvent event;  // kChange
    // On the worker (guarded by mu_): whether the transform is done, its
    // error, whether it depended on something not yet durable, and its
    // place in the order of transforms.
    bool ready = true;
    Status status;
    bool needs_durable = false;
    uint64_t seq = 0;
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

  // The transform worker (SetRowTransform on_worker). It takes held changes
  // from jobs_ in order; held_'s elements keep their address while it works
  // on them (a deque only grows and shrinks at its ends).
  bool on_worker() const { return worker_.joinable(); }
  void Work();
  Status OnChangeOnWorker(const TransactionInfo& txn, const ChangeEvent& event);
  // Hands on the transformed prefix that needs nothing more to be durable,
  // starts a MakeDurable when due; waits (for the worker or the sync) while
  // kMaxHeld * 4 are held.
  Status Pump(std::chrono::steady_clock::time_point now);
  // Waits until the worker has transformed everything submitted.
  void WaitForWorker();
  // Everything held to the outputs (after the worker and a MakeDurable).
  Status ReleaseFromWorker();
  size_t Deliverable();  // the length of the prefix Pump may hand on (under mu_)
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // jobs_ or stop_
  std::condition_variable done_cv_;  // a job done
  std::deque<Held*> jobs_;
  bool stop_ = false;
  uint64_t submitted_ = 0;        // changes given to the worker
  uint64_t applied_ = 0;          // changes it transformed (Held::seq of the last)
  uint64_t durable_through_ = 0;  // every transform up to this seq is durable
  uint64_t sync_through_ = 0;     // what the running MakeDurable covers
  std::chrono::steady_clock::time_point blocked_since_;
  bool blocked_ = false;  // the front waits for a MakeDurable
};

}  // namespace walcast
