#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/lsn.h"

namespace walcast::app {

// What a pipeline reports while it runs: written by the pipeline's thread,
// read by anyone. Lock-free. One record per pipeline, kept across attempts.
struct PipelineProgress {
  std::atomic<bool> streaming{false};  // this attempt is past slot set-up
  std::atomic<uint64_t> watermark{0};  // Lsn::value() of the AckTracker watermark
  std::atomic<uint64_t> events{0};     // change events handed to the sinks, all attempts
};

enum class PipelineState {
  kStarting,  // connecting, checking the slot, deciding the snapshot
  kRunning,   // snapshotting or streaming
  kRetrying,  // the last attempt failed; waiting for the next (last_error)
  kStopped,   // ended cleanly (stop request, snapshot.mode=initial_only, stop.at.lsn)
  kFailed,    // refused for good (a configuration error at its first start)
};

std::string_view PipelineStateName(PipelineState state);

// A copy of one pipeline's state at one moment.
struct PipelineSnapshot {
  std::string name;
  PipelineState state = PipelineState::kStarting;
  std::string last_error;  // Status::ToString() of the last failure; "" if none
  int attempts = 0;        // attempts started so far
  Lsn watermark;           // the last watermark reported
  uint64_t events = 0;     // change events since the process started
};

// The pipelines of this process and their state, for `walcast status`-like
// readers inside the process (a later HTTP endpoint). Pipelines are added
// before their threads start and never removed. Thread-safe: the supervisor
// thread and each pipeline thread update it, any thread reads Snapshot().
class PipelineRegistry {
 public:
  PipelineRegistry() = default;
  PipelineRegistry(const PipelineRegistry&) = delete;
  PipelineRegistry& operator=(const PipelineRegistry&) = delete;

  // Adds a pipeline in kStarting; returns its id (0, 1, ...).
  int Add(std::string name);

  // Starts attempt n+1: state kStarting, progress.streaming false. The
  // progress record stays valid as long as the registry lives.
  PipelineProgress* BeginAttempt(int id);
  // The attempt ended: kStopped / kFailed / kRetrying with `error`.
  void EndAttempt(int id, PipelineState state, std::string error);

  // Every pipeline in the order added. A pipeline in kStarting whose
  // current attempt streams reads as kRunning.
  std::vector<PipelineSnapshot> Snapshot() const;

 private:
  struct Entry {
    std::string name;
    PipelineState state = PipelineState::kStarting;
    std::string last_error;
    int attempts = 0;
    PipelineProgress progress;
  };

  mutable std::mutex mu_;
  std::deque<Entry> entries_;
};

}  // namespace walcast::app
