// The metrics configuration keys (metrics/options.h): their specs validate
// with their own defaults, derived defaults, and errors that name the key.

#include "metrics/options.h"

#include <gtest/gtest.h>

#include <set>

namespace walcast::metrics {
namespace {

TEST(MetricsOptionsTest, SpecsAreUniqueAndTheirDefaultsValidate) {
  const std::vector<OptionSpec> specs = MetricsOptionSpecs();
  std::set<std::string> keys;
  for (const OptionSpec& s : specs) {
    EXPECT_TRUE(keys.insert(s.key).second) << s.key;
    EXPECT_FALSE(s.help.empty()) << s.key;
  }
  EXPECT_TRUE(keys.count("metrics.definitions.file"));
  EXPECT_TRUE(keys.count("checkpoint.interval.ms"));
  Result<Config> config = Config::Build(specs, {}, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_FALSE(MetricsEnabled(*config));
}

TEST(MetricsOptionsTest, DefaultsDeriveFromSlotAndPrefix) {
  const Config config = Config::ForTest(
      {{"slot.name", "idrepo_slot"}, {"topic.prefix", "mosip"}, {"state.dir", "/var/lib/walcast"}});
  Result<MetricsSinkOptions> o = MetricsSinkOptionsFromConfig(config);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->engine.instance, "mosip/idrepo_slot");
  EXPECT_EQ(o->engine.store.dir, "/var/lib/walcast/metrics-idrepo_slot");
  EXPECT_EQ(o->engine.store.cache_bytes, size_t{32} << 20);
  EXPECT_TRUE(o->engine.store.sync);
  EXPECT_EQ(o->engine.max_batch_rows, 5000u);
  EXPECT_FALSE(o->engine.reset_on_definition_change);
  EXPECT_EQ(o->checkpoint_interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(o->engine.store.min_free_bytes, uint64_t{64} << 20);
}

TEST(MetricsOptionsTest, ExplicitValues) {
  const Config config = Config::ForTest({{"metrics.definitions.file", "config/metrics/mosip.json"},
                                         {"metrics.state.dir", "/data/m"},
                                         {"metrics.instance.id", "regprc-1"},
                                         {"metrics.state.cache.bytes", "8388608"},
                                         {"metrics.state.sync", "false"},
                                         {"metrics.state.min.free.bytes", "0"},
                                         {"metrics.definitions.change", "reset"},
                                         {"checkpoint.interval.ms", "250"}});
  EXPECT_TRUE(MetricsEnabled(config));
  Result<MetricsSinkOptions> o = MetricsSinkOptionsFromConfig(config);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->engine.instance, "regprc-1");
  EXPECT_EQ(o->engine.store.dir, "/data/m");
  EXPECT_EQ(o->engine.store.cache_bytes, size_t{8} << 20);
  EXPECT_FALSE(o->engine.store.sync);
  EXPECT_EQ(o->engine.store.min_free_bytes, 0u);
  EXPECT_TRUE(o->engine.reset_on_definition_change);
  EXPECT_EQ(o->checkpoint_interval, std::chrono::milliseconds(250));
}

TEST(MetricsOptionsTest, BadValuesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"metrics.state.cache.bytes", "lots"},
      {"metrics.state.cache.bytes", "1024"},  // below 1 MiB
      {"metrics.batch.max.rows", "10"},
      {"metrics.state.sync", "maybe"},
      {"metrics.state.min.free.bytes", "-1"},
      {"metrics.definitions.change", "ignore"},
      {"checkpoint.interval.ms", "-5"},
  };
  for (const auto& [key, value] : cases) {
    const Result<MetricsSinkOptions> o =
        MetricsSinkOptionsFromConfig(Config::ForTest({{key, value}}));
    ASSERT_FALSE(o.ok()) << key << "=" << value;
    EXPECT_EQ(o.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(o.status().message().find(key), std::string::npos) << o.status().message();
  }
}

}  // namespace
}  // namespace walcast::metrics
