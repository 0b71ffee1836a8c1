#pragma once

#include <atomic>
#include <iosfwd>
#include <vector>

#include "app/elasticsearch_factory.h"
#include "app/pipeline_config.h"
#include "app/pipeline_registry.h"
#include "app/pipeline_topics.h"
#include "app/sink_factory.h"
#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

// One pipeline among several (app/supervisor.h): where it reports and
// what it shares with the others. Borrowed; must outlive RunCommand.
struct PipelineContext {
  std::string name;
  PipelineProgress* progress = nullptr;  // past slot set-up, watermark, events
  PipelineTopics* topics = nullptr;      // the topics every pipeline writes
  SharedClients* shared = nullptr;       // the clients every pipeline shares
};

// `walcast run`: prepares the publication and slot, then streams into the
// configured sinks until *stop turns true (SIGINT/SIGTERM) or a fatal error.
// With `context` (one pipeline of several), claims its tables' topics
// (kInvalidArgument when another pipeline writes one) and reports its
// progress; null leaves the pipeline exactly as a single run builds it.
Status RunCommand(const Config& config, const std::atomic<bool>* stop,
                  const PipelineContext* context = nullptr);

// `walcast run` with one pipeline: RunCommand, reporting to `registry`
// (for the HTTP endpoint) under the slot's name.
Status RunSingle(const Config& config, const std::atomic<bool>* stop, PipelineRegistry* registry);

// `walcast run` with several connector configs: runs each pipeline on its
// own thread under a Supervisor (failures retried with backoff, one
// pipeline's configuration error at start stops all) until *stop. The
// registry receives every pipeline's state and must outlive the call.
Status RunPipelines(const std::vector<PipelineConfig>& pipelines, const std::atomic<bool>* stop,
                    PipelineRegistry* registry);

// `walcast setup`: creates the publication (per publication.autocreate.mode)
// and the slot. With check_only, changes nothing: prints every preflight
// check with the SQL that fixes it, and returns kInvalidArgument if any
// check failed.
Status SetupCommand(const Config& config, bool check_only, std::ostream& out);

// `walcast status`: slot, plugin, confirmed_flush_lsn, current WAL LSN, lag.
Status StatusCommand(const Config& config, std::ostream& out);

// `walcast status --json`: one JSON object with every pipeline's slot,
// positions, lag and recorded snapshot state (docs/operations.md). A
// pipeline whose database does not answer or whose slot is missing is
// listed with "reachable": false and the error; kUnavailable then (after
// the whole object is written), as StatusPipelines.
Status StatusJsonCommand(const std::vector<PipelineConfig>& pipelines, std::ostream& out);

// `walcast status` with several pipelines: one block per pipeline, headed
// by its name and whether its database answered, then StatusCommand's lines
// (or the configured database and slot when it did not). Every pipeline is
// reported; kUnavailable (naming them) when some were not reachable or had
// no slot.
Status StatusPipelines(const std::vector<PipelineConfig>& pipelines, std::ostream& out);

// `walcast setup` for each pipeline in turn, each block headed by its name.
// Setting up stops at the first error; a check (check_only) reports every
// pipeline and returns the first one's error. Errors name the pipeline.
Status SetupPipelines(const std::vector<PipelineConfig>& pipelines, bool check_only,
                      std::ostream& out);

}  // namespace walcast::app
