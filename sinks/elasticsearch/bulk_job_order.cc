#include "sinks/elasticsearch/bulk_job_order.h"

#include <algorithm>

namespace walcast::sinks::elasticsearch {
namespace {

std::string KeyOf(const BulkAction& action) {
  std::string key = action.index;
  key.push_back('\n');
  key.append(action.id);
  return key;
}

// Whether two sorted key lists share a key.
bool Intersect(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

BulkJobShape ShapeOf(const BulkRequest& request, bool barrier) {
  BulkJobShape shape;
  shape.barrier = barrier;
  for (const BulkAction& action : request.actions()) {
    if (action.op == BulkOp::kUpdate) shape.barrier = true;
    if (!action.version) {
      shape.unversioned_keys.push_back(KeyOf(action));
      continue;
    }
    const int64_t v = *action.version;
    if (!shape.min_version || v < *shape.min_version) shape.min_version = v;
    if (!shape.max_version || v > *shape.max_version) shape.max_version = v;
  }
  if (shape.barrier) return shape;  // nothing else is compared
  for (const BulkAction& action : request.actions()) {
    if (!action.version) continue;
    if (*action.version == *shape.min_version) shape.low_keys.push_back(KeyOf(action));
    if (*action.version == *shape.max_version) shape.high_keys.push_back(KeyOf(action));
  }
  std::sort(shape.low_keys.begin(), shape.low_keys.end());
  std::sort(shape.high_keys.begin(), shape.high_keys.end());
  std::sort(shape.unversioned_keys.begin(), shape.unversioned_keys.end());
  return shape;
}

bool MustFollow(const BulkJobShape& later, const BulkJobShape& earlier) {
  if (later.barrier || earlier.barrier) return true;
  if (Intersect(later.unversioned_keys, earlier.unversioned_keys)) return true;
  if (!later.min_version || !earlier.max_version) return false;
  if (*later.min_version > *earlier.max_version) return false;
  if (*later.min_version < *earlier.max_version) return true;
  // One shared version: a conflict only if a document is written at it by
  // both. (Had `later` any other version at or below it, min_version would
  // be lower.)
  return Intersect(later.low_keys, earlier.high_keys);
}

}  // namespace walcast::sinks::elasticsearch
