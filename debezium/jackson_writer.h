#pragma once

// RapidJSON's Writer with Jackson's escaping of characters outside the
// Basic Multilingual Plane. Kafka's JsonConverter (Jackson) writes such a
// character as its UTF-16 surrogate pair escaped, "\uD83D\uDE00" for
// U+1F600, where RapidJSON would write its four UTF-8 bytes; every other
// character is escaped alike by both (connect_schema.h, AppendJsonString).

#include <cstdint>
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
    if (HasFourByteLead(s, length)) return Escaped(s, length);
    return Base::String(s, length, copy);
  }
  bool String(const char* s) { return String(s, static_cast<rapidjson::SizeType>(std::strlen(s))); }

  // Hides Base::RawValue, which puts the text one character at a time:
  // with the ~2 KB envelope schema each record starts with, that was an
  // eighth of walcast's CPU streaming to Kafka. Base writes the separator
  // and keeps the nesting state; the text goes in with one copy.
  bool RawValue(const char* json, size_t length, rapidjson::Type type) {
    const bool ok = Base::RawValue(json, 0, type);
    if (length > 0) std::memcpy(os_->Push(length), json, length);
    return ok;
  }

 private:
  // Whether `s` holds a byte ≥ 0xF0 (the lead of a four-byte UTF-8
  // sequence). Eight bytes at a time while their high bits are clear (ASCII,
  // the usual text), so the check costs little beside Base::String's own pass.
  static bool HasFourByteLead(const char* s, size_t length) {
    constexpr uint64_t kHighBits = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + sizeof(uint64_t) <= length; i += sizeof(uint64_t)) {
      uint64_t word;
      std::memcpy(&word, s + i, sizeof(word));
      if ((word & kHighBits) != 0) break;
    }
    for (; i < length; ++i) {
      if (static_cast<unsigned char>(s[i]) >= 0xF0) return true;
    }
    return false;
  }

  bool Escaped(const char* s, rapidjson::SizeType length) {
    std::string literal;
    AppendJsonString(std::string_view(s, length), &literal);
    return RawValue(literal.data(), literal.size(), rapidjson::kStringType);
  }
};

}  // namespace walcast::debezium
