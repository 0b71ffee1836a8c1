#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::app {

// How walcast treats a key of Debezium's PostgreSQL connector (3.x, with its
// 1.x/2.x names) or of Kafka Connect that is not one of walcast's own keys
// (AllOptions()). Keys that walcast implements under the same name are not in
// this table; docs/debezium-config.md lists both.
struct DebeziumKey {
  enum class Kind {
    kAlias,     // an older name of `target`; the value moves there
    kAccepted,  // Connect's own bookkeeping; checked against `values`, no warning
    kNoEffect,  // accepted, dropped, and a warning names it
    kRefused,   // kInvalidArgument: ignoring it would surprise (privacy, data)
  };
  std::string_view key;
  bool prefix = false;  // `key` ends with '.' and matches every key under it
  Kind kind = Kind::kNoEffect;
  std::string_view target;  // kAlias: the current name
  // kAccepted: the values allowed (empty: any). kNoEffect: the values with
  // which ignoring the key changes nothing (empty: any); another value is
  // refused. Compared case-insensitively, after trimming.
  std::vector<std::string_view> values;
  std::string_view why;  // why it has no effect, or why it is refused
};

// The one table of Debezium and Connect keys that are not walcast keys.
const std::vector<DebeziumKey>& DebeziumKeys();

// The entry for `key` (an exact entry wins over a prefix), or nullptr.
const DebeziumKey* FindDebeziumKey(std::string_view key);

// A key accepted without effect, to be logged once at start.
struct IgnoredKey {
  std::string key;
  std::string why;
  bool operator==(const IgnoredKey&) const = default;
};

// Rewrites one config source (one file, or all --set overrides) in place:
// old names move to their current names, Connect's keys are checked and
// dropped, keys without effect are dropped and appended to `ignored`.
// Keys not in the table (walcast's own, passthrough, unknown) are left for
// Config::Build. Errors are kInvalidArgument and name the key: a refused key
// with a non-empty value, a value outside an entry's `values`, or an old and a
// current name both set to different values (naming both).
Status TranslateDebeziumKeys(std::map<std::string, std::string>* values,
                             std::vector<IgnoredKey>* ignored);

}  // namespace walcast::app
