#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"

// The snapshot's pure decisions: how a table is cut into ctid ranges that
// several connections read in parallel, and how each row is marked.

namespace walcast::wal_reader {

// Pages [from_page, to_page) of a table's heap; no to_page: to the end.
struct PageRange {
  int64_t from_page = 0;
  std::optional<int64_t> to_page;
  bool operator==(const PageRange&) const = default;
};

// The ranges a table of `pages` pages is read in: nothing (read it whole)
// unless there are several threads and the table has at least
// min_pages_to_split pages; then 4 × threads ranges of equal size, the last
// one open-ended, since pages added after the size was read hold no row the
// snapshot sees but cost nothing to scan.
std::vector<PageRange> SplitTable(int64_t pages, int threads, int64_t min_pages_to_split);

// " WHERE ctid >= '(a,0)'::tid[ AND ctid < '(b,0)'::tid]": a TID range scan.
std::string CtidCondition(const PageRange& range);

// Debezium's snapshot marker for a row. row_in_table counts from 1;
// has_next says whether the table has another row after it. first_table and
// last_table are positions in the snapshot's table order, empty tables
// included (an empty first table leaves the snapshot without a "first" row).
// The last row of the last table is "last" even when it is also the first
// row of the first. The snapshot's final row is "last" whatever this says
// (the reader holds it back until the snapshot ends, as Debezium does).
SnapshotMark MarkRow(bool first_table, bool last_table, uint64_t row_in_table, bool has_next);

}  // namespace walcast::wal_reader
