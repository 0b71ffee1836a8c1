#include "sinks/kafka/retry_wait.h"

#include <algorithm>
#include <cstdint>
#include <thread>

namespace walcast::sinks::kafka {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

bool WaitBeforeRetry(Backoff* backoff, Clock::time_point deadline) {
  const Clock::time_point now = Clock::now();
  if (now >= deadline) return false;
  std::this_thread::sleep_until(std::min(deadline, now + backoff->Next()));
  return true;
}

}  // namespace walcast::sinks::kafka
