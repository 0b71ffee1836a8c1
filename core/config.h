#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast {

// Describes one configuration key: its type, default and help text. The
// table of every key lives in app/ (the only module that knows them all).
struct OptionSpec {
  enum class Type { kString, kInt, kBool, kEnum, kList };
  std::string key;
  Type type = Type::kString;
  std::string default_value;  // empty string = no default
  std::string help;
  std::vector<std::string> choices;  // kEnum: allowed values; kList: allowed items if non-empty
  bool secret = false;               // never printed; may come from an env var
  std::string env;                   // environment variable that supplies it, if any
  int64_t min = INT64_MIN;           // kInt bounds
  int64_t max = INT64_MAX;
};

// Validated key=value configuration. Built once at start; read-only after,
// so it may be shared by reference between threads.
class Config {
 public:
  // Validates `values` against `specs`: every key must be a known key or
  // start with one of `passthrough_prefixes` (e.g. "kafka."); ints, bools,
  // enums and lists must parse. Defaults fill missing keys. Secrets missing
  // from `values` are read from their env var. Errors are kInvalidArgument
  // and name the offending key.
  static Result<Config> Build(const std::vector<OptionSpec>& specs,
                              const std::map<std::string, std::string>& values,
                              const std::vector<std::string>& passthrough_prefixes);

  bool Has(std::string_view key) const;
  // Getters for keys the specs declare; the value was validated by Build().
  const std::string& GetString(std::string_view key) const;
  int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  // Comma list, items trimmed, empty items dropped.
  std::vector<std::string> GetList(std::string_view key) const;
  // Every key starting with prefix, with the prefix removed.
  std::map<std::string, std::string> WithPrefix(std::string_view prefix) const;

  // Builds a config directly, without validation; for tests.
  static Config ForTest(std::map<std::string, std::string> values) {
    Config c;
    c.values_.insert(values.begin(), values.end());
    return c;
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// Parses a boolean the way Debezium does: true/false, case-insensitive.
std::optional<bool> ParseBool(std::string_view text);
std::vector<std::string> SplitList(std::string_view text, char sep = ',');
std::string Trim(std::string_view text);
// `text` with ASCII letters in lower case (configuration values, type
// names, SQL keywords); other bytes unchanged.
std::string LowerAscii(std::string_view text);

}  // namespace walcast
