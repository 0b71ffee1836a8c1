#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walcast {

// Lsn is a PostgreSQL WAL position (XLogRecPtr), printed as "X/X" in hex like
// pg_lsn. A plain value type; 0 means "invalid / none".
class Lsn {
 public:
  constexpr Lsn() = default;
  constexpr explicit Lsn(uint64_t value) : value_(value) {}

  // Parses "16/B374D848". Returns nullopt for anything else.
  static std::optional<Lsn> Parse(std::string_view text);

  constexpr uint64_t value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }
  std::string ToString() const;

  constexpr auto operator<=>(const Lsn&) const = default;

 private:
  uint64_t value_ = 0;
};

}  // namespace walcast
