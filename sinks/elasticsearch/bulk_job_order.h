#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sinks/elasticsearch/bulk_request.h"

namespace walcast::sinks::elasticsearch {

// What the order of a bulk job's writes depends on, so that several jobs of
// one BulkWorker may be in flight at once without changing the outcome.
//
// Why concurrent jobs are safe at all: every document write carries an
// external version (the commit LSN of its change), so two writes of one
// document that overtake each other still leave the higher version; a
// delete leaves a versioned tombstone (index.gc_deletes, 60 s by default)
// that refuses an older write arriving after it. What versions cannot
// order is two writes with the same version (several changes of one row
// in one transaction, sent with version_type=external_gte: the last one
// sent must win), writes without a version, and work that reads the index
// (a partial update's GET, a truncate's or a supersede's search): those
// wait (MustFollow).
//
// Immutable value; built on the submitting thread.
struct BulkJobShape {
  // Runs alone: everything submitted before it is durable before it starts,
  // and nothing submitted after it starts before it is durable (a task, a
  // partial update, a job with supersede deletes after it).
  bool barrier = false;
  // The lowest and highest version of the job's versioned actions; nullopt
  // when it has none.
  std::optional<int64_t> min_version;
  std::optional<int64_t> max_version;
  // "<index>\n<id>" of the actions at min_version and at max_version, and
  // of the unversioned actions; each sorted, duplicates kept.
  std::vector<std::string> low_keys;
  std::vector<std::string> high_keys;
  std::vector<std::string> unversioned_keys;
};

// The shape of `request`; `barrier` for a job that must run alone (see
// above). A request with a partial update (BulkOp::kUpdate) is always a
// barrier: its GET must see every earlier write.
BulkJobShape ShapeOf(const BulkRequest& request, bool barrier);

// Whether `later` (submitted after `earlier`, by the same worker) must wait
// until `earlier` is durable. True when either is a barrier, when they
// write one document without a version, or when `later` has a version at or
// below `earlier`'s highest, unless the only such version is the same in
// both (earlier's highest, later's lowest) and they write no document in
// common at it (the two halves of a transaction cut into two requests, the
// rows of an initial snapshot, which all share one version).
bool MustFollow(const BulkJobShape& later, const BulkJobShape& earlier);

}  // namespace walcast::sinks::elasticsearch
