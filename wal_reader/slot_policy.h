#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "wal_reader/slot_manager.h"

// The decisions SlotManager takes about slots and publications, apart from
// the queries that gather their inputs, so that each outcome can be tested
// without a server.

namespace walcast::wal_reader {

// Whether an existing slot may be streamed by this run. kInvalidArgument
// when it uses another plugin or belongs to another database, kFatal when
// the server removed WAL it still needs (wal_status = lost).
Status CheckSlotReusable(const SlotInfo& slot, const std::string& plugin,
                         const std::string& database);

// The one error for a slot the server invalidated (wal_status = lost): what
// happened (invalidation_reason on 17+), the setting that usually caused it
// (max_slot_wal_keep_size) and the two ways on: snapshot.mode=when_needed or
// dropping the slot.
std::string LostSlotMessage(const SlotInfo& slot);

// A publication as pg_publication and pg_publication_tables describe it.
struct PublicationState {
  bool exists = false;
  bool all_tables = false;
  std::string owner;
  std::set<TableId> members;
};

// The statement that makes publication `name` what `mode` asks for, or ""
// when it already is. `tables` is what the table filter selects (read in
// kFiltered mode only). kNotFound when it is missing and mode is kDisabled;
// kInvalidArgument in kFiltered mode when no table matches (walcast never
// falls back to FOR ALL TABLES) or the publication is FOR ALL TABLES.
Result<std::string> PublicationStatement(const std::string& name, PublicationMode mode,
                                         const PublicationState& state,
                                         const std::vector<TableId>& tables);

// The role walcast connects as, for the preflight.
struct RoleInfo {
  std::string name;  // quoted
  bool superuser = false;
  bool replication = false;
  bool can_create = false;  // CREATE on the database
};

// Preflight checks of the server's settings: wal_level, version, free
// replication slots (one more is needed when `slot_exists` is false) and
// free WAL senders; on a standby also PostgreSQL 16+ and
// hot_standby_feedback = on (with a primary_slot_name, or a warning).
std::vector<Finding> ServerFindings(const ServerInfo& server, bool slot_exists);
// The role's REPLICATION attribute (or superuser).
Finding RoleFinding(const RoleInfo& role);
// The slot: missing (created at start), another plugin or database,
// invalidated (LostSlotMessage), in use.
Finding SlotFinding(const std::optional<SlotInfo>& slot_info, const std::string& slot,
                    const std::string& plugin, const std::string& database);
// The publication: missing (and whether walcast can create it), its owner,
// and which of `tables` it lacks.
std::vector<Finding> PublicationFindings(const std::string& publication, PublicationMode mode,
                                         const PublicationState& state,
                                         const std::vector<TableId>& tables,
                                         const RoleInfo& role, const std::string& database);
// A table's REPLICA IDENTITY (pg_class.relreplident: 'd', 'i', 'f' or 'n'),
// whether it has a primary key, and whether it has TOASTable columns
// (attlen = -1 and attstorage <> 'p'). DEFAULT without a primary key is an
// error; NOTHING warns (updates and deletes carry no key); DEFAULT or INDEX
// with TOASTable columns warns, because an UPDATE that leaves such a column
// unchanged does not send its value. FULL is always ok.
Finding ReplicaIdentityFinding(const TableId& table, char ident, bool has_pk, bool has_toastable);

}  // namespace walcast::wal_reader
