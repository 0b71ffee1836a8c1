#include "core/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>

namespace walcast {

Backoff::Backoff(BackoffOptions options, RandomUnit random)
    : options_(options), random_(std::move(random)) {
  options_.initial = std::max(options_.initial, std::chrono::milliseconds(1));
  options_.max = std::max(options_.max, options_.initial);
  if (!random_) {
    // Shared by the copies of the function object; Backoff is used from one
    // thread (see the class comment).
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

std::chrono::milliseconds Backoff::Ceiling() const {
  // Doubling past the cap is pointless and would overflow: stop at the cap.
  int64_t ceiling = options_.initial.count();
  for (int i = 0; i < attempts_ && ceiling < options_.max.count(); ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, static_cast<int64_t>(options_.max.count())));
}

std::chrono::milliseconds Backoff::Next() {
  const double ceiling = static_cast<double>(Ceiling().count());
  const double unit = std::clamp(random_(), 0.0, 1.0);
  ++attempts_;
  // floor(unit * (ceiling + 1)) is uniform over the integers 0..ceiling.
  return std::chrono::milliseconds(std::min(static_cast<int64_t>(std::floor(unit * (ceiling + 1))),
                                            static_cast<int64_t>(ceiling)));
}

}  // namespace walcast
