// The Elasticsearch sink end to end: the walcast binary streams MOSIP's
// tables (filled by `walcast generate-profiles`) from the test PostgreSQL
// into the test Elasticsearch/OpenSearch node (WALCAST_ES_FLAVOUR), through
// kill -9s, an outage of the node and documents the node refuses.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "tests/integration/profile_churn.h"
#include "tests/integration/es_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class EsSinkTest : public EsProcessTest {
 protected:
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = EsProcessTest::BaseConfig();
    kv["sinks"] = "elasticsearch";
    kv["table.include.list"] =
        "idrepo\\.anonymous_profile,idrepo\\.channel_info,regprc\\.anonymous_profile,public\\.t";
    // Row-for-row comparisons: MOSIP's delete-on-supersede would remove the
    // predecessors of update profiles (SupersededProfilesAreDeleted checks it).
    kv["elasticsearch.delete.superseded"] = "false";
    return kv;
  }

  std::string Index(const std::string& table) const { return db_ + "." + table; }


  // The table's rows by id (key column `key`).
  std::map<std::string, RowFacts> TableRows(const std::string& table, const std::string& key) {
    return ParseRowFacts(Sql(RowFactsSql(table, key)));
  }

  // Every document of `index` by _id (a scroll: one consistent view).
  std::map<std::string, RowFacts> IndexDocs(const std::string& index) {
    std::map<std::string, RowFacts> docs;
    EXPECT_TRUE(es_->Refresh(index));
    for (const EsCluster::Hit& hit : es_->Scroll(index, R"({"match_all":{}})")) {
      rapidjson::Document src;
      src.Parse(hit.source.c_str());
      docs[hit.id] = RowFactsOf(src);
    }
    return docs;
  }

  // Raw documents equal the table row for row.
  void ExpectIndexEqualsTable(const std::string& table, const std::string& key) {
    const auto rows = TableRows(table, key);
    const auto docs = IndexDocs(Index(table));
    EXPECT_EQ(rows.size(), docs.size()) << table;
    size_t shown = 0;
    for (const auto& [id, facts] : rows) {
      auto it = docs.find(id);
      if (it == docs.end()) {
        if (shown++ < 5) {
          ADD_FAILURE() << table << ": row " << id << " has no document; row position "
                        << Sql("SELECT n FROM (SELECT id, row_number() OVER (ORDER BY ctid) n FROM " +
                               table + ") x WHERE id = '" + id + "'");
        }
      } else if (!(it->second == facts)) {
        if (shown++ < 5) {
          ADD_FAILURE() << table << ": document " << id << " differs: upd_by '" << it->second.upd_by
                        << "' vs '" << facts.upd_by << "', is_deleted " << it->second.is_deleted
                        << " vs " << facts.is_deleted;
        }
      }
    }
    for (const auto& [id, facts] : docs) {
      if (rows.find(id) == rows.end() && shown++ < 5) {
        ADD_FAILURE() << table << ": document " << id << " has no row";
      }
    }
  }
};


TEST_F(EsSinkTest, RawDocumentsEqualTheTableAfterRepeatedKillNine) {
  // Profiles are TOASTed: updates that leave them alone need the old row.
  Generate({"--count", "2000", "--seed", "1", "--shape", "all"});
  Sql("ALTER TABLE idrepo.anonymous_profile REPLICA IDENTITY FULL;"
      "ALTER TABLE regprc.anonymous_profile REPLICA IDENTITY FULL");
  WriteConfig({});

  std::unique_ptr<ChildProcess> walcast = Start("walcast0");
  ASSERT_TRUE(WaitForLog("walcast0", "streaming started", walcast.get(), 120s)) << Log("walcast0");
  // Kill while changes stream, at random points, restarting each time
  // (kills during the initial snapshot are the CLI test's business).
  const int kills = KillRepeatedly(
      &walcast,
      [&] {
        // ~50,000 inserts, updates and deletes in all.
        for (int round = 2; round <= 21 && !HasFailure(); ++round) {
          Generate({"--count", "2000", "--seed", std::to_string(round), "--shape", "all",
                    "--batch-rows", "50"});
          Sql(ProfileChurnSql(round, 150, 60));
        }
      },
      42, 300ms, /*first_in_snapshot=*/false);
  ASSERT_GE(kills, 5);
  const std::string last = "walcast" + std::to_string(kills);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 300s, last));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log(last);

  ExpectIndexEqualsTable("idrepo.anonymous_profile", "id");
  ExpectIndexEqualsTable("regprc.anonymous_profile", "id");
  // channel_info has no upd_by churn but its upserts and counts flow too.
  EXPECT_EQ(es_->Count(Index("idrepo.channel_info")),
            std::stoll(Sql("SELECT count(*) FROM idrepo.channel_info")));
  EXPECT_EQ(es_->Count(db_ + ".walcast.dead_letter"), 0);
  if (HasFailure()) {
    for (int i = 0; i <= kills; ++i) {
      std::cerr << "--- walcast" << i << "\n" << Log("walcast" + std::to_string(i)).substr(0, 3000);
    }
  }
}

TEST_F(EsSinkTest, ElasticsearchDownForThirtySecondsLosesNothing) {
  Generate({"--count", "1", "--seed", "1", "--shape", "idrepo"});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Generate({"--count", "3000", "--seed", "2", "--shape", "idrepo"});
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s));
  ASSERT_TRUE(es_->Stop());
  const Lsn before = ConfirmedFlush();
  Generate({"--count", "3000", "--seed", "3", "--shape", "idrepo"});
  const Lsn written = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  std::this_thread::sleep_for(30s);
  // Nothing committed while the node was down may be confirmed (the
  // watermark may move into the transaction still being decoded: the
  // server resends it whole).
  EXPECT_LT(ConfirmedFlush(), written) << Log("walcast");
  EXPECT_GE(ConfirmedFlush(), before);
  EXPECT_TRUE(walcast->Running()) << Log("walcast");
  ASSERT_TRUE(es_->Start());
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 180s));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  ExpectIndexEqualsTable("idrepo.anonymous_profile", "id");
}

// A snapshot taken again (here at every start; in the soak, after a kill
// interrupted the first one) reads the rows as they are then: the
// documents of rows deleted in between must go, though no delete of them
// is ever streamed (the new slot starts after it).
TEST_F(EsSinkTest, ARetakenSnapshotRemovesTheDocumentsOfRowsDeletedBeforeIt) {
  Generate({"--count", "400", "--seed", "1", "--shape", "idrepo"});
  WriteConfig({{"snapshot.mode", "always"}});
  auto walcast = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", walcast.get(), 120s)) << Log("first");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "first"));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("first");
  ASSERT_TRUE(es_->Refresh(Index("idrepo.anonymous_profile")));
  const int64_t before = es_->Count(Index("idrepo.anonymous_profile"));
  ASSERT_GT(before, 100);

  Sql("DELETE FROM idrepo.anonymous_profile WHERE id IN (SELECT id FROM "
      "idrepo.anonymous_profile ORDER BY id LIMIT 60)");
  walcast = Start("second");
  ASSERT_TRUE(WaitForLog("second", "streaming started", walcast.get(), 120s)) << Log("second");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "second"));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("second");
  ExpectIndexEqualsTable("idrepo.anonymous_profile", "id");
  EXPECT_EQ(es_->Count(Index("idrepo.anonymous_profile")), before - 60);
}

TEST_F(EsSinkTest, SupersededProfilesAreDeleted) {
  Generate({"--count", "1", "--seed", "1", "--shape", "idrepo"});
  WriteConfig({{"elasticsearch.delete.superseded", "true"}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Generate({"--count", "2000", "--seed", "5", "--mix", "idrepo-new=1,idrepo-update=1"});
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  // MOSIP's sink keeps one document per identity: an update profile
  // deletes the document whose profile.updateId is its old side. The
  // generator's updates start from earlier "New" profiles of the same run.
  const int64_t rows = std::stoll(Sql("SELECT count(*) FROM idrepo.anonymous_profile"));
  const int64_t updates = std::stoll(Sql(
      "SELECT count(*) FROM idrepo.anonymous_profile WHERE profile::jsonb->>'processName' = 'Update'"));
  ASSERT_GT(updates, 100);
  ASSERT_TRUE(es_->Refresh(Index("idrepo.anonymous_profile")));
  const int64_t docs = es_->Count(Index("idrepo.anonymous_profile"));
  EXPECT_LT(docs, rows);
  EXPECT_GE(docs, rows - updates);
}

TEST_F(EsSinkTest, RefusedDocumentsGoToTheDeadLetterIndexAndThePipelineGoesOn) {
  // The node refuses text for an integer field (the operator mapped `v`
  // so); walcast refuses a profile that is not JSON.
  Generate({"--count", "1", "--seed", "1", "--shape", "idrepo"});
  Sql("CREATE TABLE public.t(id int PRIMARY KEY, v text)");
  const auto created = es_->Request("PUT", "/" + Index("public.t"),
                                    R"({"mappings":{"properties":{"v":{"type":"integer"}}}})");
  ASSERT_EQ(created.status, 200) << created.body;
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Sql("INSERT INTO public.t VALUES (1, '10'), (2, 'not a number')");
  Sql("INSERT INTO idrepo.anonymous_profile(id, profile, cr_by, cr_dtimes) VALUES "
      "('bad-profile', '{\"processName\": \"New\", ', 'test', now())");
  Sql("INSERT INTO public.t VALUES (3, '30')");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));
  EXPECT_TRUE(walcast->Running());

  const std::string letters = db_ + ".walcast.dead_letter";
  ASSERT_TRUE(es_->Refresh(letters));
  EXPECT_EQ(es_->Count(letters), 2);
  const std::string refused = es_->Search(letters, R"({"query":{"term":{"table":"public.t"}}})");
  EXPECT_NE(refused.find(R"("key":"2")"), std::string::npos) << refused;
  EXPECT_NE(refused.find("parse"), std::string::npos) << refused;
  const std::string bad =
      es_->Search(letters, R"({"query":{"term":{"table":"idrepo.anonymous_profile"}}})");
  EXPECT_NE(bad.find("bad-profile"), std::string::npos) << bad;
  EXPECT_NE(bad.find(R"("lsn":")"), std::string::npos) << bad;
  // The good rows around them are indexed; the bad profile is not.
  ASSERT_TRUE(es_->Refresh(Index("public.t")));
  EXPECT_EQ(es_->Count(Index("public.t")), 2);
  EXPECT_NE(es_->Get(Index("idrepo.anonymous_profile"), "bad-profile").find(R"("found":false)"),
            std::string::npos);
  // The log says what happened without quoting the row.
  EXPECT_NE(Log("walcast").find("dead-letter"), std::string::npos);
  EXPECT_EQ(Log("walcast").find("not a number"), std::string::npos);
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

TEST_F(EsSinkTest, UpdateLeavingAToastedColumnUnchangedKeepsItsStoredValue) {
  // No REPLICA IDENTITY FULL: the server sends the unchanged TOASTed `big`
  // as 'u' (not sent), and the document must keep the stored value.
  Generate({"--count", "1", "--seed", "1", "--shape", "idrepo"});
  Sql("CREATE TABLE public.t(id int PRIMARY KEY, big text, v text);"
      "ALTER TABLE public.t ALTER COLUMN big SET STORAGE EXTERNAL");
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  // 12,800 bytes of md5 text: stored out of line (EXTERNAL: not compressed).
  Sql("INSERT INTO public.t SELECT 1, string_agg(md5(i::text), '' ORDER BY i), 'a' "
      "FROM generate_series(1, 400) i");
  ASSERT_GT(std::stoll(Sql("SELECT pg_relation_size(reltoastrelid) FROM pg_class "
                           "WHERE oid = 'public.t'::regclass")),
            0);
  Sql("UPDATE public.t SET v = 'b' WHERE id = 1");
  // Two partial updates and a full write of one row in one transaction,
  // then a partial update: each lands in order.
  Sql("BEGIN; UPDATE public.t SET v = 'c' WHERE id = 1; UPDATE public.t SET v = 'd' WHERE id = 1;"
      "UPDATE public.t SET big = big || 'x' WHERE id = 1; COMMIT");
  Sql("UPDATE public.t SET v = 'e' WHERE id = 1");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));
  const std::string big = Sql("SELECT big FROM public.t WHERE id = 1");
  ASSERT_EQ(big.size(), 12801u);

  rapidjson::Document got;
  got.Parse(es_->Get(Index("public.t"), "1").c_str());
  ASSERT_TRUE(got.IsObject() && got.HasMember("_source")) << es_->Get(Index("public.t"), "1");
  const rapidjson::Value& doc = got["_source"];
  ASSERT_TRUE(doc.HasMember("big") && doc["big"].IsString());
  EXPECT_EQ(std::string(doc["big"].GetString()), big);
  ASSERT_TRUE(doc.HasMember("v") && doc["v"].IsString());
  EXPECT_STREQ(doc["v"].GetString(), "e");
  EXPECT_EQ(Log("walcast").find("dead-letter"), std::string::npos) << Log("walcast");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

TEST_F(EsSinkTest, UpdateLeavingAToastedProfileUnchangedKeepsItsDerivedFields) {
  // A MOSIP profile large enough to live in the TOAST table (an unknown
  // member pads it; the parser ignores it), then an update of upd_by: the
  // document keeps the profile and what walcast derived from it.
  Generate({"--count", "1", "--seed", "1", "--shape", "idrepo"});
  Sql("ALTER TABLE idrepo.anonymous_profile ALTER COLUMN profile SET STORAGE EXTERNAL");
  // documents_names is a lookup (docs/elasticsearch.md §4.6): without
  // master.doc_type the preset writes the codes.
  WriteConfig({{"elasticsearch.lookup.preset", "mosip"}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Sql("INSERT INTO idrepo.anonymous_profile(id, profile, cr_by, cr_dtimes) SELECT 'toasted', "
      "'{\"processName\": \"New\", \"date\": \"2025-03-14\", \"oldProfile\": null, "
      "\"newProfile\": {\"yearOfBirth\": \"1988\", \"gender\": \"Female\", "
      "\"documents\": [\"DOC001\"], \"pad\": \"' || string_agg(md5(i::text), '' ORDER BY i) || "
      "'\"}}', 'test', now() FROM generate_series(1, 400) i");
  ASSERT_GT(std::stoll(Sql("SELECT pg_relation_size(reltoastrelid) FROM pg_class "
                           "WHERE oid = 'idrepo.anonymous_profile'::regclass")),
            0);
  Sql("UPDATE idrepo.anonymous_profile SET upd_by = 'toast-test', upd_dtimes = now() "
      "WHERE id = 'toasted'");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));

  const std::string answer = es_->Get(Index("idrepo.anonymous_profile"), "toasted");
  rapidjson::Document got;
  got.Parse(answer.c_str());
  ASSERT_TRUE(got.IsObject() && got.HasMember("_source")) << answer;
  const rapidjson::Value& doc = got["_source"];
  ASSERT_TRUE(doc.HasMember("upd_by") && doc["upd_by"].IsString()) << answer.substr(0, 2000);
  EXPECT_STREQ(doc["upd_by"].GetString(), "toast-test");
  ASSERT_TRUE(doc.HasMember("profile") && doc["profile"].IsObject()) << answer.substr(0, 2000);
  const rapidjson::Value& profile = doc["profile"];
  ASSERT_TRUE(profile.HasMember("newProfile") && profile["newProfile"].IsObject());
  EXPECT_STREQ(profile["newProfile"]["gender"].GetString(), "Female");
  EXPECT_TRUE(profile.HasMember("updateId"));
  EXPECT_TRUE(doc.HasMember("documents_names") && doc["documents_names"].IsArray());
  EXPECT_EQ(Log("walcast").find("dead-letter"), std::string::npos) << Log("walcast");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

}  // namespace
}  // namespace walcast::testing
