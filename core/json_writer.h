#pragma once

// std::string_view through RapidJSON writers, whose String and Key take a
// pointer and a SizeType length. Header-only: targets that include it link
// walcast::rapidjson.

#include <rapidjson/rapidjson.h>

#include <string_view>

namespace walcast::json {

template <typename Writer>
bool String(Writer& w, std::string_view s) {
  return w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <typename Writer>
bool Key(Writer& w, std::string_view s) {
  return w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace walcast::json
