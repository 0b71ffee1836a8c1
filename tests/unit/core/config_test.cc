#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walcast {
namespace {

using Code = Status::Code;
using Type = OptionSpec::Type;
using Values = std::map<std::string, std::string>;

OptionSpec Spec(std::string key, Type type, std::string default_value = "") {
  OptionSpec spec;
  spec.key = std::move(key);
  spec.type = type;
  spec.default_value = std::move(default_value);
  return spec;
}

// A representative table, shaped like the one app/ builds.
std::vector<OptionSpec> Specs() {
  std::vector<OptionSpec> specs;
  specs.push_back(Spec("slot.name", Type::kString, "walcast"));
  OptionSpec batch = Spec("batch.size", Type::kInt, "500");
  batch.min = 1;
  batch.max = 10000;
  specs.push_back(batch);
  specs.push_back(Spec("offset.ms", Type::kInt, "-5"));
  specs.push_back(Spec("exactly.once", Type::kBool, "false"));
  OptionSpec mode = Spec("snapshot.mode", Type::kEnum, "initial");
  mode.choices = {"initial", "never", "always"};
  specs.push_back(mode);
  OptionSpec sinks = Spec("sinks", Type::kList, "kafka");
  sinks.choices = {"kafka", "elasticsearch", "metrics"};
  specs.push_back(sinks);
  specs.push_back(Spec("tables", Type::kList));
  return specs;
}

const std::vector<std::string> kPrefixes = {"kafka.", "es."};

// Sets an environment variable for the lifetime of the guard, restoring the
// previous state after, so tests stay independent.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

constexpr char kPasswordEnv[] = "WALCAST_CONFIG_TEST_PASSWORD";

std::vector<OptionSpec> SecretSpecs() {
  OptionSpec password = Spec("es.password", Type::kString);
  password.secret = true;
  password.env = kPasswordEnv;
  OptionSpec retries = Spec("retries", Type::kInt, "3");
  retries.env = "WALCAST_CONFIG_TEST_RETRIES";
  retries.min = 0;
  retries.max = 10;
  return {password, retries};
}

TEST(ConfigTest, DefaultsFillMissingKeys) {
  const Result<Config> config = Config::Build(Specs(), {}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("slot.name"), "walcast");
  EXPECT_EQ(config->GetInt("batch.size"), 500);
  EXPECT_EQ(config->GetInt("offset.ms"), -5);
  EXPECT_FALSE(config->GetBool("exactly.once"));
  EXPECT_EQ(config->GetString("snapshot.mode"), "initial");
  EXPECT_EQ(config->GetList("sinks"), std::vector<std::string>{"kafka"});
  EXPECT_TRUE(config->GetList("tables").empty());
}

TEST(ConfigTest, HasIsFalseForEmptyOrMissingValues) {
  const Result<Config> config = Config::Build(Specs(), {}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->Has("slot.name"));
  EXPECT_FALSE(config->Has("tables"));  // declared, no default
  EXPECT_FALSE(config->Has("never.declared"));
  EXPECT_EQ(config->GetString("never.declared"), "");
}

TEST(ConfigTest, ExplicitValuesOverrideDefaults) {
  const Values values = {{"slot.name", "s1"},
                         {"batch.size", "42"},
                         {"exactly.once", "true"},
                         {"snapshot.mode", "never"},
                         {"sinks", "kafka,metrics"}};
  const Result<Config> config = Config::Build(Specs(), values, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("slot.name"), "s1");
  EXPECT_EQ(config->GetInt("batch.size"), 42);
  EXPECT_TRUE(config->GetBool("exactly.once"));
  EXPECT_EQ(config->GetString("snapshot.mode"), "never");
  EXPECT_EQ(config->GetList("sinks"), (std::vector<std::string>{"kafka", "metrics"}));
}

TEST(ConfigTest, ValuesAreTrimmed) {
  const Values values = {{"slot.name", "  s1\t"}, {"batch.size", " 42 "}};
  const Result<Config> config = Config::Build(Specs(), values, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("slot.name"), "s1");
  EXPECT_EQ(config->GetInt("batch.size"), 42);
}

TEST(ConfigTest, UnknownKeyIsRejected) {
  const Result<Config> config = Config::Build(Specs(), {{"slot.nmae", "x"}}, kPrefixes);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  // The message naming the key is the user-facing contract (app/ prints it).
  EXPECT_NE(config.status().message().find("slot.nmae"), std::string::npos);
}

TEST(ConfigTest, UnknownKeyIsRejectedWithoutPrefixes) {
  const Result<Config> config = Config::Build(Specs(), {{"kafka.linger.ms", "5"}}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
}

TEST(ConfigTest, PassthroughPrefixIsAccepted) {
  const Values values = {{"kafka.linger.ms", "5"}, {"es.http.compression", "true"}};
  const Result<Config> config = Config::Build(Specs(), values, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("kafka.linger.ms"), "5");
  EXPECT_EQ(config->GetString("es.http.compression"), "true");
}

TEST(ConfigTest, BarePrefixIsRejected) {
  const Result<Config> config = Config::Build(Specs(), {{"kafka.", "5"}}, kPrefixes);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("kafka."), std::string::npos);
}

TEST(ConfigTest, PrefixMustMatchFromTheStart) {
  for (const char* key : {"kafka", "kafkax.linger.ms", "x.kafka.linger.ms", "KAFKA.linger.ms"}) {
    const Result<Config> config = Config::Build(Specs(), {{key, "5"}}, kPrefixes);
    ASSERT_FALSE(config.ok()) << key;
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << key;
  }
}

TEST(ConfigTest, IntParseErrorIsRejected) {
  for (const char* value :
       {"abc", "12abc", "1.5", "", "0x10", "+5", "1 2", "99999999999999999999"}) {
    const Result<Config> config = Config::Build(Specs(), {{"batch.size", value}}, kPrefixes);
    ASSERT_FALSE(config.ok()) << "'" << value << "'";
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << "'" << value << "'";
    EXPECT_NE(config.status().message().find("batch.size"), std::string::npos);
  }
}

TEST(ConfigTest, IntOutOfRangeIsRejected) {
  for (const char* value : {"0", "-1", "10001"}) {
    const Result<Config> config = Config::Build(Specs(), {{"batch.size", value}}, kPrefixes);
    ASSERT_FALSE(config.ok()) << value;
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << value;
  }
}

TEST(ConfigTest, IntBoundsAreInclusive) {
  for (const auto& [value, expected] :
       {std::pair{"1", int64_t{1}}, std::pair{"10000", int64_t{10000}}}) {
    const Result<Config> config = Config::Build(Specs(), {{"batch.size", value}}, kPrefixes);
    ASSERT_TRUE(config.ok()) << value << ": " << config.status().ToString();
    EXPECT_EQ(config->GetInt("batch.size"), expected);
  }
}

TEST(ConfigTest, IntWithoutBoundsAcceptsFullRange) {
  const Values values = {{"offset.ms", "-9223372036854775808"}};
  const Result<Config> config = Config::Build(Specs(), values, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetInt("offset.ms"), INT64_MIN);

  const Result<Config> max =
      Config::Build(Specs(), {{"offset.ms", "9223372036854775807"}}, kPrefixes);
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(max->GetInt("offset.ms"), INT64_MAX);
}

TEST(ConfigTest, BoolParsesCaseInsensitively) {
  for (const auto& [value, expected] :
       {std::pair{"true", true}, std::pair{"TRUE", true}, std::pair{"True", true},
        std::pair{"false", false}, std::pair{"FALSE", false}, std::pair{" false ", false}}) {
    const Result<Config> config = Config::Build(Specs(), {{"exactly.once", value}}, kPrefixes);
    ASSERT_TRUE(config.ok()) << value << ": " << config.status().ToString();
    EXPECT_EQ(config->GetBool("exactly.once"), expected) << value;
  }
}

TEST(ConfigTest, BoolParseErrorIsRejected) {
  for (const char* value : {"yes", "no", "1", "0", "", "on", "truee"}) {
    const Result<Config> config = Config::Build(Specs(), {{"exactly.once", value}}, kPrefixes);
    ASSERT_FALSE(config.ok()) << "'" << value << "'";
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << "'" << value << "'";
  }
}

TEST(ConfigTest, ParseBoolHelper) {
  EXPECT_EQ(ParseBool("true"), std::optional<bool>(true));
  EXPECT_EQ(ParseBool("fAlSe"), std::optional<bool>(false));
  EXPECT_EQ(ParseBool("  true\n"), std::optional<bool>(true));
  EXPECT_EQ(ParseBool("t"), std::nullopt);
  EXPECT_EQ(ParseBool(""), std::nullopt);
}

TEST(ConfigTest, EnumAcceptsEachChoice) {
  for (const char* value : {"initial", "never", "always"}) {
    const Result<Config> config = Config::Build(Specs(), {{"snapshot.mode", value}}, kPrefixes);
    ASSERT_TRUE(config.ok()) << value << ": " << config.status().ToString();
    EXPECT_EQ(config->GetString("snapshot.mode"), value);
  }
}

TEST(ConfigTest, EnumRejectsOtherValues) {
  for (const char* value : {"sometimes", "INITIAL", "", "initial,never"}) {
    const Result<Config> config = Config::Build(Specs(), {{"snapshot.mode", value}}, kPrefixes);
    ASSERT_FALSE(config.ok()) << "'" << value << "'";
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << "'" << value << "'";
  }
}

TEST(ConfigTest, ListWithChoicesAcceptsKnownItems) {
  const Result<Config> config =
      Config::Build(Specs(), {{"sinks", " kafka , elasticsearch,,metrics "}}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetList("sinks"),
            (std::vector<std::string>{"kafka", "elasticsearch", "metrics"}));
}

TEST(ConfigTest, ListWithChoicesRejectsUnknownItem) {
  const Result<Config> config = Config::Build(Specs(), {{"sinks", "kafka,redis"}}, kPrefixes);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("sinks"), std::string::npos);
}

TEST(ConfigTest, ListWithoutChoicesAcceptsAnything) {
  const Result<Config> config =
      Config::Build(Specs(), {{"tables", "public.a, public.b ,x"}}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetList("tables"), (std::vector<std::string>{"public.a", "public.b", "x"}));
}

TEST(ConfigTest, GetListTrimsAndDropsEmptyItems) {
  const Config config =
      Config::ForTest({{"a", " x ,\ty,, z ,"}, {"b", ""}, {"c", " , ,"}, {"d", "one"}});
  EXPECT_EQ(config.GetList("a"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(config.GetList("b").empty());
  EXPECT_TRUE(config.GetList("c").empty());
  EXPECT_EQ(config.GetList("d"), std::vector<std::string>{"one"});
  EXPECT_TRUE(config.GetList("missing").empty());
}

TEST(ConfigTest, SplitListHelperUsesSeparator) {
  EXPECT_EQ(SplitList("a;b ; ;c", ';'), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitList("a,b", ';'), std::vector<std::string>{"a,b"});
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_EQ(Trim("   "), "");
}

TEST(ConfigTest, WithPrefixStripsPrefix) {
  const Values values = {{"kafka.linger.ms", "5"},
                         {"kafka.bootstrap.servers", "localhost:9092"},
                         {"es.url", "http://localhost:9200"}};
  const Result<Config> config = Config::Build(Specs(), values, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const std::map<std::string, std::string> expected = {{"linger.ms", "5"},
                                                       {"bootstrap.servers", "localhost:9092"}};
  EXPECT_EQ(config->WithPrefix("kafka."), expected);
  EXPECT_EQ(config->WithPrefix("es."),
            (std::map<std::string, std::string>{{"url", "http://localhost:9200"}}));
  EXPECT_TRUE(config->WithPrefix("absent.").empty());
}

TEST(ConfigTest, WithPrefixMatchesOnlyTheExactPrefix) {
  const Config config = Config::ForTest(
      {{"kafka.a", "1"}, {"kafka.b", "2"}, {"kafkaz", "3"}, {"kafk", "4"}, {"l", "5"}});
  EXPECT_EQ(config.WithPrefix("kafka."),
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(config.WithPrefix("kafka").size(), 3u);  // kafka.a, kafka.b, kafkaz
}

TEST(ConfigTest, SecretFallsBackToEnvVar) {
  const ScopedEnv env(kPasswordEnv, "hunter2");
  const Result<Config> config = Config::Build(SecretSpecs(), {}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("es.password"), "hunter2");
  EXPECT_TRUE(config->Has("es.password"));
}

TEST(ConfigTest, SecretWithoutValueOrEnvIsEmpty) {
  const ScopedEnv env(kPasswordEnv, nullptr);
  const Result<Config> config = Config::Build(SecretSpecs(), {}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_FALSE(config->Has("es.password"));
}

TEST(ConfigTest, ExplicitValueWinsOverEnvVar) {
  const ScopedEnv env(kPasswordEnv, "from-env");
  const Result<Config> config =
      Config::Build(SecretSpecs(), {{"es.password", "from-file"}}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("es.password"), "from-file");
}

TEST(ConfigTest, EnvVarWinsOverDefault) {
  const ScopedEnv env("WALCAST_CONFIG_TEST_RETRIES", "7");
  const Result<Config> config = Config::Build(SecretSpecs(), {}, kPrefixes);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetInt("retries"), 7);
}

TEST(ConfigTest, EnvVarIsValidated) {
  const ScopedEnv env("WALCAST_CONFIG_TEST_RETRIES", "lots");
  const Result<Config> config = Config::Build(SecretSpecs(), {}, kPrefixes);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("retries"), std::string::npos);

  const ScopedEnv out_of_range("WALCAST_CONFIG_TEST_RETRIES", "11");
  const Result<Config> high = Config::Build(SecretSpecs(), {}, kPrefixes);
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast
