#pragma once

// Realistic, reproducible MOSIP anonymous profiles in every shape of
// anonymous-profile.md §2, with the idrepo.channel_info steps they cause:
// the rows `walcast generate-profiles` (app/generate_profiles.h) writes.
// docs/profiles.md describes the data.
//
// The parts: generator_options.h (kinds, tables, options), population.h
// (people and how they change), profile_renderer.h (each producer's JSON),
// channel_hash.h, generator_time.h, malformed_profile.h and rng.h.

#include <memory>
#include <vector>

#include "mosip/generated_rows.h"
#include "mosip/generator_options.h"

namespace walcast::mosip {

// Produces the rows. Everything follows from the options: the same options
// give the same rows, byte for byte, on every platform (std::mt19937_64 with
// distributions of our own; no clock, no locale). Holds about 40 bytes of
// state per generated identity. Not thread-safe.
class ProfileGenerator {
 public:
  explicit ProfileGenerator(const GeneratorOptions& options);
  ~ProfileGenerator();
  ProfileGenerator(const ProfileGenerator&) = delete;
  ProfileGenerator& operator=(const ProfileGenerator&) = delete;

  // Fills the next row and the channel_info changes it causes (cleared
  // first). False once `count` rows have been produced.
  bool Next(GeneratedProfile* row, std::vector<ChannelInfoChange>* changes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walcast::mosip
