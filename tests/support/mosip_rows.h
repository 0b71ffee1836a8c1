#pragma once

// MOSIP-shaped relations and rows for the raw-document tests (unit and
// integration): the tables of sql/mosip/ as pgoutput describes them, and one
// row per profile of tests/data/profiles/ plus a channel_info row. Each case
// names its golden document, tests/data/elasticsearch/<name>.json.

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "sinks/elasticsearch/lookup_store.h"
#include "sinks/elasticsearch/raw_document.h"

namespace walcast::testing {

// Type OIDs of the MOSIP columns.
inline constexpr uint32_t kBoolOid = 16;
inline constexpr uint32_t kTimestampOid = 1114;
inline constexpr uint32_t kVarcharOid = 1043;
inline constexpr uint32_t kNumericOid = 1700;

inline Column MosipColumn(std::string name, uint32_t oid, bool key = false) {
  Column c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.is_key = key;
  return c;
}

// <schema>.anonymous_profile (idrepo, prereg, and "seed" for Annexure A
// rows): id, profile, cr_by, cr_dtimes, upd_by, upd_dtimes, is_deleted,
// del_dtimes; regprc adds process_stage after id.
inline std::shared_ptr<const Relation> ProfileRelation(const std::string& schema) {
  auto r = std::make_shared<Relation>();
  r->oid = schema == "regprc" ? 16502 : 16401;
  r->schema = schema;
  r->name = "anonymous_profile";
  r->columns.push_back(MosipColumn("id", kVarcharOid, true));
  if (schema == "regprc") r->columns.push_back(MosipColumn("process_stage", kVarcharOid));
  for (const auto& [name, oid] :
       {std::pair{"profile", kVarcharOid}, std::pair{"cr_by", kVarcharOid},
        std::pair{"cr_dtimes", kTimestampOid}, std::pair{"upd_by", kVarcharOid},
        std::pair{"upd_dtimes", kTimestampOid}, std::pair{"is_deleted", kBoolOid},
        std::pair{"del_dtimes", kTimestampOid}}) {
    r->columns.push_back(MosipColumn(name, oid));
  }
  r->primary_key = {0};
  return r;
}

inline std::shared_ptr<const Relation> ChannelInfoRelation() {
  auto r = std::make_shared<Relation>();
  r->oid = 16410;
  r->schema = "idrepo";
  r->name = "channel_info";
  r->columns = {
      MosipColumn("hashed_channel", kVarcharOid, true), MosipColumn("channel_type", kVarcharOid),
      MosipColumn("no_of_records", kNumericOid),        MosipColumn("cr_by", kVarcharOid),
      MosipColumn("cr_dtimes", kTimestampOid),          MosipColumn("upd_by", kVarcharOid),
      MosipColumn("upd_dtimes", kTimestampOid),         MosipColumn("is_deleted", kBoolOid),
      MosipColumn("del_dtimes", kTimestampOid)};
  r->primary_key = {0};
  return r;
}

inline std::string ReadDataFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Datum Text(std::string s) { return Datum::Text(std::move(s)); }

// One row of the golden set.
struct MosipRow {
  std::string name;  // golden file stem
  std::shared_ptr<const Relation> relation;
  Tuple row;
};

// A profile row of `schema` (regprc rows take `stage` for process_stage).
// idrepo-like rows leave upd_dtimes NULL; regprc sets it to the insert time,
// as MOSIP's registration processor does.
inline MosipRow ProfileRow(const std::string& name, const std::string& schema,
                           const std::string& id, const std::string& profile,
                           const std::string& cr_dtimes, const std::string& stage = "") {
  MosipRow r{name, ProfileRelation(schema), {}};
  r.row.push_back(Text(id));
  if (schema == "regprc") r.row.push_back(Text(stage));
  r.row.push_back(Text(profile));
  r.row.push_back(Text(schema == "regprc" ? "SYSTEM" : "idrepo-service"));
  r.row.push_back(Text(cr_dtimes));
  r.row.push_back(Datum::Null());
  r.row.push_back(schema == "regprc" ? Text(cr_dtimes) : Datum::Null());
  r.row.push_back(Text("f"));
  r.row.push_back(Datum::Null());
  return r;
}

// Every profile of tests/data/profiles/ in its table, and a channel_info
// row. `data_dir` is tests/data.
inline std::vector<MosipRow> MosipGoldenRows(const std::string& data_dir) {
  auto profile = [&](const std::string& file) {
    return ReadDataFile(data_dir + "/profiles/" + file + ".json");
  };
  std::vector<MosipRow> rows = {
      ProfileRow("idrepo_new", "idrepo", "6c1d2f70-5b1e-4c3a-9f10-000000000001",
                 profile("idrepo_new"), "2025-03-14 08:01:30.123456"),
      ProfileRow("idrepo_update", "idrepo", "6c1d2f70-5b1e-4c3a-9f10-000000000002",
                 profile("idrepo_update"), "2025-06-02 10:15:00.123999"),
      ProfileRow("idrepo_builder_error", "idrepo", "6c1d2f70-5b1e-4c3a-9f10-000000000003",
                 profile("idrepo_builder_error"), "2025-06-03 00:00:00"),
      ProfileRow("regprc_new_printing_stage", "regprc", "10005100110004520250314091244",
                 profile("regprc_new_printing_stage"), "2025-03-14 09:12:44.12", "PrintingStage"),
      ProfileRow("regprc_lost", "regprc", "10011100110004520250420110005", profile("regprc_lost"),
                 "2025-04-20 11:00:05.001", "PrintingStage"),
      ProfileRow("regprc_sync", "regprc", "10005100110004520250314085500", profile("regprc_sync"),
                 "2025-03-14 08:55:00", "SYNC"),
      ProfileRow("prereg", "prereg", "8a2b7c1e-0000-4000-8000-000000000007", profile("prereg"),
                 "2025-02-11 10:20:30"),
      ProfileRow("annexure_new", "seed", "seed-0001", profile("annexure_new"),
                 "2025-01-05 12:00:00"),
      ProfileRow("annexure_update", "seed", "seed-0002", profile("annexure_update"),
                 "2025-01-06 12:00:00"),
  };
  MosipRow channel{"channel_info", ChannelInfoRelation(), {}};
  channel.row = {Text("9F2C4B0A5D0E6C1B7A3F8E2D4C6B1A09F8E7D6C5B4A3928170F6E5D4C3B2A190"),
                 Text("phone"),
                 Text("3"),
                 Text("idrepo-service"),
                 Text("2025-03-14 08:01:30.5"),
                 Text("idrepo-service"),
                 Text("2025-06-02 10:15:00"),
                 Text("f"),
                 Datum::Null()};
  rows.push_back(std::move(channel));
  return rows;
}

// The lookups the golden documents are made with: MOSIP's documents_names
// and registrationCenterGeoLocation over every profile table, with a
// master.doc_type that knows two of the three codes and one centre's
// position. Built once; read-only after.
inline const sinks::elasticsearch::LookupStore& MosipGoldenLookups() {
  static const std::unique_ptr<sinks::elasticsearch::LookupStore> store = [] {
    using sinks::elasticsearch::LookupSpec;
    std::vector<LookupSpec> specs;
    for (LookupSpec& spec : sinks::elasticsearch::MosipLookupPreset()) {
      if (spec.name != "documents_names" && spec.name != "registrationCenterGeoLocation") continue;
      spec.target_tables = {"*.anonymous_profile"};
      specs.push_back(std::move(spec));
    }
    auto s = std::make_unique<sinks::elasticsearch::LookupStore>(std::move(specs), 100);
    using Row = std::map<std::string, std::string, std::less<>>;
    const auto put = [&](std::string_view table, const std::string& id, const Row& row) {
      const Status status = s->PutRow(table, id, [&](std::string_view column) {
        const auto it = row.find(column);
        return it == row.end() ? std::nullopt : std::optional<std::string>(it->second);
      });
      WALCAST_CHECK(status.ok());
    };
    put("master.doc_type", "DOC001|eng",
        {{"code", "DOC001"}, {"lang_code", "eng"}, {"name", "Passport"}});
    put("master.doc_type", "DOC004|eng",
        {{"code", "DOC004"}, {"lang_code", "eng"}, {"name", "Proof of Address"}});
    put("master.doc_type", "DOC003|eng",
        {{"code", "DOC003"}, {"lang_code", "eng"}, {"name", "Birth Certificate"}});
    put("master.registration_center", "10005|eng",
        {{"id", "10005"}, {"lang_code", "eng"}, {"latitude", "34.0209"}, {"longitude", "-6.8416"}});
    return s;
  }();
  return *store;
}

// The builder options the golden documents are made with (the lookups of
// MosipGoldenLookups).
inline sinks::elasticsearch::RawDocumentOptions MosipGoldenOptions() {
  sinks::elasticsearch::RawDocumentOptions options;
  options.lookups = &MosipGoldenLookups();
  return options;
}

}  // namespace walcast::testing
