#include "projections/row.h"

#include <algorithm>

#include "metrics/codec.h"

namespace walcast::projections {

const std::string* ProjectedRow::Find(std::string_view name) const {
  const auto it = std::lower_bound(fields.begin(), fields.end(), name,
                                   [](const auto& f, std::string_view n) { return f.first < n; });
  return it != fields.end() && it->first == name ? &it->second : nullptr;
}

void ProjectedRow::Set(std::string name, std::string value) {
  const auto it = std::lower_bound(fields.begin(), fields.end(), name,
                                   [](const auto& f, const std::string& n) { return f.first < n; });
  if (it != fields.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    fields.emplace(it, std::move(name), std::move(value));
  }
}

std::string ProjectedRow::Encode() const {
  std::string out;
  metrics::PutBytes(source_key, &out);
  metrics::PutVarint(fields.size(), &out);
  for (const auto& [name, value] : fields) {
    metrics::PutBytes(name, &out);
    metrics::PutBytes(value, &out);
  }
  return out;
}

std::optional<ProjectedRow> ProjectedRow::Decode(std::string_view bytes) {
  ProjectedRow row;
  std::string_view source;
  uint64_t count = 0;
  if (!metrics::GetBytes(&bytes, &source) || !metrics::GetVarint(&bytes, &count)) {
    return std::nullopt;
  }
  row.source_key = std::string(source);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    std::string_view value;
    if (!metrics::GetBytes(&bytes, &name) || !metrics::GetBytes(&bytes, &value)) {
      return std::nullopt;
    }
    row.fields.emplace_back(name, value);
  }
  if (!bytes.empty()) return std::nullopt;
  return row;
}

std::string EncodeKey(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    out.append(v);
    out.push_back('\0');
  }
  return out;
}

std::vector<std::string> DecodeKey(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    const size_t end = bytes.find('\0');
    out.emplace_back(bytes.substr(0, end));
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace walcast::projections
