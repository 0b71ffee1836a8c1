#pragma once

#include <chrono>
#include <functional>

namespace walcast {

struct BackoffOptions {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{30000};  // the cap on the ceiling
};

// Exponential backoff with full jitter: the n-th wait (n from 0) is drawn
// uniformly from [0, min(max, initial * 2^n)]. Spreading the waits over the
// whole range, rather than adding a little noise to a fixed wait, keeps
// many writers that failed together (a node restart) from retrying
// together ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
//
// Thread: one caller at a time.
class Backoff {
 public:
  // Returns a number uniformly distributed in [0, 1).
  using RandomUnit = std::function<double()>;

  // `random` defaults to a Mersenne Twister seeded from std::random_device;
  // tests inject fixed values.
  explicit Backoff(BackoffOptions options, RandomUnit random = {});

  // The next wait, then doubles the ceiling (up to max).
  std::chrono::milliseconds Next();
  // The ceiling of the next wait: min(max, initial * 2^attempts()).
  std::chrono::milliseconds Ceiling() const;
  // How many waits Next has handed out since the last Reset.
  int attempts() const { return attempts_; }
  // After a success: the next wait starts from `initial` again.
  void Reset() { attempts_ = 0; }

 private:
  BackoffOptions options_;
  RandomUnit random_;
  int attempts_ = 0;
};

}  // namespace walcast
