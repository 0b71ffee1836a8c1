#pragma once

// The fixture of the generator commands' integration tests
// (generate_profiles_test.cc, generate_mosip_test.cc): fresh databases on
// the suite's PostgreSQL, each with a properties file, and `walcast
// --config <db>.properties COMMAND ARGS` run as a child process.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {

class GenerateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = PostgresEnvironment::Get();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start: " << PostgresEnvironment::StartError();
    char tmpl[] = "/tmp/walcast-gen-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    std::string ignored;
    RunCommand("rm -rf '" + dir_ + "'", &ignored);
  }

  // A fresh database; its properties file is <dir>/<db>.properties.
  std::string NewDatabase(const std::string& suffix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string db = pg_->CreateDatabase(std::string(info->name()) + suffix);
    std::ofstream f(dir_ + "/" + db + ".properties");
    f << "database.hostname=127.0.0.1\n"
      << "database.port=" << pg_->port() << "\n"
      << "database.user=postgres\n"
      << "database.dbname=" << db << "\n";
    return db;
  }

  // Runs `walcast --config <db>.properties COMMAND ARGS`; returns the exit
  // code; *out gets stdout, *err (when not null) stderr.
  int RunWalcast(const std::string& db, const std::string& command,
                 const std::vector<std::string>& args, std::string* out, std::string* err,
                 const std::string& password = "postgres") {
    std::vector<std::string> argv = {WalcastBinary(), "--config", dir_ + "/" + db + ".properties",
                                     command};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string base = dir_ + "/run" + std::to_string(++runs_);
    ChildProcess p(argv, base + ".out", base + ".err", {"WALCAST_DATABASE_PASSWORD=" + password});
    const int rc = p.Wait(std::chrono::seconds(300));
    *out = ReadFile(base + ".out");
    if (err != nullptr) *err = ReadFile(base + ".err");
    return rc;
  }

  // The key=value summary the commands print.
  static std::map<std::string, std::string> SummaryText(const std::string& text) {
    std::map<std::string, std::string> kv;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return kv;
  }

  int64_t Count(const std::string& db, const std::string& sql) {
    return std::atoll(pg_->Psql(sql, db).c_str());
  }

  PostgresCluster* pg_ = nullptr;
  std::string dir_;
  int runs_ = 0;
};

}  // namespace walcast::testing
