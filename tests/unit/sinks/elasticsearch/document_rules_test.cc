#include "sinks/elasticsearch/document_rules.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <string>

#include "sinks/elasticsearch/document_rules_mosip.h"
#include "sinks/elasticsearch/raw_document.h"
#include "tests/support/mosip_rows.h"

namespace walcast::sinks::elasticsearch {
namespace {

using Keys = std::map<std::string, std::string>;

DocumentRules Parsed(const Keys& keys) {
  Result<DocumentRules> rules = DocumentRules::Parse(keys);
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  return rules.ok() ? *rules : DocumentRules();
}

Status::Code ParseCode(const Keys& keys) { return DocumentRules::Parse(keys).status().code(); }

std::string Formatted(std::string_view pattern, int64_t millis) {
  Result<DateFormat> format = DateFormat::Parse(pattern);
  EXPECT_TRUE(format.ok()) << format.status().ToString();
  std::string out;
  if (format.ok()) format->Format(millis, &out);
  return out;
}

TEST(DateFormatTest, WritesTheSimpleDateFormatPatternsMosipUses) {
  const int64_t t = 1705314030456;  // 2024-01-15 10:20:30.456 UTC
  EXPECT_EQ(Formatted(DateFormat::kIsoMillis, t), "2024-01-15T10:20:30.456Z");
  EXPECT_EQ(Formatted("yyyy-MM-dd", t), "2024-01-15");
  EXPECT_EQ(Formatted("HH:mm:ss", t), "10:20:30");
  EXPECT_EQ(Formatted("yy/M/d H:m:s.S Z X 'o''clock'''", 1705300005007),
            "24/1/15 6:26:45.7 +0000 Z o'clock'");
  EXPECT_EQ(Formatted(DateFormat::kIsoMillis, -1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Formatted("yyyy", -62198755200000), "0002");  // 0002-12-31
}

TEST(DateFormatTest, RefusesLettersOutsideTheSubset) {
  EXPECT_EQ(DateFormat::Parse("yyyy-MMM-dd").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(DateFormat::Parse("EEE HH:mm").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(DateFormat::Parse("HH 'open").status().code(), Status::Code::kInvalidArgument);
}

TEST(DocumentRulesTest, NoKeysIsWalcastsOwnShape) {
  const DocumentRules rules = Parsed({{"url", "http://x"}, {"document.id", ""}});
  EXPECT_EQ(rules.defaults(), TableRules());
  EXPECT_TRUE(rules.tables().empty());
  const TableRules& t = rules.For("master", "doc_type");
  EXPECT_EQ(t.id, IdMode::kKey);
  EXPECT_EQ(t.values, ValueMode::kNative);
  EXPECT_TRUE(t.source_fields.empty());
  EXPECT_EQ(t.timestamp_gen, (std::vector<std::string>{"upd_dtimes", "cr_dtimes"}));
  EXPECT_EQ(t.deletes, RemoveMode::kDelete);
  EXPECT_EQ(t.truncates, RemoveMode::kDelete);
}

TEST(DocumentRulesTest, TableKeysBeatDefaultsAndTheConversionsMerge) {
  const DocumentRules rules =
      Parsed({{"document.id", "connect-key-json"},
              {"document.convert.cr_dtimes", "yyyy-MM-dd"},
              {"table.audit.app_audit_log.id", "key"},
              {"table.audit.app_audit_log.timestamp.gen", "log_dtimes"},
              {"table.audit.app_audit_log.convert.log_dtimes", "HH:mm:ss"}});
  const TableRules& audit = rules.For("audit", "app_audit_log");
  EXPECT_EQ(audit.id, IdMode::kKey);
  EXPECT_EQ(audit.timestamp_gen, (std::vector<std::string>{"log_dtimes"}));
  ASSERT_NE(audit.ConversionOf("log_dtimes"), nullptr);
  EXPECT_EQ(audit.ConversionOf("log_dtimes")->pattern(), "HH:mm:ss");
  ASSERT_NE(audit.ConversionOf("cr_dtimes"), nullptr);  // from the default
  EXPECT_EQ(rules.For("master", "doc_type").id, IdMode::kConnectKeyJson);
  EXPECT_EQ(rules.For("master", "doc_type").ConversionOf("log_dtimes"), nullptr);
}

TEST(DocumentRulesTest, SourceFieldsAreNamedAsExtractNewRecordStateNamesThem) {
  const DocumentRules rules =
      Parsed({{"document.source.fields", "source.ts_ms:ts_ms,table,lsn,op,source.db"}});
  const std::vector<SourceField>& f = rules.defaults().source_fields;
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], (SourceField{SourceField::Kind::kTsMs, "__ts_ms"}));
  EXPECT_EQ(f[1], (SourceField{SourceField::Kind::kTable, "__table"}));
  EXPECT_EQ(f[2], (SourceField{SourceField::Kind::kLsn, "__lsn"}));
  EXPECT_EQ(f[3], (SourceField{SourceField::Kind::kOp, "__op"}));
  EXPECT_EQ(f[4], (SourceField{SourceField::Kind::kDb, "__source_db"}));
  EXPECT_EQ(ParseCode({{"document.source.fields", "ts_ms"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"document.source.fields", "source.xmin"}}), Status::Code::kInvalidArgument);
}

TEST(DocumentRulesTest, BadKeysAndValuesNameTheKey) {
  EXPECT_EQ(ParseCode({{"document.colour", "red"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"table.doc_type.id", "key"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"table.master.doc_type.idd", "key"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"preset", "debezium"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"document.null.values", "fail"}}), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseCode({{"table.a.b.convert.x", "EEE"}}), Status::Code::kInvalidArgument);
  const Status s = DocumentRules::Parse({{"table.master.doc_type.id", "json"}}).status();
  EXPECT_NE(s.message().find("elasticsearch.table.master.doc_type.id"), std::string::npos)
      << s.message();
}

TEST(DocumentRulesTest, MosipPresetCoversItsTablesAndExplicitKeysOverrideIt) {
  const DocumentRules rules = Parsed({{"preset", "mosip"},
                                      {"table.master.doc_type.convert.cr_dtimes", "none"},
                                      {"document.null.values", "ignore"}});
  EXPECT_EQ(rules.tables().size(), 17u);  // 14 connectors, three with a _consumed twin
  const TableRules& audit = rules.For("audit", "app_audit_log");
  EXPECT_EQ(audit.id, IdMode::kConnectKeyJson);
  EXPECT_EQ(audit.values, ValueMode::kDebezium);
  EXPECT_EQ(audit.timestamp_gen, (std::vector<std::string>{"log_dtimes", "action_dtimes"}));
  ASSERT_EQ(audit.source_fields.size(), 3u);
  EXPECT_EQ(audit.source_fields[0].name, "source_ts_ms");
  EXPECT_NE(audit.ConversionOf("source_ts_ms"), nullptr);
  EXPECT_EQ(audit.truncates, RemoveMode::kIgnore);
  // An explicit process-wide key beats the preset's table key.
  EXPECT_EQ(audit.deletes, RemoveMode::kIgnore);
  EXPECT_EQ(rules.For("master", "doc_type").ConversionOf("cr_dtimes"), nullptr);
  EXPECT_NE(rules.For("master", "doc_type").ConversionOf("upd_dtimes"), nullptr);
  EXPECT_EQ(rules.For("idrepo", "anonymous_profile").id, IdMode::kKey);
  EXPECT_TRUE(rules.For("idrepo", "channel_info").source_fields.empty());
  // Tables outside the 14 connectors keep walcast's shape.
  EXPECT_EQ(rules.For("public", "orders").id, IdMode::kKey);
  EXPECT_EQ(rules.For("public", "orders").deletes, RemoveMode::kIgnore);
  EXPECT_EQ(rules.For("public", "orders").values, ValueMode::kNative);
}

// Build (no change at hand) applies the rules that need no change.
TEST(DocumentRulesTest, BuildAppliesConversionsAndTimestampGenCandidates) {
  RawDocumentOptions options;
  options.rules = Parsed({{"table.idrepo.channel_info.convert.cr_dtimes", "yyyy-MM-dd"},
                          {"table.idrepo.channel_info.timestamp.gen", "upd_by,cr_dtimes"},
                          {"table.idrepo.channel_info.timestamp.gen.field", "@ts"}});
  RawDocumentBuilder builder(options);
  const auto relation = walcast::testing::ChannelInfoRelation();
  Tuple row(relation->columns.size(), Datum::Null());
  row[0] = Datum::Text("h1");
  row[4] = Datum::Text("2024-01-15 10:20:30");  // cr_dtimes
  row[5] = Datum::Text("");                     // upd_by: "" is no candidate
  RawDocument doc;
  ASSERT_TRUE(builder.Build(*relation, row, 0, &doc).ok());
  rapidjson::Document d;
  d.Parse(doc.source.c_str());
  ASSERT_FALSE(d.HasParseError()) << doc.source;
  EXPECT_STREQ(d["cr_dtimes"].GetString(), "2024-01-15");
  EXPECT_STREQ(d["@ts"].GetString(), "2024-01-15");
  EXPECT_FALSE(d.HasMember("@timestamp_gen"));
  EXPECT_EQ(doc.id, "h1");
}

TEST(DocumentRulesTest, ConnectKeyJsonNeedsTheChange) {
  RawDocumentOptions options;
  options.rules = Parsed({{"document.id", "connect-key-json"}});
  RawDocumentBuilder builder(options);
  const auto relation = walcast::testing::ChannelInfoRelation();
  Tuple row(relation->columns.size(), Datum::Null());
  row[0] = Datum::Text("h1");
  RawDocument doc;
  EXPECT_EQ(builder.Build(*relation, row, 0, &doc).code(), Status::Code::kInvalidArgument);
  ChangeEvent event;
  event.relation = relation;
  event.after = row;
  options.debezium.topic_prefix = "p";
  RawDocumentBuilder with_prefix(options);
  ASSERT_TRUE(with_prefix.BuildChange(TransactionInfo{}, event, row, &doc).ok());
  EXPECT_EQ(doc.id,
            R"({"schema":{"type":"struct","fields":[{"type":"string","optional":true,)"
            R"("field":"hashed_channel"}],"optional":false,"name":"p.idrepo.channel_info.Key"},)"
            R"("payload":{"hashed_channel":"h1"}})");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch

namespace walcast::sinks::elasticsearch {
namespace {

// The connect-key-json _id is the very key the Kafka sink writes for the
// row (one encoder, debezium/encoder.h), snapshot rows included.
TEST(DocumentRulesTest, ConnectKeyJsonIsTheKafkaRecordKey) {
  RawDocumentOptions options;
  options.rules = Parsed({{"document.id", "connect-key-json"}});
  options.debezium.topic_prefix = "mosip";
  RawDocumentBuilder builder(options);
  debezium::DebeziumEncoder encoder(options.debezium);
  auto relation = std::make_shared<Relation>(*walcast::testing::ChannelInfoRelation());
  relation->columns[0].not_null = true;
  Tuple row(relation->columns.size(), Datum::Null());
  row[0] = Datum::Text("h\"1\\");
  row[1] = Datum::Text("phone");
  for (const bool snapshot : {false, true}) {
    TransactionInfo txn;
    txn.snapshot = snapshot;
    ChangeEvent event;
    event.op = snapshot ? Op::kRead : Op::kCreate;
    event.relation = relation;
    event.after = row;
    std::vector<debezium::EncodedRecord> records;
    ASSERT_TRUE(encoder.Encode(txn, event, 0, nullptr, &records).ok());
    ASSERT_FALSE(records.empty());
    ASSERT_TRUE(records[0].key.has_value());
    RawDocument doc;
    ASSERT_TRUE(builder.BuildChange(txn, event, row, &doc).ok());
    EXPECT_EQ(doc.id, *records[0].key);
  }
}

TEST(DocumentRulesTest, SourceFieldsAndDebeziumValues) {
  RawDocumentOptions options;
  options.rules = Parsed({{"document.values", "debezium"},
                          {"document.source.fields", "op,source.ts_ms:ts_ms,lsn,txId,db,name"},
                          {"document.source.fields.prefix", "s_"},
                          {"document.convert.s_ts_ms", "HH:mm"},
                          {"document.timestamp.gen", "s_ts_ms"}});
  options.debezium.topic_prefix = "mosip";
  options.debezium.database = "mosip_idrepo";
  RawDocumentBuilder builder(options);
  const auto relation = walcast::testing::ChannelInfoRelation();
  Tuple row(relation->columns.size(), Datum::Null());
  row[0] = Datum::Text("h1");
  row[2] = Datum::Text("1.5");                  // no_of_records
  row[4] = Datum::Text("1970-01-01 00:00:01");  // cr_dtimes, not converted
  TransactionInfo txn;
  txn.xid = 7;
  txn.commit_time_us = 1705314030456789;
  ChangeEvent event;
  event.op = Op::kUpdate;
  event.lsn = Lsn(4242);
  event.relation = relation;
  event.after = row;
  RawDocument doc;
  ASSERT_TRUE(builder.BuildChange(txn, event, row, &doc).ok());
  rapidjson::Document d;
  d.Parse(doc.source.c_str());
  ASSERT_FALSE(d.HasParseError()) << doc.source;
  EXPECT_EQ(d["cr_dtimes"].GetInt64(), 1000000);  // MicroTimestamp
  EXPECT_EQ(d["no_of_records"]["scale"].GetInt(), 1);
  EXPECT_STREQ(d["no_of_records"]["value"].GetString(), "Dw==");  // 15
  EXPECT_STREQ(d["s_op"].GetString(), "u");
  EXPECT_STREQ(d["s_ts_ms"].GetString(), "10:20");
  EXPECT_EQ(d["s_lsn"].GetInt64(), 4242);
  EXPECT_EQ(d["s_txId"].GetInt64(), 7);
  EXPECT_STREQ(d["s_db"].GetString(), "mosip_idrepo");
  EXPECT_STREQ(d["s_name"].GetString(), "mosip");
  EXPECT_STREQ(d["@timestamp_gen"].GetString(), "10:20");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
