#include "app/config_file.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "app/options.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::app {

namespace {

namespace po = boost::program_options;

// The first line that is neither blank, a comment, a [section] nor
// key=value, by Boost.Program_options' rules (common_config_file_iterator):
// 1-based, or 0 when every line is fine.
size_t FirstInvalidLine(std::string_view text) {
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    line = line.substr(0, line.find('#'));
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (line.front() == '[' && line.back() == ']') continue;
    if (line.find('=') == std::string_view::npos) return number;
  }
  return 0;
}

Status ParseProperties(std::string_view text, const std::string& origin,
                       std::map<std::string, std::string>* out) {
  // Checked here rather than left to Boost: its error for such a line puts
  // the line's text into a message template and then replaces placeholders
  // until none is left, which never ends when the line itself contains one
  // ("%invalid_line%"); config_fuzz found that.
  if (const size_t line = FirstInvalidLine(text); line != 0) {
    return Status::InvalidArgument("config file '" + origin + "': line " + std::to_string(line) +
                                   " is not key=value");
  }
  std::istringstream in{std::string(text)};
  try {
    // No registered options: every key comes back unregistered and is
    // validated against AllOptions() by Config::Build, which names a bad key.
    po::options_description none;
    po::parsed_options parsed = po::parse_config_file(in, none, /*allow_unregistered=*/true);
    for (const auto& opt : parsed.options) {
      (*out)[opt.string_key] = opt.value.empty() ? "" : opt.value.front();
    }
  } catch (const po::error& e) {
    return Status::InvalidArgument("config file '" + origin + "': " + e.what());
  }
  return Status::Ok();
}

// Connect keeps config values as strings; numbers and booleans written
// without quotes keep their JSON text.
Status JsonScalar(const rapidjson::Value& v, const std::string& where, std::string* out) {
  if (v.IsString()) {
    out->assign(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    *out = v.GetBool() ? "true" : "false";
  } else if (v.IsNumber()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    out->assign(buffer.GetString(), buffer.GetSize());
  } else {
    return Status::InvalidArgument(where + " must be a string, number or boolean");
  }
  return Status::Ok();
}

Status JsonKeys(const rapidjson::Value& object, const std::string& origin,
                std::map<std::string, std::string>* out) {
  for (const auto& member : object.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    if (member.value.IsNull()) continue;  // Connect: null means unset
    std::string value;
    WALCAST_RETURN_IF_ERROR(
        JsonScalar(member.value, "config file '" + origin + "': key '" + key + "'", &value));
    (*out)[key] = std::move(value);
  }
  return Status::Ok();
}

Result<ConfigFile> ParseJson(std::string_view text, const std::string& origin) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument("config file '" + origin + "': invalid JSON at offset " +
                                   std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return Status::InvalidArgument("config file '" + origin + "': expected a JSON object");
  }
  ConfigFile file;
  const auto config = doc.FindMember("config");
  if (config == doc.MemberEnd() || !config->value.IsObject()) {
    file.format = ConfigFile::Format::kJsonObject;
    WALCAST_RETURN_IF_ERROR(JsonKeys(doc, origin, &file.values));
    return file;
  }
  file.format = ConfigFile::Format::kConnectorJson;
  WALCAST_RETURN_IF_ERROR(JsonKeys(config->value, origin, &file.values));
  for (const auto& member : doc.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name == "config" || name == "tasks" || name == "type") continue;
    if (name != "name") {
      return Status::InvalidArgument("config file '" + origin + "': unknown member '" +
                                     std::string(name) +
                                     "' beside \"config\" (a Connect body has \"name\" and "
                                     "\"config\")");
    }
    std::string value;
    WALCAST_RETURN_IF_ERROR(JsonScalar(member.value, "config file '" + origin + "': \"name\"",
                                       &value));
    auto [it, inserted] = file.values.emplace("name", value);
    if (!inserted && it->second != value) {
      return Status::InvalidArgument("config file '" + origin + "': \"name\" is '" + value +
                                     "' but config's key 'name' is '" + it->second + "'");
    }
  }
  return file;
}

}  // namespace

Result<ConfigFile> ParseConfigText(std::string_view text, const std::string& origin) {
  std::string_view rest = text;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // UTF-8 byte order mark
  const size_t first = rest.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && rest[first] == '{') return ParseJson(rest, origin);
  ConfigFile file;
  WALCAST_RETURN_IF_ERROR(ParseProperties(rest, origin, &file.values));
  return file;
}

Result<ConfigFile> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open config file '" + path + "'");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return ParseConfigText(text, path);
}

Result<LoadedConfig> LoadConfigSources(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& overrides) {
  LoadedConfig loaded;
  std::string connector_path;
  auto merge = [&](std::map<std::string, std::string> values) -> Status {
    std::vector<IgnoredKey> ignored;
    WALCAST_RETURN_IF_ERROR(TranslateDebeziumKeys(&values, &ignored));
    for (auto& [key, value] : values) loaded.values[key] = std::move(value);
    for (IgnoredKey& item : ignored) {
      const bool seen = std::any_of(loaded.ignored.begin(), loaded.ignored.end(),
                                    [&](const IgnoredKey& k) { return k.key == item.key; });
      if (!seen) loaded.ignored.push_back(std::move(item));
    }
    return Status::Ok();
  };
  for (const std::string& path : paths) {
    Result<ConfigFile> file = ReadConfigFile(path);
    if (!file.ok()) return file.status();
    if (file->format != ConfigFile::Format::kProperties) {
      // Several connector configs mean several pipelines
      // (LoadPipelineSources); merging them into one would be wrong.
      if (!connector_path.empty()) {
        return Status::InvalidArgument("config files '" + connector_path + "' and '" + path +
                                       "' are both JSON connector configs; one configuration "
                                       "takes one (properties files may add to it)");
      }
      connector_path = path;
    }
    WALCAST_RETURN_IF_ERROR(merge(std::move(file->values)));
  }
  std::map<std::string, std::string> set;
  for (const std::string& assignment : overrides) {
    WALCAST_RETURN_IF_ERROR(ApplyOverride(assignment, &set));
  }
  WALCAST_RETURN_IF_ERROR(merge(std::move(set)));
  return loaded;
}

}  // namespace walcast::app
