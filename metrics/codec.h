#pragma once

// Byte encodings of the metric state kept in RocksDB (state_store.h): varints,
// zig-zag signed integers, length-prefixed strings, and the canonical form of
// an aggregate's identity (AggregateKey) with its 64-bit hash. Everything
// here is a pure function of its input, stable across runs and machines: the
// bytes are what survives a restart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::metrics {

// ---- Primitive encodings (append to *out; read from the front of *in) ----

void PutVarint(uint64_t value, std::string* out);
void PutSigned(int64_t value, std::string* out);          // zig-zag, then varint
void PutBytes(std::string_view bytes, std::string* out);  // varint length, then the bytes
void PutFixed64(uint64_t value, std::string* out);        // big-endian: keys sort numerically

// Each reader consumes its value from the front of *in and returns false
// (leaving *in unspecified) when the input is short or malformed.
bool GetVarint(std::string_view* in, uint64_t* value);
bool GetSigned(std::string_view* in, int64_t* value);
bool GetBytes(std::string_view* in, std::string_view* bytes);
bool GetFixed64(std::string_view* in, uint64_t* value);

// FNV-1a over the bytes followed by a 64-bit finalizer (the murmur3 fmix
// constants) so that near-identical inputs spread over all bits. Stable: it
// is part of the on-disk format.
uint64_t Hash64(std::string_view bytes);

// ---- Aggregate identity ----

// Which configured metric, mode, time bucket and group-key values one
// aggregate (one metric document) stands for. Keys keep the definition's
// order; values are the derived strings (e.g. {"gender", "Female"}).
struct AggregateKey {
  std::string metric;
  char mode = 'e';                // 'e' event, 's' state
  std::optional<int32_t> bucket;  // days since 1970-01-01 of the bucket start; none: no time bucket
  std::vector<std::pair<std::string, std::string>> keys;

  bool operator==(const AggregateKey&) const = default;

  // The canonical bytes: length-prefixed fields, so no value can be mistaken
  // for a separator. Equal keys give equal bytes and nothing else does.
  std::string Encode() const;
  static std::optional<AggregateKey> Decode(std::string_view bytes);
};

// Micro-units: sums are kept as integers of 1e-6 so that a retraction
// subtracts exactly what was added (no floating-point drift).
inline constexpr int64_t kMicrosPerUnit = 1'000'000;
// Rounds to the nearest micro-unit, halves away from zero (as PostgreSQL's
// round(numeric, 6) does); saturates at the int64 range.
int64_t ToMicros(double value);

// ---- Dates ----

// Days since 1970-01-01 of a proleptic Gregorian date (pg::DaysFromCivil).
// Days past the end of a month roll over linearly (2025-02-30 is
// 2025-03-02), as PostgreSQL's make_date(y, m, 1) + (d - 1) does.
int32_t EpochDay(int year, int month, int day);
// "YYYY-MM-DD" of days since 1970-01-01.
std::string FormatDays(int32_t days);

// One aggregate as the state store keeps it: the canonical key, then the
// count and the sum in micro-units, then (top_k ranks only) the ranked value.
// DecodeAggregate returns false on bytes that are not exactly that; records
// without a label (every one written before top_k existed) read label "".
std::string EncodeAggregate(std::string_view canonical, int64_t count, int64_t sum,
                            std::string_view label = {});
bool DecodeAggregate(std::string_view in, std::string* canonical, int64_t* count, int64_t* sum,
                     std::string* label = nullptr);

}  // namespace walcast::metrics
