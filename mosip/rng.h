#pragma once

// The profile generator's randomness (profile_generator.h): a seeded
// std::mt19937_64 with distributions of our own, so that the same seed gives
// the same rows on every platform and standard library.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>

namespace walcast::mosip {

// std::mt19937_64's output is fixed by the C++ standard; the standard
// distributions are not (libstdc++ and libc++ draw differently), so every
// draw goes through these. Not thread-safe.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }
  // Uniform in [0, n), n > 0: rejects the short tail, so no modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t limit =
        std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
    uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % n;
  }
  // Uniform in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1), 53 bits.
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  // An index drawn with the given relative weights (their sum must be > 0);
  // an index whose weight is 0 or less is never drawn.
  size_t Weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Unit() * total;
    size_t last = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (weights[i] <= 0) continue;
      if (x < weights[i]) return i;
      x -= weights[i];
      last = i;
    }
    return last;  // rounding left x at the very top
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace walcast::mosip
