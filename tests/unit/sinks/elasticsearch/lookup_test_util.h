#pragma once

// Relations and change events of MOSIP's lookup tables (master.doc_type,
// master.registration_center) and of a table that joins them, for the
// lookup tests.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"

namespace walcast::sinks::elasticsearch::lookup_testing {

// The lookups of MosipLookupPreset, in its order.
inline constexpr size_t kDocTypeName = 0;
inline constexpr size_t kCentreName = 1;
inline constexpr size_t kDocumentsNames = 2;
inline constexpr size_t kGeo = 3;

// Reads master.doc_type's row (POA, eng, Proof of Address) for PutRow.
inline std::optional<std::string> ProofOfAddressColumn(std::string_view column) {
  if (column == "code") return "POA";
  if (column == "lang_code") return "eng";
  return "Proof of Address";
}

inline std::shared_ptr<const Relation> MakeRelation(std::string schema, std::string name,
                                                    std::vector<std::string> columns,
                                                    std::vector<size_t> key) {
  auto r = std::make_shared<Relation>();
  r->schema = std::move(schema);
  r->name = std::move(name);
  for (std::string& column : columns) {
    Column c;
    c.name = std::move(column);
    c.type_oid = 1043;  // varchar
    r->columns.push_back(std::move(c));
  }
  for (const size_t k : key) r->columns[k].is_key = true;
  r->primary_key = std::move(key);
  return r;
}

// master.doc_type (code, lang_code, name), keyed by (code, lang_code).
inline std::shared_ptr<const Relation> DocType() {
  static const auto r = MakeRelation("master", "doc_type", {"code", "lang_code", "name"}, {0, 1});
  return r;
}

// master.registration_center (id, lang_code, name, latitude, longitude).
inline std::shared_ptr<const Relation> Centre() {
  static const auto r = MakeRelation("master", "registration_center",
                                     {"id", "lang_code", "name", "latitude", "longitude"}, {0, 1});
  return r;
}

// prereg.applicant_document (id, doc_typ_code, lang_code).
inline std::shared_ptr<const Relation> ApplicantDocument() {
  static const auto r =
      MakeRelation("prereg", "applicant_document", {"id", "doc_typ_code", "lang_code"}, {0});
  return r;
}

// A tuple of texts; nullopt is NULL.
inline Tuple Row(const std::vector<std::optional<std::string>>& values) {
  Tuple t;
  for (const auto& v : values) t.push_back(v ? Datum::Text(*v) : Datum::Null());
  return t;
}

inline ChangeEvent Insert(std::shared_ptr<const Relation> relation, Tuple row) {
  ChangeEvent e;
  e.op = Op::kCreate;
  e.relation = std::move(relation);
  e.after = std::move(row);
  return e;
}

inline ChangeEvent Update(std::shared_ptr<const Relation> relation, std::optional<Tuple> before,
                          Tuple after) {
  ChangeEvent e;
  e.op = Op::kUpdate;
  e.relation = std::move(relation);
  e.before = std::move(before);
  e.after = std::move(after);
  return e;
}

inline ChangeEvent Delete(std::shared_ptr<const Relation> relation, Tuple before) {
  ChangeEvent e;
  e.op = Op::kDelete;
  e.relation = std::move(relation);
  e.before = std::move(before);
  e.before_is_key_only = true;
  return e;
}

}  // namespace walcast::sinks::elasticsearch::lookup_testing
