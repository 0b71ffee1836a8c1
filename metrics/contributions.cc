#include "metrics/contributions.h"

#include <algorithm>

#include "metrics/codec.h"

namespace walcast::metrics {
namespace {

constexpr uint8_t kFormat = 1;
constexpr uint8_t kActive = 1;
constexpr uint8_t kBad = 2;

}  // namespace

void Contributions::Normalize() {
  std::sort(aggregates.begin(), aggregates.end(),
            [](const AggregateDelta& a, const AggregateDelta& b) { return a.id < b.id; });
  size_t out = 0;
  for (size_t i = 0; i < aggregates.size();) {
    AggregateDelta merged = std::move(aggregates[i]);
    size_t j = i + 1;
    for (; j < aggregates.size() && aggregates[j].id == merged.id; ++j) {
      merged.count += aggregates[j].count;
      merged.sum += aggregates[j].sum;
      if (merged.canonical.empty()) merged.canonical = std::move(aggregates[j].canonical);
    }
    if (merged.count != 0 || merged.sum != 0) aggregates[out++] = std::move(merged);
    i = j;
  }
  aggregates.resize(out);

  std::sort(distinct.begin(), distinct.end(), [](const DistinctDelta& a, const DistinctDelta& b) {
    return a.group_id != b.group_id ? a.group_id < b.group_id : a.value < b.value;
  });
  out = 0;
  for (size_t i = 0; i < distinct.size();) {
    DistinctDelta merged = std::move(distinct[i]);
    size_t j = i + 1;
    for (; j < distinct.size() && distinct[j].group_id == merged.group_id &&
           distinct[j].value == merged.value;
         ++j) {
      merged.weight += distinct[j].weight;
      if (merged.group.empty()) merged.group = std::move(distinct[j].group);
    }
    if (merged.weight != 0) distinct[out++] = std::move(merged);
    i = j;
  }
  distinct.resize(out);
}

// Layout: format byte, flags byte, varint n, n × (fixed64 id, signed count,
// signed sum), varint m, m × (fixed64 group id, bytes value, signed weight).
std::string RowState::Encode() const {
  std::string out;
  out.reserve(4 + contributions.aggregates.size() * 12);
  out.push_back(static_cast<char>(kFormat));
  out.push_back(static_cast<char>((active ? kActive : 0) | (bad ? kBad : 0)));
  PutVarint(contributions.aggregates.size(), &out);
  for (const AggregateDelta& a : contributions.aggregates) {
    PutFixed64(a.id, &out);
    PutSigned(a.count, &out);
    PutSigned(a.sum, &out);
  }
  PutVarint(contributions.distinct.size(), &out);
  for (const DistinctDelta& d : contributions.distinct) {
    PutFixed64(d.group_id, &out);
    PutBytes(d.value, &out);
    PutSigned(d.weight, &out);
  }
  return out;
}

std::optional<RowState> RowState::Decode(std::string_view in) {
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kFormat) return std::nullopt;
  RowState state;
  const auto flags = static_cast<uint8_t>(in[1]);
  state.active = (flags & kActive) != 0;
  state.bad = (flags & kBad) != 0;
  in.remove_prefix(2);
  uint64_t n = 0;
  if (!GetVarint(&in, &n) || n > in.size()) return std::nullopt;
  state.contributions.aggregates.resize(n);
  for (AggregateDelta& a : state.contributions.aggregates) {
    if (!GetFixed64(&in, &a.id) || !GetSigned(&in, &a.count) || !GetSigned(&in, &a.sum)) {
      return std::nullopt;
    }
  }
  if (!GetVarint(&in, &n) || n > in.size()) return std::nullopt;
  state.contributions.distinct.resize(n);
  for (DistinctDelta& d : state.contributions.distinct) {
    std::string_view value;
    if (!GetFixed64(&in, &d.group_id) || !GetBytes(&in, &value) || !GetSigned(&in, &d.weight)) {
      return std::nullopt;
    }
    d.value.assign(value);
  }
  if (!in.empty()) return std::nullopt;
  return state;
}

}  // namespace walcast::metrics
