#include "wal_reader/snapshot_plan.h"

namespace walcast::wal_reader {

std::vector<PageRange> SplitTable(int64_t pages, int threads, int64_t min_pages_to_split) {
  std::vector<PageRange> ranges;
  if (threads <= 1 || pages < min_pages_to_split || pages <= 0) return ranges;
  const int64_t pieces = static_cast<int64_t>(threads) * 4;
  const int64_t step = (pages + pieces - 1) / pieces;
  for (int64_t from = 0; from < pages; from += step) {
    const bool last = from + step >= pages;
    ranges.push_back({from, last ? std::nullopt : std::optional<int64_t>(from + step)});
  }
  return ranges;
}

std::string CtidCondition(const PageRange& range) {
  std::string where = " WHERE ctid >= '(" + std::to_string(range.from_page) + ",0)'::tid";
  if (range.to_page) where += " AND ctid < '(" + std::to_string(*range.to_page) + ",0)'::tid";
  return where;
}

SnapshotMark MarkRow(bool first_table, bool last_table, uint64_t row_in_table, bool has_next) {
  // The last row wins over the first: a one-row snapshot is "last".
  if (last_table && !has_next) return SnapshotMark::kLast;
  if (first_table && row_in_table == 1) return SnapshotMark::kFirst;
  if (!has_next) return SnapshotMark::kLastInCollection;
  if (row_in_table == 1) return SnapshotMark::kFirstInCollection;
  return SnapshotMark::kTrue;
}

}  // namespace walcast::wal_reader
