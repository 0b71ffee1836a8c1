#pragma once

// What one row adds to the metrics, and the per-row state that remembers it
// so that an update or delete retracts exactly that (metrics.md §2, the
// state store keyed by the row's primary key).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::metrics {

// A change to one aggregate (one metric document).
struct AggregateDelta {
  uint64_t id = 0;        // Hash64(canonical)
  std::string canonical;  // AggregateKey::Encode(); empty when read back from a RowState
  int64_t count = 0;
  int64_t sum = 0;  // micro-units (codec.h)
  bool operator==(const AggregateDelta&) const = default;
};

// A change to the weight of one value inside a count_distinct group (e.g.
// +1 profile on a hashed phone). Which aggregates change follows from the
// value's old and new totals, so it is kept apart from AggregateDelta.
struct DistinctDelta {
  uint64_t group_id = 0;  // Hash64(group)
  std::string group;      // canonical AggregateKey of the group (no histogram key); empty
                          // when read back from a RowState
  std::string value;
  int64_t weight = 0;
  bool operator==(const DistinctDelta&) const = default;
};

struct Contributions {
  std::vector<AggregateDelta> aggregates;
  std::vector<DistinctDelta> distinct;

  bool empty() const { return aggregates.empty() && distinct.empty(); }
  void Clear() {
    aggregates.clear();
    distinct.clear();
  }
  // Sorts, adds up entries of the same aggregate (or group and value) and
  // drops those that cancel out (a state-mode update with old == new).
  void Normalize();
  bool operator==(const Contributions&) const = default;
};

// The stored state of one captured row.
struct RowState {
  // The contributions are in the aggregates now. False while the row is
  // soft-deleted (is_deleted = true): they are kept so that an update that
  // clears is_deleted without resending the profile (an unchanged TOASTed
  // value) can add them back.
  bool active = true;
  // The row's profile was refused (dead-lettered); it contributes nothing.
  bool bad = false;
  Contributions contributions;  // canonical strings left empty

  std::string Encode() const;
  // nullopt when the bytes are not a RowState (corrupt state).
  static std::optional<RowState> Decode(std::string_view bytes);
  bool operator==(const RowState&) const = default;
};

}  // namespace walcast::metrics
