#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "app/pipeline_config.h"
#include "app/pipeline_registry.h"
#include "core/backoff.h"
#include "core/status.h"

namespace walcast::app {

// Runs one attempt of the pipeline `name` until *stop turns true or it
// fails: RunCommand in production, a fake in tests. `progress` is the
// pipeline's record in the registry (never null).
using PipelineRunner =
    std::function<Status(const std::string& name, const Config& config,
                         const std::atomic<bool>* stop, PipelineProgress* progress)>;

struct SupervisorOptions {
  // Waits between the attempts of a failing pipeline (full jitter).
  BackoffOptions backoff{std::chrono::milliseconds(1000), std::chrono::milliseconds(30000)};
  // How often Run checks the external stop flag.
  std::chrono::milliseconds poll{100};
};

// Runs several pipelines side by side, each on a thread of its own, so that
// one failing pipeline (its database down, its slot lost, a broker refusing
// it) never stops the others: a failed attempt is logged with the pipeline's
// name and retried after a capped exponential backoff. A pipeline whose
// first attempt fails with kInvalidArgument (a configuration error: bad
// credentials, a refused setting) is not retried and stops the process: the
// others are asked to stop and drain.
//
// Each pipeline's log lines carry pipeline=<name> (log::ScopedField) on its
// own thread. Borrows the registry, which must outlive Run(). Run() blocks
// the calling thread; one Run per Supervisor.
class Supervisor {
 public:
  Supervisor(std::vector<PipelineConfig> pipelines, PipelineRegistry* registry,
             PipelineRunner runner, SupervisorOptions options = {});

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts every pipeline and returns once all have ended: after *stop
  // turned true (each pipeline drains: closes its sinks and confirms its
  // watermark) or each ended by itself (snapshot.mode=initial_only,
  // stop.at.lsn). OK then. The first pipeline's configuration error
  // (kInvalidArgument, naming the pipeline) once the others have drained.
  Status Run(const std::atomic<bool>* stop);

 private:
  // One pipeline's thread: attempts until stopping or a configuration error.
  void RunPipeline(size_t index);
  // Sleeps `wait`, returning early once stopping.
  void WaitUnlessStopping(std::chrono::milliseconds wait) const;

  std::vector<PipelineConfig> pipelines_;
  std::vector<int> ids_;  // registry ids, parallel to pipelines_
  PipelineRegistry* registry_;
  PipelineRunner runner_;
  SupervisorOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  Status fatal_;  // guarded by mu_: the first configuration error
};

}  // namespace walcast::app
