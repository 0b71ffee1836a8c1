#include "core/telemetry.h"

#include <algorithm>

namespace walcast {

const char* OperationName(char op) {
  switch (op) {
    case 'c': return "create";
    case 'u': return "update";
    case 'd': return "delete";
    case 'r': return "read";
    case 't': return "truncate";
    case 'm': return "message";
    default: return "other";
  }
}

void LatencyHistogram::Observe(std::chrono::nanoseconds d) {
  const double seconds = std::chrono::duration<double>(d).count();
  const auto bound = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  buckets_[static_cast<size_t>(bound - kBounds.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, d.count())),
                    std::memory_order_relaxed);
}

LatencyHistogram::Reading LatencyHistogram::Read() const {
  Reading r;
  uint64_t running = 0;
  for (const auto& bucket : buckets_) {
    running += bucket.load(std::memory_order_relaxed);
    r.cumulative.push_back(running);
  }
  // The buckets are read one by one while others may observe: the total is
  // the sum read, so the +Inf bucket and the count always agree.
  r.count = running;
  r.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return r;
}

void EventCounters::CountEvent(uint32_t table_oid, const std::string& schema,
                               const std::string& table, char op) {
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = counts_.try_emplace({table_oid, op}, 0);
    ++it->second;
    if (inserted) {
      std::string& name = names_[table_oid];
      name.clear();
      if (!table.empty()) name.append(schema).append(".").append(table);
    }
  }
  total_.fetch_add(1, std::memory_order_relaxed);
}

std::map<EventCounters::Key, uint64_t> EventCounters::events() const {
  std::lock_guard lock(mu_);
  std::map<Key, uint64_t> out;
  for (const auto& [key, count] : counts_) out[{names_.at(key.first), key.second}] += count;
  return out;
}

void ProblemRing::Add(int64_t unix_ms, std::string sink, std::string kind, std::string reason) {
  std::lock_guard lock(mu_);
  if (!ring_.empty()) {
    Problem& last = ring_.back();
    if (last.sink == sink && last.kind == kind && last.reason == reason) {
      ++last.repeats;
      last.unix_ms = unix_ms;
      return;
    }
  }
  if (ring_.size() == kCapacity) ring_.erase(ring_.begin());
  ring_.push_back(Problem{unix_ms, std::move(sink), std::move(kind), std::move(reason), 1});
}

std::vector<Problem> ProblemRing::Read() const {
  std::lock_guard lock(mu_);
  return std::vector<Problem>(ring_.rbegin(), ring_.rend());
}

}  // namespace walcast
