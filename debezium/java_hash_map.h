#pragma once

// The iteration order of a java.util.HashMap with String keys, for the
// places where Debezium's output lists a HashMap's entries: the
// data_collections of a transaction END record and hstore values
// converted to JSON. Deterministic in Java for a given set of keys inserted
// in a given order; reproduced here so the bytes match.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::debezium {

// Java's String.hashCode of the UTF-8 text `s` (over its UTF-16 code
// units; bytes that are not valid UTF-8 count as one unit each).
int32_t JavaStringHash(std::string_view s);

// The indexes of `keys` (distinct, in insertion order) in the order a
// HashMap with default capacity and load factor iterates them: by bucket
// of the final table size, insertion order within a bucket. Buckets that
// Java turns into trees (8 or more colliding keys in a table of at least
// 64) are not modelled.
std::vector<size_t> JavaHashMapOrder(const std::vector<std::string>& keys);

}  // namespace walcast::debezium
