#pragma once

// One projection entry as it is kept in the state: the source row's primary
// key (so a delete of the source row finds it) and the projected fields,
// sorted by name. Map entries are named "<map>.<entry>", e.g.
// "user_locations.district_name". A null or missing value is absent.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::projections {

struct ProjectedRow {
  std::string source_key;  // the source row's primary key, encoded (EncodeKey)
  std::vector<std::pair<std::string, std::string>> fields;  // sorted by name

  // The value of `name`, or nullptr when absent.
  const std::string* Find(std::string_view name) const;
  // Adds or replaces a value, keeping the order.
  void Set(std::string name, std::string value);

  std::string Encode() const;
  static std::optional<ProjectedRow> Decode(std::string_view bytes);
  bool operator==(const ProjectedRow&) const = default;
};

// Key values joined so that a prefix of the values is a prefix of the bytes
// ('\0' after each value; values never hold '\0': they are PostgreSQL text).
std::string EncodeKey(const std::vector<std::string>& values);
std::vector<std::string> DecodeKey(std::string_view bytes);

}  // namespace walcast::projections
