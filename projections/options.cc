#include "projections/options.h"

namespace walcast::projections {

std::vector<OptionSpec> ProjectionOptionSpecs() {
  using T = OptionSpec::Type;
  auto spec = [](std::string key, T type, std::string def, std::string help) {
    OptionSpec s;
    s.key = std::move(key);
    s.type = type;
    s.default_value = std::move(def);
    s.help = std::move(help);
    return s;
  };
  std::vector<OptionSpec> o;
  o.push_back(spec("projections.definitions.file", T::kString, "",
                   "projection definitions (JSON, docs/projections.md), e.g. "
                   "config/examples/sunbird-program-users/projections.json; empty: off"));
  o.push_back(
      spec("projections.state.dir", T::kString, "",
           "RocksDB directory of the projections (default <state.dir>/projections-<slot>)"));
  o.push_back(spec("projections.state.sync", T::kBool, "true",
                   "fsync every state batch (survives power loss, not only kill -9)"));
  o.push_back(spec("projections.batch.max.rows", T::kInt, "5000",
                   "entries changed in memory before they are written early"));
  o.back().min = 1;
  o.push_back(spec("projections.output.batch.max", T::kInt, "1000",
                   "changed entries handed to the outputs (elasticsearch_index, kafka_table of "
                   "a definition) per write"));
  o.back().min = 1;
  o.push_back(spec("projections.decrypt.key.file", T::kString, "",
                   "file holding Sunbird's encryption key (sunbird_encryption_key) for encrypted "
                   "fields; empty: the sunbird_encryption_key environment variable"));
  return o;
}

bool ProjectionsEnabled(const Config& config) {
  return config.Has("projections.definitions.file") &&
         !config.GetString("projections.definitions.file").empty();
}

std::string ProjectionStateDir(const Config& config) {
  if (config.Has("projections.state.dir") && !config.GetString("projections.state.dir").empty()) {
    return config.GetString("projections.state.dir");
  }
  const std::string state =
      config.Has("state.dir") ? config.GetString("state.dir") : "walcast-state";
  const std::string slot = config.Has("slot.name") ? config.GetString("slot.name") : "walcast";
  return state + "/projections-" + slot;
}

Result<ProjectionSinkOptions> ProjectionSinkOptionsFromConfig(const Config& config) {
  ProjectionSinkOptions o;
  o.engine.store.dir = ProjectionStateDir(config);
  o.engine.store.sync = config.GetBool("projections.state.sync");
  const int64_t rows = config.GetInt("projections.batch.max.rows");
  if (rows < 1) return Status::InvalidArgument("projections.batch.max.rows: expected >= 1");
  o.engine.max_batch_rows = static_cast<size_t>(rows);
  o.checkpoint_interval = std::chrono::milliseconds(config.GetInt("checkpoint.interval.ms"));
  const int64_t batch = config.GetInt("projections.output.batch.max");
  if (batch < 1) return Status::InvalidArgument("projections.output.batch.max: expected >= 1");
  o.output_batch = static_cast<size_t>(batch);
  return o;
}

}  // namespace walcast::projections
