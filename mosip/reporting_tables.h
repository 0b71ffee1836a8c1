#pragma once

// MOSIP's six databases and the tables its reporting stack captures from
// them (mosip/reporting scripts/values-init.yaml), with their columns in DDL
// order (sql/mosip/<schema>_<table>.sql). The anonymous_profile tables and
// idrepo.channel_info are the profile generator's (generator_options.h);
// the others are MosipDataGenerator's (mosip_tables_generator.h).
// docs/generated-data.md lists what fills each column.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace walcast::mosip {

enum class MosipDatabase : uint8_t { kMaster, kAudit, kPrereg, kIda, kRegprc, kIdrepo };
inline constexpr size_t kMosipDatabaseCount = 6;

// "mosip_master", "mosip_audit", "mosip_prereg", "mosip_ida", "mosip_regprc",
// "mosip_idrepo".
std::string_view MosipDatabaseName(MosipDatabase database);
// The schema MOSIP keeps in that database: "master", "audit", ...
std::string_view MosipSchemaName(MosipDatabase database);
// Accepts the database name ("mosip_prereg") or the schema name ("prereg");
// nullopt otherwise.
std::optional<MosipDatabase> ParseMosipDatabase(std::string_view text);

// The captured tables MosipDataGenerator fills.
enum class ReportingTable : uint8_t {
  kDocType,
  kRegistrationCenter,
  kAppAuditLog,
  kApplicantDemographic,
  kApplicantDemographicConsumed,
  kApplicantDocument,
  kApplicantDocumentConsumed,
  kRegAppointment,
  kRegAppointmentConsumed,
  kRegAvailableSlot,
  kOtpTransaction,
  kAuthTransaction,
  kRegistration,
  kRegistrationList,
};
inline constexpr size_t kReportingTableCount = 14;

struct ReportingTableSpec {
  ReportingTable table;
  MosipDatabase database;
  std::string_view name;                      // "prereg.applicant_document"
  std::string_view sql_file;                  // "sql/mosip/prereg_applicant_document.sql"
  std::span<const std::string_view> columns;  // every column, in DDL order
};

const ReportingTableSpec& SpecOf(ReportingTable table);
// Every spec, in ReportingTable order.
std::span<const ReportingTableSpec> AllReportingTables();

}  // namespace walcast::mosip
