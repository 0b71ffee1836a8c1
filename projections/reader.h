#pragma once

// ProjectionReader: reads of committed projection entries, by key or by key
// prefix. Two kinds: the ProjectionEngine itself (the latest commit; its
// reader thread only) and a ProjectionSnapshot (below), a frozen view that
// another thread may read while the engine keeps committing: the exhaust
// report workers read one, so a report is consistent however long it runs.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "metrics/state_store.h"
#include "projections/row.h"

namespace walcast::projections {

class ProjectionReader {
 public:
  virtual ~ProjectionReader() = default;
  // The committed entry of `projection` under `key`, if any. Errors: the
  // store's kUnavailable, kCorruption (an entry that does not decode).
  virtual Result<std::optional<ProjectedRow>> Get(std::string_view projection,
                                                  const std::vector<std::string>& key) const = 0;
  // Every committed entry of `projection` whose key starts with
  // `key_prefix`, in key order, until fn returns false. Errors as Get's.
  virtual Status Scan(std::string_view projection, const std::vector<std::string>& key_prefix,
                      const std::function<bool(const ProjectedRow&)>& fn) const = 0;
};

// Get and Scan over any state reader (the store or one of its snapshots).
Result<std::optional<ProjectedRow>> ReadEntry(const metrics::StateReader& state,
                                              std::string_view projection,
                                              const std::vector<std::string>& key);
Status ScanEntries(const metrics::StateReader& state, std::string_view projection,
                   const std::vector<std::string>& key_prefix,
                   const std::function<bool(const ProjectedRow&)>& fn);

// The projections as committed when it was taken (a RocksDB snapshot of the
// engine's store). Read by one thread at a time, any thread; must not
// outlive the engine whose store() it was taken from.
class ProjectionSnapshot : public ProjectionReader {
 public:
  explicit ProjectionSnapshot(std::unique_ptr<metrics::StateStore::Snapshot> snapshot)
      : snapshot_(std::move(snapshot)) {}
  Result<std::optional<ProjectedRow>> Get(std::string_view projection,
                                          const std::vector<std::string>& key) const override {
    return ReadEntry(*snapshot_, projection, key);
  }
  Status Scan(std::string_view projection, const std::vector<std::string>& key_prefix,
              const std::function<bool(const ProjectedRow&)>& fn) const override {
    return ScanEntries(*snapshot_, projection, key_prefix, fn);
  }

 private:
  std::unique_ptr<metrics::StateStore::Snapshot> snapshot_;
};

}  // namespace walcast::projections
