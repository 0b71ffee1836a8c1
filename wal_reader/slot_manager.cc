#include "wal_reader/slot_manager.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <regex>
#include <set>

#include "pg/libpq.h"
#include "pg/pqxx_status.h"

namespace walcast::wal_reader {
namespace {

using pg::QuoteIdentifier;
using pg::QuoteLiteral;

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
  // Connect with plain libpq first so authentication failures are classified
  // the same way as on the replication connection.
  pg::PgConnPtr probe(PQconnectdb((conninfo + " application_name=walcast").c_str()));
  if (!probe || PQstatus(probe.get()) != CONNECTION_OK) return pg::ClassifyConnectError(probe.get());
  probe.reset();
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo + " application_name=walcast");
    return std::unique_ptr<SlotManager>(new SlotManager(std::move(conn)));
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(std::string("cannot connect to PostgreSQL: ") + e.what());
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
        "pg_current_wal_lsn()::text, current_database(), current_user");
    info.version = r[0][0].as<int>();
    info.wal_level = r[0][1].as<std::string>();
    info.max_replication_slots = r[0][2].as<int>();
    info.used_replication_slots = r[0][3].as<int>();
    info.max_wal_senders = r[0][4].as<int>();
    info.used_wal_senders = r[0][5].as<int>();
    info.current_wal = ParseLsnField(r[0][6]);
    info.database = r[0][7].as<std::string>();
    info.user = r[0][8].as<std::string>();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return info;
}

Status SlotManager::CheckWalLevel() {
  WALCAST_ASSIGN_OR_RETURN(ServerInfo info, GetServerInfo());
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
        "coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1",
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
    slot = info;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return slot;
}

Result<SlotInfo> SlotManager::EnsureSlot(const std::string& name, const std::string& plugin) {
  WALCAST_ASSIGN_OR_RETURN(std::optional<SlotInfo> existing, GetSlot(name));
  WALCAST_ASSIGN_OR_RETURN(ServerInfo server, GetServerInfo());
  if (existing) {
    if (existing->plugin != plugin) {
      return Status::InvalidArgument("replication slot '" + name + "' uses plugin '" +
                                     existing->plugin + "' but plugin.name is '" + plugin +
                                     "'; drop the slot or set plugin.name=" + existing->plugin);
    }
    if (existing->database != server.database) {
      return Status::InvalidArgument("replication slot '" + name + "' belongs to database '" +
                                     existing->database + "', not '" + server.database + "'");
    }
    if (existing->wal_status == "lost") {
      return Status::Fatal("replication slot '" + name +
                           "' has lost required WAL (wal_status=lost); it cannot be resumed");
    }
    return *existing;
  }
  Status s = pg::GuardPqxx("creating replication slot " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    tx.exec_params("SELECT pg_create_logical_replication_slot($1, $2)", name, plugin);
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

Status SlotManager::EnsurePublication(const std::string& name, PublicationMode mode,
                                      const TableFilter& filter) {
  bool exists = false;
  bool all_tables = false;
  std::set<TableId> members;
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading publication " + name, [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec_params("SELECT puballtables FROM pg_publication WHERE pubname = $1", name);
    if (r.empty()) return Status::Ok();
    exists = true;
    all_tables = r[0][0].as<bool>();
    auto m = tx.exec_params(
        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", name);
    for (const auto& row : m) members.insert({row[0].as<std::string>(), row[1].as<std::string>()});
    return Status::Ok();
  }));

  switch (mode) {
    case PublicationMode::kDisabled:
      if (!exists) {
        return Status::NotFound("publication '" + name +
                                "' does not exist and publication.autocreate.mode=disabled; "
                                "create it (see sql/) or change the mode");
      }
      return Status::Ok();
    case PublicationMode::kAllTables:
      if (exists) return Status::Ok();
      return pg::GuardPqxx("creating publication " + name, [&] {
        pqxx::nontransaction tx(*conn_);
        tx.exec("CREATE PUBLICATION " + QuoteIdentifier(name) + " FOR ALL TABLES");
        return Status::Ok();
      });
    case PublicationMode::kNoTables:
      if (exists) return Status::Ok();
      return pg::GuardPqxx("creating publication " + name, [&] {
        pqxx::nontransaction tx(*conn_);
        tx.exec("CREATE PUBLICATION " + QuoteIdentifier(name));
        return Status::Ok();
      });
    case PublicationMode::kFiltered: {
      WALCAST_ASSIGN_OR_RETURN(std::vector<TableId> tables, ResolveTables(filter));
      if (tables.empty()) {
        return Status::InvalidArgument(
            "publication.autocreate.mode=filtered but table.include.list matches no table; "
            "walcast never falls back to a FOR ALL TABLES publication");
      }
      if (exists && all_tables) {
        return Status::InvalidArgument("publication '" + name +
                                       "' is FOR ALL TABLES but publication.autocreate.mode="
                                       "filtered; drop it or use all_tables");
      }
      std::set<TableId> wanted(tables.begin(), tables.end());
      if (exists && wanted == members) return Status::Ok();
      std::string list;
      for (const auto& t : tables) list += (list.empty() ? "" : ", ") + t.Qualified();
      const std::string sql = exists ? "ALTER PUBLICATION " + QuoteIdentifier(name) + " SET TABLE " + list
                                     : "CREATE PUBLICATION " + QuoteIdentifier(name) + " FOR TABLE " + list;
      Status s = pg::GuardPqxx("creating publication " + name, [&] {
        pqxx::nontransaction tx(*conn_);
        tx.exec(sql);
        return Status::Ok();
      });
      if (s.code() == Status::Code::kPermissionDenied) {
        return Status::PermissionDenied(
            s.message() + " (a FOR TABLE publication must be created by the tables' owner with "
                          "CREATE on the database; a DBA can run: " + sql + ";)");
      }
      return s;
    }
  }
  return Status::Internal("unhandled publication mode");
}

Result<std::vector<Finding>> SlotManager::Preflight(const std::string& slot,
                                                    const std::string& plugin,
                                                    const std::string& publication,
                                                    PublicationMode mode,
                                                    const TableFilter& filter) {
  std::vector<Finding> out;
  auto add = [&](Finding::Severity sev, std::string check, std::string detail,
                 std::vector<std::string> fix = {}) {
    out.push_back(Finding{sev, std::move(check), std::move(detail), std::move(fix)});
  };
  using Sev = Finding::Severity;

  WALCAST_ASSIGN_OR_RETURN(ServerInfo server, GetServerInfo());
  const std::string role = QuoteIdentifier(server.user);
  if (server.wal_level == "logical") {
    add(Sev::kOk, "wal_level", "logical");
  } else {
    add(Sev::kError, "wal_level", "is '" + server.wal_level + "'; logical decoding needs 'logical'",
        {"ALTER SYSTEM SET wal_level = logical;  -- then restart PostgreSQL"});
  }
  if (server.version < 100000) {
    add(Sev::kError, "server_version", std::to_string(server.version) + " has no pgoutput");
  } else {
    add(Sev::kOk, "server_version", std::to_string(server.version));
  }

  WALCAST_ASSIGN_OR_RETURN(std::optional<SlotInfo> slot_info, GetSlot(slot));
  const int slots_needed = slot_info ? 0 : 1;
  if (server.used_replication_slots + slots_needed > server.max_replication_slots) {
    add(Sev::kError, "max_replication_slots",
        std::to_string(server.used_replication_slots) + " of " +
            std::to_string(server.max_replication_slots) + " slots in use, none free",
        {"ALTER SYSTEM SET max_replication_slots = " +
         std::to_string(server.max_replication_slots + 2) + ";  -- then restart PostgreSQL"});
  } else {
    add(Sev::kOk, "max_replication_slots",
        std::to_string(server.used_replication_slots) + " of " +
            std::to_string(server.max_replication_slots) + " in use");
  }
  if (server.used_wal_senders >= server.max_wal_senders) {
    add(Sev::kError, "max_wal_senders",
        std::to_string(server.used_wal_senders) + " of " + std::to_string(server.max_wal_senders) +
            " senders in use, none free",
        {"ALTER SYSTEM SET max_wal_senders = " + std::to_string(server.max_wal_senders + 2) +
         ";  -- then restart PostgreSQL"});
  } else {
    add(Sev::kOk, "max_wal_senders",
        std::to_string(server.used_wal_senders) + " of " + std::to_string(server.max_wal_senders) +
            " in use");
  }

  bool superuser = false;
  bool replication = false;
  bool can_create = false;
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading role", [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec(
        "SELECT rolsuper, rolreplication, has_database_privilege(current_database(), 'CREATE') "
        "FROM pg_roles WHERE rolname = current_user");
    superuser = r[0][0].as<bool>();
    replication = r[0][1].as<bool>();
    can_create = r[0][2].as<bool>();
    return Status::Ok();
  }));
  if (superuser || replication) {
    add(Sev::kOk, "role replication", superuser ? "superuser" : "REPLICATION attribute");
  } else {
    add(Sev::kError, "role replication", "role " + role + " lacks the REPLICATION attribute",
        {"ALTER ROLE " + role + " WITH REPLICATION;"});
  }

  if (slot_info) {
    if (slot_info->plugin != plugin) {
      add(Sev::kError, "slot", "slot '" + slot + "' uses plugin '" + slot_info->plugin +
                                   "', plugin.name is '" + plugin + "'",
          {"SELECT pg_drop_replication_slot(" + QuoteLiteral(slot) + ");"});
    } else if (slot_info->database != server.database) {
      add(Sev::kError, "slot", "slot '" + slot + "' belongs to database '" + slot_info->database + "'");
    } else if (slot_info->active) {
      add(Sev::kWarning, "slot", "slot '" + slot + "' is in use by PID " +
                                     std::to_string(slot_info->active_pid));
    } else {
      add(Sev::kOk, "slot", "'" + slot + "' exists, plugin " + plugin + ", confirmed_flush_lsn " +
                                slot_info->confirmed_flush.ToString());
    }
  } else {
    add(Sev::kWarning, "slot", "slot '" + slot + "' does not exist; walcast creates it at start",
        {"SELECT pg_create_logical_replication_slot(" + QuoteLiteral(slot) + ", " +
         QuoteLiteral(plugin) + ");"});
  }

  WALCAST_ASSIGN_OR_RETURN(std::vector<TableId> tables, ResolveTables(filter));
  if (tables.empty()) {
    add(Sev::kError, "tables", "table.include.list matches no table");
  }

  // Publication: existence, ownership, membership.
  bool pub_exists = false;
  bool pub_all = false;
  std::string pub_owner;
  std::set<TableId> members;
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading publication", [&] {
    pqxx::nontransaction tx(*conn_);
    auto r = tx.exec_params(
        "SELECT p.puballtables, pg_get_userbyid(p.pubowner) FROM pg_publication p "
        "WHERE p.pubname = $1",
        publication);
    if (r.empty()) return Status::Ok();
    pub_exists = true;
    pub_all = r[0][0].as<bool>();
    pub_owner = r[0][1].as<std::string>();
    auto m = tx.exec_params(
        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", publication);
    for (const auto& row : m) members.insert({row[0].as<std::string>(), row[1].as<std::string>()});
    return Status::Ok();
  }));
  std::string table_list;
  for (const auto& t : tables) table_list += (table_list.empty() ? "" : ", ") + t.Qualified();
  const std::string pub = QuoteIdentifier(publication);
  if (!pub_exists) {
    const std::string create = mode == PublicationMode::kAllTables
                                   ? "CREATE PUBLICATION " + pub + " FOR ALL TABLES;"
                                   : "CREATE PUBLICATION " + pub + " FOR TABLE " + table_list + ";";
    if (mode == PublicationMode::kDisabled) {
      add(Sev::kError, "publication", "'" + publication + "' does not exist and autocreate is disabled",
          {create});
    } else if (mode == PublicationMode::kAllTables && !superuser) {
      add(Sev::kError, "publication",
          "'" + publication + "' does not exist; FOR ALL TABLES needs a superuser", {create});
    } else if (!can_create && !superuser) {
      add(Sev::kError, "publication",
          "'" + publication + "' does not exist and role " + role + " cannot create it",
          {"GRANT CREATE ON DATABASE " + QuoteIdentifier(server.database) + " TO " + role + ";",
           create});
    } else {
      add(Sev::kWarning, "publication",
          "'" + publication + "' does not exist; walcast creates it at start", {create});
    }
  } else {
    add(Sev::kOk, "publication owner", "'" + publication + "' is owned by " + pub_owner);
    if (pub_all) {
      add(mode == PublicationMode::kFiltered ? Sev::kError : Sev::kOk, "publication membership",
          "'" + publication + "' is FOR ALL TABLES");
    } else {
      for (const auto& t : tables) {
        if (members.count(t)) continue;
        add(mode == PublicationMode::kDisabled ? Sev::kError : Sev::kWarning,
            "publication membership", t.Dotted() + " is not in '" + publication + "'",
            {"ALTER PUBLICATION " + pub + " ADD TABLE " + t.Qualified() + ";"});
      }
    }
  }

  // Per table: SELECT privilege and REPLICA IDENTITY.
  WALCAST_RETURN_IF_ERROR(pg::GuardPqxx("reading tables", [&] {
    pqxx::nontransaction tx(*conn_);
    for (const auto& t : tables) {
      auto r = tx.exec_params(
          "SELECT has_schema_privilege(n.oid, 'USAGE'), has_table_privilege(c.oid, 'SELECT'), "
          "c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND "
          "i.indisprimary) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = $1 AND c.relname = $2",
          t.schema, t.name);
      if (r.empty()) continue;
      if (!r[0][0].as<bool>()) {
        add(Sev::kError, "privilege", "role " + role + " lacks USAGE on schema " + t.schema,
            {"GRANT USAGE ON SCHEMA " + QuoteIdentifier(t.schema) + " TO " + role + ";"});
      }
      if (!r[0][1].as<bool>()) {
        add(Sev::kError, "privilege", "role " + role + " lacks SELECT on " + t.Dotted(),
            {"GRANT SELECT ON " + t.Qualified() + " TO " + role + ";"});
      }
      const std::string ident = r[0][2].as<std::string>();
      const bool has_pk = r[0][3].as<bool>();
      if (ident == "n") {
        add(Sev::kWarning, "replica identity",
            t.Dotted() + " is REPLICA IDENTITY NOTHING: UPDATE and DELETE fail on published tables "
                         "and carry no old values",
            {"ALTER TABLE " + t.Qualified() + " REPLICA IDENTITY FULL;"});
      } else if (ident == "d" && !has_pk) {
        add(Sev::kError, "replica identity",
            t.Dotted() + " has no primary key and REPLICA IDENTITY DEFAULT: UPDATE and DELETE "
                         "fail once it is published",
            {"ALTER TABLE " + t.Qualified() + " REPLICA IDENTITY FULL;"});
      } else {
        add(Sev::kOk, "replica identity",
            t.Dotted() + (ident == "f" ? " FULL" : ident == "i" ? " USING INDEX" : " DEFAULT (primary key)"));
      }
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace walcast::wal_reader
