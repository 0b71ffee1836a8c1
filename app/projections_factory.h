#pragma once

// The projections as the app runs them (projections.definitions.file set):
// the definitions, Sunbird's cipher when a projection has encrypted fields,
// and the ProjectionSink. docs/projections.md has the protocol.

#include <memory>

#include "app/exhaust_jobs.h"
#include "core/config.h"
#include "core/status.h"
#include "projections/definition.h"
#include "projections/projection_sink.h"
#include "projections/sunbird_cipher.h"

namespace walcast::app {

// The sink borrows `set` and `cipher`: this object outlives the pipeline.
struct ProjectionsRuntime {
  projections::ProjectionSet set;
  std::unique_ptr<projections::SunbirdCipher> cipher;  // null without encrypted fields
  std::unique_ptr<projections::ProjectionSink> sink;   // until handed to the pipeline
  projections::ProjectionSink* sink_ptr = nullptr;
  std::unique_ptr<ExhaustJobs> jobs;  // exhaust.job.table set: the sink's on_commit hook
};

// Loads the definitions and the key (only when a projection has encrypted
// fields). Errors name the key or file; never the key's value.
Status LoadProjectionInputs(const Config& config, ProjectionsRuntime* runtime);

// LoadProjectionInputs, then opens the state (ProjectionEngine::Open's
// errors), adds the outputs the definitions name (AddProjectionOutputs'
// errors) and, with exhaust.job.table, hooks the job_request trigger to the
// sink's commits and its close.
Result<std::unique_ptr<ProjectionsRuntime>> OpenProjections(const Config& config);

}  // namespace walcast::app
