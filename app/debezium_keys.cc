#include "app/debezium_keys.h"

#include <algorithm>
#include <cctype>

#include "core/config.h"

namespace walcast::app {

namespace {

using K = DebeziumKey::Kind;

constexpr std::string_view kJsonConverter = "org.apache.kafka.connect.json.JsonConverter";
constexpr std::string_view kUnsupportedTopics =
    "walcast names topics <topic.prefix>.<schema>.<table>, "
    "__debezium-heartbeat.<topic.prefix> and <topic.prefix>.transaction only";

DebeziumKey Alias(std::string_view key, std::string_view target) {
  return {key, false, K::kAlias, target, {}, {}};
}
DebeziumKey Accepted(std::string_view key, std::vector<std::string_view> values,
                     std::string_view why) {
  return {key, false, K::kAccepted, {}, std::move(values), why};
}
DebeziumKey NoEffect(std::string_view key, std::string_view why,
                     std::vector<std::string_view> values = {}) {
  return {key, key.ends_with('.'), K::kNoEffect, {}, std::move(values), why};
}
DebeziumKey Refused(std::string_view key, std::string_view why) {
  return {key, key.ends_with('.'), K::kRefused, {}, {}, why};
}

bool Allowed(const DebeziumKey& entry, std::string_view value) {
  if (entry.values.empty()) return true;
  const std::string v = LowerAscii(Trim(value));
  return std::any_of(entry.values.begin(), entry.values.end(),
                     [&](std::string_view allowed) { return LowerAscii(Trim(allowed)) == v; });
}

std::string AllowedList(const DebeziumKey& entry) {
  std::string out;
  for (std::string_view v : entry.values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

}  // namespace

const std::vector<DebeziumKey>& DebeziumKeys() {
  // Keep docs/debezium-config.md in step with this table.
  static const std::vector<DebeziumKey> kKeys = {
      // Kafka Connect: the connector's identity and the worker's converters.
      Accepted("name", {}, "the connector's name in Kafka Connect"),
      Accepted("connector.class", {"io.debezium.connector.postgresql.PostgresConnector"},
               "walcast replaces Debezium's PostgreSQL connector only"),
      Accepted("tasks.max", {"1"}, "a PostgreSQL slot is read by one task"),
      Accepted("key.converter", {kJsonConverter}, "walcast writes JsonConverter's format only"),
      Accepted("value.converter", {kJsonConverter},
               "walcast writes JsonConverter's format only"),

      // Older names of keys walcast implements (Debezium 0.x, 1.x).
      Alias("database.server.name", "topic.prefix"),
      Alias("table.whitelist", "table.include.list"),
      Alias("table.blacklist", "table.exclude.list"),
      Alias("toasted.value.placeholder", "unavailable.value.placeholder"),
      Alias("slot.drop_on_stop", "slot.drop.on.stop"),
      Alias("heartbeat.topics.prefix", "topic.heartbeat.prefix"),
      Alias("column.whitelist", "column.include.list"),
      Alias("column.blacklist", "column.exclude.list"),

      // Filters walcast lacks: capturing more than asked is a privacy
      // problem, so they are refused, not ignored.
      Refused("schema.include.list",
              "schema filters are not implemented; list the tables in table.include.list"),
      Refused("schema.exclude.list",
              "schema filters are not implemented; list the tables in table.include.list"),
      Refused("schema.whitelist",
              "old name of schema.include.list, which is not implemented; use "
              "table.include.list"),
      Refused("schema.blacklist",
              "old name of schema.exclude.list, which is not implemented; use "
              "table.include.list"),
      Refused("snapshot.select.statement.overrides",
              "snapshot queries are not configurable: rows the override leaves out would be "
              "published"),
      Refused("snapshot.select.statement.overrides.",
              "snapshot queries are not configurable: rows the override leaves out would be "
              "published"),
      Refused("snapshot.include.collection.list",
              "the snapshot always covers every captured table"),
      Refused("converters", "custom converters are Java classes; walcast cannot load them"),
      Refused("post.processors", "post processors are Java classes; walcast cannot load them"),
      Refused("predicates", "transform predicates are not implemented: transforms would apply "
                            "to every record"),
      Refused("predicates.", "transform predicates are not implemented: transforms would apply "
                             "to every record"),
      Refused("snapshot.mode.class", "custom snapshotters are Java classes"),
      Refused("snapshot.custom.class", "custom snapshotters are Java classes"),
      Refused("snapshot.mode.custom.name", "custom snapshotters are Java classes"),
      Refused("snapshot.locking.mode.custom.name", "custom locking modes are Java classes"),
      Refused("snapshot.query.mode.custom.name", "custom snapshot queries are Java classes"),
      Refused("database.initial.statements",
              "statements run at connect are not implemented; the session would differ"),
      Refused("slot.stream.params", "output plugin parameters are not passed to the server"),
      Refused("replica.identity.autoset.values",
              "walcast does not alter tables; set REPLICA IDENTITY in SQL (setup --check "
              "prints it)"),
      Refused("signal.data.collection",
              "signals (ad-hoc and incremental snapshots) are not implemented"),
      Refused("database.sslfactory", "a Java SSL factory class"),
      Refused("sourceinfo.struct.maker", "a Java class; walcast writes Debezium's source block"),
      Refused("transaction.metadata.factory",
              "a Java class; walcast writes Debezium's transaction block"),

      // Accepted without effect only with the value that matches what
      // walcast does; another value would change the output.
      NoEffect("topic.heartbeat.prefix", kUnsupportedTopics, {"__debezium-heartbeat"}),
      NoEffect("topic.transaction", kUnsupportedTopics, {"transaction"}),
      NoEffect("topic.delimiter", kUnsupportedTopics, {"."}),
      NoEffect("topic.naming.strategy", kUnsupportedTopics,
               {"io.debezium.schema.SchemaTopicNamingStrategy"}),
      NoEffect("hstore.handling.mode", "walcast writes hstore as a JSON object", {"json"}),
      NoEffect("schema.name.adjustment.mode", "walcast does not adjust schema names", {"none"}),
      NoEffect("field.name.adjustment.mode", "walcast does not adjust field names", {"none"}),
      NoEffect("sanitize.field.names", "walcast does not adjust field names", {"false"}),
      NoEffect("source.struct.version", "walcast writes the v2 source block", {"v2"}),
      NoEffect("truncate.handling.mode",
               "truncates are skipped as skipped.operations=t does; set skipped.operations to "
               "publish them",
               {"skip"}),
      NoEffect("skip.messages.without.change",
               "walcast publishes every change, as Debezium does by default", {"false"}),
      NoEffect("include.schema.comments", "walcast writes no column comments into schemas",
               {"false"}),
      NoEffect("publish.via.partition.root",
               "walcast publishes each partition as its own table", {"false"}),
      NoEffect("flush.lsn.source", "walcast always confirms what every sink made durable",
               {"true"}),
      NoEffect("lsn.flush.mode", "walcast always confirms what every sink made durable",
               {"connector", "connector_and_driver"}),
      NoEffect("event.processing.failure.handling.mode",
               "walcast stops on an event it cannot process; errors.tolerance=all dead-letters "
               "it",
               {"fail"}),
      NoEffect("snapshot.query.mode", "walcast reads every column of every row",
               {"select_all"}),

      // Accepted without effect whatever the value.
      NoEffect("database.history.",
               "schema history is for other connectors; PostgreSQL's needs none"),
      NoEffect("schema.history.internal.",
               "schema history is for other connectors; PostgreSQL's needs none"),
      NoEffect("max.batch.size", "Connect's task queue; walcast bounds memory with "
                                 "stream.buffer.memory.bytes"),
      NoEffect("max.queue.size", "Connect's task queue; walcast bounds memory with "
                                 "stream.buffer.memory.bytes"),
      NoEffect("max.queue.size.in.bytes", "Connect's task queue; walcast bounds memory with "
                                          "stream.buffer.memory.bytes"),
      NoEffect("poll.interval.ms", "Connect's task poll; walcast hands records on at once"),
      NoEffect("snapshot.fetch.size", "walcast's snapshot reads with COPY, not a cursor"),
      NoEffect("query.fetch.size", "walcast's snapshot reads with COPY, not a cursor"),
      NoEffect("snapshot.locking.mode",
               "walcast reads an exported snapshot and takes no table locks"),
      NoEffect("snapshot.lock.timeout.ms",
               "walcast reads an exported snapshot and takes no table locks"),
      NoEffect("snapshot.delay.ms", "walcast starts its snapshot at once"),
      NoEffect("streaming.delay.ms", "walcast starts streaming at once"),
      NoEffect("snapshot.tables.order.by.row.count", "walcast splits big tables over threads"),
      NoEffect("snapshot.new.tables", "walcast snapshots the tables of a new snapshot only"),
      NoEffect("incremental.snapshot.chunk.size", "incremental snapshots are not implemented"),
      NoEffect("incremental.snapshot.watermarking.strategy",
               "incremental snapshots are not implemented"),
      NoEffect("signal.", "signals are not implemented"),
      NoEffect("notification.", "notifications are not implemented"),
      NoEffect("schema.refresh.mode", "walcast reads schemas from pgoutput's relation messages"),
      NoEffect("slot.max.retries", "walcast retries with reconnect.backoff.* and "
                                   "reconnect.max.attempts"),
      NoEffect("slot.retry.delay.ms", "walcast retries with reconnect.backoff.* and "
                                      "reconnect.max.attempts"),
      NoEffect("retriable.restart.connector.wait.ms",
               "walcast retries with reconnect.backoff.* and reconnect.max.attempts"),
      NoEffect("errors.max.retries", "walcast retries with reconnect.backoff.* and "
                                     "reconnect.max.attempts"),
      NoEffect("database.tcpKeepAlive", "libpq keeps TCP connections alive by default"),
      NoEffect("database.query.timeout.ms", "walcast sets no statement timeout"),
      NoEffect("xmin.fetch.interval.ms", "walcast does not track the slot's xmin"),
      NoEffect("lsn.flush.timeout.ms", "walcast confirms LSNs in its standby status updates"),
      NoEffect("lsn.flush.timeout.action",
               "walcast confirms LSNs in its standby status updates"),
      NoEffect("topic.cache.size", "walcast keeps every topic name"),
      NoEffect("custom.metric.tags", "walcast has no JMX metrics"),
      NoEffect("extended.headers.enabled", "walcast writes no context headers"),
      NoEffect("guardrail.collections.max", "walcast captures every listed table"),
      NoEffect("guardrail.collections.limit.action", "walcast captures every listed table"),
      NoEffect("executor.shutdown.timeout.ms", "walcast has no executor to wait for"),
      NoEffect("header.converter", "walcast writes no headers that need a converter"),
      NoEffect("config.action.reload", "walcast reads its config once, at start"),
      NoEffect("errors.retry.timeout", "Connect's retry of converters and transforms"),
      NoEffect("errors.retry.delay.max.ms", "Connect's retry of converters and transforms"),
      NoEffect("errors.log.enable", "walcast logs each dead-lettered record"),
      NoEffect("errors.log.include.messages", "walcast never logs row contents"),
      NoEffect("errors.deadletterqueue.context.headers.enable",
               "walcast's dead letters carry no Connect context headers"),
      NoEffect("errors.deadletterqueue.topic.replication.factor",
               "walcast does not create the dead-letter topic"),
      NoEffect("topic.creation.", "walcast does not create topics; the broker's defaults apply"),
      NoEffect("driver.", "JDBC driver properties; walcast connects with libpq"),
      NoEffect("snapshot.isolation.mode",
               "walcast reads the slot's exported snapshot in REPEATABLE READ transactions"),
      NoEffect("snapshot.max.threads.multiplier", "walcast splits big tables by ctid ranges"),
      NoEffect("legacy.snapshot.max.threads", "walcast has one snapshot implementation"),
      NoEffect("internal.legacy.snapshot.max.threads", "walcast has one snapshot implementation"),
      NoEffect("snapshot.mode.configuration.based.",
               "used only with snapshot.mode=configuration_based, which walcast does not take"),
      NoEffect("offset.mismatch.strategy",
               "walcast keeps no Connect offsets; it streams from the slot's position"),
      NoEffect("read.only", "signals and incremental snapshots are not implemented"),
      NoEffect("incremental.snapshot.allow.schema.changes",
               "incremental snapshots are not implemented"),
      NoEffect("event.converting.failure.handling.mode",
               "walcast stops on a value it cannot convert, or dead-letters it with "
               "errors.tolerance=all"),
      NoEffect("include.schema.changes", "PostgreSQL's connector writes no schema change events"),
      NoEffect("table.ignore.builtin", "walcast never captures system tables"),
      NoEffect("connection.validation.timeout.ms", "walcast validates its connection at start"),
      NoEffect("create.slot.command.timeout", "walcast waits for the slot with its own timeouts"),
      NoEffect("slot.seek.to.known.offset.on.start",
               "walcast keeps no Connect offsets; it streams from the slot's position"),
      NoEffect("poll.dispatch.interval.ms",
               "Connect's task poll; walcast hands records on at once"),
      NoEffect("queue.provider.type", "Connect's task queue; walcast has its own"),
      NoEffect("statistics.metrics.enabled", "walcast has no JMX metrics"),
      NoEffect("advanced.metrics.enable", "walcast has no JMX metrics"),
      NoEffect("custom.retriable.exception", "walcast retries on its own error codes"),
      NoEffect("log.position.check.enable", "walcast keeps no Connect offsets"),
      NoEffect("offset.activity.monitor.interval.ms", "walcast keeps no Connect offsets"),
      NoEffect("custom.sanitize.pattern", "walcast never logs secrets"),
      NoEffect("memory.management.", "walcast keeps its own relation cache"),
      NoEffect("openlineage.integration.", "walcast emits no OpenLineage events"),
  };
  return kKeys;
}

const DebeziumKey* FindDebeziumKey(std::string_view key) {
  const DebeziumKey* best = nullptr;
  for (const DebeziumKey& entry : DebeziumKeys()) {
    if (!entry.prefix && entry.key == key) return &entry;
    // The longest prefix wins (column.mask.hash.v2. over column.mask.hash.).
    if (entry.prefix && key.starts_with(entry.key) && key.size() > entry.key.size() &&
        (best == nullptr || entry.key.size() > best->key.size())) {
      best = &entry;
    }
  }
  return best;
}

Status TranslateDebeziumKeys(std::map<std::string, std::string>* values,
                             std::vector<IgnoredKey>* ignored) {
  // Old names first, so that an alias whose current name has an entry of
  // its own (topic.heartbeat.prefix) is checked under that entry.
  for (auto it = values->begin(); it != values->end();) {
    const DebeziumKey* entry = FindDebeziumKey(it->first);
    if (entry == nullptr || entry->kind != K::kAlias) {
      ++it;
      continue;
    }
    const std::string target(entry->target);
    auto current = values->find(target);
    if (current != values->end() && Trim(current->second) != Trim(it->second)) {
      return Status::InvalidArgument("config keys '" + it->first + "' and '" + target +
                                     "' (its current name) are both set, to different values");
    }
    (*values)[target] = it->second;
    it = values->erase(it);
  }
  for (auto it = values->begin(); it != values->end();) {
    const DebeziumKey* entry = FindDebeziumKey(it->first);
    if (entry == nullptr) {
      ++it;
      continue;
    }
    const std::string& key = it->first;
    const std::string value = Trim(it->second);
    if (!Allowed(*entry, value)) {
      return Status::InvalidArgument("config key '" + key + "': '" + value +
                                     "' is not supported (" + std::string(entry->why) +
                                     "; accepted: " + AllowedList(*entry) + ")");
    }
    if (entry->kind == K::kNoEffect) {
      ignored->push_back({key, std::string(entry->why)});
    } else if (entry->kind == K::kRefused) {
      // An empty value asks for nothing, so ignoring it is safe.
      if (!value.empty()) {
        return Status::InvalidArgument("config key '" + key + "' is not supported: " +
                                       std::string(entry->why));
      }
      ignored->push_back({key, "empty; " + std::string(entry->why)});
    }
    it = values->erase(it);
  }
  return Status::Ok();
}

}  // namespace walcast::app
