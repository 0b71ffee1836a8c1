// MOSIP's 14 Elasticsearch sink connectors against elasticsearch.preset=mosip.
//
// Each tests/data/elasticsearch/mosip_sink/<connector>.json holds rows of
// the connector's tables and the document (index, _id, _source) that
// connector's chain leaves in Elasticsearch, as make_goldens.py derives them
// from the Kafka Connect, Debezium and MOSIP transform sources (not from
// walcast). Each case names the connector file and the rule it checks.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sinks/elasticsearch/document_rules.h"
#include "sinks/elasticsearch/document_rules_mosip.h"
#include "sinks/elasticsearch/row_mapper.h"

namespace walcast::sinks::elasticsearch {
namespace {

const std::string kGoldenDir = std::string(WALCAST_TEST_DATA_DIR) + "/elasticsearch/mosip_sink";

uint32_t OidOf(const std::string& type) {
  static const std::map<std::string, uint32_t> kOids = {
      {"bool", 16},   {"bytea", 17},       {"int8", 20},      {"int2", 21},
      {"int4", 23},   {"text", 25},        {"varchar", 1043}, {"date", 1082},
      {"time", 1083}, {"timestamp", 1114}, {"numeric", 1700}};
  auto it = kOids.find(type);
  EXPECT_NE(it, kOids.end()) << type;
  return it == kOids.end() ? 0 : it->second;
}

std::string Json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

struct GoldenCase {
  std::string connector;
  std::string name;
  Op op = Op::kCreate;
  std::shared_ptr<const Relation> relation;
  Tuple row;
  std::string index;
  std::string id;
  bool is_delete = false;
  std::string document;  // JSON, for index cases
  std::set<std::string> leave_out;
  bool key_json = false;
  std::string label() const { return connector + " / " + relation->name + ": " + name; }
};

struct Golden {
  std::string connector;
  std::string database;
  TransactionInfo txn;
  Lsn change_lsn;
  std::vector<GoldenCase> cases;
};

Golden LoadGolden(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document d;
  d.Parse(text.str().c_str());
  EXPECT_FALSE(d.HasParseError()) << path;
  Golden g;
  g.connector = d["connector"].GetString();
  g.txn.xid = d["txn"]["xid"].GetUint64();
  g.txn.commit_time_us = d["txn"]["commit_time_us"].GetInt64();
  g.txn.commit_lsn = Lsn(d["txn"]["change_lsn"].GetUint64() + 100);
  g.txn.end_lsn = Lsn(d["txn"]["change_lsn"].GetUint64() + 200);
  g.change_lsn = Lsn(d["txn"]["change_lsn"].GetUint64());
  std::map<std::string, std::shared_ptr<const Relation>> relations;
  uint32_t oid = 20000;
  for (const auto& t : d["tables"].GetArray()) {
    auto r = std::make_shared<Relation>();
    r->oid = ++oid;
    r->schema = t["schema"].GetString();
    r->name = t["name"].GetString();
    for (const auto& c : t["columns"].GetArray()) {
      Column column;
      column.name = c["name"].GetString();
      column.type_oid = OidOf(c["type"].GetString());
      column.is_key = c.HasMember("key");
      column.not_null = column.is_key;
      if (column.is_key) r->primary_key.push_back(r->columns.size());
      r->columns.push_back(std::move(column));
    }
    relations[r->schema + "." + r->name] = r;
  }
  std::set<std::string> leave_out;
  for (const auto& f : d["leave_out"].GetArray()) leave_out.insert(f.GetString());
  for (const auto& c : d["cases"].GetArray()) {
    GoldenCase gc;
    gc.connector = g.connector;
    gc.name = c["name"].GetString();
    const std::string op = c["op"].GetString();
    gc.op = op == "u" ? Op::kUpdate : op == "d" ? Op::kDelete : Op::kCreate;
    gc.relation = relations.at(c["table"].GetString());
    for (const Column& column : gc.relation->columns) {
      const rapidjson::Value& v = c["row"][column.name.c_str()];
      gc.row.push_back(v.IsNull() ? Datum::Null() : Datum::Text(v.GetString()));
    }
    gc.index = c["index"].GetString();
    gc.id = c["id"].GetString();
    gc.is_delete = std::string(c["action"].GetString()) == "delete";
    if (!gc.is_delete) gc.document = Json(c["document"]);
    gc.leave_out = leave_out;
    gc.key_json = std::string(d["key"].GetString()) == "string";
    g.cases.push_back(std::move(gc));
  }
  return g;
}

std::vector<Golden> AllGoldens() {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Golden> goldens;
  for (const auto& p : paths) goldens.push_back(LoadGolden(p));
  return goldens;
}

ChangeEvent EventOf(const GoldenCase& c, Lsn lsn) {
  ChangeEvent e;
  e.op = c.op;
  e.lsn = lsn;
  e.relation = c.relation;
  if (c.op == Op::kDelete) {
    // pgoutput's key-only old row (REPLICA IDENTITY DEFAULT).
    Tuple key(c.row.size(), Datum::Null());
    for (size_t k : c.relation->primary_key) key[k] = c.row[k];
    e.before = key;
    e.before_is_key_only = true;
  } else {
    e.after = c.row;
  }
  return e;
}

RowMapperOptions MapperOptions(const std::map<std::string, std::string>& keys) {
  RowMapperOptions options;
  options.index_prefix = "mosip";
  Result<DocumentRules> rules = DocumentRules::Parse(keys);
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (rules.ok()) options.documents.rules = *rules;
  options.documents.debezium.topic_prefix = "mosip";  // DB_PREFIX_INDEX
  return options;
}

// The fields where `actual` differs from `expected`, one line each; fields
// in `leave_out` (transforms the golden does not model) are not compared.
std::vector<std::string> FieldDiffs(const std::string& expected_json,
                                    const std::string& actual_json,
                                    const std::set<std::string>& leave_out) {
  rapidjson::Document expected, actual;
  expected.Parse(expected_json.c_str());
  actual.Parse(actual_json.c_str());
  if (actual.HasParseError() || !actual.IsObject()) return {"unparsable: " + actual_json};
  std::vector<std::string> diffs;
  for (const auto& m : expected.GetObject()) {
    const std::string name = m.name.GetString();
    if (!actual.HasMember(m.name)) {
      diffs.push_back(name + ": missing, expected " + Json(m.value));
    } else if (actual[m.name] != m.value) {
      diffs.push_back(name + ": " + Json(actual[m.name]) + ", expected " + Json(m.value));
    }
  }
  for (const auto& m : actual.GetObject()) {
    const std::string name = m.name.GetString();
    if (!expected.HasMember(m.name) && !leave_out.contains(name)) {
      diffs.push_back(name + ": not in MOSIP's document (" + Json(m.value) + ")");
    }
  }
  return diffs;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

TEST(MosipSinkGoldenTest, EveryConnectorHasAGolden) {
  std::set<std::string> goldens;
  for (const Golden& g : AllGoldens()) {
    EXPECT_FALSE(g.cases.empty()) << g.connector;
    goldens.insert(g.connector);
  }
  ASSERT_EQ(MosipSinkConnectors().size(), 14u);
  for (const MosipSinkConnector& c : MosipSinkConnectors()) {
    EXPECT_TRUE(goldens.contains(c.file)) << "no golden for " << c.file;
  }
  EXPECT_EQ(goldens.size(), 14u);
}

// The preset's action for each row is the golden one: same index, the
// same _id byte for byte, and the same document field by field.
TEST(MosipSinkGoldenTest, PresetWritesWhatEachConnectorWrites) {
  for (const Golden& g : AllGoldens()) {
    RowMapper mapper(MapperOptions({{"preset", "mosip"}}));
    for (const GoldenCase& c : g.cases) {
      SCOPED_TRACE(c.label());
      DocumentAction out;
      const Status s = mapper.Map(g.txn, EventOf(c, g.change_lsn), &out);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(out.index, c.index);
      EXPECT_EQ(out.id, c.id);
      if (c.is_delete) {
        EXPECT_EQ(out.kind, DocumentAction::Kind::kDelete);
        continue;
      }
      EXPECT_EQ(out.kind, DocumentAction::Kind::kIndex);
      const std::vector<std::string> diffs = FieldDiffs(c.document, out.source, c.leave_out);
      EXPECT_TRUE(diffs.empty()) << "fields differing from MOSIP's document:" << Joined(diffs);
    }
  }
}

// The same rows through walcast's own shape and through the preset: only
// the preset lands on the _ids MOSIP's connectors used (so walcast
// continues their indices without duplicates) with their field values.
TEST(MosipSinkGoldenTest, OnlyThePresetContinuesMosipsIndices) {
  int differing_ids = 0;
  int differing_documents = 0;
  for (const Golden& g : AllGoldens()) {
    RowMapper walcast_shape(MapperOptions({}));
    RowMapper mosip_shape(MapperOptions({{"preset", "mosip"}}));
    for (const GoldenCase& c : g.cases) {
      SCOPED_TRACE(c.label());
      if (c.is_delete) continue;
      DocumentAction own, preset;
      const ChangeEvent event = EventOf(c, g.change_lsn);
      ASSERT_TRUE(walcast_shape.Map(g.txn, event, &own).ok());
      ASSERT_TRUE(mosip_shape.Map(g.txn, event, &preset).ok());
      EXPECT_EQ(preset.id, c.id);
      EXPECT_EQ(own.index, preset.index);
      EXPECT_TRUE(FieldDiffs(c.document, preset.source, c.leave_out).empty());
      if (c.key_json) {
        // walcast's own _id is the bare key: a second document per row.
        EXPECT_NE(own.id, c.id);
        ++differing_ids;
      } else {
        EXPECT_EQ(own.id, c.id);
      }
      if (!FieldDiffs(c.document, own.source, c.leave_out).empty()) ++differing_documents;
    }
  }
  EXPECT_GT(differing_ids, 0);
  EXPECT_GT(differing_documents, 0);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
