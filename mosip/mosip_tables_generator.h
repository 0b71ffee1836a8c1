#pragma once

// Realistic, mutually consistent rows for the MOSIP tables the reporting
// stack captures besides the anonymous profiles (reporting_tables.h): master
// data (registration centres, document types), pre-registration applications
// with their documents, appointments, slots and login OTPs, registration
// packets and their workflow state, ID authentication transactions and the
// audit log. The reference data matches the profile generator's
// (profile_generator.h): centres 10001..10020 are the profiles'
// enrollmentCenterId values and DOC001..DOC010 their document codes
// (reporting_codes.h).
// docs/generated-data.md describes every column and the dashboard it serves.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mosip/reporting_codes.h"
#include "mosip/reporting_tables.h"

namespace walcast::mosip {

struct MosipDataOptions {
  uint64_t seed = 1;
  int64_t start_us = 1735689600000000;  // first event: 2025-01-01T00:00:00Z
  int64_t span_days = 30;               // events spread evenly over this many days
  uint64_t applications = 1000;         // pre-registration applications
  uint64_t registrations = 1000;        // packets synced by registration clients
  uint64_t authentications = 2000;      // ID authentication transactions
};

// One row: a value per column of SpecOf(table).columns, in PostgreSQL's text
// input syntax (timestamps "2025-03-14 09:12:44.120391", dates, times,
// booleans "t"/"f", bytea "\x…"); nullopt is NULL.
using TableRow = std::vector<std::optional<std::string>>;
using RowSink = std::function<Status(const TableRow&)>;

// Plans every application, registration and authentication once, at
// construction (about 60 bytes each); Generate then renders one table's rows.
// The same options give the same rows, byte for byte, whatever the order in
// which tables are generated (each table draws its free values from its own
// seeded generator). Generate is const and may run for several tables on
// different threads at once.
class MosipDataGenerator {
 public:
  explicit MosipDataGenerator(const MosipDataOptions& options);
  ~MosipDataGenerator();
  MosipDataGenerator(const MosipDataGenerator&) = delete;
  MosipDataGenerator& operator=(const MosipDataGenerator&) = delete;

  // Calls `emit` for each row of `table`, in a fixed order; stops at and
  // returns the first status from `emit` that is not OK.
  Status Generate(ReportingTable table, const RowSink& emit) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walcast::mosip
