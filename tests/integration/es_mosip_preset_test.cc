// elasticsearch.preset=mosip end to end: the walcast binary indexes MOSIP
// tables from the test PostgreSQL into the test Elasticsearch/OpenSearch node
// (WALCAST_ES_FLAVOUR) with the _ids and fields MOSIP's Kafka Connect sink
// connectors write (tests/data/elasticsearch/mosip_sink/ has the goldens of
// all 14; this checks three tables in a live index, snapshot and streaming).

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <regex>
#include <string>

#include "tests/integration/es_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class EsMosipPresetTest : public EsProcessTest {
 protected:
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = EsProcessTest::BaseConfig();
    kv["sinks"] = "elasticsearch";
    kv["table.include.list"] =
        "master\\.doc_type,prereg\\.reg_available_slot,idrepo\\.channel_info";
    kv["elasticsearch.preset"] = "mosip";
    return kv;
  }

  std::string Index(const std::string& table) const { return db_ + "." + table; }

  // Every document of `index`, by _id.
  std::map<std::string, std::string> Docs(const std::string& table) {
    std::map<std::string, std::string> docs;
    EXPECT_TRUE(es_->Refresh(Index(table)));
    for (const EsCluster::Hit& hit : es_->Scroll(Index(table), R"({"match_all":{}})")) {
      docs[hit.id] = hit.source;
    }
    return docs;
  }

  // The key Debezium writes for a key of string columns (JsonConverter with
  // schemas), as MOSIP's StringConverter sink takes it for the _id.
  std::string StringKey(const std::string& table,
                        const std::vector<std::pair<std::string, std::string>>& columns) {
    std::string fields, payload;
    for (const auto& [name, value] : columns) {
      if (!fields.empty()) fields += ",";
      if (!payload.empty()) payload += ",";
      fields += R"({"type":"string","optional":false,"field":")" + name + R"("})";
      payload += "\"" + name + "\":\"" + value + "\"";
    }
    return R"({"schema":{"type":"struct","fields":[)" + fields + R"(],"optional":false,"name":")" +
           db_ + "." + table + R"(.Key"},"payload":{)" + payload + "}}";
  }
};

const std::regex kIsoMillis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");

TEST_F(EsMosipPresetTest, DocumentsHaveMosipsIdsAndFieldsInTheLiveIndex) {
  Sql(R"(CREATE SCHEMA master; CREATE SCHEMA prereg; CREATE SCHEMA idrepo;
    CREATE TABLE master.doc_type(code varchar(36) NOT NULL, name varchar(64) NOT NULL,
      descr varchar(128), lang_code varchar(3) NOT NULL, is_active boolean NOT NULL,
      cr_by varchar(256) NOT NULL, cr_dtimes timestamp NOT NULL, upd_by varchar(256),
      upd_dtimes timestamp, is_deleted boolean, del_dtimes timestamp,
      CONSTRAINT pk_doctyp_code PRIMARY KEY (code, lang_code));
    CREATE TABLE prereg.reg_available_slot(regcntr_id varchar(10) NOT NULL,
      availability_date date NOT NULL, slot_from_time time NOT NULL, slot_to_time time,
      available_kiosks smallint, lang_code varchar(3) NOT NULL, cr_by varchar(256) NOT NULL,
      cr_dtimes timestamp NOT NULL, upd_by varchar(256), upd_dtimes timestamp,
      is_deleted boolean, del_dtimes timestamp,
      CONSTRAINT pk_avlsl PRIMARY KEY (regcntr_id, availability_date, slot_from_time));
    CREATE TABLE idrepo.channel_info(hashed_channel varchar(128) NOT NULL,
      channel_type varchar(5) NOT NULL, no_of_records numeric NOT NULL DEFAULT 0,
      cr_by varchar(256) NOT NULL, cr_dtimes timestamp NOT NULL, upd_by varchar(256),
      upd_dtimes timestamp, is_deleted boolean DEFAULT FALSE, del_dtimes timestamp,
      CONSTRAINT pk_channel_info PRIMARY KEY (hashed_channel));
    INSERT INTO master.doc_type VALUES
      ('POA', 'Proof of Address', NULL, 'eng', true, 'admin', '2024-01-15 10:20:30.123999'),
      ('POI', 'Proof of Identity', NULL, 'eng', true, 'admin', '2024-01-15 10:20:31');
    INSERT INTO prereg.reg_available_slot VALUES
      ('10001', '2024-01-15', '09:00', '09:15', 2, 'eng', 'admin', '2024-01-15 08:00:00');)");
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Sql(R"(INSERT INTO idrepo.channel_info(hashed_channel, channel_type, no_of_records, cr_by,
           cr_dtimes) VALUES ('5e88', 'phone', 300, 'idrepo', '2024-01-15 10:20:30');
    UPDATE master.doc_type SET upd_by = 'admin2', upd_dtimes = '2024-02-01 00:00:00.000001'
      WHERE code = 'POA';
    DELETE FROM master.doc_type WHERE code = 'POI';
    TRUNCATE prereg.reg_available_slot;)");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");

  // master.doc_type: 10.master_doc_type.api. The _id is the composite key
  // JSON; POI's delete removed its document.
  const auto doc_types = Docs("master.doc_type");
  const std::string poa = StringKey("master.doc_type", {{"code", "POA"}, {"lang_code", "eng"}});
  ASSERT_EQ(doc_types.size(), 1u) << (doc_types.empty() ? "" : doc_types.begin()->first);
  ASSERT_EQ(doc_types.count(poa), 1u) << doc_types.begin()->first;
  rapidjson::Document d;
  d.Parse(doc_types.at(poa).c_str());
  EXPECT_STREQ(d["cr_dtimes"].GetString(), "2024-01-15T10:20:30.123Z");
  EXPECT_STREQ(d["upd_dtimes"].GetString(), "2024-02-01T00:00:00.000Z");
  EXPECT_STREQ(d["@timestamp_gen"].GetString(), "2024-02-01T00:00:00.000Z");
  EXPECT_TRUE(d["del_dtimes"].IsNull());
  EXPECT_TRUE(d["is_active"].IsBool());
  EXPECT_STREQ(d["source_table"].GetString(), "doc_type");
  ASSERT_TRUE(d["source_ts_ms"].IsString());
  EXPECT_TRUE(std::regex_match(d["source_ts_ms"].GetString(), kIsoMillis))
      << d["source_ts_ms"].GetString();
  ASSERT_TRUE(d["source_lsn"].IsInt64());
  EXPECT_GT(d["source_lsn"].GetInt64(), 0);

  // prereg.reg_available_slot: 33.prereg_reg_available_slot.api. A snapshot
  // row with a date and a time in its key; the truncate (which Debezium
  // does not publish by default) leaves it in place.
  const auto slots = Docs("prereg.reg_available_slot");
  const std::string slot_id =
      R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"regcntr_id"},)"
      R"({"type":"int32","optional":false,"name":"io.debezium.time.Date","version":1,"field":"availability_date"},)"
      R"({"type":"int64","optional":false,"name":"io.debezium.time.MicroTime","version":1,"field":"slot_from_time"}],)"
      R"("optional":false,"name":")" +
      db_ +
      R"(.prereg.reg_available_slot.Key"},"payload":{"regcntr_id":"10001","availability_date":19737,)"
      R"("slot_from_time":32400000000}})";
  ASSERT_EQ(slots.size(), 1u);
  ASSERT_EQ(slots.count(slot_id), 1u) << slots.begin()->first;
  d.Parse(slots.at(slot_id).c_str());
  EXPECT_STREQ(d["availability_date"].GetString(), "2024-01-15");
  EXPECT_STREQ(d["slot_from_time"].GetString(), "09:00:00");
  EXPECT_STREQ(d["slot_to_time"].GetString(), "09:15:00");
  EXPECT_EQ(d["available_kiosks"].GetInt(), 2);
  EXPECT_STREQ(d["@timestamp_gen"].GetString(), "2024-01-15T08:00:00.000Z");
  EXPECT_STREQ(d["source_table"].GetString(), "reg_available_slot");

  // idrepo.channel_info: 61.idrepo_channel_info.api (ExtractField: no
  // source fields; Debezium's VariableScaleDecimal for numeric).
  const auto channels = Docs("idrepo.channel_info");
  const std::string channel = StringKey("idrepo.channel_info", {{"hashed_channel", "5e88"}});
  ASSERT_EQ(channels.size(), 1u);
  ASSERT_EQ(channels.count(channel), 1u) << channels.begin()->first;
  d.Parse(channels.at(channel).c_str());
  ASSERT_TRUE(d["no_of_records"].IsObject());
  EXPECT_EQ(d["no_of_records"]["scale"].GetInt(), 0);
  EXPECT_STREQ(d["no_of_records"]["value"].GetString(), "ASw=");
  EXPECT_STREQ(d["@timestamp_gen"].GetString(), "2024-01-15T10:20:30.000Z");
  EXPECT_FALSE(d.HasMember("source_ts_ms"));
  // GET by the JSON _id works too (the id is percent-encoded in the path).
  const std::string got = es_->Get(Index("idrepo.channel_info"), channel);
  EXPECT_NE(got.find("\"found\":true"), std::string::npos) << got;
}

}  // namespace
}  // namespace walcast::testing
