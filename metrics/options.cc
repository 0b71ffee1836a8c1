#include "metrics/options.h"

#include <charconv>

namespace walcast::metrics {
namespace {

using T = OptionSpec::Type;

OptionSpec Spec(std::string key, T type, std::string def, std::string help,
                int64_t min = INT64_MIN) {
  OptionSpec s;
  s.key = std::move(key);
  s.type = type;
  s.default_value = std::move(def);
  s.help = std::move(help);
  s.min = min;
  return s;
}

// The configured value, or the spec's default.
std::string Value(const Config& config, const std::vector<OptionSpec>& specs,
                  std::string_view key) {
  if (config.Has(key)) return config.GetString(key);
  for (const OptionSpec& s : specs) {
    if (s.key == key) return s.default_value;
  }
  return {};
}

Result<int64_t> IntValue(const Config& config, const std::vector<OptionSpec>& specs,
                         std::string_view key) {
  const std::string v = Value(config, specs, key);
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  int64_t min = INT64_MIN;
  for (const OptionSpec& s : specs) {
    if (s.key == key) min = s.min;
  }
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || out < min) {
    return Status::InvalidArgument(std::string(key) + ": expected a whole number >= " +
                                   std::to_string(min) + ", got '" + v + "'");
  }
  return out;
}

}  // namespace

std::vector<OptionSpec> MetricsOptionSpecs() {
  std::vector<OptionSpec> o;
  o.push_back(Spec("metrics.definitions.file", T::kString, "",
                   "metric definitions (JSON, docs/metrics.md), e.g. config/metrics/mosip.json; "
                   "metrics are on when set"));
  o.push_back(
      Spec("metrics.state.dir", T::kString, "",
           "RocksDB directory of the metric state (default <state.dir>/metrics-<slot.name>)"));
  o.push_back(Spec("metrics.state.cache.bytes", T::kInt, "33554432",
                   "RocksDB block cache for the metric state (index and filter blocks included)",
                   1 << 20));
  o.push_back(Spec("metrics.state.sync", T::kBool, "true",
                   "fsync each metric state commit (off: survives kill -9, not power loss)"));
  o.push_back(Spec("metrics.state.min.free.bytes", T::kInt, "67108864",
                   "stop writing the metric state (one error; restart once space is freed) while "
                   "its filesystem has less free space than this; 0: no check",
                   0));
  o.push_back(Spec("metrics.batch.max.rows", T::kInt, "5000",
                   "rows changed in memory before they are written to the metric state", 100));
  o.push_back(Spec("metrics.aggregate.cache.max", T::kInt, "100000",
                   "aggregates cached in memory between commits", 1000));
  {
    OptionSpec s = Spec("metrics.definitions.change", T::kEnum, "fail",
                        "when the definitions changed since the state was built: fail (refuse to "
                        "start) or reset (wipe the metric state; take a new snapshot)");
    s.choices = {"fail", "reset"};
    o.push_back(std::move(s));
  }
  o.push_back(
      Spec("metrics.instance.id", T::kString, "",
           "instance in metric documents and their _id (default <topic.prefix>/<slot.name>)"));
  o.push_back(Spec("metrics.index", T::kString, "",
                   "index of the metric documents (default <topic.prefix>.metrics.anon_profile; "
                   "keep it under <topic.prefix>.metrics. for the metric index template)"));
  o.push_back(Spec("checkpoint.interval.ms", T::kInt, "1000",
                   "how often the metric state is committed and its documents written", 10));
  return o;
}

bool MetricsEnabled(const Config& config) {
  return !config.GetString("metrics.definitions.file").empty();
}

Result<MetricsSinkOptions> MetricsSinkOptionsFromConfig(const Config& config) {
  const std::vector<OptionSpec> specs = MetricsOptionSpecs();
  MetricsSinkOptions o;
  const std::string slot = config.Has("slot.name") ? config.GetString("slot.name") : "walcast";
  const std::string prefix =
      config.Has("topic.prefix") ? config.GetString("topic.prefix") : "walcast";
  o.engine.instance = Value(config, specs, "metrics.instance.id");
  if (o.engine.instance.empty()) o.engine.instance = prefix + "/" + slot;
  o.engine.store.dir = Value(config, specs, "metrics.state.dir");
  if (o.engine.store.dir.empty()) {
    const std::string state =
        config.Has("state.dir") ? config.GetString("state.dir") : "walcast-state";
    o.engine.store.dir = state + "/metrics-" + slot;
  }
  WALCAST_ASSIGN_OR_RETURN(const int64_t cache,
                           IntValue(config, specs, "metrics.state.cache.bytes"));
  o.engine.store.cache_bytes = static_cast<size_t>(cache);
  const std::optional<bool> sync = ParseBool(Value(config, specs, "metrics.state.sync"));
  if (!sync) return Status::InvalidArgument("metrics.state.sync: expected true or false");
  o.engine.store.sync = *sync;
  WALCAST_ASSIGN_OR_RETURN(const int64_t reserve,
                           IntValue(config, specs, "metrics.state.min.free.bytes"));
  o.engine.store.min_free_bytes = static_cast<uint64_t>(reserve);
  WALCAST_ASSIGN_OR_RETURN(const int64_t rows, IntValue(config, specs, "metrics.batch.max.rows"));
  o.engine.max_batch_rows = static_cast<size_t>(rows);
  WALCAST_ASSIGN_OR_RETURN(const int64_t aggs,
                           IntValue(config, specs, "metrics.aggregate.cache.max"));
  o.engine.max_cached_aggregates = static_cast<size_t>(aggs);
  const std::string change = Value(config, specs, "metrics.definitions.change");
  if (change != "fail" && change != "reset") {
    return Status::InvalidArgument("metrics.definitions.change: expected fail or reset");
  }
  o.engine.reset_on_definition_change = change == "reset";
  WALCAST_ASSIGN_OR_RETURN(const int64_t interval,
                           IntValue(config, specs, "checkpoint.interval.ms"));
  o.checkpoint_interval = std::chrono::milliseconds(interval);
  return o;
}

}  // namespace walcast::metrics
