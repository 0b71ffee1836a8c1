#include "app/config_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "app/options.h"
#include "core/config.h"
#include "tests/unit/app/config_dir_test.h"

namespace walcast::app {
namespace {

using Values = std::map<std::string, std::string>;
using Code = Status::Code;
using Format = ConfigFile::Format;

using ConfigFileTest = ConfigDirTest;

TEST(ConfigTextTest, PropertiesAreDetected) {
  Result<ConfigFile> f = ParseConfigText("# comment\ntopic.prefix = mosip\nslot.name=s\n", "t");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->format, Format::kProperties);
  EXPECT_EQ(f->values, (Values{{"topic.prefix", "mosip"}, {"slot.name", "s"}}));
}

TEST(ConfigTextTest, ConnectBodyIsDetected) {
  Result<ConfigFile> f = ParseConfigText(
      "\xEF\xBB\xBF\n  {\"name\": \"c1\", \"config\": {\"topic.prefix\": \"mosip\", "
      "\"database.port\": 5433, \"slot.drop.on.stop\": false, \"snapshot.mode\": null}}",
      "t");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->format, Format::kConnectorJson);
  EXPECT_EQ(f->values, (Values{{"name", "c1"},
                               {"topic.prefix", "mosip"},
                               {"database.port", "5433"},
                               {"slot.drop.on.stop", "false"}}));
}

TEST(ConfigTextTest, BareJsonObjectIsDetected) {
  Result<ConfigFile> f = ParseConfigText(R"({"topic.prefix": "mosip", "tasks.max": "1"})", "t");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->format, Format::kJsonObject);
  EXPECT_EQ(f->values, (Values{{"topic.prefix", "mosip"}, {"tasks.max", "1"}}));
}

TEST(ConfigTextTest, ConnectorStatusShapeIsAccepted) {
  // What GET /connectors/<name> returns, saved to a file.
  Result<ConfigFile> f = ParseConfigText(
      R"({"name": "c1", "config": {"name": "c1"}, "tasks": [{"connector": "c1", "task": 0}],
          "type": "source"})",
      "t");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->values, (Values{{"name", "c1"}}));
}

// Found by config_fuzz (tests/fuzz/corpus/config/bug-invalid-line-placeholder):
// Boost's error for a line that is not key=value never returned when the
// line held one of its own message placeholders.
TEST(ConfigTextTest, LineThatIsNotKeyValueNamesItsNumber) {
  for (const char* text : {"a=1\n%invalid_line%\n", "a=1\nno equals sign\n",
                           "a=1\n  [unclosed %canonical_option%\n"}) {
    Result<ConfigFile> f = ParseConfigText(text, "t");
    ASSERT_FALSE(f.ok()) << text;
    EXPECT_EQ(f.status().code(), Code::kInvalidArgument);
    EXPECT_NE(f.status().message().find("line 2 is not key=value"), std::string::npos)
        << f.status().message();
  }
  // Blank lines, comments and sections stay fine.
  Result<ConfigFile> f = ParseConfigText("\n  # only = a comment\n[kafka]\n\t\r\nacks = all\n", "t");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->values, (Values{{"kafka.acks", "all"}}));
}

TEST(ConfigTextTest, MalformedJsonIsInvalidArgument) {
  EXPECT_EQ(ParseConfigText(R"({"config": {"a": "b"})", "t").status().code(),
            Code::kInvalidArgument);
}

TEST(ConfigTextTest, NestedValueIsInvalidArgument) {
  Result<ConfigFile> f = ParseConfigText(R"({"config": {"transforms": ["a"]}})", "t");
  EXPECT_EQ(f.status().code(), Code::kInvalidArgument);
  EXPECT_NE(f.status().message().find("'transforms'"), std::string::npos);
}

TEST(ConfigTextTest, UnknownTopLevelMemberIsInvalidArgument) {
  EXPECT_EQ(ParseConfigText(R"({"name": "c", "config": {}, "initial_state": "PAUSED"})", "t")
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST(ConfigTextTest, DifferentNamesAreInvalidArgument) {
  EXPECT_EQ(ParseConfigText(R"({"name": "a", "config": {"name": "b"}})", "t").status().code(),
            Code::kInvalidArgument);
}

TEST_F(ConfigFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadConfigFile((dir_ / "absent.json").string()).status().code(), Code::kNotFound);
}

TEST_F(ConfigFileTest, LaterSourcesWinAndSetWinsOverAll) {
  const std::string a = Write("a.properties", "topic.prefix=a\nslot.name=a\nlog.level=warn\n");
  const std::string b = Write("b.json", R"({"name": "b", "config": {"slot.name": "b",
      "database.server.name": "b"}})");
  Result<LoadedConfig> loaded = LoadConfigSources({a, b}, {"log.level=debug"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->values,
            (Values{{"topic.prefix", "b"}, {"slot.name", "b"}, {"log.level", "debug"}}));
}

TEST_F(ConfigFileTest, OldNameInOneSourceAndCurrentInAnotherIsNoConflict) {
  const std::string a = Write("a.json", R"({"config": {"table.whitelist": "x.a"}})");
  Result<LoadedConfig> loaded = LoadConfigSources({a}, {"table.include.list=x.b"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->values, (Values{{"table.include.list", "x.b"}}));
}

TEST_F(ConfigFileTest, TwoJsonConnectorConfigsAreInvalidArgument) {
  const std::string a = Write("a.json", R"({"name": "a", "config": {}})");
  const std::string b = Write("b.json", R"({"topic.prefix": "b"})");
  Result<LoadedConfig> loaded = LoadConfigSources({a, b}, {});
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find(b), std::string::npos);
}

TEST_F(ConfigFileTest, IgnoredKeysAreReportedOnce) {
  const std::string a = Write("a.properties", "poll.interval.ms=100\n");
  Result<LoadedConfig> loaded = LoadConfigSources({a}, {"poll.interval.ms=200"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->values.empty());
  ASSERT_EQ(loaded->ignored.size(), 1u);
  EXPECT_EQ(loaded->ignored[0].key, "poll.interval.ms");
}

TEST_F(ConfigFileTest, RefusedKeyFromSetIsInvalidArgument) {
  Result<LoadedConfig> loaded = LoadConfigSources({}, {"schema.include.list=a"});
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
}

// Loads tests/data/config/<name> alone, as `walcast --config` would, and
// validates it against walcast's keys.
Result<Config> LoadFixture(const std::string& name, std::vector<IgnoredKey>* ignored) {
  Result<LoadedConfig> loaded =
      LoadConfigSources({std::string(WALCAST_TEST_DATA_DIR) + "/config/" + name}, {});
  if (!loaded.ok()) return loaded.status();
  *ignored = loaded->ignored;
  return Config::Build(AllOptions(), loaded->values, PassthroughPrefixes());
}

// The connector configs MOSIP's reporting stack registers, one per
// database, in the Connect REST body form (tests/data/config/README.md).
struct MosipConnector {
  std::string db;
  std::string tables;
};

class MosipConfigTest : public ::testing::TestWithParam<MosipConnector> {};

TEST_P(MosipConfigTest, ConnectorConfigLoadsUnedited) {
  const MosipConnector& c = GetParam();
  std::vector<IgnoredKey> ignored;
  Result<Config> config = LoadFixture(c.db + "_connector.json", &ignored);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(ignored.empty());
  EXPECT_EQ(config->GetString("topic.prefix"), "mosip");  // database.server.name
  EXPECT_EQ(config->GetString("table.include.list"), c.tables);
  EXPECT_EQ(config->GetString("slot.name"), "debezium_" + c.db + "_mosip");
  EXPECT_EQ(config->GetString("publication.name"), "dbz_pub_" + c.db + "_mosip");
  EXPECT_EQ(config->GetString("publication.autocreate.mode"), "filtered");
  EXPECT_EQ(config->GetString("plugin.name"), "pgoutput");
  EXPECT_EQ(config->GetString("database.dbname"), c.db);
  EXPECT_EQ(config->GetString("database.hostname"), "postgres.example.internal");
  EXPECT_EQ(config->GetInt("database.port"), 5432);
  EXPECT_EQ(config->GetInt("heartbeat.interval.ms"), 5000);
  EXPECT_FALSE(config->GetBool("slot.drop.on.stop"));
  EXPECT_FALSE(config->Has("database.server.name"));
  EXPECT_FALSE(config->Has("connector.class"));
  EXPECT_FALSE(config->Has("name"));
}

INSTANTIATE_TEST_SUITE_P(
    Mosip, MosipConfigTest,
    ::testing::Values(
        MosipConnector{"mosip_master", "master.doc_type,master.registration_center"},
        MosipConnector{"mosip_audit", "audit.app_audit_log"},
        MosipConnector{"mosip_prereg",
                       "prereg.applicant_demographic,prereg.applicant_demographic_consumed,"
                       "prereg.applicant_document,prereg.applicant_document_consumed,"
                       "prereg.reg_appointment,prereg.reg_appointment_consumed,"
                       "prereg.reg_available_slot,prereg.otp_transaction"},
        MosipConnector{"mosip_ida", "ida.auth_transaction"},
        MosipConnector{"mosip_regprc",
                       "regprc.registration,regprc.registration_list,regprc.anonymous_profile"},
        MosipConnector{"mosip_idrepo", "idrepo.anonymous_profile,idrepo.channel_info"}),
    [](const ::testing::TestParamInfo<MosipConnector>& info) {
      std::string name = info.param.db;
      name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
      return name;
    });

// The example registration of Debezium's PostgreSQL connector documentation.
TEST(DebeziumExampleConfigTest, LoadsUnedited) {
  std::vector<IgnoredKey> ignored;
  Result<Config> config = LoadFixture("debezium_example_connector.json", &ignored);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(ignored.empty());
  EXPECT_EQ(config->GetString("topic.prefix"), "orders");
  EXPECT_EQ(config->GetString("table.include.list"), "public.orders");
  EXPECT_EQ(config->GetString("database.dbname"), "shop");
}

}  // namespace
}  // namespace walcast::app
