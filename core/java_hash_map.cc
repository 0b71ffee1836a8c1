#include "core/java_hash_map.h"

#include <algorithm>
#include <utility>

namespace walcast {

int32_t JavaStringHash(std::string_view s) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int length = b < 0x80           ? 1
                       : (b >> 5) == 0x6  ? 2
                       : (b >> 4) == 0xe  ? 3
                       : (b >> 3) == 0x1e ? 4
                                          : 0;
    bool valid = length > 0 && i + length <= s.size();
    uint32_t cp = length == 1 ? b : length == 2 ? b & 0x1f : length == 3 ? b & 0x0f : b & 0x07;
    for (int k = 1; valid && k < length; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      valid = (c & 0xc0) == 0x80;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!valid) {
      add(b);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      // A surrogate pair.
      cp -= 0x10000;
      add(0xd800 + (cp >> 10));
      add(0xdc00 + (cp & 0x3ff));
    } else {
      add(cp);
    }
    i += static_cast<size_t>(length);
  }
  return static_cast<int32_t>(h);
}

uint32_t JavaHashMapBucket(int32_t hash, uint32_t capacity) {
  const auto h = static_cast<uint32_t>(hash);
  return (h ^ (h >> 16)) & (capacity - 1);
}

uint32_t JavaTableSizeFor(uint32_t n) {
  uint32_t capacity = 1;
  while (capacity < n) capacity <<= 1;
  return capacity;
}

uint32_t JavaHashMapCapacity(uint32_t capacity, uint32_t entries) {
  while (entries > capacity * 3 / 4) capacity <<= 1;
  return capacity;
}

std::vector<size_t> JavaHashMapOrder(const std::vector<std::string>& keys) {
  const uint32_t capacity = JavaHashMapCapacity(16, static_cast<uint32_t>(keys.size()));
  std::vector<std::pair<uint32_t, size_t>> order;  // bucket, insertion index
  order.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    order.emplace_back(JavaHashMapBucket(JavaStringHash(keys[i]), capacity), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<size_t> out;
  out.reserve(order.size());
  for (const auto& entry : order) out.push_back(entry.second);
  return out;
}

}  // namespace walcast
