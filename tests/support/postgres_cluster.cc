#include "tests/support/postgres_cluster.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef WALCAST_SOURCE_DIR
#error "WALCAST_SOURCE_DIR must be defined"
#endif
#ifndef WALCAST_BINARY_DIR
#error "WALCAST_BINARY_DIR must be defined"
#endif

namespace walcast::testing {
namespace {

std::unique_ptr<PostgresCluster> g_cluster;
std::string g_error;

}  // namespace

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

std::string SourcePath(const std::string& relative) {
  return std::string(WALCAST_SOURCE_DIR) + "/" + relative;
}

std::string WalcastBinary() { return std::string(WALCAST_BINARY_DIR) + "/walcast"; }

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  if (output != nullptr) *output = std::move(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<PostgresCluster> PostgresCluster::Start(std::string* error) {
  char tmpl[] = "/tmp/walcast-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  const std::string dir = tmpl;
  std::string out;
  const int rc =
      RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " start " + ShellQuote(dir) +
                     " 2>&1",
                 &out);
  const size_t pos = out.find("port=");
  if (rc != 0 || pos == std::string::npos) {
    *error = "scripts/pg_cluster.sh start failed (exit " + std::to_string(rc) + "): " + out;
    return nullptr;
  }
  const int port = std::atoi(out.c_str() + pos + 5);
  return std::unique_ptr<PostgresCluster>(new PostgresCluster(dir, port));
}

PostgresCluster::~PostgresCluster() {
  RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " destroy " + ShellQuote(dir_) +
                 " >/dev/null 2>&1",
             nullptr);
}

bool PostgresCluster::Restart(std::string* error) {
  std::string out;
  const int rc = RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " restart " +
                                ShellQuote(dir_) + " 2>&1",
                            &out);
  if (rc != 0) *error = out;
  return rc == 0;
}

std::unique_ptr<PostgresCluster> PostgresCluster::StartStandby(const PostgresCluster& primary,
                                                               const std::string& slot,
                                                               bool feedback, std::string* error) {
  char tmpl[] = "/tmp/walcast-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  const std::string dir = tmpl;
  std::string out;
  const int rc = RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " standby " +
                                ShellQuote(dir) + " " + ShellQuote(primary.dir()) + " " +
                                ShellQuote(slot) + (feedback ? " on" : " off") + " 2>&1",
                            &out);
  const size_t pos = out.find("port=");
  if (rc != 0 || pos == std::string::npos) {
    *error = "scripts/pg_cluster.sh standby failed (exit " + std::to_string(rc) + "): " + out;
    return nullptr;
  }
  return std::unique_ptr<PostgresCluster>(
      new PostgresCluster(dir, std::atoi(out.c_str() + pos + 5)));
}

bool PostgresCluster::Promote(std::string* error) {
  std::string out;
  const int rc = RunCommand(
      ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " promote " + ShellQuote(dir_) + " 2>&1",
      &out);
  if (rc != 0) *error = out;
  return rc == 0;
}

void PostgresCluster::Kill() {
  RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " kill " + ShellQuote(dir_) +
                 " >/dev/null 2>&1",
             nullptr);
}

int PostgresCluster::MajorVersion() {
  const char* env = std::getenv("WALCAST_PG_VERSION");
  return env != nullptr && *env != '\0' ? std::atoi(env) : 15;
}

std::string PostgresCluster::Conninfo(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres password=postgres dbname=" +
         dbname;
}

std::string PostgresCluster::Psql(const std::string& sql, const std::string& dbname) const {
  char path[] = "/tmp/walcast-sql-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    ADD_FAILURE() << "mkstemp failed";
    return "";
  }
  close(fd);
  {
    std::ofstream f(path);
    f << sql;
  }
  std::string out;
  const int rc = RunCommand("PGPASSWORD=postgres psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                                std::to_string(port_) + " -U postgres -d " + ShellQuote(dbname) +
                                " -f " + path + " 2>&1",
                            &out);
  unlink(path);
  if (rc != 0) ADD_FAILURE() << "psql failed (exit " << rc << "): " << out << "\nSQL: " << sql;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string PostgresCluster::CreateDatabase(const std::string& hint) {
  std::string name;
  for (char c : hint) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_');
  name = "t" + std::to_string(++databases_) + "_" + name.substr(0, 40);
  Psql("CREATE DATABASE " + name);
  return name;
}

void PostgresEnvironment::SetUp() { g_cluster = PostgresCluster::Start(&g_error); }
void PostgresEnvironment::TearDown() { g_cluster.reset(); }
PostgresCluster* PostgresEnvironment::Get() { return g_cluster.get(); }
const std::string& PostgresEnvironment::StartError() { return g_error; }

}  // namespace walcast::testing
