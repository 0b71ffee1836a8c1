#include "app/debezium_keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/options.h"

namespace walcast::app {
namespace {

using Values = std::map<std::string, std::string>;
using Code = Status::Code;

TEST(DebeziumKeysTest, OldNamesMoveToCurrentNames) {
  Values v = {{"database.server.name", "mosip"},
              {"table.whitelist", "idrepo.anonymous_profile"},
              {"table.blacklist", "idrepo.secret"},
              {"toasted.value.placeholder", "__gone"},
              {"slot.drop_on_stop", "true"}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_EQ(v, (Values{{"topic.prefix", "mosip"},
                       {"table.include.list", "idrepo.anonymous_profile"},
                       {"table.exclude.list", "idrepo.secret"},
                       {"unavailable.value.placeholder", "__gone"},
                       {"slot.drop.on.stop", "true"}}));
  EXPECT_TRUE(ignored.empty());
}

TEST(DebeziumKeysTest, OldAndCurrentNameWithTheSameValueAreFine) {
  Values v = {{"database.server.name", "mosip"}, {"topic.prefix", "mosip"}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_EQ(v, (Values{{"topic.prefix", "mosip"}}));
}

TEST(DebeziumKeysTest, OldAndCurrentNameWithDifferentValuesNameBoth) {
  Values v = {{"table.whitelist", "a.b"}, {"table.include.list", "a.c"}};
  std::vector<IgnoredKey> ignored;
  const Status s = TranslateDebeziumKeys(&v, &ignored);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("'table.whitelist'"), std::string::npos);
  EXPECT_NE(s.message().find("'table.include.list'"), std::string::npos);
}

TEST(DebeziumKeysTest, ConnectKeysAreCheckedAndDropped) {
  Values v = {{"name", "mosip_idrepo"},
              {"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
              {"tasks.max", "1"},
              {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
              {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
              {"value.converter.schemas.enable", "false"}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_EQ(v, (Values{{"value.converter.schemas.enable", "false"}}));
  EXPECT_TRUE(ignored.empty());
}

TEST(DebeziumKeysTest, OtherConnectorClassIsRefused) {
  Values v = {{"connector.class", "io.debezium.connector.mysql.MySqlConnector"}};
  std::vector<IgnoredKey> ignored;
  const Status s = TranslateDebeziumKeys(&v, &ignored);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("'connector.class'"), std::string::npos);
}

TEST(DebeziumKeysTest, MoreThanOneTaskIsRefused) {
  Values v = {{"tasks.max", "2"}};
  std::vector<IgnoredKey> ignored;
  EXPECT_EQ(TranslateDebeziumKeys(&v, &ignored).code(), Code::kInvalidArgument);
}

TEST(DebeziumKeysTest, OtherConverterIsRefused) {
  Values v = {{"value.converter", "io.confluent.connect.avro.AvroConverter"}};
  std::vector<IgnoredKey> ignored;
  EXPECT_EQ(TranslateDebeziumKeys(&v, &ignored).code(), Code::kInvalidArgument);
}

TEST(DebeziumKeysTest, NoEffectKeysAreDroppedAndReported) {
  Values v = {{"max.batch.size", "2048"},
              {"database.history.kafka.topic", "schema-changes"},
              {"snapshot.fetch.size", "10240"},
              {"topic.prefix", "mosip"}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_EQ(v, (Values{{"topic.prefix", "mosip"}}));
  ASSERT_EQ(ignored.size(), 3u);
  EXPECT_EQ(ignored[0].key, "database.history.kafka.topic");
  EXPECT_EQ(ignored[1].key, "max.batch.size");
  EXPECT_EQ(ignored[2].key, "snapshot.fetch.size");
  for (const IgnoredKey& item : ignored) EXPECT_FALSE(item.why.empty()) << item.key;
}

TEST(DebeziumKeysTest, NoEffectKeyWithAnotherValueIsRefused) {
  Values ok = {{"topic.heartbeat.prefix", "__debezium-heartbeat"}};
  std::vector<IgnoredKey> ignored;
  EXPECT_TRUE(TranslateDebeziumKeys(&ok, &ignored).ok());
  Values bad = {{"topic.heartbeat.prefix", "beats"}};
  EXPECT_EQ(TranslateDebeziumKeys(&bad, &ignored).code(), Code::kInvalidArgument);
  // The 1.x name goes through the same check.
  Values old = {{"heartbeat.topics.prefix", "beats"}};
  EXPECT_EQ(TranslateDebeziumKeys(&old, &ignored).code(), Code::kInvalidArgument);
}

TEST(DebeziumKeysTest, ColumnListsOldNamesAreTheCurrentOnes) {
  Values v = {{"column.blacklist", "public.t.secret"}, {"column.whitelist", "public.u.id"}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_EQ(v, (Values{{"column.exclude.list", "public.t.secret"},
                       {"column.include.list", "public.u.id"}}));
  // The column options are walcast's own keys now, not in the table.
  for (const char* key : {"column.exclude.list", "column.mask.with.12.chars",
                          "column.mask.hash.v2.SHA-256.with.salt.x", "column.truncate.to.20.chars",
                          "column.propagate.source.type", "datatype.propagate.source.type"}) {
    EXPECT_EQ(FindDebeziumKey(key), nullptr) << key;
  }
}

TEST(DebeziumKeysTest, PrivacyKeysAreRefused) {
  for (const char* key :
       {"snapshot.select.statement.overrides",
        "snapshot.select.statement.overrides.idrepo.anonymous_profile", "schema.include.list",
        "schema.whitelist"}) {
    Values v = {{key, "idrepo.anonymous_profile.profile"}};
    std::vector<IgnoredKey> ignored;
    const Status s = TranslateDebeziumKeys(&v, &ignored);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << key;
    EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
  }
}

TEST(DebeziumKeysTest, RefusedKeyWithAnEmptyValueIsIgnored) {
  Values v = {{"schema.exclude.list", " "}};
  std::vector<IgnoredKey> ignored;
  ASSERT_TRUE(TranslateDebeziumKeys(&v, &ignored).ok());
  EXPECT_TRUE(v.empty());
  ASSERT_EQ(ignored.size(), 1u);
  EXPECT_EQ(ignored[0].key, "schema.exclude.list");
}

TEST(DebeziumKeysTest, ExactEntryWinsOverPrefix) {
  const DebeziumKey* signal = FindDebeziumKey("signal.data.collection");
  ASSERT_NE(signal, nullptr);
  EXPECT_EQ(signal->kind, DebeziumKey::Kind::kRefused);
  const DebeziumKey* channels = FindDebeziumKey("signal.enabled.channels");
  ASSERT_NE(channels, nullptr);
  EXPECT_EQ(channels->kind, DebeziumKey::Kind::kNoEffect);
  EXPECT_EQ(FindDebeziumKey("topic.prefix"), nullptr);
  EXPECT_EQ(FindDebeziumKey("database.history."), nullptr);  // a prefix needs more
}

// Every alias points at a key walcast has, or at one the table handles, and
// no entry shadows one of walcast's own keys.
TEST(DebeziumKeysTest, TableAgreesWithWalcastKeys) {
  std::map<std::string, bool> walcast;
  for (const OptionSpec& spec : AllOptions()) walcast[spec.key] = true;
  for (const DebeziumKey& entry : DebeziumKeys()) {
    EXPECT_FALSE(walcast.count(std::string(entry.key))) << entry.key;
    EXPECT_EQ(entry.prefix, entry.key.ends_with('.')) << entry.key;
    if (entry.kind == DebeziumKey::Kind::kAlias) {
      EXPECT_TRUE(walcast.count(std::string(entry.target)) ||
                  FindDebeziumKey(entry.target) != nullptr)
          << entry.key;
    } else {
      EXPECT_FALSE(entry.why.empty()) << entry.key;
    }
  }
}

// docs/debezium-config.md lists every entry of the table.
TEST(DebeziumKeysTest, DocumentationListsEveryKey) {
  std::ifstream in(std::string(WALCAST_TEST_DATA_DIR) + "/../../docs/debezium-config.md");
  ASSERT_TRUE(in) << "docs/debezium-config.md";
  std::stringstream text;
  text << in.rdbuf();
  for (const DebeziumKey& entry : DebeziumKeys()) {
    const std::string shown = "`" + std::string(entry.key) + (entry.prefix ? "*`" : "`");
    EXPECT_NE(text.str().find(shown), std::string::npos) << shown;
  }
}

}  // namespace
}  // namespace walcast::app
