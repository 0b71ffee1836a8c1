#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "app/telemetry_figures.h"
#include "core/lsn.h"

namespace walcast::app {

// The figures of a running attempt (/metrics, the status page), read from
// its live objects: the attempt publishes a function that fills them while
// those objects exist and withdraws it before they go. Thread-safe: Set()
// waits for a FillInto() in progress, so once Set() returns the old function
// is never called again.
class LiveFigures {
 public:
  using Fill = std::function<void(PipelineFigures*)>;
  void Set(Fill fill) {
    std::lock_guard lock(mu_);
    fill_ = std::move(fill);
  }
  void FillInto(PipelineFigures* figures) const {
    std::lock_guard lock(mu_);
    if (fill_) fill_(figures);
  }

 private:
  mutable std::mutex mu_;
  Fill fill_;
};

// What a pipeline reports while it runs: written by the pipeline's thread,
// read by anyone. One record per pipeline, kept across attempts.
struct PipelineProgress {
  std::atomic<bool> streaming{false};  // this attempt is past slot set-up
  std::atomic<uint64_t> watermark{0};  // Lsn::value() of the AckTracker watermark
  std::atomic<uint64_t> events{0};     // change events handed to the sinks, all attempts
  LiveFigures live;                    // the current attempt's figures
  // Recent problems of every attempt: the sinks' (through the pipeline)
  // and the failed attempts' errors (EndAttempt).
  ProblemRing problems;
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
  // The attempt ended: kStopped / kFailed / kRetrying with `error`, which
  // joins the pipeline's recent problems.
  void EndAttempt(int id, PipelineState state, std::string error);

  // Every pipeline in the order added. A pipeline in kStarting whose
  // current attempt streams reads as kRunning.
  std::vector<PipelineSnapshot> Snapshot() const;

  // Every pipeline's figures for the HTTP endpoint: name, state and last
  // error from the registry, the rest from the running attempt (none when
  // no attempt runs).
  std::vector<PipelineFigures> Figures() const;

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
