#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/ordered_workers.h"
#include "core/status.h"

namespace walcast {

// A transaction's events gathered into batches, encoded on several threads
// (OrderedWorkers) and handed back batch by batch in the order the events
// came, so a sink can encode a snapshot in parallel and still write or
// produce in order on its own thread.
//
// Thread: one caller thread calls Add, Drain and Drop, and runs `consume`;
// `encode` runs on the worker threads, each batch on one of them. Memory:
// at most `batches_in_flight` batches of up to `batch_events` events or
// `batch_bytes` of new-row values (whichever comes first; a single wider row
// makes its own batch), plus what `encode` made of them, and the batch being
// filled.
template <typename Encoded>
class OrderedEventBatches {
 public:
  struct Batch {
    TransactionInfo txn;  // of the first event; a batch never spans two
    std::vector<ChangeEvent> events;
    size_t bytes = 0;  // of the events' new-row values
    Encoded encoded;   // what `encode` made of `events`
  };
  struct Limits {
    size_t batch_events = 128;
    size_t batch_bytes = size_t{256} * 1024;
    size_t batches_in_flight = 16;
  };
  // `encode(worker, batch)` runs on worker thread `worker` (0 ≤ worker <
  // threads), so it may use per-worker state indexed by it (an encoder). It
  // must not throw; it reports failure inside batch.encoded.
  using Encode = std::function<void(size_t worker, Batch& batch)>;
  // `consume(batch)` runs on the caller thread for each encoded batch, in
  // order. An error stops Add or Drain and is returned; the batch counts as
  // consumed all the same.
  using Consume = std::function<Status(Batch& batch)>;

  OrderedEventBatches(size_t threads, Limits limits, Encode encode, Consume consume)
      : limits_(limits),
        consume_(std::move(consume)),
        workers_(threads, limits.batches_in_flight, std::move(encode)) {
    batch_.events.reserve(limits_.batch_events);
  }
  OrderedEventBatches(const OrderedEventBatches&) = delete;
  OrderedEventBatches& operator=(const OrderedEventBatches&) = delete;

  // Adds a copy of `event` (of `txn`) to the batch being filled; a full
  // batch goes to the workers, after the oldest batches are consumed while
  // none has room (blocking until they are encoded). Batches already encoded
  // are consumed on the way. Returns the first error `consume` returned.
  Status Add(const TransactionInfo& txn, const ChangeEvent& event) {
    if (batch_.events.empty()) batch_.txn = txn;
    batch_.events.push_back(event);
    if (event.after) {
      for (const Datum& d : *event.after) batch_.bytes += d.data.size();
    }
    if (batch_.events.size() < limits_.batch_events && batch_.bytes < limits_.batch_bytes) {
      return Status::Ok();
    }
    return Submit();
  }

  // Sends the batch being filled to the workers, then consumes every batch
  // in flight, waiting for their encoding: at the end of a transaction.
  Status Drain() {
    if (!batch_.events.empty()) WALCAST_RETURN_IF_ERROR(Submit());
    return ConsumeEncoded(/*all=*/true);
  }

  // Forgets the batch being filled and every batch not consumed (waiting
  // for those being encoded): the transaction was interrupted.
  void Drop() {
    batch_ = Batch{};
    while (workers_.Front(/*wait=*/true) != nullptr) workers_.Pop();
  }

 private:
  Status Submit() {
    while (workers_.full()) WALCAST_RETURN_IF_ERROR(ConsumeEncoded(/*all=*/false));
    workers_.Submit(std::move(batch_));
    batch_ = Batch{};
    batch_.events.reserve(limits_.batch_events);
    return ConsumeEncoded(/*all=*/false);
  }

  // Consumes the encoded batches in order: those done (and the oldest,
  // waiting for it, when none has room), or all when `all`.
  Status ConsumeEncoded(bool all) {
    for (bool wait = all || workers_.full();; wait = all) {
      Batch* batch = workers_.Front(wait);
      if (batch == nullptr) return Status::Ok();
      const Status s = consume_(*batch);
      workers_.Pop();
      WALCAST_RETURN_IF_ERROR(s);
    }
  }

  const Limits limits_;
  const Consume consume_;
  OrderedWorkers<Batch> workers_;
  Batch batch_;  // being filled
};

}  // namespace walcast
