#include "app/options.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "app/config_file.h"
#include "app/debezium_keys.h"
#include "app/elasticsearch_factory.h"
#include "core/config.h"

namespace walcast::app {
namespace {

Result<Config> Build(std::map<std::string, std::string> values) {
  std::vector<IgnoredKey> ignored;
  const Status translated = TranslateDebeziumKeys(&values, &ignored);
  if (!translated.ok()) return translated;
  return Config::Build(AllOptions(), values, PassthroughPrefixes());
}

TEST(ConninfoTest, TlsKeysReachLibpq) {
  Result<Config> config = Build({{"database.sslmode", "verify-full"},
                                 {"database.sslrootcert", "/etc/walcast/ca.crt"},
                                 {"database.sslcert", "/etc/walcast/c.crt"},
                                 {"database.sslkey", "/etc/walcast/c key"},
                                 {"database.sslpassword", "pass'phrase"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string conninfo = Conninfo(*config);
  EXPECT_NE(conninfo.find(" sslmode='verify-full'"), std::string::npos) << conninfo;
  EXPECT_NE(conninfo.find(" sslrootcert='/etc/walcast/ca.crt'"), std::string::npos) << conninfo;
  EXPECT_NE(conninfo.find(" sslcert='/etc/walcast/c.crt'"), std::string::npos) << conninfo;
  // libpq's quoting: every value in single quotes, quotes escaped.
  EXPECT_NE(conninfo.find(" sslkey='/etc/walcast/c key'"), std::string::npos) << conninfo;
  EXPECT_NE(conninfo.find(" sslpassword='pass\\'phrase'"), std::string::npos) << conninfo;
}

TEST(ConninfoTest, UnsetTlsFilesLeaveLibpqDefaults) {
  Result<Config> config = Build({});
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string conninfo = Conninfo(*config);
  EXPECT_NE(conninfo.find(" sslmode='prefer'"), std::string::npos) << conninfo;
  for (const char* key : {"sslrootcert", "sslcert", "sslkey", "sslpassword"}) {
    EXPECT_EQ(conninfo.find(key), std::string::npos) << conninfo;
  }
}

// Commands called from code (tests, tools) may build a Config from a few
// connection keys only, without the registered defaults: the conninfo must
// still be one libpq takes.
TEST(ConninfoTest, AConfigWithoutTheDefaultsGivesAValidConninfo) {
  const Config config = Config::ForTest({{"database.hostname", "127.0.0.1"},
                                         {"database.port", "5432"},
                                         {"database.user", "postgres"},
                                         {"database.dbname", "db"}});
  const std::string conninfo = Conninfo(config);
  EXPECT_NE(conninfo.find(" target_session_attrs=any "), std::string::npos) << conninfo;
  // libpq refuses a keepalive count of 0 when it connects, not when it parses.
  EXPECT_EQ(conninfo.find("keepalives_count=0"), std::string::npos) << conninfo;
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  EXPECT_NE(parsed, nullptr) << (error != nullptr ? error : "") << " in " << conninfo;
  if (parsed != nullptr) PQconninfoFree(parsed);
  if (error != nullptr) PQfreemem(error);
}

TEST(ConninfoTest, KeepalivesAndUserTimeoutByDefault) {
  Result<Config> config = Build({});
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string conninfo = Conninfo(*config);
  for (const char* setting : {" keepalives=1", " keepalives_idle=30", " keepalives_interval=10",
                              " keepalives_count=3", " tcp_user_timeout=60000"}) {
    EXPECT_NE(conninfo.find(setting), std::string::npos) << setting << " in " << conninfo;
  }
}

TEST(ConninfoTest, KeepaliveSettingsReachLibpqInItsUnits) {
  Result<Config> config = Build({{"database.tcp.keepalive.idle.ms", "5500"},
                                 {"database.tcp.keepalive.interval.ms", "2000"},
                                 {"database.tcp.keepalive.count", "4"},
                                 {"database.tcp.user.timeout.ms", "0"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string conninfo = Conninfo(*config);
  // libpq counts keepalive times in whole seconds, tcp_user_timeout in ms.
  for (const char* setting : {" keepalives_idle=5 ", " keepalives_interval=2 ",
                              " keepalives_count=4 ", " tcp_user_timeout=0"}) {
    EXPECT_NE(conninfo.find(setting), std::string::npos) << setting << " in " << conninfo;
  }
}

TEST(ConninfoTest, KeepaliveIdleBelowASecondNamesTheKey) {
  Result<Config> config = Build({{"database.tcp.keepalive.idle.ms", "500"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("database.tcp.keepalive.idle.ms"), std::string::npos)
      << config.status().message();
}

TEST(ElasticsearchTimeoutsTest, DefaultsAndSettingsReachTheClient) {
  Result<Config> defaults = Build({{"elasticsearch.url", "http://127.0.0.1:9200"}});
  ASSERT_TRUE(defaults.ok()) << defaults.status().message();
  Result<ElasticsearchTarget> target = ElasticsearchTargetFrom(*defaults);
  ASSERT_TRUE(target.ok()) << target.status().message();
  EXPECT_EQ(target->http.connect_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(target->http.request_timeout, std::chrono::milliseconds(120000));

  Result<Config> set = Build({{"elasticsearch.url", "http://127.0.0.1:9200"},
                              {"elasticsearch.connect.timeout.ms", "2500"},
                              {"elasticsearch.request.timeout.ms", "15000"}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  target = ElasticsearchTargetFrom(*set);
  ASSERT_TRUE(target.ok()) << target.status().message();
  EXPECT_EQ(target->http.connect_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(target->http.request_timeout, std::chrono::milliseconds(15000));
}

TEST(ConninfoTest, SslPasswordComesFromTheEnvironment) {
  ASSERT_EQ(setenv("WALCAST_DATABASE_SSLPASSWORD", "from-env", 1), 0);
  Result<Config> config = Build({{"database.sslkey", "/k"}});
  unsetenv("WALCAST_DATABASE_SSLPASSWORD");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(Conninfo(*config).find(" sslpassword='from-env'"), std::string::npos);
}

TEST(ConninfoTest, UnknownSslModeNamesTheKey) {
  Result<Config> config = Build({{"database.sslmode", "verify_full"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("database.sslmode"), std::string::npos);
}

TEST(ConninfoTest, SeveralHostsAskForTheReadWriteOne) {
  Result<Config> config =
      Build({{"database.hostname", "pg-a, pg-b"}, {"database.port", "5432,5433"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(CheckDatabaseHosts(*config).ok());
  const std::string conninfo = Conninfo(*config);
  EXPECT_NE(conninfo.find("host='pg-a,pg-b' port='5432,5433'"), std::string::npos) << conninfo;
  EXPECT_NE(conninfo.find(" target_session_attrs=read-write"), std::string::npos) << conninfo;
}

TEST(ConninfoTest, OneHostTakesAnySessionUnlessAsked) {
  Result<Config> config = Build({{"database.hostname", "pg-a"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(Conninfo(*config).find(" target_session_attrs=any"), std::string::npos);
  config = Build({{"database.hostname", "pg-a"}, {"database.target.session.attrs", "standby"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(Conninfo(*config).find(" target_session_attrs=standby"), std::string::npos);
}

TEST(ConninfoTest, PortsMustPairWithHosts) {
  for (const auto& [hosts, ports, key] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"a,b,c", "1,2", "database.port"},
           {"a,b", "1,x", "database.port"},
           {"a", "70000", "database.port"},
           {"a,,b", "1", "database.hostname"}}) {
    Result<Config> config = Build({{"database.hostname", hosts}, {"database.port", ports}});
    ASSERT_TRUE(config.ok()) << config.status().message();
    const Status s = CheckDatabaseHosts(*config);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << hosts << " " << ports;
    EXPECT_NE(s.message().find("'" + key + "'"), std::string::npos) << s.message();
  }
  Result<Config> one_port = Build({{"database.hostname", "a,b"}, {"database.port", "6432"}});
  ASSERT_TRUE(one_port.ok());
  EXPECT_TRUE(CheckDatabaseHosts(*one_port).ok());
}

TEST(ConninfoTest, SslPasswordIsASecret) {
  for (const OptionSpec& spec : AllOptions()) {
    if (spec.key == "database.sslpassword" || spec.key == "database.password") {
      EXPECT_TRUE(spec.secret) << spec.key;
    }
  }
}

}  // namespace
}  // namespace walcast::app
