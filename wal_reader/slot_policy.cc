#include "wal_reader/slot_policy.h"

#include <utility>

#include "pg/libpq.h"

namespace walcast::wal_reader {
namespace {

using pg::QuoteIdentifier;
using pg::QuoteLiteral;
using Sev = Finding::Severity;

Finding Make(Sev severity, std::string check, std::string detail,
             std::vector<std::string> fix = {}) {
  return Finding{severity, std::move(check), std::move(detail), std::move(fix)};
}

std::string TableList(const std::vector<TableId>& tables) {
  std::string list;
  for (const auto& t : tables) list += (list.empty() ? "" : ", ") + t.Qualified();
  return list;
}

// The finding for a publication that does not exist yet.
Finding MissingPublicationFinding(const std::string& publication, PublicationMode mode,
                                  const std::vector<TableId>& tables, const RoleInfo& role,
                                  const std::string& database) {
  const std::string pub = QuoteIdentifier(publication);
  const std::string create = mode == PublicationMode::kAllTables
                                 ? "CREATE PUBLICATION " + pub + " FOR ALL TABLES;"
                                 : "CREATE PUBLICATION " + pub + " FOR TABLE " +
                                       TableList(tables) + ";";
  if (mode == PublicationMode::kDisabled) {
    return Make(Sev::kError, "publication",
                "'" + publication + "' does not exist and autocreate is disabled", {create});
  }
  if (mode == PublicationMode::kAllTables && !role.superuser) {
    return Make(Sev::kError, "publication",
                "'" + publication + "' does not exist; FOR ALL TABLES needs a superuser",
                {create});
  }
  if (!role.can_create && !role.superuser) {
    return Make(Sev::kError, "publication",
                "'" + publication + "' does not exist and role " + role.name +
                    " cannot create it",
                {"GRANT CREATE ON DATABASE " + QuoteIdentifier(database) + " TO " + role.name +
                     ";",
                 create});
  }
  return Make(Sev::kWarning, "publication",
              "'" + publication + "' does not exist; walcast creates it at start", {create});
}

// A standby decodes (PostgreSQL 16+) only while its primary keeps the
// catalog rows the standby's slots need: hot_standby_feedback tells the
// primary which rows those are, and a physical slot on the primary
// (primary_slot_name) keeps that horizon while the standby is disconnected.
// Without feedback the primary's VACUUM removes the rows and the standby
// invalidates the logical slot (invalidation_reason rows_removed).
void AppendStandbyFindings(const ServerInfo& server, std::vector<Finding>* out) {
  if (server.version < 160000) {
    out->push_back(Make(Sev::kError, "standby",
                        "the server is a standby (pg_is_in_recovery()) of version " +
                            std::to_string(server.version) +
                            "; decoding on a standby needs PostgreSQL 16 or later: connect "
                            "walcast to the primary"));
    return;
  }
  out->push_back(Make(Sev::kOk, "standby", "the server is a hot standby (pg_is_in_recovery())"));
  if (server.hot_standby_feedback) {
    out->push_back(Make(Sev::kOk, "hot_standby_feedback", "on"));
  } else {
    out->push_back(Make(Sev::kError, "hot_standby_feedback",
                        "is off on this standby; decoding here needs it on, or the primary's "
                        "VACUUM removes catalog rows the slot needs and the slot is invalidated",
                        {"ALTER SYSTEM SET hot_standby_feedback = on;  -- on the standby",
                         "SELECT pg_reload_conf();  -- on the standby"}));
  }
  if (server.primary_slot_name.empty()) {
    out->push_back(Make(Sev::kWarning, "primary_slot_name",
                        "is empty: while the standby is disconnected, its primary does not keep "
                        "the rows hot_standby_feedback asked for; give the standby a physical "
                        "slot on the primary",
                        {"SELECT pg_create_physical_replication_slot('standby1');  -- on the "
                         "primary",
                         "ALTER SYSTEM SET primary_slot_name = 'standby1';  -- on the standby, "
                         "then SELECT pg_reload_conf();"}));
  } else {
    out->push_back(Make(Sev::kOk, "primary_slot_name", server.primary_slot_name));
  }
}

}  // namespace

Status CheckSlotReusable(const SlotInfo& slot, const std::string& plugin,
                         const std::string& database) {
  const std::string& name = slot.name;
  if (slot.plugin != plugin) {
    return Status::InvalidArgument("replication slot '" + name + "' uses plugin '" + slot.plugin +
                                   "' but plugin.name is '" + plugin +
                                   "'; drop the slot or set plugin.name=" + slot.plugin);
  }
  if (slot.database != database) {
    return Status::InvalidArgument("replication slot '" + name + "' belongs to database '" +
                                   slot.database + "', not '" + database + "'");
  }
  if (slot.wal_status == "lost") return Status::Fatal(LostSlotMessage(slot));
  return Status::Ok();
}

std::string LostSlotMessage(const SlotInfo& slot) {
  const std::string& reason = slot.invalidation_reason;
  const std::string drop = "SELECT pg_drop_replication_slot(" + QuoteLiteral(slot.name) + ");";
  // Before 17 the server only says "lost", and removed WAL is what makes a
  // slot lost there.
  const bool wal_removed = reason.empty() || reason == "wal_removed";
  std::string msg = "replication slot '" + slot.name + "' was invalidated by the server (" +
                    "wal_status=lost" + (reason.empty() ? "" : ", invalidation_reason=" + reason) +
                    ")";
  if (wal_removed) {
    msg +=
        ": it fell further behind than max_slot_wal_keep_size allows and the server removed "
        "WAL it still needed, so the changes in that WAL can no longer be streamed";
  } else {
    msg += ": it can no longer be streamed";
  }
  msg +=
      ". To start over from a new snapshot, run with snapshot.mode=when_needed (walcast drops "
      "and recreates the slot), or drop the slot yourself: " +
      drop;
  if (wal_removed) {
    msg +=
        " To keep it from happening again, raise max_slot_wal_keep_size on the server (-1: "
        "no limit) and keep walcast from stopping for long";
  }
  return msg;
}

Result<std::string> PublicationStatement(const std::string& name, PublicationMode mode,
                                         const PublicationState& state,
                                         const std::vector<TableId>& tables) {
  switch (mode) {
    case PublicationMode::kDisabled:
      if (!state.exists) {
        return Status::NotFound("publication '" + name +
                                "' does not exist and publication.autocreate.mode=disabled; "
                                "create it (see sql/) or change the mode");
      }
      return std::string();
    case PublicationMode::kAllTables:
      if (state.exists) return std::string();
      return "CREATE PUBLICATION " + QuoteIdentifier(name) + " FOR ALL TABLES";
    case PublicationMode::kNoTables:
      if (state.exists) return std::string();
      return "CREATE PUBLICATION " + QuoteIdentifier(name);
    case PublicationMode::kFiltered: {
      if (tables.empty()) {
        return Status::InvalidArgument(
            "publication.autocreate.mode=filtered but table.include.list matches no table; "
            "walcast never falls back to a FOR ALL TABLES publication");
      }
      if (state.exists && state.all_tables) {
        return Status::InvalidArgument("publication '" + name +
                                       "' is FOR ALL TABLES but publication.autocreate.mode="
                                       "filtered; drop it or use all_tables");
      }
      const std::set<TableId> wanted(tables.begin(), tables.end());
      if (state.exists && wanted == state.members) return std::string();
      return (state.exists ? "ALTER PUBLICATION " + QuoteIdentifier(name) + " SET TABLE "
                           : "CREATE PUBLICATION " + QuoteIdentifier(name) + " FOR TABLE ") +
             TableList(tables);
    }
  }
  return Status::Internal("unhandled publication mode");
}

std::vector<Finding> ServerFindings(const ServerInfo& server, bool slot_exists) {
  std::vector<Finding> out;
  if (server.wal_level == "logical") {
    out.push_back(Make(Sev::kOk, "wal_level", "logical"));
  } else {
    out.push_back(Make(Sev::kError, "wal_level",
                       "is '" + server.wal_level + "'; logical decoding needs 'logical'",
                       {"ALTER SYSTEM SET wal_level = logical;  -- then restart PostgreSQL"}));
  }
  if (server.version < 100000) {
    out.push_back(
        Make(Sev::kError, "server_version", std::to_string(server.version) + " has no pgoutput"));
  } else {
    out.push_back(Make(Sev::kOk, "server_version", std::to_string(server.version)));
  }
  const std::string slots = std::to_string(server.used_replication_slots) + " of " +
                            std::to_string(server.max_replication_slots);
  if (server.used_replication_slots + (slot_exists ? 0 : 1) > server.max_replication_slots) {
    out.push_back(Make(Sev::kError, "max_replication_slots", slots + " slots in use, none free",
                       {"ALTER SYSTEM SET max_replication_slots = " +
                        std::to_string(server.max_replication_slots + 2) +
                        ";  -- then restart PostgreSQL"}));
  } else {
    out.push_back(Make(Sev::kOk, "max_replication_slots", slots + " in use"));
  }
  const std::string senders =
      std::to_string(server.used_wal_senders) + " of " + std::to_string(server.max_wal_senders);
  if (server.used_wal_senders >= server.max_wal_senders) {
    out.push_back(Make(Sev::kError, "max_wal_senders", senders + " senders in use, none free",
                       {"ALTER SYSTEM SET max_wal_senders = " +
                        std::to_string(server.max_wal_senders + 2) +
                        ";  -- then restart PostgreSQL"}));
  } else {
    out.push_back(Make(Sev::kOk, "max_wal_senders", senders + " in use"));
  }
  if (server.in_recovery) AppendStandbyFindings(server, &out);
  return out;
}

Finding RoleFinding(const RoleInfo& role) {
  if (role.superuser || role.replication) {
    return Make(Sev::kOk, "role replication",
                role.superuser ? "superuser" : "REPLICATION attribute");
  }
  return Make(Sev::kError, "role replication",
              "role " + role.name + " lacks the REPLICATION attribute",
              {"ALTER ROLE " + role.name + " WITH REPLICATION;"});
}

Finding SlotFinding(const std::optional<SlotInfo>& slot_info, const std::string& slot,
                    const std::string& plugin, const std::string& database) {
  if (!slot_info) {
    return Make(Sev::kWarning, "slot", "slot '" + slot + "' does not exist; walcast creates it at start",
                {"SELECT pg_create_logical_replication_slot(" + QuoteLiteral(slot) + ", " +
                 QuoteLiteral(plugin) + ");"});
  }
  if (slot_info->plugin != plugin) {
    return Make(Sev::kError, "slot",
                "slot '" + slot + "' uses plugin '" + slot_info->plugin + "', plugin.name is '" +
                    plugin + "'",
                {"SELECT pg_drop_replication_slot(" + QuoteLiteral(slot) + ");"});
  }
  if (slot_info->database != database) {
    return Make(Sev::kError, "slot",
                "slot '" + slot + "' belongs to database '" + slot_info->database + "'");
  }
  if (slot_info->wal_status == "lost") {
    return Make(Sev::kError, "slot", LostSlotMessage(*slot_info),
                {"SELECT pg_drop_replication_slot(" + QuoteLiteral(slot) + ");"});
  }
  if (slot_info->active) {
    return Make(Sev::kWarning, "slot",
                "slot '" + slot + "' is in use by PID " + std::to_string(slot_info->active_pid));
  }
  return Make(Sev::kOk, "slot",
              "'" + slot + "' exists, plugin " + plugin + ", confirmed_flush_lsn " +
                  slot_info->confirmed_flush.ToString());
}

std::vector<Finding> PublicationFindings(const std::string& publication, PublicationMode mode,
                                         const PublicationState& state,
                                         const std::vector<TableId>& tables,
                                         const RoleInfo& role, const std::string& database) {
  if (!state.exists) {
    return {MissingPublicationFinding(publication, mode, tables, role, database)};
  }
  std::vector<Finding> out;
  out.push_back(Make(Sev::kOk, "publication owner",
                     "'" + publication + "' is owned by " + state.owner));
  if (state.all_tables) {
    out.push_back(Make(mode == PublicationMode::kFiltered ? Sev::kError : Sev::kOk,
                       "publication membership", "'" + publication + "' is FOR ALL TABLES"));
    return out;
  }
  for (const auto& t : tables) {
    if (state.members.count(t)) continue;
    out.push_back(Make(mode == PublicationMode::kDisabled ? Sev::kError : Sev::kWarning,
                       "publication membership", t.Dotted() + " is not in '" + publication + "'",
                       {"ALTER PUBLICATION " + QuoteIdentifier(publication) + " ADD TABLE " +
                        t.Qualified() + ";"}));
  }
  return out;
}

Finding ReplicaIdentityFinding(const TableId& table, char ident, bool has_pk, bool has_toastable) {
  const std::vector<std::string> full = {"ALTER TABLE " + table.Qualified() +
                                         " REPLICA IDENTITY FULL;"};
  if (ident == 'n') {
    return Make(Sev::kWarning, "replica identity",
                table.Dotted() +
                    " is REPLICA IDENTITY NOTHING: UPDATE and DELETE fail once it is published, "
                    "and their events carry no key, so Debezium emits nothing usable for them",
                full);
  }
  if (ident == 'd' && !has_pk) {
    return Make(Sev::kError, "replica identity",
                table.Dotted() +
                    " has no primary key and REPLICA IDENTITY DEFAULT: UPDATE and DELETE "
                    "fail once it is published",
                full);
  }
  if (ident == 'f') return Make(Sev::kOk, "replica identity", table.Dotted() + " FULL");
  const std::string shown =
      table.Dotted() + (ident == 'i' ? " USING INDEX" : " DEFAULT (primary key)");
  if (!has_toastable) return Make(Sev::kOk, "replica identity", shown);
  // The new tuple of an UPDATE sends an unchanged TOASTed value as 'u'
  // (protocol "TupleData"); only FULL also logs the old row with that value,
  // from which the encoder fills it in (debezium/encoder.cc).
  return Make(Sev::kWarning, "replica identity",
              shown +
                  " with TOASTable columns: an UPDATE that leaves such a column unchanged does "
                  "not send its value, so Kafka records carry the unavailable-value placeholder "
                  "(as Debezium's do), Elasticsearch documents keep the stored value through a "
                  "partial update, and a key change cannot move the row's Elasticsearch "
                  "document. FULL logs the whole old row on every UPDATE and DELETE (more WAL)",
              full);
}

}  // namespace walcast::wal_reader
