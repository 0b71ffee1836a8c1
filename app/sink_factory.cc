#include "app/sink_factory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "app/elasticsearch_factory.h"
#include "app/kafka_client_config.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/stdout/stdout_sink.h"

#ifndef WALCAST_VERSION
#define WALCAST_VERSION "dev"
#endif

namespace walcast::app {
namespace {

using debezium::BinaryMode;
using debezium::DecimalMode;
using debezium::IntervalMode;
using debezium::TimePrecisionMode;

Result<std::regex> CompileRegex(const std::string& key, const std::string& text) {
  try {
    return std::regex(text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return Status::InvalidArgument("config key '" + key + "': bad regular expression '" + text +
                                   "': " + e.what());
  }
}

// skipped.operations: "c,u,d,t" or "none".
Status SetSkippedOperations(const Config& config, debezium::EncoderOptions* out) {
  debezium::EncoderOptions& o = *out;
  o.skip_truncate = o.skip_update = o.skip_delete = o.skip_create = false;
  for (const std::string& op : SplitList(config.GetString("skipped.operations"))) {
    if (op == "t") {
      o.skip_truncate = true;
    } else if (op == "u") {
      o.skip_update = true;
    } else if (op == "d") {
      o.skip_delete = true;
    } else if (op == "c") {
      o.skip_create = true;
    } else if (op != "none") {
      return Status::InvalidArgument("config key 'skipped.operations': unknown operation '" + op +
                                     "' (expected c, u, d, t or none)");
    }
  }
  return Status::Ok();
}

// The *.handling.mode keys and the other settings of column values.
void SetValueOptions(const Config& config, debezium::ValueOptions* values) {
  const std::string& decimal = config.GetString("decimal.handling.mode");
  values->decimal = decimal == "double"   ? DecimalMode::kDouble
                    : decimal == "string" ? DecimalMode::kString
                                          : DecimalMode::kPrecise;
  const std::string& time = config.GetString("time.precision.mode");
  values->time = time == "connect" ? TimePrecisionMode::kConnect
                 : time == "adaptive_time_microseconds"
                     ? TimePrecisionMode::kAdaptiveTimeMicroseconds
                     : TimePrecisionMode::kAdaptive;
  const std::string& binary = config.GetString("binary.handling.mode");
  values->binary = binary == "base64"            ? BinaryMode::kBase64
                   : binary == "base64-url-safe" ? BinaryMode::kBase64UrlSafe
                   : binary == "hex"             ? BinaryMode::kHex
                                                 : BinaryMode::kBytes;
  values->interval = config.GetString("interval.handling.mode") == "string"
                         ? IntervalMode::kString
                         : IntervalMode::kNumeric;
  values->money_fraction_digits = static_cast<int>(config.GetInt("money.fraction.digits"));
  values->unavailable_placeholder = config.GetString("unavailable.value.placeholder");
  values->include_unknown_datatypes = config.GetBool("include.unknown.datatypes");
}

// message.key.columns: "<table regex>:<col>,<col>;<table regex>:<col>".
Status SetKeyColumns(const Config& config, debezium::EncoderOptions* out) {
  debezium::EncoderOptions& o = *out;
  for (const std::string& rule : SplitList(config.GetString("message.key.columns"), ';')) {
    const size_t colon = rule.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rule.size()) {
      return Status::InvalidArgument(
          "config key 'message.key.columns': expected "
          "<table>:<column>[,<column>...], got '" +
          rule + "'");
    }
    WALCAST_ASSIGN_OR_RETURN(std::regex table,
                             CompileRegex("message.key.columns", Trim(rule.substr(0, colon))));
    o.key_columns.push_back({std::move(table), SplitList(rule.substr(colon + 1))});
  }
  return Status::Ok();
}

// message.prefix.include/exclude.list, and walcast's own heartbeat messages
// left out when heartbeat.logical.message is on.
Status SetMessagePrefixes(const Config& config, debezium::EncoderOptions* out) {
  debezium::EncoderOptions& o = *out;
  for (const auto& [key, list] :
       {std::pair{"message.prefix.include.list", &o.message_prefix_include},
        std::pair{"message.prefix.exclude.list", &o.message_prefix_exclude}}) {
    for (const std::string& text : SplitList(config.GetString(key))) {
      WALCAST_ASSIGN_OR_RETURN(std::regex re, CompileRegex(key, text));
      list->push_back(std::move(re));
    }
  }
  if (config.GetBool("heartbeat.logical.message")) {
    o.message_prefix_exclude.emplace_back(std::string(kHeartbeatMessagePrefix));
  }
  return Status::Ok();
}

// Kafka Connect RegexRouter transforms, applied in the order listed.
Status SetRoutes(const Config& config, debezium::EncoderOptions* out) {
  debezium::EncoderOptions& o = *out;
  const std::map<std::string, std::string> transforms = config.WithPrefix("transforms.");
  const std::vector<std::string> listed = config.GetList("transforms");
  for (const std::string& name : listed) {
    auto get = [&](const std::string& field) -> std::string {
      auto it = transforms.find(name + "." + field);
      return it == transforms.end() ? "" : it->second;
    };
    const std::string type = get("type");
    const std::string key = "transforms." + name + ".type";
    if (type != "org.apache.kafka.connect.transforms.RegexRouter") {
      return Status::InvalidArgument("config key '" + key +
                                     "': only org.apache.kafka.connect.transforms.RegexRouter is "
                                     "supported (got '" +
                                     type + "')");
    }
    const std::string regex = get("regex");
    if (regex.empty()) {
      return Status::InvalidArgument("config key 'transforms." + name + ".regex' is required");
    }
    WALCAST_ASSIGN_OR_RETURN(std::regex compiled,
                             CompileRegex("transforms." + name + ".regex", regex));
    o.routes.push_back({regex, std::move(compiled), get("replacement")});
  }
  for (const auto& [key, value] : transforms) {
    const std::string name = key.substr(0, key.find('.'));
    if (std::find(listed.begin(), listed.end(), name) == listed.end()) {
      return Status::InvalidArgument("config key 'transforms." + key + "': transform '" + name +
                                     "' is not named in 'transforms'");
    }
  }
  return Status::Ok();
}

// column.include/exclude.list and Debezium's column mappers.
Status SetColumnRules(const Config& config, debezium::EncoderOptions* out) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const char* key : {"column.include.list", "column.exclude.list",
                          "column.propagate.source.type", "datatype.propagate.source.type"}) {
    keys.emplace_back(key, config.GetString(key));
  }
  for (const char* prefix : {"column.truncate.to.", "column.mask."}) {
    for (const auto& [key, value] : config.WithPrefix(prefix)) {
      keys.emplace_back(prefix + key, value);
    }
  }
  WALCAST_ASSIGN_OR_RETURN(out->columns, debezium::ParseColumnRules(keys));
  return Status::Ok();
}

}  // namespace

Result<debezium::EncoderOptions> EncoderOptionsFrom(const Config& config,
                                                    const std::string& database) {
  debezium::EncoderOptions o;
  o.topic_prefix = config.GetString("topic.prefix");
  o.database = database;
  o.source_version = std::string("walcast-") + WALCAST_VERSION;
  o.key_schemas = config.GetBool("key.converter.schemas.enable");
  o.value_schemas = config.GetBool("value.converter.schemas.enable");
  o.tombstones_on_delete = config.GetBool("tombstones.on.delete");
  o.provide_transaction_metadata = config.GetBool("provide.transaction.metadata");
  WALCAST_RETURN_IF_ERROR(SetSkippedOperations(config, &o));
  SetValueOptions(config, &o.values);
  WALCAST_RETURN_IF_ERROR(SetKeyColumns(config, &o));
  WALCAST_RETURN_IF_ERROR(SetMessagePrefixes(config, &o));
  WALCAST_RETURN_IF_ERROR(SetRoutes(config, &o));
  WALCAST_RETURN_IF_ERROR(SetColumnRules(config, &o));
  return o;
}

Result<sinks::kafka::KafkaSinkOptions> KafkaSinkOptionsFrom(const Config& config,
                                                            debezium::EncoderOptions encoder,
                                                            const std::string& needed_by) {
  sinks::kafka::KafkaSinkOptions options;
  options.encoder = std::move(encoder);
  Result<std::map<std::string, std::string>> settings = KafkaClientSettings(
      config, [](const char* name) -> const char* { return std::getenv(name); });
  if (!settings.ok()) return settings.status();
  if (settings->find("bootstrap.servers") == settings->end()) {
    return Status::InvalidArgument("config key 'kafka.bootstrap.servers' is required with " +
                                   needed_by);
  }
  options.producer_config.assign(settings->begin(), settings->end());
  options.tolerate_errors = config.GetString("errors.tolerance") == "all";
  options.dead_letter_topic = config.GetString("errors.deadletterqueue.topic.name");
  return options;
}

Status AddConfiguredSinks(const Config& config, const std::string& database, Pipeline* pipeline,
                          Lsn server_wal_lsn, const SharedClients* shared) {
  SharedLookupStores* lookups = shared != nullptr ? shared->lookups : nullptr;
  WALCAST_ASSIGN_OR_RETURN(debezium::EncoderOptions encoder, EncoderOptionsFrom(config, database));
  for (const std::string& sink : config.GetList("sinks")) {
    if (sink == "stdout") {
      pipeline->AddSink(std::make_unique<sinks::StdoutSink>(
          encoder, stdout, static_cast<int>(config.GetInt("snapshot.max.threads"))));
    } else if (sink == "kafka") {
      WALCAST_ASSIGN_OR_RETURN(sinks::kafka::KafkaSinkOptions options,
                               KafkaSinkOptionsFrom(config, encoder, "sinks=kafka"));
      const std::map<std::string, std::string> producer(options.producer_config.begin(),
                                                        options.producer_config.end());
      options.heartbeat_interval =
          std::chrono::milliseconds(config.GetInt("heartbeat.interval.ms"));
      options.pool = shared != nullptr ? shared->producers : nullptr;
      options.snapshot_threads = static_cast<int>(config.GetInt("snapshot.max.threads"));
      if (config.GetBool("exactly.once")) {
        sinks::kafka::ExactlyOnceOptions& eos = options.exactly_once;
        const std::string prefix = config.GetString("topic.prefix");
        const std::string slot = config.GetString("slot.name");
        eos.enabled = true;
        eos.slot = slot;
        eos.transactional_id = config.Has("exactly.once.transactional.id")
                                   ? config.GetString("exactly.once.transactional.id")
                                   : "walcast-" + prefix + "-" + slot;
        eos.checkpoint_topic = config.Has("exactly.once.checkpoint.topic")
                                   ? config.GetString("exactly.once.checkpoint.topic")
                                   : prefix + ".walcast.checkpoints";
        eos.commit_interval =
            std::chrono::milliseconds(config.GetInt("exactly.once.commit.interval.ms"));
        eos.commit_max_records = config.GetInt("exactly.once.commit.max.records");
        eos.server_wal_lsn = server_wal_lsn;
        // A commit may wait for records until their transaction times out.
        if (auto t = producer.find("transaction.timeout.ms"); t != producer.end()) {
          try {
            eos.commit_timeout = std::chrono::milliseconds(std::stoll(t->second) + 30000);
          } catch (const std::exception&) {
            return Status::InvalidArgument("config key 'kafka.transaction.timeout.ms': '" +
                                           t->second + "' is not a number");
          }
        }
      }
      WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<sinks::kafka::KafkaSink> kafka,
                               sinks::kafka::KafkaSink::Create(std::move(options)));
      pipeline->AddSink(std::move(kafka));
    } else if (sink == "elasticsearch") {
      std::shared_ptr<sinks::elasticsearch::LookupStore> store;
      if (lookups != nullptr) {
        WALCAST_ASSIGN_OR_RETURN(store, lookups->For(config));
      } else {
        WALCAST_ASSIGN_OR_RETURN(store, MakeLookupStore(config));
      }
      WALCAST_ASSIGN_OR_RETURN(
          std::unique_ptr<Sink> elasticsearch,
          MakeElasticsearchSink(config, std::move(store),
                                shared != nullptr ? shared->bulk_clients : nullptr));
      pipeline->AddSink(std::move(elasticsearch));
    }
  }
  return Status::Ok();
}

}  // namespace walcast::app
