#pragma once

// An exhaust report's definition: Sunbird's program-user-exhaust model
// configuration read as it is (docs/exhaust.md) — the tables with their
// columns, user_locations_columns, encrypted_columns and final_columns,
// label_mapping, order_of_csv_column, sort and quote_column.
//
// Thread: immutable after parse; any thread.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::exhaust {

struct ReportTable {
  std::string name;  // program_enrollment, user_consent, user
  std::vector<std::string> columns;
  std::vector<std::string> user_locations_columns;
  std::vector<std::string> encrypted_columns;
  std::vector<std::string> final_columns;
};

struct ReportDefinition {
  std::string id;        // modelParams.id, e.g. program-user-exhaust
  std::string app_name;  // appName
  std::vector<ReportTable> tables;
  std::map<std::string, std::string> label_mapping;  // column -> header
  std::vector<std::string> order_of_csv_column;      // headers
  std::vector<std::string> sort;                     // headers
  std::vector<std::string> quote_column;             // headers

  const ReportTable* Table(std::string_view name) const;
  // The column a header is the label of ("" when none).
  std::string ColumnOf(std::string_view header) const;
};

// The five personal columns the consent rules govern.
inline constexpr std::string_view kPiiColumns[] = {"username", "phone", "email", "consentflag",
                                                   "consentprovideddate"};

// kInvalidArgument naming the member at fault: not JSON, no modelParams.id,
// a header in order_of_csv_column, sort or quote_column that no
// label_mapping entry gives.
Result<ReportDefinition> ParseReportDefinition(std::string_view json);
Result<ReportDefinition> LoadReportDefinition(const std::string& path);

}  // namespace walcast::exhaust
