#pragma once

// java.util.HashMap's iteration order for String keys, wherever a Java
// program's output lists a HashMap's entries and walcast must write the same
// bytes: Debezium's transaction END records and hstore values as JSON
// (debezium/), and the JSON that MOSIP's update id hashes (mosip/). Java
// iterates a HashMap bucket by bucket, and a bucket keeps its keys in
// insertion order (a resize splits a bucket without reordering it).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace walcast {

// Java's String.hashCode of the UTF-8 text `s` (over its UTF-16 code
// units; bytes that are not valid UTF-8 count as one unit each).
int32_t JavaStringHash(std::string_view s);

// The indexes of `keys` (distinct, in insertion order) in the order a
// HashMap with default capacity and load factor iterates them: by bucket
// of the final table size, insertion order within a bucket. Buckets that
// Java turns into trees (8 or more colliding keys in a table of at least
// 64) are not modelled.
std::vector<size_t> JavaHashMapOrder(const std::vector<std::string>& keys);

// The bucket of a key with String.hashCode `hash` in a table of `capacity`
// (a power of two): HashMap.hash spreads the high bits into the low ones.
uint32_t JavaHashMapBucket(int32_t hash, uint32_t capacity);

// HashMap.tableSizeFor: the smallest power of two >= n (1 for 0), the
// table new HashMap(n) starts with.
uint32_t JavaTableSizeFor(uint32_t n);

// The table size after `entries` insertions into a table of `capacity`:
// it doubles whenever the size passes (int)(capacity * 0.75f).
uint32_t JavaHashMapCapacity(uint32_t capacity, uint32_t entries);

}  // namespace walcast
