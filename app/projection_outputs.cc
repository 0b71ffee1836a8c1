#include "app/projection_outputs.h"

#include <algorithm>

#include "app/elasticsearch_factory.h"
#include "app/sink_factory.h"
#include "projections/entry_record.h"
#include "sinks/elasticsearch/http_client.h"

namespace walcast::app {
namespace {

namespace es = sinks::elasticsearch;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Virtual relations' oids: far above PostgreSQL's (user oids start at
// 16384 and a cluster never reaches these), one per projection.
constexpr uint32_t kVirtualOidBase = 0xF0000000u;

}  // namespace

void ElasticsearchProjectionOutput::Write(std::vector<projections::ProjectionChange> changes,
                                          Lsn version, std::function<void(Status)> done) {
  std::vector<ElasticsearchMetricWriter::Action> actions;
  for (const projections::ProjectionChange& c : changes) {
    const std::string& index = c.definition->elasticsearch_index;
    if (index.empty()) continue;
    ElasticsearchMetricWriter::Action a;
    a.index = index;
    a.id = projections::EntryDocumentId(c.key);
    if (c.after) a.json = projections::EntryDocumentJson(*c.after);
    a.version = version.value();
    a.origin = "projection";
    actions.push_back(std::move(a));
  }
  if (actions.empty()) {
    done(Status::Ok());
    return;
  }
  writer_->WriteActions(std::move(actions), std::move(done));
}

KafkaProjectionOutput::KafkaProjectionOutput(const projections::ProjectionSet& set,
                                             std::unique_ptr<sinks::kafka::KafkaSink> sink)
    : set_(set), sink_(std::move(sink)) {
  for (size_t i = 0; i < set_.projections.size(); ++i) {
    const projections::ProjectionDefinition& d = set_.projections[i];
    if (d.kafka_table.empty()) continue;
    relations_.emplace_back(
        d.name, projections::VirtualRelation(d, kVirtualOidBase + static_cast<uint32_t>(i)));
  }
  sink_->Attach(Sink::Acker(&tracker_, tracker_.RegisterSink(sink_->name())));
}

KafkaProjectionOutput::~KafkaProjectionOutput() {
  if (sink_) (void)sink_->Close(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<KafkaProjectionOutput>> KafkaProjectionOutput::Create(
    sinks::kafka::KafkaSinkOptions options, const projections::ProjectionSet& set) {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<sinks::kafka::KafkaSink> sink,
                           sinks::kafka::KafkaSink::Create(std::move(options)));
  return std::unique_ptr<KafkaProjectionOutput>(new KafkaProjectionOutput(set, std::move(sink)));
}

Status KafkaProjectionOutput::Produce(const std::vector<projections::ProjectionChange>& changes,
                                      Lsn version, Lsn end) {
  TransactionInfo txn;
  txn.commit_lsn = version;
  txn.begin_lsn = version;
  txn.end_lsn = end;
  txn.commit_time_us = NowUs();
  WALCAST_RETURN_IF_ERROR(sink_->OnBegin(txn));
  for (const projections::ProjectionChange& c : changes) {
    // Even an unchanged entry, or one neither held nor there: after a crash
    // the topic may hold records the outbox does not know of (delivered,
    // not yet acknowledged), so the last record must be written again.
    if (c.definition->kafka_table.empty()) continue;
    const auto relation = std::find_if(relations_.begin(), relations_.end(), [&](const auto& r) {
      return r.first == c.definition->name;
    });
    if (relation == relations_.end()) continue;
    ChangeEvent event;
    event.lsn = version;
    event.relation = relation->second;
    if (c.before) {
      event.before = projections::VirtualTuple(*c.definition, *c.before);
    } else if (!c.after) {
      // A delete of an entry the outbox says the topic never had: its key.
      projections::ProjectedRow key;
      for (size_t i = 0; i < c.definition->key.size() && i < c.key.size(); ++i) {
        key.Set(c.definition->key[i], c.key[i]);
      }
      event.before = projections::VirtualTuple(*c.definition, key);
      event.before_is_key_only = true;
    }
    if (c.after) event.after = projections::VirtualTuple(*c.definition, *c.after);
    event.op = !c.after ? Op::kDelete : (c.before ? Op::kUpdate : Op::kCreate);
    WALCAST_RETURN_IF_ERROR(sink_->OnChange(txn, event));
  }
  tracker_.Track(end, txn.commit_time_us);
  return sink_->OnCommit(txn);
}

void KafkaProjectionOutput::Write(std::vector<projections::ProjectionChange> changes, Lsn version,
                                  std::function<void(Status)> done) {
  // One synthetic transaction per write; its end LSN only orders this
  // output's own acknowledgements (the records carry `version`).
  const Lsn end = Lsn(std::max(version.value(), last_end_.value() + 1));
  last_end_ = end;
  const Status s = Produce(changes, version, end);
  if (!s.ok()) {
    // Whatever was handed over comes again with the resend.
    tracker_.Rewind();
    sink_->OnRewind();
    done(s.code() == Status::Code::kReplay ? Status::Unavailable(s.message()) : s);
    return;
  }
  pending_.emplace(end, std::move(done));
}

Status KafkaProjectionOutput::Poll() {
  const Status s = sink_->OnTick(std::chrono::steady_clock::now());
  if (!s.ok() && pending_) {
    tracker_.Rewind();
    sink_->OnRewind();
    std::function<void(Status)> done = std::move(pending_->second);
    pending_.reset();
    done(s.code() == Status::Code::kReplay ? Status::Unavailable(s.message()) : s);
    return Status::Ok();
  }
  if (pending_ && tracker_.watermark() >= pending_->first) {
    std::function<void(Status)> done = std::move(pending_->second);
    pending_.reset();
    done(Status::Ok());
  }
  return s;
}

Status KafkaProjectionOutput::Close(std::chrono::milliseconds timeout) {
  const Status s = sink_->Close(timeout);
  (void)Poll();
  return s;
}

Status AddProjectionOutputs(const Config& config, const projections::ProjectionSet& set,
                            projections::ProjectionSink* sink) {
  const bool elasticsearch =
      std::any_of(set.projections.begin(), set.projections.end(),
                  [](const auto& d) { return !d.elasticsearch_index.empty(); });
  const bool kafka = std::any_of(set.projections.begin(), set.projections.end(),
                                 [](const auto& d) { return !d.kafka_table.empty(); });
  if (elasticsearch) {
    Result<ElasticsearchTarget> target = ElasticsearchTargetFrom(config);
    if (!target.ok()) {
      return Status::InvalidArgument(
          "config key 'elasticsearch.url' is required: a projection names an "
          "elasticsearch_index");
    }
    ElasticsearchMetricWriter::Options writer;
    writer.dead_letter_index = target->dead_letter_index;
    writer.max_actions = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.actions"));
    writer.max_bytes = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.bytes"));
    WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<es::HttpClient> client,
                             es::HttpClient::Create(target->http));
    sink->AddOutput(std::make_unique<ElasticsearchProjectionOutput>(
        std::make_unique<ElasticsearchMetricWriter>(std::move(client), writer)));
  }
  if (kafka) {
    WALCAST_ASSIGN_OR_RETURN(debezium::EncoderOptions encoder,
                             EncoderOptionsFrom(config, config.GetString("database.dbname")));
    WALCAST_ASSIGN_OR_RETURN(
        sinks::kafka::KafkaSinkOptions options,
        KafkaSinkOptionsFrom(config, std::move(encoder), "a projection's kafka_table"));
    WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<KafkaProjectionOutput> output,
                             KafkaProjectionOutput::Create(std::move(options), set));
    sink->AddOutput(std::move(output));
  }
  return Status::Ok();
}

}  // namespace walcast::app
