#include "app/kafka_client_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <string>

namespace walcast::app {
namespace {

using Settings = std::map<std::string, std::string>;

// An environment holding `vars` only.
EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

Result<Settings> Build(const Settings& values, const EnvLookup& env = Env({})) {
  return KafkaClientSettings(Config::ForTest(values), env);
}

TEST(KafkaClientConfigTest, KafkaKeysWinOverDebeziumAndConnectWorkerNames) {
  const Result<Settings> s = Build({{"producer.security.protocol", "SASL_PLAINTEXT"},
                                    {"producer.override.security.protocol", "SSL"},
                                    {"producer.override.linger.ms", "7"},
                                    {"producer.acks", "1"},
                                    {"kafka.security.protocol", "SASL_SSL"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, (Settings{{"security.protocol", "SASL_SSL"}, {"linger.ms", "7"}, {"acks", "1"}}));
}

TEST(KafkaClientConfigTest, ScramJaasLineBecomesUsernameAndPassword) {
  const Result<Settings> s = Build(
      {{"producer.sasl.jaas.config",
        R"(org.apache.kafka.common.security.scram.ScramLoginModule required username="walcast" )"
        R"(password="p\"w=;x";)"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, (Settings{{"sasl.username", "walcast"}, {"sasl.password", "p\"w=;x"}}));
}

TEST(KafkaClientConfigTest, ExplicitSaslPasswordWinsOverTheJaasLine) {
  const Result<Settings> s = Build(
      {{"kafka.sasl.jaas.config",
        R"(org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";)"},
       {"kafka.sasl.password", "c"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->at("sasl.password"), "c");
  EXPECT_EQ(s->at("sasl.username"), "a");
}

TEST(KafkaClientConfigTest, UnknownLoginModuleIsRefusedWithoutPrintingTheLine) {
  const Result<Settings> s =
      Build({{"kafka.sasl.jaas.config",
              R"(com.example.Login required username="u" password="hunter2";)"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("kafka.sasl.jaas.config"), std::string::npos);
  EXPECT_EQ(s.status().message().find("hunter2"), std::string::npos) << s.status().message();
}

TEST(KafkaClientConfigTest, PasswordsComeFromTheEnvironmentWhenNotConfigured) {
  const Result<Settings> s = Build({{"kafka.ssl.key.password", "from-config"}},
                                   Env({{"WALCAST_KAFKA_SASL_PASSWORD", "env-sasl"},
                                        {"WALCAST_KAFKA_SSL_KEY_PASSWORD", "env-key"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->at("sasl.password"), "env-sasl");
  EXPECT_EQ(s->at("ssl.key.password"), "from-config");
  EXPECT_EQ(s->count("ssl.keystore.password"), 0u);
}

TEST(KafkaClientConfigTest, ProviderPlaceholdersReadTheEnvironmentAndFiles) {
  char tmpl[] = "/tmp/walcast-secrets-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  std::ofstream(tmpl) << "# secrets\nother=x\nkafka.password = s3cret\n";
  const Result<Settings> s =
      Build({{"kafka.sasl.password", std::string("${file:") + tmpl + ":kafka.password}"},
             {"kafka.sasl.username", "${env:KAFKA_USER}"}},
            Env({{"KAFKA_USER", "walcast"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->at("sasl.password"), "s3cret");
  EXPECT_EQ(s->at("sasl.username"), "walcast");
  const Result<Settings> missing_key =
      Build({{"kafka.sasl.password", std::string("${file:") + tmpl + ":nope}"}});
  EXPECT_EQ(missing_key.status().code(), Status::Code::kInvalidArgument);
  const Result<Settings> missing_var = Build({{"kafka.sasl.password", "${env:NOPE}"}});
  EXPECT_EQ(missing_var.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(missing_var.status().message().find("kafka.sasl.password"), std::string::npos);
  ::unlink(tmpl);
}

TEST(KafkaClientConfigTest, JavaStoresMapToLibrdkafkaOrAreRefused) {
  const Result<Settings> pem = Build({{"producer.ssl.truststore.type", "PEM"},
                                      {"producer.ssl.truststore.location", "/ca.pem"},
                                      {"producer.ssl.keystore.type", "PKCS12"},
                                      {"producer.ssl.keystore.location", "/client.p12"}});
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_EQ(*pem,
            (Settings{{"ssl.ca.location", "/ca.pem"}, {"ssl.keystore.location", "/client.p12"}}));
  const Result<Settings> jks = Build({{"producer.ssl.truststore.location", "/trust.jks"}});
  EXPECT_EQ(jks.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(jks.status().message().find("ssl.ca.location"), std::string::npos);
}

}  // namespace
}  // namespace walcast::app
