#pragma once

// RapidJSON's Writer with Jackson's escaping of characters outside the
// Basic Multilingual Plane. Kafka's JsonConverter (Jackson) writes such a
// character as its UTF-16 surrogate pair escaped, "\uD83D\uDE00" for
// U+1F600, where RapidJSON would write its four UTF-8 bytes; every other
// character is escaped alike by both (connect_schema.h, AppendJsonString).

#include <cstring>
#include <string>

#include "debezium/connect_schema.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::debezium {

class JacksonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;
  explicit JacksonWriter(rapidjson::StringBuffer& buffer) : Base(buffer) {}

  // Hides Base::String: a string holding a four-byte UTF-8 sequence goes
  // through AppendJsonString. Keys are written by Base::Key unchanged.
  bool String(const char* s, rapidjson::SizeType length, bool copy = false) {
    for (rapidjson::SizeType i = 0; i < length; ++i) {
      if (static_cast<unsigned char>(s[i]) >= 0xF0) return Escaped(s, length);
    }
    return Base::String(s, length, copy);
  }
  bool String(const char* s) { return String(s, static_cast<rapidjson::SizeType>(std::strlen(s))); }

 private:
  bool Escaped(const char* s, rapidjson::SizeType length) {
    std::string literal;
    AppendJsonString(std::string_view(s, length), &literal);
    return RawValue(literal.data(), literal.size(), rapidjson::kStringType);
  }
};

}  // namespace walcast::debezium
