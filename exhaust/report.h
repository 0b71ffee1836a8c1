#pragma once

// Builds one exhaust report from the projections in walcast's state
// (docs/exhaust.md): the program's enrolments (program_enrollment, as at
// joining time) filtered by the request, joined with user_consent and the
// current user profile (user, encrypted columns decrypted), with Sunbird's
// consent rules for the five personal columns:
//   1. the program does not ask for consent: the five columns are left out
//   2. it asks, the user's consent is not active: present and empty
//   3. it asks and the consent is active: filled from the current profile
// Rows sorted by `sort`, columns in order_of_csv_column with label_mapping's
// headers, quote_column always quoted (RFC 4180, csv_writer.h).
//
// Memory: rows are sorted in runs of at most max_rows_in_memory, spilled to
// temporary files beside the output and merged, so a program of any size
// streams in bounded memory. The CSV is written to "<output>.partial" and
// renamed only when complete and fsynced: a crash never leaves a half file
// under the output name.
//
// Thread: any one thread; reads the committed state only (a
// ProjectionSnapshot when the engine is written meanwhile).

#include <atomic>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "exhaust/report_definition.h"
#include "exhaust/request.h"
#include "projections/engine.h"
#include "projections/sunbird_cipher.h"

namespace walcast::exhaust {

struct ReportOptions {
  bool bom = false;                   // exhaust.csv.bom
  size_t max_rows_in_memory = 50000;  // exhaust.sort.run.rows
  std::string zip_password;           // with request.encrypt: the ZIP's password
  // When set and true, the report stops at its next row with kUnavailable
  // and leaves no file under the output name (a worker being stopped).
  const std::atomic<bool>* cancel = nullptr;
};

struct ReportStats {
  uint64_t rows = 0;
  uint64_t enrolments_filtered_out = 0;
  bool pii_columns = false;               // the program asks for consent
  uint64_t consent_for_unknown_user = 0;  // consent active, no user row: PII left empty
  uint64_t undecryptable = 0;             // values left empty
  uint64_t sort_runs = 0;
  std::string output;  // the file written (the .zip with encrypt)
};

// Writes the report to `output` (with request.encrypt, to `output` with
// ".zip" appended unless it ends so). Errors: kInvalidArgument (no program
// id; encrypt without a password; the definition lacks a table the state
// has no projection for), kUnavailable (cannot write the file), the
// state's errors. `cipher` may be null when no column is encrypted.
Result<ReportStats> WriteReport(const ReportDefinition& definition, const ReportRequest& request,
                                const projections::ProjectionReader& state,
                                const projections::SunbirdCipher* cipher,
                                const ReportOptions& options, const std::string& output);

}  // namespace walcast::exhaust
