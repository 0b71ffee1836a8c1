#include "app/options.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "exhaust/options.h"
#include "metrics/options.h"
#include "projections/options.h"
#include "wal_reader/slot_manager.h"

namespace walcast::app {

using T = OptionSpec::Type;

namespace {

// Appends option specs to a list; returns the new spec for limits and
// secrets.
class OptionAdder {
 public:
  explicit OptionAdder(std::vector<OptionSpec>* specs) : specs_(specs) {}
  OptionSpec& operator()(std::string key, T type, std::string def, std::string help,
                         std::vector<std::string> choices = {}) {
    OptionSpec s;
    s.key = std::move(key);
    s.type = type;
    s.default_value = std::move(def);
    s.help = std::move(help);
    s.choices = std::move(choices);
    specs_->push_back(std::move(s));
    return specs_->back();
  }
  // A string that is never printed and may come from environment variable
  // `env` instead of the config.
  OptionSpec& Secret(std::string key, std::string help, std::string env) {
    OptionSpec& spec = (*this)(std::move(key), T::kString, "", std::move(help));
    spec.secret = true;
    spec.env = std::move(env);
    return spec;
  }

 private:
  std::vector<OptionSpec>* specs_;
};

// The source database and its slot and publication (Debezium names).
void AddSourceOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  // Source database (Debezium names).
  add("database.hostname", T::kString, "localhost",
      "PostgreSQL host, or a comma list of hosts (h1,h2) tried in order on every (re)connect, "
      "e.g. a primary and its standbys: walcast follows a failover to the new primary "
      "(docs/high-availability.md)");
  add("database.port", T::kString, "5432",
      "PostgreSQL port, or a comma list with one port per database.hostname entry");
  add("database.target.session.attrs", T::kEnum, "auto",
      "which of the hosts to use (libpq target_session_attrs): auto is read-write with several "
      "hosts (the primary) and any with one; standby or prefer-standby read a slot on a hot "
      "standby (PostgreSQL 16+)",
      {"auto", "any", "read-write", "read-only", "primary", "standby", "prefer-standby"});
  add("database.user", T::kString, "postgres", "role used for replication and catalog queries");
  add.Secret("database.password",
             "password; prefer the WALCAST_DATABASE_PASSWORD environment variable",
             "WALCAST_DATABASE_PASSWORD");
  add("database.dbname", T::kString, "postgres", "database to stream");
  add("database.sslmode", T::kEnum, "prefer",
      "TLS to PostgreSQL (libpq sslmode): verify-ca checks the server's certificate "
      "against database.sslrootcert, verify-full also its host name",
      {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"});
  add("database.sslrootcert", T::kString, "",
      "PEM file of the CA certificates that sign the server's certificate (libpq sslrootcert; "
      "empty: ~/.postgresql/root.crt)");
  add("database.sslcert", T::kString, "",
      "PEM client certificate for hostssl ... cert authentication (libpq sslcert; empty: "
      "~/.postgresql/postgresql.crt if present)");
  add("database.sslkey", T::kString, "",
      "PEM private key of database.sslcert; owner-only permissions (libpq sslkey)");
  add.Secret("database.sslpassword",
             "passphrase of an encrypted database.sslkey; prefer the "
             "WALCAST_DATABASE_SSLPASSWORD environment variable",
             "WALCAST_DATABASE_SSLPASSWORD");
  add("database.connect.timeout.ms", T::kInt, "10000", "connection timeout").min = 1000;
  // How a connection that went silent is noticed (docs/network-faults.md).
  add("database.tcp.keepalive.idle.ms", T::kInt, "30000",
      "idle time before TCP keepalive probes start on every PostgreSQL connection (libpq "
      "keepalives_idle, whole seconds)")
      .min = 1000;
  add("database.tcp.keepalive.interval.ms", T::kInt, "10000",
      "time between unanswered TCP keepalive probes (libpq keepalives_interval, whole seconds)")
      .min = 1000;
  add("database.tcp.keepalive.count", T::kInt, "3",
      "unanswered TCP keepalive probes before the connection counts as dead (libpq "
      "keepalives_count)")
      .min = 1;
  add("database.tcp.user.timeout.ms", T::kInt, "60000",
      "how long sent data may stay unacknowledged before the connection counts as dead (libpq "
      "tcp_user_timeout; 0: the system's retransmission limit, about 15 minutes)")
      .min = 0;
  add("wal.receiver.timeout.ms", T::kInt, "60000",
      "the client side of wal_sender_timeout: after half of it without any message from the "
      "server walcast asks for a reply, after all of it the replication connection counts as "
      "dead and is opened again (0: off)")
      .min = 0;
  // Slot and publication.
  add("slot.name", T::kString, "walcast", "logical replication slot");
  add("slot.failover", T::kBool, "false",
      "create the slot as a failover slot, kept on standbys with sync_replication_slots=on "
      "(PostgreSQL 17+)");
  add("slot.drop.on.stop", T::kBool, "false", "drop the slot on a clean stop (tests only)");
  add("plugin.name", T::kEnum, "pgoutput", "logical decoding output plugin",
      {"pgoutput", "wal2json"});
  add("publication.name", T::kString, "walcast_publication", "pgoutput publication");
  add("publication.autocreate.mode", T::kEnum, "filtered",
      "all_tables: CREATE PUBLICATION ... FOR ALL TABLES; filtered: FOR TABLE the "
      "tables matching table.include.list (kept in sync at start); disabled: must exist; "
      "no_tables: create empty",
      {"all_tables", "filtered", "disabled", "no_tables"});
  add("table.include.list", T::kString, "",
      "comma list of regular expressions matched against schema.table (empty: all user tables)");
  add("table.exclude.list", T::kString, "", "comma list of regular expressions to leave out");
  add("status.update.interval.ms", T::kInt, "10000",
      "interval between standby status updates to the server")
      .min = 100;
  add("topic.prefix", T::kString, "walcast", "logical server name; source.name in events");
}

// The initial snapshot, pgoutput protocol and pipeline.
void AddStreamOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  // Initial snapshot.
  add("snapshot.mode", T::kEnum, "initial",
      "initial: snapshot when no completed snapshot is recorded for the slot, then stream; "
      "initial_only: snapshot, then stop; always: snapshot at every start; when_needed: like "
      "initial, and also when the slot lost its WAL; never / no_data: stream only",
      {"initial", "initial_only", "always", "when_needed", "never", "no_data"});
  add("snapshot.max.threads", T::kInt, "1",
      "threads taking the initial snapshot: connections reading it (tables of 2048 pages or "
      "more are split into ctid ranges, still handed over in table order) and threads "
      "encoding its rows for the stdout and Kafka sinks (written or produced in order); "
      "memory stays bounded")
      .min = 1;
  o.back().max = 64;
  add("state.dir", T::kString, "",
      "directory for walcast's own state (snapshot records, slot ownership, metric state); "
      "default: $STATE_DIRECTORY (systemd StateDirectory=), else /var/lib/walcast as root, "
      "else $XDG_STATE_HOME/walcast or ~/.local/state/walcast; an existing ./walcast-state "
      "(the old default) is kept, with a warning");
  // pgoutput protocol (walcast-only).
  add("pgoutput.proto.version", T::kEnum, "auto",
      "pgoutput protocol version; auto = the highest the server offers (4 on PostgreSQL 16+, "
      "3 on 15, 2 on 14, else 1)",
      {"auto", "1", "2", "3", "4"});
  add("pgoutput.origin", T::kEnum, "any",
      "none: skip changes that logical replication applied from another server (replication "
      "origin set; PostgreSQL 16+); any: publish them too",
      {"any", "none"});
  add("pgoutput.streaming", T::kEnum, "auto",
      "stream in-progress transactions (proto 2, PostgreSQL 14+); auto = on where supported",
      {"auto", "on", "off"});
  add("pgoutput.messages", T::kBool, "true",
      "decode pg_logical_emit_message messages (PostgreSQL 14+)");
  add("stream.buffer.memory.bytes", T::kInt, "16777216",
      "memory held per streamed transaction before spilling to disk")
      .min = 4096;
  add("stream.buffer.spill.dir", T::kString, "/tmp", "directory for spill files");
  // Pipeline.
  add("sinks", T::kList, "stdout", "comma list of outputs (may be empty when metrics.definitions.file or projections.definitions.file is set)", {"stdout", "kafka", "elasticsearch"});
}

// Debezium's record format (Kafka sink; the stdout sink prints the values).
void AddRecordFormatOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  // Debezium record format (Kafka sink; the stdout sink prints the values).
  add("key.converter.schemas.enable", T::kBool, "true",
      "Kafka keys as {schema, payload} (JsonConverter schemas.enable)");
  add("value.converter.schemas.enable", T::kBool, "true",
      "Kafka values as {schema, payload} (JsonConverter schemas.enable)");
  add("tombstones.on.delete", T::kBool, "true", "write a tombstone after each delete");
  add("skipped.operations", T::kString, "t",
      "comma list of operations not published: c, u, d, t, or none");
  add("decimal.handling.mode", T::kEnum, "precise", "numeric and money columns",
      {"precise", "double", "string"});
  add("time.precision.mode", T::kEnum, "adaptive", "date/time columns",
      {"adaptive", "adaptive_time_microseconds", "connect"});
  add("binary.handling.mode", T::kEnum, "bytes", "bytea columns",
      {"bytes", "base64", "base64-url-safe", "hex"});
  add("interval.handling.mode", T::kEnum, "numeric",
      "interval columns: numeric (microseconds) or string (ISO 8601)", {"numeric", "string"});
  add("money.fraction.digits", T::kInt, "2", "scale of money values").min = 0;
  add("unavailable.value.placeholder", T::kString, "__debezium_unavailable_value",
      "written for unchanged TOASTed values the server did not send");
  add("include.unknown.datatypes", T::kBool, "false",
      "publish columns of types without a mapping as bytes (otherwise they are left out)");
  add("message.key.columns", T::kString, "",
      "custom keys: <table regex>:<col>[,<col>...][;...], e.g. idrepo.anonymous_profile:id");
  add("provide.transaction.metadata", T::kBool, "false",
      "write BEGIN/END records to <topic.prefix>.transaction and fill the transaction block");
  add("transforms", T::kList, "",
      "Kafka Connect RegexRouter transforms by name (transforms.<name>.type/regex/replacement)");
  add("message.prefix.include.list", T::kString, "",
      "comma list of regular expressions: publish only logical messages whose prefix matches");
  add("message.prefix.exclude.list", T::kString, "",
      "comma list of regular expressions: logical message prefixes not published");
  // Debezium's column options (debezium/column_rules.h); the mapper
  // families column.truncate.to.*, column.mask.* pass through.
  add("column.include.list", T::kString, "",
      "comma list of regular expressions on schema.table.column: only these columns reach "
      "the record values and Elasticsearch documents (key columns stay in the key)");
  add("column.exclude.list", T::kString, "",
      "comma list of regular expressions on schema.table.column: columns left out of the "
      "record values and Elasticsearch documents (key columns stay in the key)");
  add("column.propagate.source.type", T::kString, "",
      "comma list of regular expressions on schema.table.column: add "
      "__debezium.source.column.type/length/scale/name parameters to their schemas");
  add("datatype.propagate.source.type", T::kString, "",
      "comma list of regular expressions on schema.table.<type name>: the same by type");
}

// Heartbeats and the Kafka sink.
void AddKafkaOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  // Heartbeats.
  add("heartbeat.interval.ms", T::kInt, "0",
      "write a heartbeat record to __debezium-heartbeat.<topic.prefix> this often (0: off)")
      .min = 0;
  add("heartbeat.action.query", T::kString, "",
      "SQL run on the source database at each heartbeat, e.g. an UPSERT into a published "
      "heartbeat table");
  add("heartbeat.logical.message", T::kBool, "false",
      "at each heartbeat call pg_logical_emit_message(false, 'walcast.heartbeat', '') so "
      "WAL flows through the slot without a heartbeat table (these messages are not published)");
  // Kafka sink.
  add("errors.tolerance", T::kEnum, "none",
      "all: records Kafka rejects (or values that cannot be converted) go to "
      "errors.deadletterqueue.topic.name instead of stopping walcast",
      {"none", "all"});
  add("errors.deadletterqueue.topic.name", T::kString, "walcast.dlq",
      "dead-letter topic used with errors.tolerance=all");
  add("exactly.once", T::kBool, "false",
      "Kafka transactions: read_committed consumers see every change once, even after "
      "kill -9; the slot's LSN checkpoint commits with the records (docs/design.md)");
  add("exactly.once.transactional.id", T::kString, "",
      "producer transactional.id; must be unique per walcast instance "
      "(default walcast-<topic.prefix>-<slot.name>)");
  add("exactly.once.checkpoint.topic", T::kString, "",
      "compacted topic with the LSN checkpoint per slot, created if missing "
      "(default <topic.prefix>.walcast.checkpoints)");
  add("exactly.once.commit.interval.ms", T::kInt, "100",
      "commit the Kafka transaction at the first transaction boundary after this long; "
      "the latency read_committed consumers see")
      .min = 1;
  add("exactly.once.commit.max.records", T::kInt, "10000",
      "commit the Kafka transaction at the first transaction boundary once it holds this "
      "many records")
      .min = 1;
  add("reconnect.backoff.initial.ms", T::kInt, "500", "first reconnect delay").min = 10;
  add("reconnect.backoff.max.ms", T::kInt, "30000", "largest reconnect delay").min = 10;
  add("reconnect.max.attempts", T::kInt, "-1",
      "reconnect attempts after a retryable error (-1: forever)")
      .min = -1;
}

// Lookups and joins of raw documents (docs/elasticsearch.md "Lookups and
// joins"); the per-lookup keys elasticsearch.lookup.<name>.* pass through
// to sinks/elasticsearch/lookup_config.h, which names a bad one.
void AddElasticsearchLookupOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  add("elasticsearch.lookup.preset", T::kEnum, "",
      "lookups to start from: mosip = MOSIP's DynamicNewField joins and profile lookups "
      "(doc_type_name, regcntr_name, documents_names, registrationCenterGeoLocation); "
      "default none, or mosip when elasticsearch.preset=mosip",
      {"none", "mosip"});
  add("elasticsearch.lookups", T::kList, "",
      "comma list of lookup names, each set by elasticsearch.lookup.<name>.{table, key.columns, "
      "value, target.tables, target.key.columns, target.key.defaults, output.field, type, "
      "missing}: a field of the target tables' documents filled from a row of another "
      "captured table (a join), kept current as that table changes");
  add("elasticsearch.lookup.max.rows", T::kInt, "1000000",
      "lookup rows held in memory over all lookups (about 150 bytes plus key and value "
      "each); walcast stops with an error beyond it")
      .min = 1;
}

// The Elasticsearch / OpenSearch sink (raw documents; metric documents).
void AddElasticsearchOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  // Elasticsearch / OpenSearch sink (raw documents; metric documents).
  add("elasticsearch.url", T::kString, "",
      "http(s)://host:port of an Elasticsearch 7.8+/8 or OpenSearch node (required with "
      "sinks=elasticsearch)");
  add("elasticsearch.username", T::kString, "", "basic auth user");
  add.Secret("elasticsearch.password",
             "basic auth password; prefer WALCAST_ELASTICSEARCH_PASSWORD",
             "WALCAST_ELASTICSEARCH_PASSWORD");
  add("elasticsearch.api.key.id", T::kString, "",
      "API key id (with elasticsearch.api.key; leave empty if the key is already encoded)");
  add.Secret("elasticsearch.api.key",
             "API key (or its base64 'encoded' form); prefer WALCAST_ELASTICSEARCH_API_KEY",
             "WALCAST_ELASTICSEARCH_API_KEY");
  add.Secret("elasticsearch.bearer.token",
             "bearer token; prefer WALCAST_ELASTICSEARCH_BEARER_TOKEN",
             "WALCAST_ELASTICSEARCH_BEARER_TOKEN");
  add("elasticsearch.ca.file", T::kString, "", "PEM bundle of the CAs to trust (https)");
  add("elasticsearch.client.cert.file", T::kString, "", "PEM client certificate (mutual TLS)");
  add("elasticsearch.client.key.file", T::kString, "", "PEM client key (mutual TLS)");
  add("elasticsearch.index.prefix", T::kString, "",
      "index names start with this (default: topic.prefix): <prefix>.<schema>.<table>");
  add("elasticsearch.dead.letter.index", T::kString, "",
      "index for rows and documents that cannot be indexed (default: "
      "<prefix>.walcast.dead_letter; 'none': stop instead)");
  add("elasticsearch.bulk.max.actions", T::kInt, "1000", "actions per _bulk request").min = 1;
  add("elasticsearch.bulk.max.bytes", T::kInt, "5242880", "bytes per _bulk request").min = 1024;
  add("elasticsearch.bulk.flush.interval.ms", T::kInt, "1000",
      "send a partial _bulk request after this long")
      .min = 1;
  add("elasticsearch.connect.timeout.ms", T::kInt, "10000",
      "time to open a connection to the cluster, TLS included")
      .min = 100;
  add("elasticsearch.request.timeout.ms", T::kInt, "120000",
      "a whole request, connect to last byte of the answer; a connection that went silent is "
      "given up after this long and the request retried on a new one")
      .min = 1000;
  add("elasticsearch.bulk.concurrency", T::kInt, "2",
      "_bulk requests in flight at once to one cluster, over as many connections; pipelines "
      "with the same elasticsearch.url and client settings share them")
      .min = 1;
  o.back().max = 64;
  add("elasticsearch.index.shards", T::kInt, "0",
      "index.number_of_shards of the indices walcast's templates create (0: the server's "
      "default, 1)")
      .min = 0;
  o.back().max = 1024;
  add("elasticsearch.profile.tables", T::kString, "*.anonymous_profile",
      "comma list of schema.table patterns ('*' wildcard) whose profile column is an "
      "anonymous profile, indexed in MOSIP's dashboard shape");
  add("elasticsearch.age.groups", T::kString, "0-5, 5-18, 18-60, 60 and above",
      "age buckets of profile.*.ageGroup (MOSIP's by default)");
  add("elasticsearch.delete.superseded", T::kBool, "true",
      "an idrepo update profile deletes the document it supersedes (profile.updateId), as "
      "MOSIP's sink does");
  add("elasticsearch.templates", T::kBool, "true",
      "install walcast's index templates at start when missing (walcast setup always does)");
  // Per-table document rules (sinks/elasticsearch/document_rules.h). Empty
  // defaults: a key that is set overrides the preset, one that is not does not.
  add("elasticsearch.preset", T::kEnum, "none",
      "mosip: the documents of MOSIP's 14 Elasticsearch sink connectors for their tables "
      "(_id, source_* fields, @timestamp_gen, date formats; docs/elasticsearch.md 4.6); "
      "elasticsearch.document.* and elasticsearch.table.* keys override it",
      {"none", "mosip"});
  add("elasticsearch.document.id", T::kEnum, "",
      "_id of every table's documents: key (the key columns' text; default) or "
      "connect-key-json (the Kafka key JSON Debezium writes, as Kafka Connect's "
      "StringConverter + key.ignore=false use it); per table: "
      "elasticsearch.table.<schema>.<table>.id",
      {"key", "connect-key-json"});
  add("elasticsearch.document.values", T::kEnum, "",
      "column values: native (typed by PostgreSQL type; default) or debezium (as in "
      "Debezium's records: epoch micros, days, base64 decimals); per table: "
      "elasticsearch.table.<schema>.<table>.values",
      {"native", "debezium"});
  add("elasticsearch.document.source.fields", T::kString, "",
      "ExtractNewRecordState add.fields: comma list of op, source.ts_ms, source.ts_us, "
      "source.ts_ns, name, db, schema, table, txId, lsn, each with an optional :alias "
      "(default none); per table: elasticsearch.table.<schema>.<table>.source.fields");
  add("elasticsearch.document.source.fields.prefix", T::kString, "",
      "prefix of the source fields (ExtractNewRecordState add.fields.prefix; default __)");
  add("elasticsearch.document.timestamp.gen", T::kString, "",
      "columns whose first set value is copied to @timestamp_gen (MOSIP's TimestampSelector "
      "ts.order; default upd_dtimes,cr_dtimes; none: no field); per table: "
      "elasticsearch.table.<schema>.<table>.timestamp.gen");
  add("elasticsearch.document.timestamp.gen.field", T::kString, "",
      "name of that field (default @timestamp_gen)");
  add("elasticsearch.document.null.values", T::kEnum, "",
      "a delete: delete (default) removes the document, ignore keeps it "
      "(behavior.on.null.values)",
      {"delete", "ignore"});
  add("elasticsearch.document.truncate", T::kEnum, "",
      "a truncate: delete (default) empties the index, ignore keeps it", {"delete", "ignore"});
  // elasticsearch.document.convert.<field> and elasticsearch.table.<schema>.<table>.<rule>
  // pass through (PassthroughPrefixes) and are checked by DocumentRules::Parse.
  AddElasticsearchLookupOptions(o);
}

// Running and logging.
void AddRunOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  add("stop.at.lsn", T::kString, "",
      "stop cleanly once everything up to this LSN (X/X) is confirmed (benchmarks, scripts)");
  add("log.level", T::kEnum, "info", "log threshold", {"debug", "info", "warn", "error"});
  add("shutdown.timeout.ms", T::kInt, "30000",
      "on SIGTERM, how long the sinks may take to make what they hold durable before walcast "
      "exits; the watermark confirmed is what they did (the rest comes again on restart)")
      .min = 0;
  add("log.format", T::kEnum, "text",
      "text (time LEVEL message key=value ...) or json (one JSON object per line)",
      {"text", "json"});
  // The HTTP endpoint (docs/operations.md): probes, Prometheus, status page.
  OptionSpec& port = add("http.port", T::kInt, "0",
                         "HTTP endpoint port for /healthz, /readyz, /metrics (Prometheus) and the "
                         "status page at /; 0 = off");
  port.min = 0;
  port.max = 65535;
  add("http.bind", T::kString, "127.0.0.1",
      "address the HTTP endpoint listens on (0.0.0.0: every interface, as in the container)");
}

// The privacy transforms (docs/privacy.md). Keys never come from here:
// privacy.keys.file names a file, WALCAST_PRIVACY_KEYS may hold the same.
void AddPrivacyOptions(std::vector<OptionSpec>& o) {
  OptionAdder add(&o);
  add("privacy.rules", T::kList, "",
      "privacy rules applied in this order to each row before every sink (the metric engine "
      "still reads the original row); each is set by privacy.rule.<name>.table, .column, "
      ".paths, .op (drop|mask|hash|encrypt|concat|date), .from, .to, .separator, .mask.keep, "
      ".derived.from");
  add("privacy.keys.file", T::kString, "",
      "key file of the privacy rules: lines id=<base64 of 32 bytes> and current=<id> (also "
      "read from the WALCAST_PRIVACY_KEYS environment variable, same syntax, ';' between "
      "entries); never put keys in this configuration");
  add("privacy.hash.key.id", T::kString, "",
      "id of the key hash rules and subject indexes use (default: the current key; pin it "
      "before rotating keys, or hashes change)");
  add("privacy.on.error", T::kEnum, "fail",
      "a row a rule cannot be applied to (bad JSON, a bad date, no subject): fail stops with "
      "the table, column, LSN and reason; redact sends that column as NULL and logs the reason",
      {"fail", "redact"});
  add("privacy.state.dir", T::kString, "",
      "RocksDB directory of the wrapped per-subject keys (default <state.dir>/privacy-<slot.name>)");
  add("privacy.transform.thread", T::kBool, "false",
      "run the privacy rules on a thread of their own beside the reader, handing the rows on "
      "to the outputs in commit order (uses a second core; the metric engine still gets each "
      "row at once)");
}

}  // namespace

const std::vector<OptionSpec>& AllOptions() {
  static const std::vector<OptionSpec> kOptions = [] {
    std::vector<OptionSpec> o;
    AddSourceOptions(o);
    AddStreamOptions(o);
    AddRecordFormatOptions(o);
    AddKafkaOptions(o);
    AddElasticsearchOptions(o);
    AddRunOptions(o);
    AddPrivacyOptions(o);
    // Metrics (metrics/options.h): their documents go to elasticsearch.url.
    for (OptionSpec& spec : metrics::MetricsOptionSpecs()) o.push_back(std::move(spec));
    // Projections (projections/options.h): kept in walcast's own state.
    for (OptionSpec& spec : projections::ProjectionOptionSpecs()) o.push_back(std::move(spec));
    // Exhaust reports from the projections (exhaust/options.h).
    for (OptionSpec& spec : exhaust::ExhaustOptionSpecs()) o.push_back(std::move(spec));
    return o;
  }();
  return kOptions;
}

const std::vector<std::string>& PassthroughPrefixes() {
  // kafka.*: librdkafka producer properties (kafka.bootstrap.servers, ...);
  // producer.override.*: the same under Debezium's name, producer.* under
  // Kafka Connect's worker name (app/kafka_client_config.h); transforms.*: the
  // settings of each transform named in `transforms`.
  // elasticsearch.table.* / elasticsearch.document.convert.*: per-table
  // document rules and date conversions (DocumentRules::Parse checks them);
  // elasticsearch.lookup.*: the settings of each lookup named in
  // elasticsearch.lookups (checked by ParseLookups). privacy.rule.* and
  // privacy.subject.*: the privacy rules (checked by privacy::ParseRules).
  // column.truncate.to.* and column.mask.*: Debezium's column mappers
  // (ParseColumnRules checks them).
  static const std::vector<std::string> kPrefixes = {
      "kafka.", "producer.", "transforms.", "elasticsearch.table.",
      "elasticsearch.document.convert.", "elasticsearch.lookup.", "privacy.rule.",
      "privacy.subject.", "column.truncate.to.", "column.mask."};
  return kPrefixes;
}

Status ApplyOverride(const std::string& assignment, std::map<std::string, std::string>* out) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("--set expects KEY=VALUE, got '" + assignment + "'");
  }
  (*out)[Trim(assignment.substr(0, eq))] = assignment.substr(eq + 1);
  return Status::Ok();
}

namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

std::string Conninfo(const Config& config) {
  using wal_reader::ConninfoValue;
  std::string s;
  // A comma list is libpq's multi-host form: hosts and ports pair up by
  // position (one port applies to every host).
  s += "host=" + ConninfoValue(JoinList(SplitList(config.GetString("database.hostname"))));
  s += " port=" + ConninfoValue(JoinList(SplitList(config.GetString("database.port"))));
  // libpq tries the hosts in order and keeps the first that matches;
  // read-write makes a promoted standby the one a reconnect lands on.
  std::string attrs = config.GetString("database.target.session.attrs");
  if (attrs.empty() || attrs == "auto") {  // empty: a Config built without the defaults
    attrs = SplitList(config.GetString("database.hostname")).size() > 1 ? "read-write" : "any";
  }
  s += " target_session_attrs=" + attrs;
  s += " user=" + ConninfoValue(config.GetString("database.user"));
  s += " dbname=" + ConninfoValue(config.GetString("database.dbname"));
  s += " sslmode=" + ConninfoValue(config.GetString("database.sslmode"));
  const int64_t timeout_s = std::max<int64_t>(1, config.GetInt("database.connect.timeout.ms") / 1000);
  s += " connect_timeout=" + std::to_string(timeout_s);
  // TCP keepalives and a user timeout on every connection: without them a
  // connection whose packets vanish (a cut link, a firewall dropping state)
  // hangs until the kernel's retransmission limit, about 15 minutes.
  // A keepalive setting of 0 (only a Config built without the defaults has
  // one) leaves the kernel's value: libpq refuses a count of 0.
  s += " keepalives=1";
  auto setting = [&](const char* name, const char* key, int64_t divisor) {
    const int64_t v = config.GetInt(key);
    if (v > 0) s += std::string(" ") + name + "=" + std::to_string(std::max<int64_t>(1, v / divisor));
  };
  setting("keepalives_idle", "database.tcp.keepalive.idle.ms", 1000);
  setting("keepalives_interval", "database.tcp.keepalive.interval.ms", 1000);
  setting("keepalives_count", "database.tcp.keepalive.count", 1);
  // 0 is libpq's and the kernel's own "no limit of ours".
  s += " tcp_user_timeout=" + std::to_string(config.GetInt("database.tcp.user.timeout.ms"));
  // Empty TLS file keys are left out so libpq's own defaults (~/.postgresql/)
  // and the PGSSL* variables still apply.
  for (const char* key : {"sslrootcert", "sslcert", "sslkey", "sslpassword"}) {
    const std::string name = std::string("database.") + key;
    if (config.Has(name)) {
      s += std::string(" ") + key + "=" + ConninfoValue(config.GetString(name));
    }
  }
  if (config.Has("database.password")) {
    s += " password=" + ConninfoValue(config.GetString("database.password"));
  }
  return s;
}

Status CheckDatabaseHosts(const Config& config) {
  const std::string& hostname = config.GetString("database.hostname");
  const std::vector<std::string> hosts = SplitList(hostname);
  const std::vector<std::string> ports = SplitList(config.GetString("database.port"));
  // SplitList drops empty items: "a,,b" has fewer hosts than commas say.
  if (hosts.size() != static_cast<size_t>(std::count(hostname.begin(), hostname.end(), ',')) + 1) {
    return Status::InvalidArgument("config key 'database.hostname': an empty host in '" + hostname +
                                   "'");
  }
  for (const std::string& p : ports) {
    int64_t v = 0;
    const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size() || v < 1 || v > 65535) {
      return Status::InvalidArgument("config key 'database.port': '" + p +
                                     "' is not a port (1 to 65535)");
    }
  }
  if (ports.size() != 1 && ports.size() != hosts.size()) {
    return Status::InvalidArgument("config key 'database.port': " + std::to_string(ports.size()) +
                                   " ports for " + std::to_string(hosts.size()) +
                                   " hosts in database.hostname; give one port for all or one "
                                   "per host");
  }
  return Status::Ok();
}

std::string ConfigHelp() {
  std::ostringstream out;
  out << "Configuration keys (properties file or Kafka Connect JSON with --config, or --set "
         "KEY=VALUE; Debezium's other keys: docs/debezium-config.md):\n";
  for (const auto& spec : AllOptions()) {
    out << "  " << spec.key;
    if (!spec.default_value.empty()) out << " (default: " << spec.default_value << ")";
    out << "\n      " << spec.help;
    if (!spec.choices.empty()) {
      out << " [";
      for (size_t i = 0; i < spec.choices.size(); ++i) out << (i ? "|" : "") << spec.choices[i];
      out << "]";
    }
    if (!spec.env.empty()) out << " (env " << spec.env << ")";
    out << "\n";
  }
  out << "  kafka.<librdkafka property>, producer.override.<property>, producer.<property>\n"
         "      passed to librdkafka (kafka.* wins), e.g. kafka.security.protocol=SASL_SSL, "
         "kafka.sasl.mechanism=SCRAM-SHA-512, kafka.sasl.username, kafka.ssl.ca.location, "
         "kafka.ssl.certificate.location, kafka.ssl.key.location; sasl.jaas.config with "
         "ScramLoginModule or PlainLoginModule sets sasl.username and sasl.password; a value "
         "may be ${env:NAME} or ${file:PATH:KEY}; secrets are never printed "
         "(docs/kafka-security.md)\n"
         "  kafka.sasl.password, kafka.ssl.key.password, kafka.ssl.keystore.password\n"
         "      prefer the environment: WALCAST_KAFKA_SASL_PASSWORD, "
         "WALCAST_KAFKA_SSL_KEY_PASSWORD, WALCAST_KAFKA_SSL_KEYSTORE_PASSWORD\n";
  out << "  elasticsearch.table.<schema>.<table>.<rule>\n"
         "      a document rule for one table: id, values, source.fields, source.fields.prefix, "
         "timestamp.gen, timestamp.gen.field, null.values, truncate (as "
         "elasticsearch.document.<rule>) or convert.<field>\n"
         "  elasticsearch.document.convert.<field>, elasticsearch.table.<schema>.<table>.convert."
         "<field>\n"
         "      write a timestamp, date or time field (or source_ts_ms) as text in UTC with this "
         "SimpleDateFormat pattern (MOSIP's TimestampConverterAdv output.format, e.g. "
         "yyyy-MM-dd'T'HH:mm:ss.SSS'Z', HH:mm:ss); none: no conversion\n"
         "  privacy.rule.<name>.<setting>\n"
         "      one privacy rule named in privacy.rules: table (<schema>.<table>), column, paths "
         "(dotted JSON paths inside the column; none: the whole column), op, from and to "
         "(concat; date's year/month/day object), separator, mask.keep, derived.from\n"
         "  privacy.subject.<schema>.<table>\n"
         "      <column>[:<json.path>] holding the subject id: the table's encrypt rules use a "
         "data key per subject that privacy forget destroys (crypto-shredding)\n"
         "  column.truncate.to.<N>.chars\n"
         "      comma list of regular expressions on schema.table.column: string values cut to N "
         "UTF-16 characters (bytes to N bytes), as Debezium\n"
         "  column.mask.with.<N>.chars\n"
         "      regular expressions on schema.table.column: character columns' values (NULL "
         "too) replaced by N '*'\n"
         "  column.mask.hash.<algorithm>.with.salt.<salt>, "
         "column.mask.hash.v2.<algorithm>.with.salt.<salt>\n"
         "      regular expressions on schema.table.column: character columns' values replaced "
         "by the hex digest (Java MessageDigest name, e.g. SHA-256) of the salt and the value "
         "(v1: Java-serialized, as Debezium's default; v2: the UTF-8 text)\n"
         "  Column filters and masks apply to every sink's output (Kafka, stdout, "
         "Elasticsearch), never to metric input: docs/debezium-config.md\n";
  return out.str();
}

}  // namespace walcast::app
