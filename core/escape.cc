#include "core/escape.h"

namespace walcast {

std::string_view ShortEscape(uint32_t c) {
  switch (c) {
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\f':
      return "\\f";
    case '\r':
      return "\\r";
    default:
      return {};
  }
}

void AppendUnicodeEscape(uint32_t unit, bool upper_case, std::string* out) {
  const char* digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(digits[(unit >> shift) & 0xF]);
}

}  // namespace walcast
