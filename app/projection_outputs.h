#pragma once

// The projections' outputs as the app builds them (docs/projections.md,
// "Outputs"): a definition's `elasticsearch_index` makes each entry a
// document of that index, its `kafka_table` makes each change a Debezium
// record of that virtual table, on the topic
// <topic.prefix>.<schema>.<table>. Both are projections::ProjectionOutput,
// driven by the ProjectionSink's outbox protocol.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/metrics_factory.h"
#include "core/ack_tracker.h"
#include "core/config.h"
#include "core/status.h"
#include "projections/definition.h"
#include "projections/output.h"
#include "projections/projection_sink.h"
#include "sinks/kafka/kafka_sink.h"

namespace walcast::app {

// Entries as documents: index (or delete) by EntryDocumentId with the
// state's LSN as external_gte version, so a replay or a late write never
// brings back an older entry. Writes through a bulk worker of its own.
// Thread: Write on the reader thread; done from the bulk worker.
class ElasticsearchProjectionOutput : public projections::ProjectionOutput {
 public:
  explicit ElasticsearchProjectionOutput(std::unique_ptr<ElasticsearchMetricWriter> writer)
      : writer_(std::move(writer)) {}
  const std::string& name() const override { return name_; }
  void Write(std::vector<projections::ProjectionChange> changes, Lsn version,
             std::function<void(Status)> done) override;

 private:
  std::string name_ = "projections elasticsearch";
  std::unique_ptr<ElasticsearchMetricWriter> writer_;
};

// Changes as Debezium records of each projection's virtual table: one
// synthetic transaction per Write (commit LSN the state's applied LSN)
// handed to a Kafka sink of its own (at least once, like Debezium; the
// consumer keeps the last record per key). c for a new entry, u for a
// changed one (with before), d for a removed one, then a tombstone with
// tombstones.on.delete. Every change of the outbox is written, even one
// whose before equals its after: records delivered just before a crash are
// not in the outbox's before, and the last record per key must still end
// as the entry. done runs from Poll() once every record of the
// Write is acknowledged by Kafka (acks=all).
// Thread: the reader thread for every call.
class KafkaProjectionOutput : public projections::ProjectionOutput {
 public:
  // Borrows `set` (must outlive the output). The sink's errors.
  static Result<std::unique_ptr<KafkaProjectionOutput>> Create(
      sinks::kafka::KafkaSinkOptions options, const projections::ProjectionSet& set);
  ~KafkaProjectionOutput() override;
  const std::string& name() const override { return name_; }
  void Write(std::vector<projections::ProjectionChange> changes, Lsn version,
             std::function<void(Status)> done) override;
  Status Poll() override;
  Status Close(std::chrono::milliseconds timeout) override;

 private:
  KafkaProjectionOutput(const projections::ProjectionSet& set,
                        std::unique_ptr<sinks::kafka::KafkaSink> sink);
  // Hands the records of `changes` to the sink as one transaction ending at
  // `end`; the sink's error when it refuses one.
  Status Produce(const std::vector<projections::ProjectionChange>& changes, Lsn version, Lsn end);

  std::string name_ = "projections kafka";
  const projections::ProjectionSet& set_;
  // The virtual relation of each projection with a kafka_table, by name.
  std::vector<std::pair<std::string, std::shared_ptr<const Relation>>> relations_;
  AckTracker tracker_{Lsn()};  // this output's own: one sink, its transactions
  std::unique_ptr<sinks::kafka::KafkaSink> sink_;
  Lsn last_end_;
  std::optional<std::pair<Lsn, std::function<void(Status)>>> pending_;
};

// Adds the outputs the definitions name to `sink`: Elasticsearch at
// elasticsearch.url (its client settings), Kafka with the kafka.* client
// settings and the record format keys (topic.prefix, tombstones.on.delete,
// converters' schemas). kInvalidArgument names a missing key.
Status AddProjectionOutputs(const Config& config, const projections::ProjectionSet& set,
                            projections::ProjectionSink* sink);

}  // namespace walcast::app
