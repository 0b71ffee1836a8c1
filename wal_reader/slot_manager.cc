#include "wal_reader/slot_manager.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <regex>

#include "pg/libpq.h"
#include "pg/pqxx_status.h"
#include "wal_reader/slot_policy.h"

namespace walcast::wal_reader {
namespace {

using pg::QuoteIdentifier;

Lsn ParseLsnField(const pqxx::field& f) {
  if (f.is_null()) return Lsn();
  return Lsn::Parse(f.c_str()).value_or(Lsn());
}

}  // namespace

std::string TableId::Qualified() const {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(name);
}

std::string ConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

Status TableFilter::Validate() const {
  for (const auto* list : {&include, &exclude}) {
    for (const auto& expr : *list) {
      try {
        std::regex re(expr);
      } catch (const std::regex_error& e) {
        return Status::InvalidArgument("table filter expression '" + expr +
                                       "' is not a valid regular expression: " + e.what());
      }
    }
  }
  return Status::Ok();
}

bool TableFilter::Matches(const TableId& table) const {
  const std::string dotted = table.Dotted();
  auto any = [&](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& e) { return std::regex_match(dotted, std::regex(e)); });
  };
  if (!include.empty() && !any(include)) return false;
  return !any(exclude);
}

size_t TableFilter::IncludeRank(const TableId& table) const {
  const std::string dotted = table.Dotted();
  for (size_t i = 0; i < include.size(); ++i) {
    if (std::regex_match(dotted, std::regex(include[i]))) return i;
  }
  return 0;
}

Result<PublicationMode> ParsePublicationMode(const std::string& text) {
  if (text == "all_tables") return PublicationMode::kAllTables;
  if (text == "filtered") return PublicationMode::kFiltered;
  if (text == "disabled") return PublicationMode::kDisabled;
  if (text == "no_tables") return PublicationMode::kNoTables;
  return Status::InvalidArgument("config key 'publication.autocreate.mode': unknown mode '" +
                                 text + "'");
}

SlotManager::SlotManager(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}
SlotManager::~SlotManager() = default;

Result<std::unique_ptr<SlotManager>> SlotManager::Connect(const std::string& conninfo) {
  // One connection (a start waits for each one): a failure is classified
  // from libpq's message, as on the replication connection.
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo + " application_name=walcast");
    return std::unique_ptr<SlotManager>(new SlotManager(std::move(conn)));
  } catch (const pqxx::broken_connection& e) {
    return pg::ClassifyConnectMessage(e.what());
  }
}

Result<ServerInfo> SlotManager::GetServerInfo() {
  ServerInfo info;
  Status s = pg::GuardPqxx("reading server settings", [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec(
        "SELECT current_setting('server_version_num')::int, current_setting('wal_level'), "
        "current_setting('max_replication_slots')::int, "
        "(SELECT count(*) FROM pg_replication_slots)::int, "
        "current_setting('max_wal_senders')::int, "
        "(SELECT count(*) FROM pg_stat_replication)::int, "
        // A standby has no insert position (pg_current_wal_lsn() fails
        // during recovery); what it replayed is as far as it can decode.
        "(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
        "ELSE pg_current_wal_lsn() END)::text, current_database(), current_user, "
        "pg_is_in_recovery(), current_setting('hot_standby_feedback')::bool, "
        "current_setting('primary_slot_name')");
    info.version = r[0][0].as<int>();
    info.wal_level = r[0][1].as<std::string>();
    info.max_replication_slots = r[0][2].as<int>();
    info.used_replication_slots = r[0][3].as<int>();
    info.max_wal_senders = r[0][4].as<int>();
    info.used_wal_senders = r[0][5].as<int>();
    info.current_wal = ParseLsnField(r[0][6]);
    info.database = r[0][7].as<std::string>();
    info.user = r[0][8].as<std::string>();
    info.in_recovery = r[0][9].as<bool>();
    info.hot_standby_feedback = r[0][10].as<bool>();
    info.primary_slot_name = r[0][11].as<std::string>();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return info;
}

Status SlotManager::CheckWalLevel() {
  WALCAST_ASSIGN_OR_RETURN(ServerInfo info, GetServerInfo());
  return CheckWalLevel(info);
}

Status SlotManager::CheckWalLevel(const ServerInfo& info) {
  if (info.wal_level != "logical") {
    return Status::InvalidArgument(
        "wal_level is '" + info.wal_level +
        "', logical decoding needs 'logical': run ALTER SYSTEM SET wal_level = logical; and "
        "restart PostgreSQL");
  }
  return Status::Ok();
}

Result<std::optional<SlotInfo>> SlotManager::GetSlot(const std::string& name) {
  std::optional<SlotInfo> slot;
  Status s = pg::GuardPqxx("reading replication slot " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec_params(
        "SELECT slot_name, coalesce(plugin, ''), coalesce(database, ''), active, "
        "coalesce(active_pid, 0), restart_lsn::text, confirmed_flush_lsn::text, "
        "coalesce(wal_status, ''), "
        // The failover column exists from PostgreSQL 17 on.
        "coalesce((to_jsonb(s) ->> 'failover')::bool, false), "
        // So is invalidation_reason (wal_removed, rows_removed, ...).
        "coalesce(to_jsonb(s) ->> 'invalidation_reason', '') "
        "FROM pg_replication_slots s WHERE slot_name = $1",
        name);
    if (r.empty()) return Status::Ok();
    SlotInfo info;
    info.name = r[0][0].as<std::string>();
    info.plugin = r[0][1].as<std::string>();
    info.database = r[0][2].as<std::string>();
    info.active = r[0][3].as<bool>();
    info.active_pid = r[0][4].as<int>();
    info.restart_lsn = ParseLsnField(r[0][5]);
    info.confirmed_flush = ParseLsnField(r[0][6]);
    info.wal_status = r[0][7].as<std::string>();
    info.failover = r[0][8].as<bool>();
    info.invalidation_reason = r[0][9].as<std::string>();
    slot = info;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return slot;
}

Result<SlotInfo> SlotManager::EnsureSlot(const std::string& name, const std::string& plugin,
                                         bool failover) {
  WALCAST_ASSIGN_OR_RETURN(std::optional<SlotInfo> existing, GetSlot(name));
  WALCAST_ASSIGN_OR_RETURN(ServerInfo server, GetServerInfo());
  if (existing) {
    WALCAST_RETURN_IF_ERROR(CheckSlotReusable(*existing, plugin, server.database));
    return *existing;
  }
  Status s = pg::GuardPqxx("creating replication slot " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    if (failover) {
      // (name, plugin, temporary, twophase, failover): PostgreSQL 17+.
      tx.exec_params("SELECT pg_create_logical_replication_slot($1, $2, false, false, true)", name,
                     plugin);
    } else {
      tx.exec_params("SELECT pg_create_logical_replication_slot($1, $2)", name, plugin);
    }
    return Status::Ok();
  });
  if (s.code() == Status::Code::kPermissionDenied) {
    return Status::PermissionDenied(s.message() + " (the role needs the REPLICATION attribute: "
                                    "ALTER ROLE " + QuoteIdentifier(server.user) +
                                    " WITH REPLICATION;)");
  }
  if (!s.ok()) return s;
  WALCAST_ASSIGN_OR_RETURN(std::optional<SlotInfo> created, GetSlot(name));
  if (!created) return Status::Internal("slot '" + name + "' missing right after creation");
  return *created;
}

Status SlotManager::DropSlot(const std::string& name) {
  return pg::GuardPqxx("dropping replication slot " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    tx.exec_params("SELECT pg_drop_replication_slot($1)", name);
    return Status::Ok();
  });
}

Result<std::vector<TableId>> SlotManager::ResolveTables(const TableFilter& filter) {
  WALCAST_RETURN_IF_ERROR(filter.Validate());
  std::vector<TableId> tables;
  Status s = pg::GuardPqxx("listing tables", [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
        "ORDER BY 1, 2");
    for (const auto& row : r) {
      TableId t{row[0].as<std::string>(), row[1].as<std::string>()};
      if (filter.Matches(t)) tables.push_back(std::move(t));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  std::vector<std::pair<size_t, std::string>> order;
  for (const TableId& t : tables) order.emplace_back(filter.IncludeRank(t), t.Dotted());
  std::vector<size_t> index(tables.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::sort(index.begin(), index.end(), [&](size_t a, size_t b) { return order[a] < order[b]; });
  std::vector<TableId> sorted;
  sorted.reserve(tables.size());
  for (size_t i : index) sorted.push_back(std::move(tables[i]));
  return sorted;
}

Result<PublicationState> SlotManager::ReadPublication(const std::string& name) {
  PublicationState state;
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading publication " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec_params(
        "SELECT p.puballtables, pg_get_userbyid(p.pubowner) FROM pg_publication p "
        "WHERE p.pubname = $1",
        name);
    if (r.empty()) return Status::Ok();
    state.exists = true;
    state.all_tables = r[0][0].as<bool>();
    state.owner = r[0][1].as<std::string>();
    auto m = tx.exec_params(
        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", name);
    for (const auto& row : m) {
      state.members.insert({row[0].as<std::string>(), row[1].as<std::string>()});
    }
    return Status::Ok();
  }));
  return state;
}

Status SlotManager::EnsurePublication(const std::string& name, PublicationMode mode,
                                      const TableFilter& filter) {
  WALCAST_ASSIGN_OR_RETURN(const PublicationState state, ReadPublication(name));
  std::vector<TableId> tables;
  if (mode == PublicationMode::kFiltered) {
    WALCAST_ASSIGN_OR_RETURN(tables, ResolveTables(filter));
  }
  WALCAST_ASSIGN_OR_RETURN(const std::string sql, PublicationStatement(name, mode, state, tables));
  if (sql.empty()) return Status::Ok();
  Status s = pg::GuardPqxx("creating publication " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    tx.exec(sql);
    return Status::Ok();
  });
  if (mode == PublicationMode::kFiltered && s.code() == Status::Code::kPermissionDenied) {
    return Status::PermissionDenied(
        s.message() + " (a FOR TABLE publication must be created by the tables' owner with "
                      "CREATE on the database; a DBA can run: " + sql + ";)");
  }
  return s;
}

Result<RoleInfo> SlotManager::ReadRole(const std::string& user) {
  RoleInfo role;
  role.name = QuoteIdentifier(user);
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading role", [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec(
        "SELECT rolsuper, rolreplication, has_database_privilege(current_database(), 'CREATE') "
        "FROM pg_roles WHERE rolname = current_user");
    role.superuser = r[0][0].as<bool>();
    role.replication = r[0][1].as<bool>();
    role.can_create = r[0][2].as<bool>();
    return Status::Ok();
  }));
  return role;
}

Status SlotManager::CheckTables(const std::vector<TableId>& tables, const RoleInfo& role,
                                std::vector<Finding>* out) {
  if (tables.empty()) return Status::Ok();
  return pg::GuardPqxx("reading tables", [&] {
    pqxx::nontransaction tx(*conn_);
    // One round trip for every captured table: the names go in as a VALUES
    // list of quoted literals, so a filter selecting thousands of tables
    // does not cost thousands of queries.
    std::string values;
    for (const auto& t : tables) {
      values += (values.empty() ? "(" : ", (") + tx.quote(t.schema) + ", " + tx.quote(t.name) + ")";
    }
    // A column is TOASTable when it has variable length (attlen = -1) and a
    // storage other than PLAIN; an UPDATE that leaves it unchanged does not
    // log its value unless the replica identity is FULL.
    const auto r = tx.exec(
        "SELECT w.s, w.r, has_schema_privilege(n.oid, 'USAGE'), "
        "has_table_privilege(c.oid, 'SELECT'), c.relreplident, "
        "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), "
        "EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attlen = -1 AND a.attstorage <> 'p') "
        "FROM (VALUES " + values + ") AS w(s, r) "
        "JOIN pg_namespace n ON n.nspname = w.s "
        "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.r");
    std::map<TableId, pqxx::result::size_type> rows;
    for (pqxx::result::size_type i = 0; i < r.size(); ++i) {
      rows.emplace(TableId{r[i][0].as<std::string>(), r[i][1].as<std::string>()}, i);
    }
    for (const auto& t : tables) {
      const auto it = rows.find(t);
      if (it == rows.end()) continue;
      const pqxx::row row = r[it->second];
      if (!row[2].as<bool>()) {
        out->push_back({Finding::Severity::kError, "privilege",
                        "role " + role.name + " lacks USAGE on schema " + t.schema,
                        {"GRANT USAGE ON SCHEMA " + QuoteIdentifier(t.schema) + " TO " +
                         role.name + ";"}});
      }
      if (!row[3].as<bool>()) {
        out->push_back({Finding::Severity::kError, "privilege",
                        "role " + role.name + " lacks SELECT on " + t.Dotted(),
                        {"GRANT SELECT ON " + t.Qualified() + " TO " + role.name + ";"}});
      }
      const std::string ident = row[4].as<std::string>();
      out->push_back(ReplicaIdentityFinding(t, ident.empty() ? 'd' : ident[0], row[5].as<bool>(),
                                            row[6].as<bool>()));
    }
    return Status::Ok();
  });
}

Result<std::vector<Finding>> SlotManager::Preflight(const std::string& slot,
                                                    const std::string& plugin,
                                                    const std::string& publication,
                                                    PublicationMode mode,
                                                    const TableFilter& filter) {
  WALCAST_ASSIGN_OR_RETURN(const ServerInfo server, GetServerInfo());
  WALCAST_ASSIGN_OR_RETURN(const std::optional<SlotInfo> slot_info, GetSlot(slot));
  std::vector<Finding> out = ServerFindings(server, slot_info.has_value());
  WALCAST_ASSIGN_OR_RETURN(const RoleInfo role, ReadRole(server.user));
  out.push_back(RoleFinding(role));
  out.push_back(SlotFinding(slot_info, slot, plugin, server.database));

  WALCAST_ASSIGN_OR_RETURN(const std::vector<TableId> tables, ResolveTables(filter));
  if (tables.empty()) {
    out.push_back({Finding::Severity::kError, "tables", "table.include.list matches no table", {}});
  }
  WALCAST_ASSIGN_OR_RETURN(const PublicationState state, ReadPublication(publication));
  for (Finding& f : PublicationFindings(publication, mode, state, tables, role, server.database)) {
    out.push_back(std::move(f));
  }
  // Per table: SELECT privilege and REPLICA IDENTITY.
  WALCAST_RETURN_IF_ERROR(CheckTables(tables, role, &out));
  return out;
}

}  // namespace walcast::wal_reader
