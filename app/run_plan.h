#pragma once

// The decisions `walcast run` takes before it streams, as pure functions of
// the configuration and what the server reported, so that each is unit
// tested without a database (tests/unit/app/run_plan_test.cc):
// whether to take an initial snapshot and why, and the options the reader
// passes to the output plugin.

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "wal_reader/reader.h"
#include "wal_reader/slot_manager.h"

namespace walcast::app {

struct SnapshotDecision {
  bool take = false;
  std::string reason;  // why a snapshot is taken, for the log
  // Whether snapshot.mode reads data at all (not never / no_data): a
  // snapshot that metrics ask for is taken only then.
  bool mode_reads_data = true;
};

// snapshot.mode against the slot as it is now. `completed` says whether
// state.dir records a completed snapshot for this slot. kFatal when the
// slot lost its WAL and snapshot.mode is not when_needed.
Result<SnapshotDecision> DecideSnapshot(const std::string& snapshot_mode,
                                        const std::optional<wal_reader::SlotInfo>& existing,
                                        bool completed);

// Whether `run` may use the slot as it is. `owned`: state.dir records that
// walcast created it (SlotOwnership) or a completed snapshot on it. A slot
// walcast did not create is never dropped or re-created: it is used from its
// position when its plugin is `plugin` and snapshot.mode takes no snapshot
// (never, no_data), and refused otherwise. OK when there is no slot or it is
// walcast's; kInvalidArgument with the reason, the SQL that would drop the
// slot and the settings that would use it, when refused.
Status CheckSlotOwnership(const std::string& snapshot_mode, const std::string& plugin,
                          const std::optional<wal_reader::SlotInfo>& existing, bool owned);

// The metric state needs a snapshot when its definitions changed or it is
// empty (`metrics_reason` says which; nullptr when neither). Turns the
// decision into a snapshot when snapshot.mode reads data; returns true when
// metrics must instead start from the current position (the caller warns).
bool ApplyMetricsNeed(const char* metrics_reason, SnapshotDecision* decision);

// slot.failover=true needs PostgreSQL 17 (server_version_num 170000); on an
// older server kInvalidArgument names the key and the server's version.
Status CheckFailoverSupported(bool failover, int server_version);

// The highest pgoutput protocol a server of `server_version`
// (server_version_num) offers: 4 from PostgreSQL 16, 3 on 15, 2 on 14, else
// 1 (docs/postgres-versions.md says what each adds).
int HighestPgOutputProtocol(int server_version);

// START_REPLICATION options and the pgoutput decoder's settings for the
// configured plugin: pgoutput's protocol version and streaming
// (pgoutput.proto.version / pgoutput.streaming, "auto" picks the highest
// protocol the server offers, with streaming from PostgreSQL 14), the origin
// filter (pgoutput.origin, PostgreSQL 16+), messages, publication; wal2json's format
// version 2 with the captured tables in add-tables. kInvalidArgument names
// the config key when a setting cannot work with this server.
Status SetPluginOptions(const Config& config, const std::string& publication,
                        const std::vector<wal_reader::TableId>& tables, int server_version,
                        wal_reader::ReaderOptions* reader);

// wal2json's add-tables value: "schema.table" pairs, comma separated, with
// '.', ',', '*' and '\' escaped by a backslash as wal2json expects.
std::string Wal2JsonAddTables(const std::vector<wal_reader::TableId>& tables);

}  // namespace walcast::app
