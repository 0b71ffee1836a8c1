#pragma once

#include <chrono>

#include "core/backoff.h"

namespace walcast::sinks::kafka {

// The waits between attempts of the Kafka sink's blocking calls that
// librdkafka answers early with a retriable error (init, commit and abort of
// a Kafka transaction; metadata and offsets of the checkpoint topic): capped
// and jittered (core/backoff.h), the cap low enough that a broker coming back
// is noticed within a second.
inline constexpr BackoffOptions kRetryBackoff{std::chrono::milliseconds(100),
                                              std::chrono::milliseconds(1000)};

// Milliseconds from now until `deadline` as librdkafka's int timeouts: 0
// once it has passed, at most 2^30.
int RemainingMs(std::chrono::steady_clock::time_point deadline);

// Sleeps for backoff->Next(), cut short at `deadline`. False, without
// sleeping, when the deadline has already passed: no attempt is left.
bool WaitBeforeRetry(Backoff* backoff, std::chrono::steady_clock::time_point deadline);

}  // namespace walcast::sinks::kafka
