#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/debezium_keys.h"
#include "core/status.h"

namespace walcast::app {

// One --config file, read into key=value pairs.
struct ConfigFile {
  enum class Format {
    kProperties,     // key=value lines, '#' comments (Boost.Program_options)
    kConnectorJson,  // Kafka Connect's POST /connectors body: {"name": ..., "config": {...}}
    kJsonObject,     // a bare JSON object of keys, as PUT /connectors/<name>/config takes
  };
  Format format = Format::kProperties;
  std::map<std::string, std::string> values;
};

// Parses a config file's text. The format is told by content: text whose
// first non-blank character is '{' is JSON, anything else properties. JSON
// values may be strings, numbers or booleans (kept as their text); null
// leaves the key unset. In a Connect body, "name" becomes the key `name`;
// "tasks" and "type" (GET /connectors/<name> adds them) are ignored.
// kInvalidArgument (naming `origin`) for malformed text, a nested value, an
// unknown top-level member or a "name" that differs from config's.
Result<ConfigFile> ParseConfigText(std::string_view text, const std::string& origin);

// Reads and parses one file: kNotFound if it cannot be opened, otherwise as
// ParseConfigText.
Result<ConfigFile> ReadConfigFile(const std::string& path);

// The merged configuration before validation (Config::Build), with the keys
// accepted without effect, each once, for the start-up warnings.
struct LoadedConfig {
  std::map<std::string, std::string> values;
  std::vector<IgnoredKey> ignored;
};

// Reads each file in order, then the --set overrides (KEY=VALUE). Each
// source goes through TranslateDebeziumKeys on its own, so a later source
// overrides an earlier one under either name (an old name in one file and
// the current name in the next is not a conflict); later sources win.
// This is one configuration; the CLI reads the sources with
// LoadPipelineSources (app/pipeline_config.h), which makes one pipeline of
// each connector config and merges exactly like this when there is one.
// kInvalidArgument for more than one JSON config, and as ReadConfigFile,
// TranslateDebeziumKeys and ApplyOverride.
Result<LoadedConfig> LoadConfigSources(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& overrides);

}  // namespace walcast::app
