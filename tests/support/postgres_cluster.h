#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace walcast::testing {

// A throwaway PostgreSQL cluster (scripts/pg_cluster.sh): initdb in a temp
// dir, wal_level=logical, a free loopback port; removed at the end. Superuser
// postgres/postgres. Started once per test binary by PostgresEnvironment. The
// major version is $WALCAST_PG_VERSION (14 to 18, default 15; see
// docs/postgres-versions.md); clients (psql) are always Debian's.
class PostgresCluster {
 public:
  // Starts a cluster; on failure returns nullptr and fills *error with the
  // reason and the server log tail.
  static std::unique_ptr<PostgresCluster> Start(std::string* error);
  ~PostgresCluster();

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // libpq conninfo for the superuser and `dbname`.
  std::string Conninfo(const std::string& dbname = "postgres") const;
  // Runs SQL through psql; returns its stdout (tuples only, unaligned). On a
  // SQL error, fails the current test with psql's message.
  std::string Psql(const std::string& sql, const std::string& dbname = "postgres") const;
  // Creates a fresh database and returns its name (one per test, so tests
  // never see each other's tables or slots).
  std::string CreateDatabase(const std::string& hint);
  // Stops and starts the server (same port and data).
  bool Restart(std::string* error);
  // A hot standby of `primary` (scripts/pg_cluster.sh standby): streams
  // through `primary`'s physical slot `slot`, which must exist; sets
  // hot_standby_feedback to `feedback`, and on 17+ sync_replication_slots
  // = on. `primary` is stopped for a moment while its data is copied. On
  // failure returns nullptr and fills *error.
  static std::unique_ptr<PostgresCluster> StartStandby(const PostgresCluster& primary,
                                                       const std::string& slot, bool feedback,
                                                       std::string* error);
  // Promotes this standby to a primary; returns once it accepts writes.
  bool Promote(std::string* error);
  // Immediate shutdown, as a crash (the data directory stays).
  void Kill();
  // The major version clusters start with: $WALCAST_PG_VERSION, else 15.
  // Tests of what one version lacks (wal2json, failover slots) branch on it.
  static int MajorVersion();

 private:
  PostgresCluster(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  std::string dir_;
  int port_;
  int databases_ = 0;
};

// GoogleTest environment owning the cluster for a whole test binary. If the
// cluster cannot start, every test fails with the reason (never a skip).
class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  // The running cluster; fails the calling test (ASSERT) if it did not start.
  static PostgresCluster* Get();
  static const std::string& StartError();
};

// Path of a file in the source tree, e.g. SourcePath("scripts/pg_cluster.sh").
std::string SourcePath(const std::string& relative);
// Path of the built walcast binary.
std::string WalcastBinary();
// `s` in single quotes for a POSIX shell command line.
std::string ShellQuote(const std::string& s);
// Runs a shell command, returns its exit status and captures stdout.
int RunCommand(const std::string& command, std::string* output);

}  // namespace walcast::testing

// Fails the current test unless the cluster is up; declares `pg`.
#define WALCAST_REQUIRE_POSTGRES(pg)                                                \
  ::walcast::testing::PostgresCluster* pg = ::walcast::testing::PostgresEnvironment::Get(); \
  ASSERT_NE(pg, nullptr) << "PostgreSQL did not start: "                           \
                         << ::walcast::testing::PostgresEnvironment::StartError()
