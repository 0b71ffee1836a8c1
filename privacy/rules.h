#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace walcast::privacy {

// What a rule does to its target.
enum class Action {
  kDrop,     // removed (a column leaves the schema; a path leaves the JSON)
  kMask,     // every character but the last mask.keep ones becomes '*'
  kHash,     // HMAC-SHA-256 under the hash key, 64 hex digits
  kEncrypt,  // AES-256-GCM, wc1:<key id>:<base64> (privacy/cipher.h)
  kConcat,   // derive: the `from` paths joined by `separator` into `to`
  kDate,     // derive: the date at the path normalised to ISO 8601, with
             // year/month/day fields in the object `to` (default <path>_parts)
};

const char* OpName(Action op);

// One privacy.rule.<name>.* rule (docs/privacy.md). A rule with no paths
// acts on the whole column; with paths, on those dotted paths inside the
// column's JSON (json, jsonb or text holding JSON).
struct Rule {
  std::string name;
  std::string table;  // "<schema>.<table>"
  std::string column;
  std::vector<std::string> paths;  // empty: the whole column
  Action op = Action::kDrop;
  std::vector<std::string> from;  // kConcat
  std::string separator = " ";    // kConcat
  std::string to;                 // kConcat (required), kDate (parts object)
  int mask_keep = 0;              // kMask
  std::string derived_from;       // kDrop: the field it is derivable from (report only)
};

// Where a table's subjects (crypto-shredding) are read: a column, or a path
// inside a JSON column. From privacy.subject.<schema>.<table>=<column>[:<path>].
struct SubjectSource {
  std::string column;
  std::string path;  // empty: the column's own value
};

enum class OnError {
  kFail,    // the pipeline stops with the table, column, LSN and reason
  kRedact,  // the column goes out as NULL and a warning names the reason
};

// Every privacy setting of a configuration: rules in the order applied,
// and where the keys come from (never the keys themselves).
struct RuleSet {
  std::vector<Rule> rules;
  std::map<std::string, SubjectSource> subjects;  // by "<schema>.<table>"
  std::string keys_file;
  std::string state_dir;    // privacy.state.dir; empty: <state.dir>/privacy-<slot.name>
  std::string hash_key_id;  // empty: the key ring's current key
  OnError on_error = OnError::kFail;
  // privacy.transform.thread: the rules run on a thread of their own, beside
  // the reader (core/pipeline.h, SetRowTransform's on_worker).
  bool transform_thread = false;

  bool empty() const { return rules.empty(); }
  bool NeedsKeys() const;
  bool NeedsSubjectKeys() const { return !subjects.empty(); }
};

// Parses the `privacy.*` keys (with the prefix removed, as
// Config::WithPrefix("privacy.") gives them). kInvalidArgument naming the
// key for an unknown key, a rule not listed in privacy.rules (or listed but
// not defined), an unknown op, a missing table/column/from/to, or an
// invalid path.
Result<RuleSet> ParseRules(const std::map<std::string, std::string>& privacy);

// Splits a dotted JSON path ("location.street.name") into its keys.
// kInvalidArgument for an empty path or an empty key.
Result<std::vector<std::string>> SplitPath(const std::string& path);

}  // namespace walcast::privacy
