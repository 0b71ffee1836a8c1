#pragma once

// Projection outputs (docs/projections.md, "Outputs"): where a projection's
// entries are written besides the state — Elasticsearch documents, Debezium
// records of a virtual table in Kafka. The engine keeps an outbox of the
// entries changed since an output last made them durable (in the state,
// committed with them), so a crash loses none: ProjectionSink hands the
// outbox to every output after each commit and acknowledges the stream only
// once every output made it durable (the metric documents' protocol).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/status.h"
#include "projections/definition.h"
#include "projections/row.h"

namespace walcast::projections {

// One entry changed since the outputs last wrote it.
struct ProjectionChange {
  const ProjectionDefinition* definition = nullptr;  // borrowed from the set
  std::vector<std::string> key;                      // the entry's key values
  std::optional<ProjectedRow> before;                // what the outputs hold; nullopt: nothing
  std::optional<ProjectedRow> after;                 // the committed entry; nullopt: removed
};

// Writes changes of the projections that name it. Implemented in app/ on
// top of the Elasticsearch bulk client and the Kafka sink.
//
// Thread: Write and Poll on the pipeline's reader thread; `done` may be
// called from any thread.
class ProjectionOutput {
 public:
  virtual ~ProjectionOutput() = default;
  virtual const std::string& name() const = 0;
  // Writes every change of a projection this output serves (others are
  // ignored) and calls done(status) exactly once when all are durable (OK)
  // or failed. `version` is the applied LSN of the state the changes were
  // read from: never lower than a previous call's, so a late or replayed
  // write never overwrites a newer one. kUnavailable / kTimeout: the sink
  // resends the changes later; another error stops the pipeline. At most
  // one Write is in flight.
  virtual void Write(std::vector<ProjectionChange> changes, Lsn version,
                     std::function<void(Status)> done) = 0;
  // Called on every tick: work driven by the reader thread (delivery
  // reports). An error stops the pipeline. Default: nothing.
  virtual Status Poll() { return Status::Ok(); }
  // Waits up to `timeout` for what was written to be durable, then frees
  // the output's resources. Default: nothing.
  virtual Status Close(std::chrono::milliseconds /*timeout*/) { return Status::Ok(); }
};

}  // namespace walcast::projections
