#include "app/heartbeat.h"

#include <pqxx/pqxx>

#include "core/log.h"

namespace walcast::app {

struct HeartbeatAction::Connection {
  explicit Connection(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

HeartbeatAction::HeartbeatAction(std::string conninfo, std::string sql,
                                 std::chrono::milliseconds interval)
    : conninfo_(std::move(conninfo)), sql_(std::move(sql)), interval_(interval) {}

HeartbeatAction::~HeartbeatAction() = default;

Status HeartbeatAction::Tick(std::chrono::steady_clock::time_point now) {
  if (now < next_) return Status::Ok();
  next_ = now + interval_;
  try {
    if (!connection_) connection_ = std::make_unique<Connection>(conninfo_);
    pqxx::nontransaction tx(connection_->conn);
    tx.exec(sql_);
    ++runs_;
  } catch (const std::exception& e) {
    connection_.reset();
    if (now >= next_error_log_) {
      // The error text names the failing statement's problem, never row data.
      log::Warn("heartbeat action failed; retrying at the next interval", {{"error", e.what()}});
      next_error_log_ = now + std::chrono::seconds(60);
    }
  }
  return Status::Ok();
}

std::string HeartbeatMessageSql() {
  return "SELECT pg_logical_emit_message(false, 'walcast.heartbeat', '')";
}

}  // namespace walcast::app
