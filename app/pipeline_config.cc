#include "app/pipeline_config.h"

#include <algorithm>
#include <set>

#include "app/options.h"

namespace walcast::app {

namespace {

// Keys kept aside for the later sources of the same pipeline and the
// start-up warnings.
struct Merger {
  std::vector<IgnoredKey> ignored;

  // Translates one source (TranslateDebeziumKeys) and lays it over `into`.
  Status Merge(std::map<std::string, std::string> values,
               std::map<std::string, std::string>* into) {
    std::vector<IgnoredKey> dropped;
    WALCAST_RETURN_IF_ERROR(TranslateDebeziumKeys(&values, &dropped));
    for (auto& [key, value] : values) (*into)[key] = std::move(value);
    for (IgnoredKey& item : dropped) {
      const bool seen = std::any_of(ignored.begin(), ignored.end(),
                                    [&](const IgnoredKey& k) { return k.key == item.key; });
      if (!seen) ignored.push_back(std::move(item));
    }
    return Status::Ok();
  }
};

// The name becomes a directory under state.dir and a log field.
Status CheckName(const std::string& name, const std::string& origin) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::InvalidArgument("config file '" + origin + "': connector name '" + name +
                                   "' cannot name a pipeline (it must be non-empty, not . or "
                                   ".., and without '/')");
  }
  return Status::Ok();
}

std::string Trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string Label(const PipelineConfig& p) { return "'" + p.name + "'"; }

// "pipelines 'a' and 'b' " + what.
Status Collision(const PipelineConfig& a, const PipelineConfig& b, const std::string& what) {
  return Status::InvalidArgument("pipelines " + Label(a) + " and " + Label(b) + " " + what);
}

std::string Database(const Config& c) {
  return c.GetString("database.hostname") + ":" + c.GetString("database.port") + "/" +
         c.GetString("database.dbname");
}

// The table patterns both pipelines list, or "" when none is shared. Two
// empty lists capture every table: "*" stands for them.
std::string SharedTables(const Config& a, const Config& b) {
  std::set<std::string> first;
  for (const std::string& t : a.GetList("table.include.list")) first.insert(Trimmed(t));
  first.erase("");
  std::set<std::string> second;
  for (const std::string& t : b.GetList("table.include.list")) second.insert(Trimmed(t));
  second.erase("");
  if (first.empty() && second.empty()) return "*";
  for (const std::string& t : first) {
    if (second.count(t) != 0) return t;
  }
  return "";
}

// exactly.once: the producer's transactional.id, and where the slot's
// checkpoint is kept (topic, record key = slot.name); defaults as in
// app/options.cc.
std::string TransactionalId(const Config& c) {
  const std::string& id = c.GetString("exactly.once.transactional.id");
  return !id.empty() ? id
                     : "walcast-" + c.GetString("topic.prefix") + "-" + c.GetString("slot.name");
}
std::string CheckpointRecord(const Config& c) {
  const std::string& topic = c.GetString("exactly.once.checkpoint.topic");
  return (!topic.empty() ? topic : c.GetString("topic.prefix") + ".walcast.checkpoints") + " key " +
         c.GetString("slot.name");
}

Status CheckPair(const PipelineConfig& a, const PipelineConfig& b) {
  const Config& x = a.config;
  const Config& y = b.config;
  const bool same_database = Database(x) == Database(y);
  if (same_database && x.GetString("slot.name") == y.GetString("slot.name")) {
    return Collision(a, b,
                     "use the same replication slot '" + x.GetString("slot.name") + "' on " +
                         Database(x) + "; give each its own slot.name");
  }
  if (same_database && x.GetString("plugin.name") == "pgoutput" &&
      y.GetString("plugin.name") == "pgoutput" &&
      x.GetString("publication.name") == y.GetString("publication.name")) {
    return Collision(a, b,
                     "use the same publication '" + x.GetString("publication.name") + "' on " +
                         Database(x) + "; give each its own publication.name");
  }
  if (x.GetString("state.dir") == y.GetString("state.dir")) {
    return Collision(a, b, "use the same state.dir '" + x.GetString("state.dir") + "'");
  }
  if (x.GetBool("exactly.once") && y.GetBool("exactly.once")) {
    // Producers with one transactional.id fence each other off.
    if (TransactionalId(x) == TransactionalId(y)) {
      return Collision(a, b,
                       "use the same Kafka transactional.id '" + TransactionalId(x) +
                           "'; set exactly.once.transactional.id for each");
    }
    if (CheckpointRecord(x) == CheckpointRecord(y)) {
      return Collision(a, b,
                       "keep their exactly-once checkpoint in the same record (" +
                           CheckpointRecord(x) + "); set exactly.once.checkpoint.topic for each");
    }
  }
  if (x.GetString("topic.prefix") == y.GetString("topic.prefix")) {
    const std::string shared = SharedTables(x, y);
    if (!shared.empty()) {
      return Collision(a, b,
                       "would write the same topics: topic.prefix '" + x.GetString("topic.prefix") +
                           "' and " +
                           (shared == "*" ? std::string("every table (both table.include.list "
                                                        "values are empty)")
                                          : "table '" + shared +
                                                "' in both table.include.list "
                                                "values"));
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsConnectorConfig(const ConfigFile& file) {
  if (file.format == ConfigFile::Format::kConnectorJson) return true;
  return file.values.count("name") != 0 && file.values.count("connector.class") != 0;
}

Result<LoadedPipelines> LoadPipelineSources(const std::vector<std::string>& paths,
                                            const std::vector<std::string>& overrides,
                                            const std::string& default_state_dir) {
  std::vector<std::pair<std::string, ConfigFile>> files;  // path, contents
  size_t connectors = 0;
  for (const std::string& path : paths) {
    Result<ConfigFile> file = ReadConfigFile(path);
    if (!file.ok()) return file.status();
    connectors += IsConnectorConfig(*file) ? 1 : 0;
    files.emplace_back(path, std::move(file).value());
  }
  std::map<std::string, std::string> set;
  for (const std::string& assignment : overrides) {
    WALCAST_RETURN_IF_ERROR(ApplyOverride(assignment, &set));
  }

  Merger merger;
  LoadedPipelines loaded;
  if (connectors <= 1) {
    // One pipeline, exactly as a single walcast run merges its sources.
    PipelineSource single;
    for (auto& [path, file] : files) {
      if (IsConnectorConfig(file)) {
        single.origin = path;
        const auto name = file.values.find("name");
        if (name != file.values.end()) single.name = name->second;
      }
      WALCAST_RETURN_IF_ERROR(merger.Merge(std::move(file.values), &single.values));
    }
    WALCAST_RETURN_IF_ERROR(merger.Merge(std::move(set), &single.values));
    // An empty state.dir counts as unset: "" would put the state in /.
    if (std::string& dir = single.values["state.dir"]; Trimmed(dir).empty()) {
      dir = default_state_dir;
      loaded.used_default_state_dir = true;
    }
    loaded.pipelines.push_back(std::move(single));
    loaded.ignored = std::move(merger.ignored);
    return loaded;
  }

  std::map<std::string, std::string> defaults;
  std::vector<std::pair<std::string, ConfigFile*>> connector_files;
  for (auto& [path, file] : files) {
    if (IsConnectorConfig(file)) {
      connector_files.emplace_back(path, &file);
    } else {
      WALCAST_RETURN_IF_ERROR(merger.Merge(std::move(file.values), &defaults));
    }
  }
  WALCAST_RETURN_IF_ERROR(merger.Merge(std::move(set), &defaults));
  const bool default_base = Trimmed(defaults["state.dir"]).empty();
  const std::string base_state_dir = default_base ? default_state_dir : defaults["state.dir"];
  std::map<std::string, std::string> origin_of_name;
  for (auto& [path, file] : connector_files) {
    PipelineSource pipeline;
    pipeline.origin = path;
    const auto name = file->values.find("name");
    pipeline.name = name == file->values.end() ? "" : Trimmed(name->second);
    WALCAST_RETURN_IF_ERROR(CheckName(pipeline.name, path));
    auto [it, inserted] = origin_of_name.emplace(pipeline.name, path);
    if (!inserted) {
      return Status::InvalidArgument("config files '" + it->second + "' and '" + path +
                                     "' both define the pipeline '" + pipeline.name +
                                     "'; connector names must differ");
    }
    const auto own = file->values.find("state.dir");
    const bool own_state_dir = own != file->values.end() && !Trimmed(own->second).empty();
    pipeline.values = defaults;
    WALCAST_RETURN_IF_ERROR(merger.Merge(std::move(file->values), &pipeline.values));
    if (!own_state_dir) {
      pipeline.values["state.dir"] = base_state_dir + "/" + pipeline.name;
      loaded.used_default_state_dir |= default_base;
    }
    // No kafka.client.id of its own: pipelines with the same Kafka settings
    // share one producer (sinks/kafka/producer_pool.h).
    loaded.pipelines.push_back(std::move(pipeline));
  }
  loaded.ignored = std::move(merger.ignored);
  return loaded;
}

Status ValidatePipelines(const std::vector<PipelineConfig>& pipelines) {
  for (const PipelineConfig& p : pipelines) {
    const Status hosts = CheckDatabaseHosts(p.config);
    if (hosts.ok()) continue;
    if (pipelines.size() == 1) return hosts;
    return Status(hosts.code(), "pipeline " + Label(p) + ": " + hosts.message());
  }
  for (size_t i = 0; i < pipelines.size(); ++i) {
    for (size_t j = i + 1; j < pipelines.size(); ++j) {
      WALCAST_RETURN_IF_ERROR(CheckPair(pipelines[i], pipelines[j]));
    }
  }
  return Status::Ok();
}

}  // namespace walcast::app
