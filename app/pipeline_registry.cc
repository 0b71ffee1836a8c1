#include "app/pipeline_registry.h"

#include <chrono>

namespace walcast::app {

std::string_view PipelineStateName(PipelineState state) {
  switch (state) {
    case PipelineState::kStarting:
      return "starting";
    case PipelineState::kRunning:
      return "running";
    case PipelineState::kRetrying:
      return "retrying";
    case PipelineState::kStopped:
      return "stopped";
    case PipelineState::kFailed:
      return "failed";
  }
  return "?";
}

int PipelineRegistry::Add(std::string name) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.emplace_back();
  entries_.back().name = std::move(name);
  return static_cast<int>(entries_.size() - 1);
}

PipelineProgress* PipelineRegistry::BeginAttempt(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_.at(static_cast<size_t>(id));
  entry.state = PipelineState::kStarting;
  ++entry.attempts;
  entry.progress.streaming.store(false);
  return &entry.progress;
}

void PipelineRegistry::EndAttempt(int id, PipelineState state, std::string error) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_.at(static_cast<size_t>(id));
  entry.state = state;
  if (!error.empty()) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    entry.progress.problems.Add(now_ms, "pipeline", "error", error);
    entry.last_error = std::move(error);
  }
  entry.progress.streaming.store(false);
}

std::vector<PipelineSnapshot> PipelineRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PipelineSnapshot> out;
  out.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    PipelineSnapshot s;
    s.name = entry.name;
    s.state = entry.state == PipelineState::kStarting && entry.progress.streaming.load()
                  ? PipelineState::kRunning
                  : entry.state;
    s.last_error = entry.last_error;
    s.attempts = entry.attempts;
    s.watermark = Lsn(entry.progress.watermark.load());
    s.events = entry.progress.events.load();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<PipelineFigures> PipelineRegistry::Figures() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PipelineFigures> out;
  out.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    PipelineFigures f;
    f.name = entry.name;
    f.state = std::string(PipelineStateName(entry.state));
    f.last_error = entry.last_error;
    f.watermark_lsn = entry.progress.watermark.load();
    f.problems = entry.progress.problems.Read();
    // A running attempt says whether it is snapshotting or streaming.
    entry.progress.live.FillInto(&f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace walcast::app
