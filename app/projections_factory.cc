#include "app/projections_factory.h"

#include <algorithm>

#include "app/projection_outputs.h"
#include "projections/options.h"

namespace walcast::app {

Status LoadProjectionInputs(const Config& config, ProjectionsRuntime* runtime) {
  const std::string& file = config.GetString("projections.definitions.file");
  Result<projections::ProjectionSet> set = projections::LoadProjectionDefinitions(file);
  if (!set.ok()) {
    return Status(set.status().code(), "projections.definitions.file: " + set.status().message());
  }
  runtime->set = std::move(*set);
  const bool encrypted =
      std::any_of(runtime->set.projections.begin(), runtime->set.projections.end(),
                  [](const projections::ProjectionDefinition& d) { return !d.encrypted.empty(); });
  if (encrypted) {
    Result<std::unique_ptr<projections::SunbirdCipher>> cipher = projections::LoadSunbirdCipher(
        config.GetString("projections.decrypt.key.file"), projections::kSunbirdKeyEnv);
    if (!cipher.ok()) {
      return Status(cipher.status().code(),
                    "projections.decrypt.key.file: " + cipher.status().message());
    }
    runtime->cipher = std::move(*cipher);
  }
  return Status::Ok();
}

Result<std::unique_ptr<ProjectionsRuntime>> OpenProjections(const Config& config) {
  auto runtime = std::make_unique<ProjectionsRuntime>();
  WALCAST_RETURN_IF_ERROR(LoadProjectionInputs(config, runtime.get()));
  WALCAST_ASSIGN_OR_RETURN(projections::ProjectionSinkOptions options,
                           projections::ProjectionSinkOptionsFromConfig(config));
  WALCAST_ASSIGN_OR_RETURN(
      runtime->sink,
      projections::ProjectionSink::Create(runtime->set, std::move(options), runtime->cipher.get()));
  runtime->sink_ptr = runtime->sink.get();
  WALCAST_RETURN_IF_ERROR(AddProjectionOutputs(config, runtime->set, runtime->sink.get()));
  WALCAST_ASSIGN_OR_RETURN(runtime->jobs,
                           ExhaustJobs::Create(config, runtime->set, runtime->cipher.get()));
  if (runtime->jobs) {
    ExhaustJobs* jobs = runtime->jobs.get();
    runtime->sink->SetOnCommit(
        [jobs](projections::ProjectionEngine& engine) { return jobs->Run(engine); });
    runtime->sink->SetOnClose([jobs] { jobs->Stop(); });
  }
  return runtime;
}

}  // namespace walcast::app
