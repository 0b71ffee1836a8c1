#include "wal_reader/catalog_type_resolver.h"

#include <pqxx/pqxx>

#include "core/log.h"
#include "pg/libpq.h"

namespace walcast::wal_reader {

CatalogTypeResolver::CatalogTypeResolver(std::string conninfo,
                                         std::unique_ptr<pqxx::connection> conn)
    : conninfo_(std::move(conninfo)), conn_(std::move(conn)) {}

CatalogTypeResolver::~CatalogTypeResolver() = default;

Result<std::unique_ptr<CatalogTypeResolver>> CatalogTypeResolver::Connect(
    const std::string& conninfo) {
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo + " application_name=walcast");
    return std::unique_ptr<CatalogTypeResolver>(new CatalogTypeResolver(conninfo, std::move(conn)));
  } catch (const pqxx::broken_connection& e) {
    // The same classification as the replication connection: a refused
    // password or certificate is not retried.
    return pg::ClassifyConnectMessage(e.what());
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot connect to PostgreSQL for type lookups: ") +
                               e.what());
  }
}

namespace {

// Runs `fn(tx)` over `conn`, reconnecting once when the connection broke.
// Other failures are logged and give nullopt.
template <typename Fn>
auto WithConnection(const std::string& conninfo, std::unique_ptr<pqxx::connection>& conn, Fn fn)
    -> decltype(fn(std::declval<pqxx::nontransaction&>())) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!conn || !conn->is_open()) {
        conn = std::make_unique<pqxx::connection>(conninfo + " application_name=walcast");
      }
      pqxx::nontransaction tx(*conn);
      return fn(tx);
    } catch (const pqxx::broken_connection&) {
      conn.reset();
    } catch (const std::exception& e) {
      log::Warn("catalog lookup failed", {{"error", e.what()}});
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<TypeInfo> CatalogTypeResolver::Resolve(uint32_t oid) {
  return WithConnection(conninfo_, conn_, [oid](pqxx::nontransaction& tx) -> std::optional<TypeInfo> {
    auto r = tx.exec_params(
        "SELECT n.nspname, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, "
        "t.typtypmod, coalesce((SELECT string_agg(e.enumlabel, chr(31) ORDER BY e.enumsortorder) "
        "FROM pg_enum e WHERE e.enumtypid = t.oid), '') "
        "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1",
        oid);
    if (r.empty()) return std::nullopt;
    TypeInfo info;
    info.oid = oid;
    info.schema = r[0][0].as<std::string>();
    info.name = r[0][1].as<std::string>();
    info.typtype = r[0][2].as<std::string>()[0];
    info.category = r[0][3].as<std::string>()[0];
    // typelem is also set for fixed-length types like name/point; only arrays count.
    info.elem_oid = info.category == 'A' ? r[0][4].as<uint32_t>() : 0;
    info.base_oid = r[0][5].as<uint32_t>();
    info.base_typmod = r[0][6].as<int32_t>();
    const std::string labels = r[0][7].as<std::string>();
    size_t start = 0;
    while (info.typtype == 'e' && start <= labels.size()) {
      size_t end = labels.find('\x1f', start);
      if (end == std::string::npos) end = labels.size();
      info.enum_labels.push_back(labels.substr(start, end - start));
      start = end + 1;
    }
    return info;
  });
}

std::optional<TableInfo> CatalogTypeResolver::ResolveTable(uint32_t relation_oid) {
  return WithConnection(conninfo_, conn_, [relation_oid](pqxx::nontransaction& tx) -> std::optional<TableInfo> {
    auto columns = tx.exec_params(
        "SELECT a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d "
        "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        relation_oid);
    if (columns.empty()) return std::nullopt;
    TableInfo table;
    for (const auto& row : columns) {
      TableInfo::ColumnInfo c;
      c.name = row[0].as<std::string>();
      c.not_null = row[1].as<bool>();
      if (!row[2].is_null()) c.default_expr = row[2].as<std::string>();
      table.columns.push_back(std::move(c));
    }
    // The primary key; without one, the first unique index by name that
    // has no expression columns (Debezium's choice too).
    auto key = tx.exec_params(
        "WITH chosen AS ("
        "  SELECT i.indexrelid, i.indkey FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "  WHERE i.indrelid = $1 AND (i.indisprimary OR i.indisunique) "
        "    AND NOT (0 = ANY (i.indkey::int2[])) "
        "  ORDER BY i.indisprimary DESC, c.relname LIMIT 1) "
        "SELECT a.attname FROM chosen "
        "CROSS JOIN LATERAL unnest(chosen.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = $1 AND a.attnum = k.attnum ORDER BY k.ord",
        relation_oid);
    for (const auto& row : key) table.primary_key.push_back(row[0].as<std::string>());
    return table;
  });
}

}  // namespace walcast::wal_reader
