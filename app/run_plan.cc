#include "app/run_plan.h"

#include "wal_reader/slot_policy.h"

namespace walcast::app {
namespace {

std::string EscapeWal2JsonName(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c == '.' || c == ',' || c == '*' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

Status CheckFailoverSupported(bool failover, int server_version) {
  if (!failover || server_version >= 170000) return Status::Ok();
  return Status::InvalidArgument(
      "config key 'slot.failover': failover slots need PostgreSQL 17 or later (the server is "
      "version " +
      std::to_string(server_version) + "); remove the key or set it to false");
}

int HighestPgOutputProtocol(int server_version) {
  if (server_version >= 160000) return 4;
  if (server_version >= 150000) return 3;
  if (server_version >= 140000) return 2;
  return 1;
}

namespace {

Status SetPgOutputOptions(const Config& config, const std::string& publication,
                          int server_version, wal_reader::ReaderOptions* reader) {
  const bool v14 = server_version >= 140000;
  const std::string& proto = config.GetString("pgoutput.proto.version");
  const std::string& streaming = config.GetString("pgoutput.streaming");
  const int highest = HighestPgOutputProtocol(server_version);
  const int version = proto == "auto" ? highest : std::stoi(proto);
  if (version > highest) {
    return Status::InvalidArgument("config key 'pgoutput.proto.version': the server (version " +
                                   std::to_string(server_version) + ") offers protocol 1 to " +
                                   std::to_string(highest));
  }
  const bool stream = streaming == "on" || (streaming == "auto" && version >= 2 && v14);
  if (stream && version < 2) {
    return Status::InvalidArgument(
        "config key 'pgoutput.streaming': on needs pgoutput.proto.version=2 or higher");
  }
  if (stream && !v14) {
    return Status::InvalidArgument(
        "config key 'pgoutput.streaming': the server is older than PostgreSQL 14");
  }
  const std::string& origin = config.GetString("pgoutput.origin");
  if (origin != "any" && server_version < 160000) {
    return Status::InvalidArgument("config key 'pgoutput.origin': " + origin +
                                   " needs PostgreSQL 16 or later (the server is version " +
                                   std::to_string(server_version) + ")");
  }
  reader->pgoutput.proto_version = version;
  reader->pgoutput.streaming = stream;
  reader->plugin_options = {{"proto_version", std::to_string(version)},
                            {"publication_names", publication}};
  if (v14 && config.GetBool("pgoutput.messages")) {
    reader->plugin_options.emplace_back("messages", "true");
  }
  // "on", not protocol 4's "parallel": parallel only adds the abort's LSN
  // and time to Stream Abort, which a subscriber applying in parallel needs
  // and walcast does not.
  if (stream) reader->plugin_options.emplace_back("streaming", "on");
  if (origin != "any") reader->plugin_options.emplace_back("origin", origin);
  return Status::Ok();
}

}  // namespace

Result<SnapshotDecision> DecideSnapshot(const std::string& snapshot_mode,
                                        const std::optional<wal_reader::SlotInfo>& existing,
                                        bool completed) {
  SnapshotDecision d;
  d.reason = "no completed snapshot recorded";
  d.mode_reads_data = snapshot_mode != "never" && snapshot_mode != "no_data";
  if (snapshot_mode == "always") {
    d.take = true;
    d.reason = "snapshot.mode=always";
    return d;
  }
  if (!d.mode_reads_data) return d;
  d.take = !existing || !completed;
  if (existing && existing->wal_status == "lost") {
    if (snapshot_mode != "when_needed") {
      return Status::Fatal(wal_reader::LostSlotMessage(*existing));
    }
    d.take = true;
    d.reason = "slot lost its WAL";
  }
  return d;
}

Status CheckSlotOwnership(const std::string& snapshot_mode, const std::string& plugin,
                          const std::optional<wal_reader::SlotInfo>& existing, bool owned) {
  if (!existing || owned) return Status::Ok();
  const std::string& slot = existing->name;
  const std::string drop = "SELECT pg_drop_replication_slot('" + slot + "');";
  if (existing->plugin != plugin) {
    return Status::InvalidArgument(
        "replication slot '" + slot + "' exists with plugin '" + existing->plugin +
        "' and was not created by walcast (nothing in state.dir says so); walcast is configured "
        "for plugin.name=" + plugin + " and does not drop a slot it did not create. Set slot.name "
        "to another slot, or, if nothing else uses this one, drop it: " + drop);
  }
  if (snapshot_mode != "never" && snapshot_mode != "no_data") {
    return Status::InvalidArgument(
        "replication slot '" + slot + "' exists and was not created by walcast (nothing in "
        "state.dir says so), and snapshot.mode=" + snapshot_mode + " needs a slot created with "
        "its snapshot; walcast does not drop a slot it did not create. Either set "
        "snapshot.mode=no_data (or never) to stream from the slot's position (" +
        existing->confirmed_flush.ToString() + "), or, if nothing else uses the slot, drop it: " +
        drop);
  }
  if (existing->wal_status == "lost") {
    return Status::InvalidArgument("replication slot '" + slot +
                                   "' has lost required WAL and was not created by walcast; "
                                   "drop it to start over: " + drop);
  }
  return Status::Ok();
}

bool ApplyMetricsNeed(const char* metrics_reason, SnapshotDecision* decision) {
  if (metrics_reason == nullptr || decision->take) return false;
  if (!decision->mode_reads_data) return true;
  decision->take = true;
  decision->reason = metrics_reason;
  return false;
}

std::string Wal2JsonAddTables(const std::vector<wal_reader::TableId>& tables) {
  std::string out;
  for (const wal_reader::TableId& t : tables) {
    if (!out.empty()) out += ",";
    out += EscapeWal2JsonName(t.schema) + "." + EscapeWal2JsonName(t.name);
  }
  return out;
}

Status SetPluginOptions(const Config& config, const std::string& publication,
                        const std::vector<wal_reader::TableId>& tables, int server_version,
                        wal_reader::ReaderOptions* reader) {
  if (reader->plugin == "pgoutput") {
    return SetPgOutputOptions(config, publication, server_version, reader);
  }
  const std::string add_tables = Wal2JsonAddTables(tables);
  if (add_tables.empty()) {
    return Status::InvalidArgument("config key 'table.include.list' matches no table");
  }
  reader->plugin_options = {{"format-version", "2"},      {"include-xids", "1"},
                            {"include-timestamp", "1"},   {"include-lsn", "1"},
                            {"include-pk", "1"},          {"include-type-oids", "1"},
                            {"include-transaction", "1"}, {"add-tables", add_tables}};
  return Status::Ok();
}

}  // namespace walcast::app
