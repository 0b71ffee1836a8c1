#include "metrics/codec.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "pg/calendar.h"

namespace walcast::metrics {

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void PutSigned(int64_t value, std::string* out) {
  // Zig-zag: small magnitudes of either sign stay short.
  const uint64_t u = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  PutVarint(u, out);
}

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

void PutFixed64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

bool GetVarint(std::string_view* in, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool GetSigned(std::string_view* in, int64_t* value) {
  uint64_t u = 0;
  if (!GetVarint(in, &u)) return false;
  *value = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

bool GetBytes(std::string_view* in, std::string_view* bytes) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  *bytes = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

bool GetFixed64(std::string_view* in, uint64_t* value) {
  if (in->size() < 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  *value = v;
  return true;
}

uint64_t Hash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string AggregateKey::Encode() const {
  std::string out;
  out.reserve(32 + metric.size() + keys.size() * 24);
  PutBytes(metric, &out);
  out.push_back(mode);
  out.push_back(bucket ? '\1' : '\0');
  if (bucket) PutSigned(*bucket, &out);
  PutVarint(keys.size(), &out);
  for (const auto& [name, value] : keys) {
    PutBytes(name, &out);
    PutBytes(value, &out);
  }
  return out;
}

std::optional<AggregateKey> AggregateKey::Decode(std::string_view in) {
  AggregateKey key;
  std::string_view metric;
  if (!GetBytes(&in, &metric) || in.empty()) return std::nullopt;
  key.metric.assign(metric);
  key.mode = in.front();
  in.remove_prefix(1);
  if (in.empty()) return std::nullopt;
  const char has_bucket = in.front();
  in.remove_prefix(1);
  if (has_bucket != '\0') {
    int64_t bucket = 0;
    if (!GetSigned(&in, &bucket)) return std::nullopt;
    key.bucket = static_cast<int32_t>(bucket);
  }
  uint64_t n = 0;
  if (!GetVarint(&in, &n)) return std::nullopt;
  if (n > in.size()) return std::nullopt;  // each pair takes at least two bytes
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name;
    std::string_view value;
    if (!GetBytes(&in, &name) || !GetBytes(&in, &value)) return std::nullopt;
    key.keys.emplace_back(std::string(name), std::string(value));
  }
  if (!in.empty()) return std::nullopt;
  return key;
}

int64_t ToMicros(double value) {
  const double scaled = std::round(value * static_cast<double>(kMicrosPerUnit));
  // 2^63 is exactly representable; anything at or past it saturates.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(scaled < kLimit)) return std::numeric_limits<int64_t>::max();
  if (scaled < -kLimit) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(scaled);
}

int32_t EpochDay(int year, int month, int day) {
  return static_cast<int32_t>(
      pg::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

std::string FormatDays(int32_t days) {
  const pg::CivilDate date = pg::CivilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(date.year), date.month,
                date.day);
  return buf;
}

std::string EncodeAggregate(std::string_view canonical, int64_t count, int64_t sum,
                            std::string_view label) {
  std::string out;
  PutBytes(canonical, &out);
  PutSigned(count, &out);
  PutSigned(sum, &out);
  if (!label.empty()) PutBytes(label, &out);
  return out;
}

bool DecodeAggregate(std::string_view in, std::string* canonical, int64_t* count, int64_t* sum,
                     std::string* label) {
  std::string_view c;
  if (!GetBytes(&in, &c) || !GetSigned(&in, count) || !GetSigned(&in, sum)) return false;
  std::string_view l;
  if (!in.empty() && (!GetBytes(&in, &l) || l.empty())) return false;
  if (!in.empty()) return false;
  canonical->assign(c);
  if (label != nullptr) label->assign(l);
  return true;
}

}  // namespace walcast::metrics
