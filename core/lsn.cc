#include "core/lsn.h"

#include <charconv>
#include <cstdio>

namespace walcast {

std::optional<Lsn> Lsn::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
  uint32_t hi = 0;
  uint32_t lo = 0;
  const char* begin = text.data();
  const char* mid = begin + slash;
  const char* end = begin + text.size();
  auto r1 = std::from_chars(begin, mid, hi, 16);
  if (r1.ec != std::errc() || r1.ptr != mid) return std::nullopt;
  auto r2 = std::from_chars(mid + 1, end, lo, 16);
  if (r2.ec != std::errc() || r2.ptr != end) return std::nullopt;
  return Lsn((static_cast<uint64_t>(hi) << 32) | lo);
}

std::string Lsn::ToString() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%X/%X", static_cast<unsigned>(value_ >> 32),
                static_cast<unsigned>(value_ & 0xffffffffu));
  return buf;
}

}  // namespace walcast
