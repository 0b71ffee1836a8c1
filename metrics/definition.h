#pragma once

// Declarative metric definitions: the JSON format of docs/metrics.md, parsed
// and validated into MetricSet. The notation follows
// ../shared/reference/metrics.md §1 (source, filter, side, keys, measure,
// mode, time); config/metrics/mosip.json is MOSIP's default set.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mosip/profile.h"

namespace walcast::metrics {

// Where a metric's rows come from: a profile shape (told apart by the
// parser, anonymous-profile.md §2.5) in its table, the channel_info table,
// or any table with a JSON document column (kDocument: fields by JSON path,
// e.g. randomuser.me-shaped user profiles).
enum class Source : uint8_t { kIdRepo, kRegProc, kPreReg, kAnnexure, kChannelInfo, kDocument };
inline constexpr size_t kSourceCount = 6;
// "idrepo", "regprc", "prereg", "annexure", "channel_info", "document".
std::string_view SourceName(Source source);
Source SourceOfShape(mosip::ProfileShape shape);

// Which identity snapshot feeds the keys (metrics.md §1). kNew/kOld exist in
// idrepo and Annexure A; regprc, prereg and channel_info rows are kFlat.
enum class Side : uint8_t { kNew, kOld, kFlat };
// metrics.md §2: kEvent counts rows; kState counts current identities
// (+new side, -old side).
enum class Mode : uint8_t { kEvent, kState };
std::string_view ModeName(Mode mode);

enum class TimeBucket : uint8_t { kNone, kDay, kWeek, kMonth };
std::string_view TimeBucketName(TimeBucket bucket);

// Everything a key, filter or measure can read. Profile-level fields are the
// same on both sides; side fields come from the metric's side; element
// fields belong to one list field and exist once per exploded element.
enum class Field : uint8_t {
  // Profile level.
  kProcessName,         // canonical ("New", "Res_update")
  kProcessStage,        // processStage, else the process_stage column
  kStatus,              // regprc/prereg status
  kEnrollmentCenterId,  // regprc/prereg
  kShape,               // "idrepo", "regprc", "prereg", "annexure"
  kIsUpdate,            // "true" when the profile has both an old and a new side
  kChangedAttribute,    // list: attributes an update changed (metrics.md M14), "none"
  // Side.
  kGender,
  kAgeGroup,  // age groups of the definition set, against the event year
  kYearOfBirth,
  kLocation,  // path prefix of `level` levels, joined with " > "
  kChannelCategory,
  kHasPhone,
  kHasEmail,
  kHasException,
  kHasVerified,
  kPreferredLanguage,  // list
  kVerified,           // list
  kDocument,           // list
  kException,          // list; two keys: exceptionType, exceptionSubType
  kModality,           // list (non-exception biometrics per modality); numbers below
  kQualityScore,       // number, element of kModality: the modality's average quality
  kAttempts,           // number, element of kModality: average attempts
  kAge,                // number: event year - year of birth, when known
  kHashedChannel,      // annexure: list of the side's hashes (upper case); channel_info: the column
  kChannelType,        // annexure: element of kHashedChannel (its name); channel_info: the column
  kNoOfRecords,        // number, channel_info: no_of_records
  kColumn,             // a column of the row, by name: text, or a number for sum/avg/weight
  // Document source: FieldRef::column holds the dotted JSON path.
  kPath,        // the value at the path: a string as is, a number or boolean as text
  kDomain,      // the part after the last '@' of the string at the path, lower case
  kYearsSince,  // number: whole years from the date at the path to the reference date
};

// How one field is read.
enum class FieldKind : uint8_t { kScalar, kList, kNumber };

// The name of a field in definitions ("processName", "column" for kColumn).
std::string_view FieldName(Field field);

// A field reference with its parameters, as resolved from the JSON.
struct FieldRef {
  Field field = Field::kProcessName;
  int level = 0;       // kLocation: 1..mosip::kMaxLocationLevels
  std::string column;  // kColumn: the column name; kPath, kDomain, kYearsSince: the JSON path
  bool operator==(const FieldRef&) const = default;
};

// One group-by key.
struct KeySpec {
  FieldRef ref;
  // The key's name in metric documents (`keys.<name>`): "as" in the JSON, or
  // the field's name ("location_L2" for location level 2, "column.x" -> "x").
  // kException yields two keys and ignores it.
  std::string name;
  // Label for a missing scalar value (default "Unknown"), or for an empty list
  // (default: none, the row adds nothing). nullopt: skip the row.
  std::optional<std::string> missing;
};

// One filter condition; every condition of a metric must hold.
struct FilterSpec {
  enum class Op : uint8_t { kIn, kNotIn };  // eq is kIn of one value, ne is kNotIn
  FieldRef ref;
  Op op = Op::kIn;
  std::vector<std::string> values;
};

enum class MeasureKind : uint8_t { kCount, kSum, kAvg, kCountDistinct, kTopK };
std::string_view MeasureName(MeasureKind kind);

struct MeasureSpec {
  MeasureKind kind = MeasureKind::kCount;
  FieldRef of;  // kSum, kAvg: a number; kCountDistinct, kTopK: the counted value
  std::optional<FieldRef> weight;  // kCountDistinct: a number (default 1 per row)
  int64_t min_count = 1;           // kCountDistinct: values counted when their weight total >= this
  // kCountDistinct: histogram of weight totals. Lower bounds, ascending,
  // the first >= 1: [1,2,3,6,11] gives "1", "2", "3-5", "6-10", "11+". The
  // label becomes the key `histogram_key`.
  std::vector<int64_t> histogram;
  std::string histogram_key = "multiplicity";
  // kTopK: how many values each group's documents rank (by count, then value).
  int64_t k = 10;
  // kTopK: the key that names the ranked value in documents (default: the
  // field's key name, e.g. "email" for "domain.email").
  std::string value_key;
};

struct MetricDefinition {
  std::string id;  // [a-z0-9_], unique; names the SQL file sql/metrics/<id>.sql
  std::string description;
  std::vector<Source> sources;
  std::vector<FilterSpec> filters;
  Side side = Side::kNew;
  std::vector<KeySpec> keys;
  MeasureSpec measure;
  Mode mode = Mode::kEvent;
  TimeBucket time = TimeBucket::kNone;
  // The list field the metric explodes (at most one), if any.
  std::optional<Field> list;

  bool HasSource(Source s) const;
  // Comma-joined source names, as written into documents ("idrepo,annexure").
  std::string SourceNames() const;
};

// A parsed definition file.
struct MetricSet {
  std::vector<MetricDefinition> metrics;
  mosip::AgeGroups age_groups = mosip::AgeGroups::MosipDefault();
  mosip::AgeGroupRule age_group_rule = mosip::AgeGroupRule::kRecommended;
  // Which table each source reads ("schema.table"); empty for a source no
  // metric reads.
  std::array<std::string, kSourceCount> tables;
  // Document source: the JSON column ("document_column", default "profile"),
  // the field giving a row's event date (time buckets, and the reference of
  // years_since unless age_reference is set), and a fixed reference date.
  std::string document_column = "profile";
  std::optional<FieldRef> document_date;
  std::optional<mosip::CivilDate> age_reference;
  // Hash of the canonical form of everything above that changes what a row
  // contributes: state built under one fingerprint is wrong under another.
  uint64_t fingerprint = 0;

  const MetricDefinition* Find(std::string_view id) const;
  const std::string& TableOf(Source s) const { return tables[static_cast<size_t>(s)]; }
};

// Parses the JSON text of a definition file (docs/metrics.md). Errors are
// kInvalidArgument and name the metric and field, e.g. "metric
// 'by_gender': keys[0]: unknown field 'gendr'".
Result<MetricSet> ParseMetricDefinitions(std::string_view json);

// Reads and parses a definition file. kNotFound if it cannot be read.
Result<MetricSet> LoadMetricDefinitions(const std::string& path);

}  // namespace walcast::metrics
