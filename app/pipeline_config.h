#pragma once

// Several pipelines in one process (docs/pipelines.md): how the --config
// files and --set overrides become one configuration per pipeline, and the
// checks that keep pipelines from colliding.
//
// A *connector config* is a Kafka Connect body ({"name": ..., "config":
// {...}}) or any other config file (properties or bare JSON object) that sets
// both `name` and `connector.class`. Each connector config defines one
// pipeline, named by its `name`. Every other file and the --set overrides
// are shared worker defaults: each pipeline starts from them and its
// connector's own keys win. With at most one connector config nothing
// changes from a single walcast run: all sources merge in order, later ones
// winning (LoadConfigSources).

#include <map>
#include <string>
#include <vector>

#include "app/config_file.h"
#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

// One pipeline's merged keys, before validation (Config::Build).
struct PipelineSource {
  std::string name;    // the connector's `name`; "" without a connector config
  std::string origin;  // the connector config's path; "" without one
  std::map<std::string, std::string> values;
};

// The pipelines the sources define (at least one), with the keys accepted
// without effect, each once, for the start-up warnings.
struct LoadedPipelines {
  std::vector<PipelineSource> pipelines;
  std::vector<IgnoredKey> ignored;
  bool used_default_state_dir = false;
};

// True when `file` defines a pipeline of its own (see above).
bool IsConnectorConfig(const ConfigFile& file);

// Reads the sources as LoadConfigSources does and splits them into
// pipelines. A pipeline whose sources do not set state.dir gets
// `default_state_dir` (app/state_dir.h), and `used_default_state_dir` says
// whether any did. With two or more connector configs, each pipeline's
// state.dir is <state.dir>/<name> unless its connector sets state.dir itself, so that
// the pipelines' snapshot, slot and metric state never share files.
// kInvalidArgument for a connector config without a usable name (empty,
// "." or "..", or containing '/'), two connector configs with the same name,
// and as ReadConfigFile, TranslateDebeziumKeys and ApplyOverride.
Result<LoadedPipelines> LoadPipelineSources(const std::vector<std::string>& paths,
                                            const std::vector<std::string>& overrides,
                                            const std::string& default_state_dir);

// A validated pipeline: its name ("" for the one pipeline without a
// connector config) and its configuration.
struct PipelineConfig {
  std::string name;
  Config config;
};

// Checks that several pipelines can run side by side; OK for one.
// kInvalidArgument naming both pipelines when two of them would
//   - share a replication slot (same host, port, database and slot.name),
//   - share a publication on one database (each keeps its own in sync),
//   - share a state.dir,
//   - both with exactly.once, share a transactional.id or a checkpoint
//     record (checkpoint topic and slot.name),
//   - write the same topics: the same topic.prefix with a table pattern in
//     both table.include.list values, or with both lists empty (every
//     table).
// Each pipeline's database.hostname and database.port must also pair up
// (CheckDatabaseHosts), naming the pipeline when there are several.
Status ValidatePipelines(const std::vector<PipelineConfig>& pipelines);

}  // namespace walcast::app
