#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"

namespace walcast::app {

// heartbeat.action.query and heartbeat.logical.message: SQL run on the
// source database every heartbeat interval, on its own connection, so that
// WAL flows through the slot even when the captured tables are idle. A
// failing statement is logged (rate-limited) and retried at the next
// interval; it never stops streaming.
//
// Thread: the reader thread (through Pipeline::Tick).
class HeartbeatAction {
 public:
  // `sql` is the statement to run; the connection is opened lazily and
  // reopened after an error.
  HeartbeatAction(std::string conninfo, std::string sql, std::chrono::milliseconds interval);
  ~HeartbeatAction();
  HeartbeatAction(const HeartbeatAction&) = delete;
  HeartbeatAction& operator=(const HeartbeatAction&) = delete;

  // Runs the statement when the interval has passed; always OK.
  Status Tick(std::chrono::steady_clock::time_point now);

  uint64_t runs() const { return runs_; }

 private:
  std::string conninfo_;
  std::string sql_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point next_{};
  std::chrono::steady_clock::time_point next_error_log_{};
  struct Connection;  // pqxx::connection, kept out of the header
  std::unique_ptr<Connection> connection_;
  uint64_t runs_ = 0;
};

// The statement heartbeat.logical.message runs.
std::string HeartbeatMessageSql();

}  // namespace walcast::app
