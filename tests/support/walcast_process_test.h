#pragma once

// Base fixture for tests that run the walcast binary against the binary's
// throwaway PostgreSQL: one database and one slot per test (named after the
// test), a temp dir holding the properties file and the child's output, and
// helpers to start walcast, wait for its log and read the slot's position.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/lsn.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {

class WalcastProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = PostgresEnvironment::Get();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start: " << PostgresEnvironment::StartError();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = pg_->CreateDatabase(info->name());
    char tmpl[] = "/tmp/walcast-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    WriteConfig({});
  }

  void TearDown() override {
    if (pg_ != nullptr) {
      (void)pg_->Psql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                      "WHERE slot_name = '" + db_ + "' AND NOT active");
    }
    std::string ignored;
    RunCommand("rm -rf '" + dir_ + "'", &ignored);
  }

  // Settings every test starts from; a test's `extra` overrides them.
  virtual std::map<std::string, std::string> BaseConfig() const {
    return {
        {"database.hostname", "127.0.0.1"},
        {"database.port", std::to_string(pg_->port())},
        {"database.user", "postgres"},
        {"database.dbname", db_},
        {"slot.name", db_},
        {"table.include.list", "public\\.t"},
        {"status.update.interval.ms", "100"},
        {"reconnect.backoff.initial.ms", "50"},
        {"state.dir", dir_ + "/state"},
    };
  }

  void WriteConfig(const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> kv = BaseConfig();
    for (const auto& [k, v] : extra) kv[k] = v;
    std::ofstream f(dir_ + "/walcast.properties");
    f << "# test config\n";
    for (const auto& [k, v] : kv) f << k << "=" << v << "\n";
  }

  // Starts `walcast --config <dir>/walcast.properties ARGS` (default `run`);
  // stdout and stderr go to <dir>/<name>.out and .err.
  std::unique_ptr<ChildProcess> Start(const std::string& name, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {WalcastBinary(), "--config", dir_ + "/walcast.properties"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (args.empty()) argv.push_back("run");
    return std::make_unique<ChildProcess>(argv, dir_ + "/" + name + ".out",
                                          dir_ + "/" + name + ".err",
                                          std::vector<std::string>{"WALCAST_DATABASE_PASSWORD=postgres"});
  }

  // Runs walcast to completion; returns exit code, fills stdout/stderr.
  int RunToEnd(const std::vector<std::string>& args, std::string* out, std::string* err,
               const std::string& password = "postgres") {
    std::vector<std::string> argv = {WalcastBinary(), "--config", dir_ + "/walcast.properties"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p(argv, dir_ + "/once.out", dir_ + "/once.err",
                   {"WALCAST_DATABASE_PASSWORD=" + password});
    const int rc = p.Wait(std::chrono::seconds(60));
    *out = ReadFile(dir_ + "/once.out");
    *err = ReadFile(dir_ + "/once.err");
    return rc;
  }

  // True once <dir>/<name>.err contains `text` while `p` still runs.
  bool WaitForLog(const std::string& name, const std::string& text, ChildProcess* p,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return PollUntil(
               [&] {
                 return ReadFile(dir_ + "/" + name + ".err").find(text) != std::string::npos ||
                        !p->Running();
               },
               timeout) &&
           p->Running();
  }

  // `walcast generate-profiles ARGS` (or another generator) into the test
  // database.
  void Generate(const std::vector<std::string>& args,
                const std::string& command = "generate-profiles") {
    std::vector<std::string> argv = {command};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    std::string err;
    ASSERT_EQ(RunToEnd(argv, &out, &err), 0) << err;
  }

  // Runs `workload` on a thread while `*walcast` (started as "walcast0") is
  // killed with SIGKILL at random points and restarted as "walcast1", ...:
  // each process `min_sleep` to `min_sleep` + 2.5 s after it logs "streaming
  // started" (the first one, with `first_in_snapshot`, without waiting: it
  // may still be taking the initial snapshot), at least `min_kills` times and
  // until the workload is done, at most 8 times after that. Returns the
  // number of kills; `*walcast` is then the last process, still running.
  int KillRepeatedly(std::unique_ptr<ChildProcess>* walcast, const std::function<void()>& workload,
                     uint32_t seed, std::chrono::milliseconds min_sleep, bool first_in_snapshot,
                     int min_kills = 5) {
    std::atomic<bool> done{false};
    std::thread writer([&] {
      workload();
      done = true;
    });
    std::mt19937 random(seed);
    int kills = 0;
    while (!done || kills < min_kills) {
      const std::string name = "walcast" + std::to_string(kills);
      if ((kills > 0 || !first_in_snapshot) &&
          !WaitForLog(name, "streaming started", walcast->get(), std::chrono::seconds(120))) {
        ADD_FAILURE() << name << " did not stream:\n" << Log(name);
        break;
      }
      std::this_thread::sleep_for(min_sleep + std::chrono::milliseconds(random() % 2500));
      if (kills >= 8 && done) break;
      (*walcast)->Signal(SIGKILL);
      EXPECT_EQ((*walcast)->Wait(std::chrono::seconds(10)), 128 + SIGKILL) << Log(name);
      ++kills;
      *walcast = Start("walcast" + std::to_string(kills));
    }
    writer.join();
    return kills;
  }

  std::string Log(const std::string& name) const { return ReadFile(dir_ + "/" + name + ".err"); }

  Lsn ConfirmedFlush() {
    return Lsn::Parse(pg_->Psql("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE "
                                "slot_name = '" + db_ + "'"))
        .value_or(Lsn());
  }

  std::string Sql(const std::string& sql) { return pg_->Psql(sql, db_); }

  // Waits until the slot has confirmed everything written so far, while the
  // walcast of log `name` (the child `p`) runs.
  ::testing::AssertionResult WaitConfirmed(ChildProcess* p, std::chrono::milliseconds timeout,
                                           const std::string& name = "walcast") {
    const Lsn end = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
    if (PollUntil([&] { return ConfirmedFlush() >= end || !p->Running(); }, timeout) &&
        p->Running()) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "slot did not confirm " << end.ToString() << " (at " << ConfirmedFlush().ToString()
           << "); walcast " << (p->Running() ? "running" : "exited") << "\n"
           << Log(name);
  }

  PostgresCluster* pg_ = nullptr;
  std::string db_;
  std::string dir_;
};

}  // namespace walcast::testing
