#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace walcast {
namespace {

const std::string kEmpty;

Status Validate(const OptionSpec& spec, const std::string& value) {
  switch (spec.type) {
    case OptionSpec::Type::kString:
      return Status::Ok();
    case OptionSpec::Type::kInt: {
      int64_t v = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), v);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size()) {
        return Status::InvalidArgument("config key '" + spec.key + "': '" + value +
                                       "' is not an integer");
      }
      if (v < spec.min || v > spec.max) {
        return Status::InvalidArgument("config key '" + spec.key + "': " + value +
                                       " is out of range [" + std::to_string(spec.min) + ", " +
                                       std::to_string(spec.max) + "]");
      }
      return Status::Ok();
    }
    case OptionSpec::Type::kBool:
      if (!ParseBool(value)) {
        return Status::InvalidArgument("config key '" + spec.key + "': '" + value +
                                       "' is not true or false");
      }
      return Status::Ok();
    case OptionSpec::Type::kEnum:
      if (std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
        std::string allowed;
        for (const auto& c : spec.choices) allowed += (allowed.empty() ? "" : ", ") + c;
        return Status::InvalidArgument("config key '" + spec.key + "': '" + value +
                                       "' is not one of " + allowed);
      }
      return Status::Ok();
    case OptionSpec::Type::kList:
      if (!spec.choices.empty()) {
        for (const auto& item : SplitList(value)) {
          if (std::find(spec.choices.begin(), spec.choices.end(), item) == spec.choices.end()) {
            return Status::InvalidArgument("config key '" + spec.key + "': unknown item '" +
                                           item + "'");
          }
        }
      }
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

std::optional<bool> ParseBool(std::string_view text) {
  const std::string l = LowerAscii(Trim(text));
  if (l == "true") return true;
  if (l == "false") return false;
  return std::nullopt;
}

std::string Trim(std::string_view text) {
  size_t b = 0;
  size_t e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string item = Trim(text.substr(start, end - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

Result<Config> Config::Build(const std::vector<OptionSpec>& specs,
                             const std::map<std::string, std::string>& values,
                             const std::vector<std::string>& passthrough_prefixes) {
  Config config;
  std::map<std::string, const OptionSpec*, std::less<>> by_key;
  for (const auto& spec : specs) by_key[spec.key] = &spec;

  for (const auto& [key, value] : values) {
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      const bool passthrough =
          std::any_of(passthrough_prefixes.begin(), passthrough_prefixes.end(),
                      [&](const std::string& p) { return key.starts_with(p) && key.size() > p.size(); });
      if (!passthrough) return Status::InvalidArgument("unknown config key '" + key + "'");
    } else {
      WALCAST_RETURN_IF_ERROR(Validate(*it->second, Trim(value)));
    }
    config.values_[key] = Trim(value);
  }
  for (const auto& spec : specs) {
    if (config.values_.count(spec.key)) continue;
    if (!spec.env.empty()) {
      if (const char* env = std::getenv(spec.env.c_str()); env != nullptr) {
        WALCAST_RETURN_IF_ERROR(Validate(spec, env));
        config.values_[spec.key] = env;
        continue;
      }
    }
    config.values_[spec.key] = spec.default_value;
  }
  return config;
}

bool Config::Has(std::string_view key) const {
  auto it = values_.find(key);
  return it != values_.end() && !it->second.empty();
}

const std::string& Config::GetString(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

int64_t Config::GetInt(std::string_view key) const {
  const std::string& v = GetString(key);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

bool Config::GetBool(std::string_view key) const { return ParseBool(GetString(key)).value_or(false); }

std::vector<std::string> Config::GetList(std::string_view key) const {
  return SplitList(GetString(key));
}

std::map<std::string, std::string> Config::WithPrefix(std::string_view prefix) const {
  std::map<std::string, std::string> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    out[it->first.substr(prefix.size())] = it->second;
  }
  return out;
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace walcast
