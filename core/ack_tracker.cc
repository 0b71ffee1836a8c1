#include "core/ack_tracker.h"

#include <algorithm>

#include "core/status.h"

namespace walcast {

AckTracker::AckTracker(Lsn start) : watermark_(start), last_tracked_(start) {}

int AckTracker::RegisterSink(std::string name) {
  std::lock_guard lock(mu_);
  WALCAST_CHECK(sinks_.size() < 64);
  WALCAST_CHECK(pending_.empty());
  sinks_.push_back(std::move(name));
  return static_cast<int>(sinks_.size()) - 1;
}

uint64_t AckTracker::all_mask_locked() const {
  return sinks_.size() == 64 ? ~uint64_t{0} : ((uint64_t{1} << sinks_.size()) - 1);
}

bool AckTracker::Track(Lsn end_lsn, int64_t commit_time_us) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (end_lsn <= last_tracked_) return false;
  last_tracked_ = end_lsn;
  pending_.push_back(Entry{end_lsn, 0, now, commit_time_us});
  // With no sinks at all a transaction is complete as soon as it is tracked.
  PopCompletedLocked();
  return true;
}

void AckTracker::Ack(int sink, Lsn end_lsn) {
  std::lock_guard lock(mu_);
  auto it = std::lower_bound(pending_.begin(), pending_.end(), end_lsn,
                             [](const Entry& e, Lsn l) { return e.end_lsn < l; });
  if (it == pending_.end() || it->end_lsn != end_lsn) return;
  it->acked |= uint64_t{1} << sink;
  PopCompletedLocked();
}

void AckTracker::AckThrough(int sink, Lsn lsn) {
  std::lock_guard lock(mu_);
  const uint64_t bit = uint64_t{1} << sink;
  for (Entry& e : pending_) {
    if (e.end_lsn > lsn) break;
    e.acked |= bit;
  }
  PopCompletedLocked();
}

void AckTracker::PopCompletedLocked() {
  const uint64_t all = all_mask_locked();
  if (pending_.empty() || (pending_.front().acked & all) != all) return;
  const auto now = std::chrono::steady_clock::now();
  while (!pending_.empty() && (pending_.front().acked & all) == all) {
    watermark_ = std::max(watermark_, pending_.front().end_lsn);
    ack_latency_.Observe(now - pending_.front().tracked_at);
    pending_.pop_front();
  }
}

bool AckTracker::AdvanceIdle(Lsn server_lsn) {
  std::lock_guard lock(mu_);
  if (!pending_.empty() || server_lsn <= watermark_) return false;
  watermark_ = server_lsn;
  last_tracked_ = std::max(last_tracked_, server_lsn);
  return true;
}

Lsn AckTracker::watermark() const {
  std::lock_guard lock(mu_);
  return watermark_;
}

size_t AckTracker::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

void AckTracker::Rewind() {
  std::lock_guard lock(mu_);
  pending_.clear();
  last_tracked_ = watermark_;
}

int64_t AckTracker::oldest_pending_commit_time_us() const {
  std::lock_guard lock(mu_);
  return pending_.empty() ? 0 : pending_.front().commit_time_us;
}

Lsn AckTracker::last_tracked() const {
  std::lock_guard lock(mu_);
  return last_tracked_;
}

std::vector<std::string> AckTracker::sink_names() const {
  std::lock_guard lock(mu_);
  return sinks_;
}

}  // namespace walcast
