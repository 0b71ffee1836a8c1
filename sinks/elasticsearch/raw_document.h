#pragma once

// Raw documents: one Elasticsearch document per table row, in the shape
// MOSIP's Kibana dashboards read (../shared/reference/metrics.md §4), so a
// MOSIP user can point the existing "ID Issuance Profile" and "Registration
// Profile" dashboards at walcast's indices. docs/elasticsearch.md §4
// describes the shapes field by field.
//
// Every row becomes a flat object of its columns, typed by column type:
// integers and numerics as JSON numbers, booleans as booleans, timestamp
// and timestamptz as "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" in UTC (MOSIP's
// TimestampConverterAdv), json/jsonb as embedded JSON, bytea as base64,
// arrays as JSON arrays, NULL as null, everything else as its text. Rows
// with an `upd_dtimes` or `cr_dtimes` column also get `@timestamp_gen`
// (upd_dtimes when set, else cr_dtimes: MOSIP's TimestampSelector).
//
// Rows of anonymous-profile tables (RawDocumentOptions::profile_tables)
// get their `profile` column as an object with MOSIP's derived fields
// (anonymous-profile.md §4): idrepo and Annexure A as {processName, date,
// updateId, oldProfile, newProfile}, regprc and prereg flat; each snapshot
// with ageGroup, location.hierarchyN, the channel category and
// biometricInfo collapsed per modality. The row also gets
// `documents_names` and, for regprc/prereg rows whose centre is known,
// `registrationCenterGeoLocation`.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "mosip/profile.h"
#include "mosip/update_id.h"

namespace walcast::pg {
struct ArrayElement;  // pg/text.h
}  // namespace walcast::pg

namespace walcast::sinks::elasticsearch {

// A registration centre's position (master.registration_center).
struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

struct RawDocumentOptions {
  // Tables whose `profile_column` holds an anonymous profile, as
  // "schema.table" patterns where '*' matches any run of characters.
  std::vector<std::string> profile_tables{"*.anonymous_profile"};
  std::string profile_column = "profile";
  // Age buckets and the rule for unknown years of birth (§4.1). The event
  // year is the profile's `date`; without one, the year of the row's
  // cr_dtimes (kRecommended only; kMosipParity then writes no ageGroup).
  mosip::AgeGroups age_groups = mosip::AgeGroups::MosipDefault();
  mosip::AgeGroupRule age_group_rule = mosip::AgeGroupRule::kRecommended;
  // Leave biometric records that match an exception out of the per-modality
  // averages and device (§4.5's recommendation; MOSIP keeps them).
  bool skip_exception_biometrics = true;
  // master.doc_type: document type code -> name, for `documents_names`.
  // A code without a name is written as the code itself.
  std::map<std::string, std::string, std::less<>> document_names;
  // master.registration_center: centre id -> position, for
  // `registrationCenterGeoLocation`. Centres not listed get no field.
  std::map<std::string, GeoPoint, std::less<>> center_locations;
  mosip::ProfileParserOptions parser;
};

// One row's document. Reused across calls: Build overwrites every field.
struct RawDocument {
  // The _id: the primary key's text (see RawDocumentBuilder::BuildId).
  std::string id;
  // The _source, one JSON object; empty when Build failed.
  std::string source;
  // The row is in a profile table. The fields below are for profile rows.
  bool is_profile = false;
  mosip::ProfileShape shape = mosip::ProfileShape::kIdRepo;
  // MOSIP's profile.updateId of the new side (idrepo and Annexure A with a
  // new side; empty otherwise), and of the old side: on an update, MOSIP
  // deletes the document whose profile.updateId equals superseded_update_id.
  std::string update_id;
  std::string superseded_update_id;
  // Why the profile was rejected (kNone unless Build returned kRejected for
  // the profile).
  mosip::ProfileError profile_error = mosip::ProfileError::kNone;
  // Some columns were unchanged TOASTed values the server did not send
  // (an UPDATE that left them alone, without REPLICA IDENTITY FULL): they
  // are missing from `source`, as is `profile` if it was one of them.
  // Indexing `source` whole would drop them from the stored document.
  bool partial = false;
};

// Turns rows into raw documents. Owns a profile parser and a JSON writer
// whose buffers are reused, so a warm builder allocates little per row.
// Never logs row or profile contents. Not thread-safe: one builder per
// thread (the sink calls it on the reader thread).
class RawDocumentBuilder {
 public:
  explicit RawDocumentBuilder(RawDocumentOptions options = {});
  RawDocumentBuilder(const RawDocumentBuilder&) = delete;
  RawDocumentBuilder& operator=(const RawDocumentBuilder&) = delete;

  // Builds the document of `row` (a full tuple of `relation`: ChangeEvent's
  // `after`). `commit_time_us` (microseconds since the Unix epoch) dates a
  // profile that has neither a `date` nor a cr_dtimes; 0 if unknown.
  //
  // Returns OK with *out filled, or:
  //  - kRejected: the row cannot become a document and belongs in the
  //    dead-letter index; the message says why (never quoting the row).
  //    Either the profile was refused by the parser (out->profile_error
  //    says why; see mosip::ProfileParser::Parse), or a value is not
  //    valid UTF-8, or the key is unusable (see BuildId). out->id is set
  //    whenever the key is usable, and nothing is indexed for the row: the
  //    sink should dead-letter it and delete out->id (versioned), so an
  //    earlier version of the row does not linger.
  //  - kInvalidArgument: the relation cannot have raw documents (no
  //    primary key; see BuildId), or `row` does not match it.
  Status Build(const Relation& relation, const Tuple& row, int64_t commit_time_us,
               RawDocument* out);

  // The _id of a row from its key columns, so deletes can use the old
  // tuple even when it holds the key only (`before` with
  // before_is_key_only). The key is the relation's primary key (else, with
  // REPLICA IDENTITY DEFAULT or INDEX, the replica identity columns). One
  // column: its text as is (the UUID of MOSIP's tables). Several: each
  // column's text with '\' and '|' escaped by a '\', joined by '|' — so
  // ("a|b", "c") is "a\|b|c" and never collides with ("a", "b|c").
  // kInvalidArgument when the relation has no key; kRejected when a key
  // column is NULL or unchanged TOAST, or the id exceeds Elasticsearch's
  // 512 bytes.
  Status BuildId(const Relation& relation, const Tuple& row, std::string* id) const;

  // The columns BuildId keys on: the primary key, else (REPLICA IDENTITY
  // DEFAULT or INDEX) the replica identity columns, filled into *scratch.
  // Empty when the relation has no key: its rows cannot have an _id.
  static const std::vector<size_t>& KeyColumns(const Relation& relation,
                                               std::vector<size_t>* scratch);

  // Whether rows of `relation` get the profile treatment.
  bool IsProfileTable(const Relation& relation) const;

  const RawDocumentOptions& options() const { return options_; }

 private:
  // Not validating: profile strings were validated by the parser, and
  // column text is checked by WriteColumnString (much faster than the
  // writer's per-character check).
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

  // Writes one column value; false when the text is not valid UTF-8.
  bool WriteColumn(const Column& column, const Datum& datum);
  // Writes a value of type `oid` (pg_type category `category`, catalog
  // entry `info` if known) from its text; `depth` bounds array nesting.
  bool WriteText(uint32_t oid, char category, const TypeInfo* info, std::string_view text,
                 int depth);
  // Writes an array literal's elements, each of type `oid` / `category` /
  // `info`.
  bool WriteArray(const std::vector<pg::ArrayElement>& elements, uint32_t oid, char category,
                  const TypeInfo* info, int depth);
  // Writes profile_ as MOSIP's `profile` object.
  bool WriteProfile(int64_t fallback_time_us, const RawDocument& doc);
  void WriteSnapshot(const mosip::IdentitySnapshot& snapshot, std::optional<int> event_year);
  void WriteFlatProfile(std::optional<int> event_year);
  bool WriteString(std::string_view s);
  // Writes text from a row: false (nothing written) unless valid UTF-8.
  bool WriteColumnString(std::string_view s);
  void WriteStringOrNull(std::string_view s);
  void WriteStringList(const std::vector<std::string>& list);

  const RawDocumentOptions options_;
  rapidjson::StringBuffer buffer_;
  Writer writer_;
  mosip::ProfileParser parser_;
  mosip::Profile profile_;
  mosip::UpdateIdEncoder update_ids_;
  std::string scratch_;
  rapidjson::StringBuffer json_scratch_;
};

}  // namespace walcast::sinks::elasticsearch
