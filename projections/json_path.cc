#include "projections/json_path.h"

#include <charconv>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::projections {
namespace {

Status Bad(std::string_view text, size_t at, std::string_view what) {
  return Status::InvalidArgument("JSON path '" + std::string(text) + "' at offset " +
                                 std::to_string(at) + ": " + std::string(what));
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '$' || c == '@';
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  if (text.empty() || text[0] != '$') return Bad(text, 0, "a path starts with '$'");
  size_t i = 1;
  while (i < text.size()) {
    Step step;
    if (text[i] == '.') {
      const size_t start = ++i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      if (i == start) return Bad(text, start, "expected a member name");
      step.name = std::string(text.substr(start, i - start));
    } else if (text[i] == '[') {
      const size_t close = text.find(']', i);
      if (close == std::string_view::npos) return Bad(text, i, "unclosed '['");
      const std::string_view inner = text.substr(i + 1, close - i - 1);
      if (inner == "*") {
        step.kind = Step::Kind::kAll;
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
                 inner.back() == inner.front()) {
        step.name = std::string(inner.substr(1, inner.size() - 2));
      } else {
        step.kind = Step::Kind::kIndex;
        const auto [end, ec] =
            std::from_chars(inner.data(), inner.data() + inner.size(), step.index);
        if (inner.empty() || ec != std::errc() || end != inner.data() + inner.size()) {
          return Bad(text, i + 1, "expected an index, '*' or a quoted name");
        }
      }
      i = close + 1;
    } else {
      return Bad(text, i, "expected '.' or '['");
    }
    path.steps_.push_back(std::move(step));
  }
  return path;
}

const rapidjson::Value* JsonPath::First(const rapidjson::Value& root) const {
  const rapidjson::Value* found = nullptr;
  Visit(root, [&](const rapidjson::Value& v) {
    if (found == nullptr) found = &v;
  });
  return found;
}

std::optional<std::string> ScalarText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return std::string(v.GetBool() ? "true" : "false");
  if (v.IsNumber()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  return std::nullopt;
}

}  // namespace walcast::projections
