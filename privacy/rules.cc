#include "privacy/rules.h"

#include <algorithm>
#include <set>

#include "core/config.h"

namespace walcast::privacy {
namespace {

struct OpNameEntry {
  Action op;
  const char* name;
};
constexpr OpNameEntry kOps[] = {{Action::kDrop, "drop"},     {Action::kMask, "mask"},
                                {Action::kHash, "hash"},     {Action::kEncrypt, "encrypt"},
                                {Action::kConcat, "concat"}, {Action::kDate, "date"}};

// The settings every rule may have; the values are checked per op below.
const std::set<std::string>& RuleFields() {
  static const std::set<std::string> kFields = {"table",     "column",      "paths",     "path",
                                                "op",        "from",        "separator", "to",
                                                "mask.keep", "derived.from"};
  return kFields;
}

Status CheckPaths(const std::string& key, const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    Result<std::vector<std::string>> parts = SplitPath(p);
    if (!parts.ok()) {
      return Status::InvalidArgument("config key '" + key + "': " + parts.status().message());
    }
  }
  return Status::Ok();
}

Result<Rule> ParseRule(const std::string& name, const std::map<std::string, std::string>& fields) {
  const std::string base = "privacy.rule." + name + ".";
  auto get = [&](const std::string& f) {
    auto it = fields.find(f);
    return it == fields.end() ? std::string() : it->second;
  };
  Rule rule;
  rule.name = name;
  rule.table = Trim(get("table"));
  rule.column = Trim(get("column"));
  if (rule.table.find('.') == std::string::npos) {
    return Status::InvalidArgument("config key '" + base + "table' must be <schema>.<table>");
  }
  if (rule.column.empty()) {
    return Status::InvalidArgument("config key '" + base + "column' is required");
  }
  const std::string op = LowerAscii(Trim(get("op")));
  const auto* entry = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const OpNameEntry& e) { return op == e.name; });
  if (entry == std::end(kOps)) {
    return Status::InvalidArgument("config key '" + base + "op': unknown operation '" + op +
                                   "' (expected drop, mask, hash, encrypt, concat or date)");
  }
  rule.op = entry->op;
  rule.paths = SplitList(get("paths"));
  for (const std::string& p : SplitList(get("path"))) rule.paths.push_back(p);
  WALCAST_RETURN_IF_ERROR(CheckPaths(base + "paths", rule.paths));
  rule.from = SplitList(get("from"));
  WALCAST_RETURN_IF_ERROR(CheckPaths(base + "from", rule.from));
  rule.to = Trim(get("to"));
  if (!rule.to.empty()) WALCAST_RETURN_IF_ERROR(CheckPaths(base + "to", {rule.to}));
  if (fields.count("separator") != 0) {
    // Configuration values are trimmed, so a separator with spaces at its
    // ends is written in double quotes: separator=", ".
    const std::string sep = get("separator");
    const bool quoted = sep.size() >= 2 && sep.front() == '"' && sep.back() == '"';
    rule.separator = quoted ? sep.substr(1, sep.size() - 2) : sep;
  }
  rule.derived_from = Trim(get("derived.from"));
  if (const std::string keep = Trim(get("mask.keep")); !keep.empty()) {
    try {
      rule.mask_keep = std::stoi(keep);
    } catch (const std::exception&) {
      rule.mask_keep = -1;
    }
    if (rule.mask_keep < 0 || rule.mask_keep > 64) {
      return Status::InvalidArgument("config key '" + base + "mask.keep' must be 0-64");
    }
  }
  switch (rule.op) {
    case Action::kConcat:
      if (rule.from.empty() || rule.to.empty()) {
        return Status::InvalidArgument("config keys '" + base + "from' and '" + base +
                                       "to' are required with op=concat");
      }
      break;
    case Action::kDate:
      if (rule.paths.size() != 1) {
        return Status::InvalidArgument("config key '" + base +
                                       "path' must name one date with op=date");
      }
      break;
    default:
      if (!rule.from.empty() || !rule.to.empty()) {
        return Status::InvalidArgument("config key '" + base + (rule.from.empty() ? "to" : "from") +
                                       "' applies to op=concat and op=date only");
      }
  }
  return rule;
}

}  // namespace

const char* OpName(Action op) {
  for (const OpNameEntry& e : kOps) {
    if (e.op == op) return e.name;
  }
  return "?";
}

bool RuleSet::NeedsKeys() const {
  return std::any_of(rules.begin(), rules.end(), [](const Rule& r) {
    return r.op == Action::kEncrypt || r.op == Action::kHash;
  });
}

Result<std::vector<std::string>> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  const std::string p = Trim(path);
  if (p.empty()) return Status::InvalidArgument("empty JSON path");
  while (pos <= p.size()) {
    size_t dot = p.find('.', pos);
    if (dot == std::string::npos) dot = p.size();
    if (dot == pos) return Status::InvalidArgument("JSON path '" + p + "' has an empty key");
    parts.push_back(p.substr(pos, dot - pos));
    pos = dot + 1;
  }
  return parts;
}

Result<RuleSet> ParseRules(const std::map<std::string, std::string>& privacy) {
  RuleSet set;
  std::vector<std::string> listed;
  std::map<std::string, std::map<std::string, std::string>> fields;
  for (const auto& [key, value] : privacy) {
    const std::string full = "privacy." + key;
    if (key == "rules") {
      listed = SplitList(value);
    } else if (key == "keys.file") {
      set.keys_file = Trim(value);
    } else if (key == "state.dir") {
      set.state_dir = Trim(value);
    } else if (key == "hash.key.id") {
      set.hash_key_id = Trim(value);
    } else if (key == "on.error") {
      const std::string mode = LowerAscii(Trim(value));
      if (mode != "fail" && mode != "redact") {
        return Status::InvalidArgument("config key '" + full + "' must be fail or redact");
      }
      set.on_error = mode == "fail" ? OnError::kFail : OnError::kRedact;
    } else if (key == "transform.thread") {
      const std::string on = LowerAscii(Trim(value));
      if (on != "true" && on != "false") {
        return Status::InvalidArgument("config key '" + full + "' must be true or false");
      }
      set.transform_thread = on == "true";
    } else if (key.rfind("subject.", 0) == 0) {
      const std::string table = key.substr(8);
      const std::string v = Trim(value);
      const size_t colon = v.find(':');
      SubjectSource source{Trim(v.substr(0, colon)),
                           colon == std::string::npos ? "" : Trim(v.substr(colon + 1))};
      if (table.find('.') == std::string::npos || source.column.empty()) {
        return Status::InvalidArgument("config key '" + full +
                                       "': expected privacy.subject.<schema>.<table>="
                                       "<column>[:<json.path>]");
      }
      if (!source.path.empty()) WALCAST_RETURN_IF_ERROR(CheckPaths(full, {source.path}));
      set.subjects[table] = std::move(source);
    } else if (key.rfind("rule.", 0) == 0) {
      const std::string rest = key.substr(5);
      const size_t dot = rest.find('.');
      const std::string field = dot == std::string::npos ? "" : rest.substr(dot + 1);
      if (dot == std::string::npos || RuleFields().count(field) == 0) {
        return Status::InvalidArgument("config key '" + full +
                                       "' is not a rule setting (table, "
                                       "column, paths, op, from, separator, to, mask.keep, "
                                       "derived.from)");
      }
      fields[rest.substr(0, dot)][field] = value;
    } else {
      return Status::InvalidArgument("config key '" + full + "' is unknown (docs/privacy.md)");
    }
  }
  for (const auto& [name, f] : fields) {
    if (std::find(listed.begin(), listed.end(), name) == listed.end()) {
      return Status::InvalidArgument("config key 'privacy.rule." + name + "." + f.begin()->first +
                                     "': rule '" + name + "' is not named in privacy.rules");
    }
  }
  for (const std::string& name : listed) {
    auto it = fields.find(name);
    if (it == fields.end()) {
      return Status::InvalidArgument("config key 'privacy.rules' names rule '" + name +
                                     "', which has no privacy.rule." + name + ".* settings");
    }
    WALCAST_ASSIGN_OR_RETURN(Rule rule, ParseRule(name, it->second));
    set.rules.push_back(std::move(rule));
  }
  return set;
}

}  // namespace walcast::privacy
