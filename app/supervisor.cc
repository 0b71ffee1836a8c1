#include "app/supervisor.h"

#include <thread>

#include "core/log.h"

namespace walcast::app {

Supervisor::Supervisor(std::vector<PipelineConfig> pipelines, PipelineRegistry* registry,
                       PipelineRunner runner, SupervisorOptions options)
    : pipelines_(std::move(pipelines)),
      registry_(registry),
      runner_(std::move(runner)),
      options_(options) {
  for (const PipelineConfig& p : pipelines_) ids_.push_back(registry_->Add(p.name));
}

Status Supervisor::Run(const std::atomic<bool>* stop) {
  std::atomic<size_t> running{pipelines_.size()};
  std::vector<std::thread> threads;
  threads.reserve(pipelines_.size());
  for (size_t i = 0; i < pipelines_.size(); ++i) {
    threads.emplace_back([this, i, &running] {
      RunPipeline(i);
      running.fetch_sub(1);
    });
  }
  // The signal handler only sets *stop; it reaches the pipelines from here.
  while (running.load() > 0) {
    if (stop->load() && !stopping_.load()) {
      log::Info("stopping every pipeline", {{"pipelines", pipelines_.size()}});
      stopping_.store(true);
    }
    std::this_thread::sleep_for(options_.poll);
  }
  for (std::thread& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

void Supervisor::RunPipeline(size_t index) {
  const PipelineConfig& pipeline = pipelines_[index];
  const int id = ids_[index];
  log::ScopedField field("pipeline", pipeline.name);
  Backoff backoff(options_.backoff);
  bool ever_streamed = false;
  while (!stopping_.load()) {
    PipelineProgress* progress = registry_->BeginAttempt(id);
    const Status status = runner_(pipeline.name, pipeline.config, &stopping_, progress);
    const bool streamed = progress->streaming.load();
    ever_streamed = ever_streamed || streamed;
    if (status.ok()) {
      registry_->EndAttempt(id, PipelineState::kStopped, "");
      log::Info("pipeline stopped");
      return;
    }
    if (!ever_streamed && status.code() == Status::Code::kInvalidArgument) {
      // A configuration error at start: retrying cannot help, and running
      // the other pipelines on would hide it.
      registry_->EndAttempt(id, PipelineState::kFailed, status.ToString());
      log::Error("pipeline refused its configuration; stopping every pipeline",
                 {{"error", status.message()}});
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (fatal_.ok()) {
          fatal_ = Status::InvalidArgument("pipeline '" + pipeline.name + "': " + status.message());
        }
      }
      stopping_.store(true);
      return;
    }
    // A pipeline that streamed before starts its waits from the shortest.
    if (streamed) backoff.Reset();
    const std::chrono::milliseconds wait = backoff.Next();
    registry_->EndAttempt(id, PipelineState::kRetrying, status.ToString());
    log::Warn("pipeline failed; retrying",
              {{"error", status.ToString()}, {"retry_in_ms", wait.count()}});
    WaitUnlessStopping(wait);
  }
  registry_->EndAttempt(id, PipelineState::kStopped, "");
}

void Supervisor::WaitUnlessStopping(std::chrono::milliseconds wait) const {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!stopping_.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(options_.poll, std::chrono::milliseconds(50)));
  }
}

}  // namespace walcast::app
