#pragma once

#include "core/event.h"
#include "core/status.h"

namespace walcast {

// Rewrites each change before the sinks see it (privacy/: drop, mask, hash,
// encrypt, derived fields). The pipeline calls it once per change, on the
// reader thread, and hands the result to every sink that takes transformed
// rows; sinks added with RowView::kOriginal (the metric engine) still get
// the change as decoded.
class RowTransform {
 public:
  virtual ~RowTransform() = default;

  // Writes the transformed change into *out (which may share nothing with
  // `in`). Errors: kRejected for a row the rules cannot be applied to (the
  // message names the table, column and reason, never a value); kFatal for
  // anything that must stop the stream (e.g. the key store failed).
  virtual Status Apply(const TransactionInfo& txn, const ChangeEvent& in, ChangeEvent* out) = 0;

  // Whether Apply would change anything for this change's table; false lets
  // the pipeline hand the decoded change on without a copy.
  virtual bool Applies(const ChangeEvent& event) const = 0;

  // Whether a change Apply made depends on something no MakeDurable has
  // covered yet (a data key just created, privacy/). While true, the
  // pipeline holds the changes for the outputs and hands them on after a
  // MakeDurable that started after they were applied; it calls MakeDurable
  // for many changes at once (bounded in count and time), so one fsync
  // covers them all, and on a thread of its own while Apply goes on.
  virtual bool NeedsDurable() const { return false; }
  // Makes durable what every Apply before the call depends on. Thread-safe
  // against Apply.
  virtual Status MakeDurable() { return Status::Ok(); }
};

// Which version of a change a sink receives.
enum class RowView {
  kTransformed,  // after the pipeline's RowTransform (every output sink)
  kOriginal,     // as decoded (metric input only; never an output)
};

}  // namespace walcast
