#pragma once

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/status.h"

namespace walcast::wal_reader {

struct TableId {
  std::string schema;
  std::string name;
  std::string Qualified() const;  // "schema"."name", quoted
  std::string Dotted() const { return schema + "." + name; }
  bool operator==(const TableId&) const = default;
  auto operator<=>(const TableId&) const = default;
};

struct ServerInfo {
  int version = 0;  // server_version_num, e.g. 150018
  std::string wal_level;
  int max_replication_slots = 0;
  int used_replication_slots = 0;
  int max_wal_senders = 0;
  int used_wal_senders = 0;
  Lsn current_wal;  // the replay position on a standby
  std::string database;
  std::string user;
  bool in_recovery = false;           // pg_is_in_recovery(): a standby
  bool hot_standby_feedback = false;  // the setting, as the standby has it
  std::string primary_slot_name;      // "" when the standby uses none
};

struct SlotInfo {
  std::string name;
  std::string plugin;
  std::string database;
  bool active = false;
  int active_pid = 0;
  Lsn restart_lsn;
  Lsn confirmed_flush;
  std::string wal_status;  // reserved / extended / unreserved / lost
  bool failover = false;   // a failover slot (PostgreSQL 17+; false before)
  // Why the server invalidated the slot (PostgreSQL 17+), e.g.
  // "wal_removed"; "" when it is valid or the server does not say.
  std::string invalidation_reason;
};

// Which tables to capture: Debezium-style comma lists of regular
// expressions, each matched against the whole "schema.table".
struct TableFilter {
  std::vector<std::string> include;  // empty: every user table
  std::vector<std::string> exclude;
  // kInvalidArgument naming the expression when one does not compile.
  Status Validate() const;
  bool Matches(const TableId& table) const;
  // The index of the first include expression `table` matches (0 when the
  // include list is empty); the snapshot reads tables in this order.
  size_t IncludeRank(const TableId& table) const;
};

// How the publication is managed (Debezium's publication.autocreate.mode).
enum class PublicationMode { kAllTables, kFiltered, kDisabled, kNoTables };
Result<PublicationMode> ParsePublicationMode(const std::string& text);

// One result of the preflight: what was checked, whether it passed, and the
// exact SQL that would fix it.
struct Finding {
  enum class Severity { kOk, kWarning, kError };
  Severity severity = Severity::kOk;
  std::string check;
  std::string detail;
  std::vector<std::string> fix_sql;
};

struct PublicationState;  // slot_policy.h
struct RoleInfo;          // slot_policy.h

// Slot and publication management over an ordinary SQL connection
// (libpqxx). Errors: kUnavailable when the server cannot be reached,
// kPermissionDenied naming the missing privilege, kNotFound for missing
// objects, kInvalidArgument for a server that cannot do logical decoding.
// Not thread-safe; one owner.
class SlotManager {
 public:
  static Result<std::unique_ptr<SlotManager>> Connect(const std::string& conninfo);
  ~SlotManager();

  Result<ServerInfo> GetServerInfo();
  // kInvalidArgument unless wal_level is logical.
  Status CheckWalLevel();
  // The same for server settings already read (no query).
  static Status CheckWalLevel(const ServerInfo& info);
  Result<std::optional<SlotInfo>> GetSlot(const std::string& name);
  // Creates the slot if missing, as a failover slot when `failover` is set
  // (PostgreSQL 17+); refuses (kInvalidArgument) when it exists with another
  // plugin or for another database. An existing slot is returned as it is.
  Result<SlotInfo> EnsureSlot(const std::string& name, const std::string& plugin, bool failover);
  Status DropSlot(const std::string& name);
  // Tables matching the filter, sorted.
  // The tables `filter` selects, in Debezium's snapshot order: those
  // matching the first include expression, then the second, ..., each
  // group sorted by "schema.table" (byte order, as Java compares the names).
  Result<std::vector<TableId>> ResolveTables(const TableFilter& filter);
  // Creates or updates the publication as the mode says. kFiltered with no
  // matching table is kInvalidArgument (never a silent FOR ALL TABLES).
  Status EnsurePublication(const std::string& name, PublicationMode mode,
                           const TableFilter& filter);
  // Changes nothing; lists every check with its fix.
  Result<std::vector<Finding>> Preflight(const std::string& slot, const std::string& plugin,
                                         const std::string& publication, PublicationMode mode,
                                         const TableFilter& filter);

 private:
  explicit SlotManager(std::unique_ptr<pqxx::connection> conn);
  Result<PublicationState> ReadPublication(const std::string& name);
  Result<RoleInfo> ReadRole(const std::string& user);
  // Appends each table's privilege and replica identity findings.
  Status CheckTables(const std::vector<TableId>& tables, const RoleInfo& role,
                     std::vector<Finding>* out);

  std::unique_ptr<pqxx::connection> conn_;
};

// Escapes a value for a libpq keyword=value connection string.
std::string ConninfoValue(const std::string& value);

}  // namespace walcast::wal_reader
