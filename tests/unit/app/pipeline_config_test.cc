#include "app/pipeline_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "app/options.h"
#include "app/pipeline_topics.h"
#include "core/config.h"
#include "tests/unit/app/config_dir_test.h"

namespace walcast::app {
namespace {

using Values = std::map<std::string, std::string>;
using Code = Status::Code;

std::string Connector(const std::string& name, const std::string& config_members) {
  return "{\"name\": \"" + name +
         "\", \"config\": {\"connector.class\": "
         "\"io.debezium.connector.postgresql.PostgresConnector\"" +
         (config_members.empty() ? "" : ", " + config_members) + "}}";
}

using PipelineConfigTest = ConfigDirTest;

// The default state.dir main would pass (app/state_dir.h).
constexpr const char* kDefaultStateDir = "/home/u/.local/state/walcast";

Result<LoadedPipelines> Load(const std::vector<std::string>& paths,
                             const std::vector<std::string>& sets) {
  return LoadPipelineSources(paths, sets, kDefaultStateDir);
}

TEST_F(PipelineConfigTest, OneConnectorMergesExactlyAsASingleRun) {
  const std::vector<std::string> paths = {
      Write("defaults.properties", "sinks=kafka\nslot.name=from_defaults\n"),
      Write("a.json", Connector("a", "\"slot.name\": \"a\", \"database.server.name\": \"x\"")),
      Write("late.properties", "slot.name=late\n")};
  const std::vector<std::string> sets = {"log.level=debug", "database.dbname=d"};
  Result<LoadedPipelines> loaded = Load(paths, sets);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  Result<LoadedConfig> single = LoadConfigSources(paths, sets);
  ASSERT_TRUE(single.ok()) << single.status().message();
  ASSERT_EQ(loaded->pipelines.size(), 1u);
  EXPECT_EQ(loaded->pipelines[0].name, "a");
  Values expected = single->values;
  expected.emplace("state.dir", kDefaultStateDir);  // today's layout for one
  EXPECT_EQ(loaded->pipelines[0].values, expected);
  EXPECT_EQ(loaded->pipelines[0].values.at("slot.name"), "late");
  EXPECT_TRUE(loaded->used_default_state_dir);
}

TEST_F(PipelineConfigTest, NoConnectorIsOneUnnamedPipeline) {
  Result<LoadedPipelines> loaded = Load({Write("w.properties", "slot.name=s\n")}, {"sinks=stdout"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->pipelines.size(), 1u);
  EXPECT_EQ(loaded->pipelines[0].name, "");
  EXPECT_EQ(loaded->pipelines[0].values,
            (Values{{"slot.name", "s"}, {"sinks", "stdout"}, {"state.dir", kDefaultStateDir}}));
}

TEST_F(PipelineConfigTest, EachConnectorIsAPipelineOverTheSharedDefaults) {
  const std::vector<std::string> paths = {
      Write("a.json", Connector("a", "\"slot.name\": \"sa\", \"table.include.list\": \"s.a\"")),
      Write("worker.properties",
            "sinks=kafka\nstate.dir=/var/lib/walcast\ntable.include.list=s.shared\n"),
      Write("b.properties",
            "name=b\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n"
            "slot.name=sb\nkafka.client.id=mine\n")};
  Result<LoadedPipelines> loaded = Load(paths, {"table.include.list=s.set", "log.level=debug"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->pipelines.size(), 2u);
  const PipelineSource& a = loaded->pipelines[0];
  const PipelineSource& b = loaded->pipelines[1];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.origin, paths[0]);
  EXPECT_EQ(b.name, "b");
  // The connector's own key wins over the files and --set ...
  EXPECT_EQ(a.values.at("table.include.list"), "s.a");
  EXPECT_EQ(a.values.at("slot.name"), "sa");
  EXPECT_EQ(b.values.at("slot.name"), "sb");
  // ... which every pipeline inherits otherwise (--set after the files).
  EXPECT_EQ(b.values.at("table.include.list"), "s.set");
  EXPECT_EQ(a.values.at("sinks"), "kafka");
  EXPECT_EQ(b.values.at("log.level"), "debug");
  // State apart per pipeline. No client.id of their own, so that pipelines
  // with the same Kafka settings can share one producer; a connector's own
  // kafka.client.id stays its own.
  EXPECT_EQ(a.values.at("state.dir"), "/var/lib/walcast/a");
  EXPECT_EQ(b.values.at("state.dir"), "/var/lib/walcast/b");
  EXPECT_FALSE(loaded->used_default_state_dir);
  EXPECT_EQ(a.values.count("kafka.client.id"), 0u);
  EXPECT_EQ(b.values.at("kafka.client.id"), "mine");
  // Connect's bookkeeping keys are not walcast keys.
  EXPECT_EQ(b.values.count("name"), 0u);
  EXPECT_EQ(b.values.count("connector.class"), 0u);
}

TEST_F(PipelineConfigTest, DefaultStateDirAndAConnectorsOwnStateDir) {
  Result<LoadedPipelines> loaded =
      Load({Write("a.json", Connector("a", "")),
            Write("b.json", Connector("b", "\"state.dir\": \"/elsewhere\""))},
           {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->pipelines[0].values.at("state.dir"), std::string(kDefaultStateDir) + "/a");
  EXPECT_EQ(loaded->pipelines[1].values.at("state.dir"), "/elsewhere");
  EXPECT_TRUE(loaded->used_default_state_dir);
}

TEST_F(PipelineConfigTest, ConfiguredStateDirDoesNotUseTheDefault) {
  Result<LoadedPipelines> loaded = Load({Write("w.properties", "state.dir=/srv/walcast\n")}, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->pipelines[0].values.at("state.dir"), "/srv/walcast");
  EXPECT_FALSE(loaded->used_default_state_dir);
}

TEST_F(PipelineConfigTest, TwoConnectorsWithOneNameAreInvalidArgument) {
  Result<LoadedPipelines> loaded =
      Load({Write("a.json", Connector("same", "")), Write("b.json", Connector("same", ""))}, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
}

TEST_F(PipelineConfigTest, NameThatCannotBeADirectoryIsInvalidArgument) {
  for (const std::string bad : {"a/b", "..", " "}) {
    Result<LoadedPipelines> loaded =
        Load({Write("a.json", Connector(bad, "")), Write("b.json", Connector("b", ""))}, {});
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST_F(PipelineConfigTest, BadKeyInOneConnectorIsInvalidArgument) {
  Result<LoadedPipelines> loaded =
      Load({Write("a.json", Connector("a", "\"schema.include.list\": \"a\"")),
            Write("b.json", Connector("b", ""))},
           {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
}

TEST(ConnectorConfigTest, ConnectBodyOrNameWithConnectorClass) {
  ConfigFile file;
  file.values = {{"name", "a"}};
  EXPECT_FALSE(IsConnectorConfig(file));
  file.values["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector";
  EXPECT_TRUE(IsConnectorConfig(file));
  ConfigFile body;
  body.format = ConfigFile::Format::kConnectorJson;
  EXPECT_TRUE(IsConnectorConfig(body));
}

// MOSIP's six connector configs side by side: six pipelines that do not
// collide (one topic.prefix, different tables).
TEST(MosipPipelinesTest, SixConnectorConfigsAreSixValidPipelines) {
  const std::vector<std::string> dbs = {"mosip_master", "mosip_audit",  "mosip_prereg",
                                        "mosip_ida",    "mosip_regprc", "mosip_idrepo"};
  std::vector<std::string> paths;
  for (const std::string& db : dbs) {
    paths.push_back(std::string(WALCAST_TEST_DATA_DIR) + "/config/" + db + "_connector.json");
  }
  Result<LoadedPipelines> loaded = Load(paths, {"sinks=kafka"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->pipelines.size(), dbs.size());
  std::vector<PipelineConfig> configs;
  for (size_t i = 0; i < dbs.size(); ++i) {
    EXPECT_EQ(loaded->pipelines[i].name, dbs[i]);
    Result<Config> config =
        Config::Build(AllOptions(), loaded->pipelines[i].values, PassthroughPrefixes());
    ASSERT_TRUE(config.ok()) << config.status().message();
    EXPECT_EQ(config->GetString("database.dbname"), dbs[i]);
    EXPECT_EQ(config->GetString("state.dir"), std::string(kDefaultStateDir) + "/" + dbs[i]);
    EXPECT_EQ(config->GetList("sinks"), std::vector<std::string>{"kafka"});
    configs.push_back({dbs[i], std::move(config).value()});
  }
  EXPECT_TRUE(ValidatePipelines(configs).ok()) << ValidatePipelines(configs).message();
}

PipelineConfig Pipeline(const std::string& name, Values values) {
  values.emplace("state.dir", "state/" + name);
  values.emplace("slot.name", name);
  values.emplace("publication.name", "pub_" + name);
  values.emplace("table.include.list", "public." + name);
  Result<Config> config = Config::Build(AllOptions(), values, PassthroughPrefixes());
  EXPECT_TRUE(config.ok()) << config.status().message();
  return {name, config.ok() ? std::move(config).value() : Config()};
}

Status Validate(const PipelineConfig& a, const PipelineConfig& b) {
  return ValidatePipelines({a, b});
}

TEST(ValidatePipelinesTest, DistinctPipelinesAreOk) {
  EXPECT_TRUE(Validate(Pipeline("a", {}), Pipeline("b", {})).ok());
  EXPECT_TRUE(ValidatePipelines({Pipeline("a", {})}).ok());
}

TEST(ValidatePipelinesTest, SameSlotOnOneDatabaseIsInvalidArgument) {
  const Status s =
      Validate(Pipeline("a", {{"slot.name", "s"}}), Pipeline("b", {{"slot.name", "s"}}));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("'a' and 'b'"), std::string::npos) << s.message();
}

TEST(ValidatePipelinesTest, SameSlotOnDifferentDatabasesIsOk) {
  EXPECT_TRUE(Validate(Pipeline("a", {{"slot.name", "s"}, {"database.dbname", "x"}}),
                       Pipeline("b", {{"slot.name", "s"}, {"database.dbname", "y"}}))
                  .ok());
  EXPECT_TRUE(Validate(Pipeline("a", {{"slot.name", "s"}, {"database.port", "5432"}}),
                       Pipeline("b", {{"slot.name", "s"}, {"database.port", "5433"}}))
                  .ok());
}

TEST(ValidatePipelinesTest, SamePublicationOnOneDatabaseIsInvalidArgument) {
  EXPECT_EQ(Validate(Pipeline("a", {{"publication.name", "p"}}),
                     Pipeline("b", {{"publication.name", "p"}}))
                .code(),
            Code::kInvalidArgument);
  // wal2json reads no publication.
  EXPECT_TRUE(Validate(Pipeline("a", {{"publication.name", "p"}, {"plugin.name", "wal2json"}}),
                       Pipeline("b", {{"publication.name", "p"}, {"plugin.name", "wal2json"}}))
                  .ok());
}

TEST(ValidatePipelinesTest, SameStateDirIsInvalidArgument) {
  EXPECT_EQ(
      Validate(Pipeline("a", {{"state.dir", "st"}}), Pipeline("b", {{"state.dir", "st"}})).code(),
      Code::kInvalidArgument);
}

TEST(ValidatePipelinesTest, ExactlyOnceProducersThatWouldFenceEachOtherAreInvalidArgument) {
  // One slot name on two databases under one prefix: one default
  // transactional.id and one checkpoint record.
  const Values same = {{"slot.name", "s"}, {"topic.prefix", "mosip"}, {"exactly.once", "true"}};
  Values other_db = same;
  other_db["database.dbname"] = "other";
  EXPECT_EQ(Validate(Pipeline("a", same), Pipeline("b", other_db)).code(), Code::kInvalidArgument);
  // Distinct transactional ids, one checkpoint record.
  Values a_id = same;
  a_id["exactly.once.transactional.id"] = "ta";
  Values b_id = other_db;
  b_id["exactly.once.transactional.id"] = "tb";
  EXPECT_EQ(Validate(Pipeline("a", a_id), Pipeline("b", b_id)).code(), Code::kInvalidArgument);
  b_id["exactly.once.checkpoint.topic"] = "elsewhere";
  EXPECT_TRUE(Validate(Pipeline("a", a_id), Pipeline("b", b_id)).ok());
  // Without exactly.once there is no transaction to fence.
  Values plain = other_db;
  plain["exactly.once"] = "false";
  EXPECT_TRUE(Validate(Pipeline("a", same), Pipeline("b", plain)).ok());
}

TEST(ValidatePipelinesTest, SameTopicPrefixAndTableIsInvalidArgument) {
  EXPECT_EQ(Validate(Pipeline("a", {{"table.include.list", "s.x, s.t"}}),
                     Pipeline("b", {{"table.include.list", "s.t"}, {"database.dbname", "other"}}))
                .code(),
            Code::kInvalidArgument);
  // Both capture every table.
  EXPECT_EQ(Validate(Pipeline("a", {{"table.include.list", ""}}),
                     Pipeline("b", {{"table.include.list", ""}}))
                .code(),
            Code::kInvalidArgument);
}

TEST(ValidatePipelinesTest, SameTableUnderDifferentPrefixesIsOk) {
  EXPECT_TRUE(Validate(Pipeline("a", {{"table.include.list", "s.t"}, {"topic.prefix", "pa"}}),
                       Pipeline("b", {{"table.include.list", "s.t"}, {"topic.prefix", "pb"}}))
                  .ok());
}

TEST(PipelineTopicsTest, ATableTwoPipelinesCaptureUnderOnePrefixIsInvalidArgument) {
  PipelineTopics topics;
  EXPECT_TRUE(topics.Claim("a", "mosip", {"master.doc_type", "master.title"}).ok());
  EXPECT_TRUE(topics.Claim("a", "mosip", {"master.doc_type"}).ok()) << "a retry claims again";
  EXPECT_TRUE(topics.Claim("b", "mosip", {"audit.app_audit_log"}).ok());
  EXPECT_TRUE(topics.Claim("c", "other", {"master.doc_type"}).ok());
  const Status clash = topics.Claim("d", "mosip", {"ida.auth", "master.title"});
  EXPECT_EQ(clash.code(), Code::kInvalidArgument);
  EXPECT_NE(clash.message().find("'mosip.master.title'"), std::string::npos) << clash.message();
  // Nothing of a refused claim is recorded.
  EXPECT_TRUE(topics.Claim("e", "mosip", {"ida.auth"}).ok());
}

}  // namespace
}  // namespace walcast::app
