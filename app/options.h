#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/config.h"

namespace walcast::app {

// Every configuration key walcast understands, with defaults and help text.
// Debezium's names are used where Debezium has the same setting.
const std::vector<OptionSpec>& AllOptions();
// Prefixes whose keys pass through unvalidated to a library (e.g. "kafka.").
const std::vector<std::string>& PassthroughPrefixes();

// Parses one --set KEY=VALUE override into `out`.
Status ApplyOverride(const std::string& assignment, std::map<std::string, std::string>* out);

// The libpq connection string for the configured database (password
// included; never log it).
std::string Conninfo(const Config& config);

// kInvalidArgument naming the key unless database.port is one port or one
// per database.hostname entry, each 1 to 65535, and no host is empty.
Status CheckDatabaseHosts(const Config& config);

// Help text listing every key, its default and description.
std::string ConfigHelp();

}  // namespace walcast::app
