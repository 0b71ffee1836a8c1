// walcast's container image end to end (docs/container.md): builds
// docker/Dockerfile with scripts/container.sh (buildah), runs the image with
// podman against this binary's own PostgreSQL, Kafka broker and OpenSearch
// node on loopback (host network), and checks that changes reach the topic
// and the index, that the healthcheck turns healthy, and that `podman stop`
// drains: exit status 0 with the slot confirmed past the last change.
//
// Missing buildah/podman or a failed build fails the test (never a skip).

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rapidjson/document.h"
#include "tests/integration/es_process_test.h"
#include "tests/support/es_cluster.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The last `lines` lines of `text`.
std::string Tail(const std::string& text, int lines = 40) {
  size_t pos = text.size();
  for (int i = 0; i <= lines && pos != std::string::npos && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
  }
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

// op and after.name of one Debezium change event ("" where absent).
struct Change {
  std::string op;
  std::string name;
};

Change ParseChange(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  Change c;
  if (doc.HasParseError() || !doc.IsObject()) return c;
  const rapidjson::Value& payload = doc.HasMember("payload") ? doc["payload"] : doc;
  if (payload.HasMember("op") && payload["op"].IsString()) c.op = payload["op"].GetString();
  if (payload.HasMember("after") && payload["after"].IsObject() &&
      payload["after"].HasMember("name") && payload["after"]["name"].IsString()) {
    c.name = payload["after"]["name"].GetString();
  }
  return c;
}

class ContainerTest : public EsProcessTest {
 protected:
  void SetUp() override {
    EsProcessTest::SetUp();
    if (HasFatalFailure()) return;
    kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
    // Unique per run, so that parallel runs (other worktrees) never collide.
    const std::string suffix =
        std::to_string(getpid()) + "-" + std::to_string(std::random_device{}() % 100000);
    name_ = "walcast-container-test-" + suffix;
    image_ = "localhost/walcast:test-" + suffix;
    ASSERT_EQ(mkdir((dir_ + "/state").c_str(), 0755), 0);
  }

  void TearDown() override {
    std::string ignored;
    if (container_created_) Podman("rm -f -t 0 " + name_, &ignored);
    if (image_built_) Podman("rmi -f " + image_, &ignored);
    EsProcessTest::TearDown();
  }

  // scripts/container.sh ARGS (shell words, already quoted), stdout and
  // stderr into *output; the exit status. The helper's scratch (base
  // rootfs, containers.conf) lives in the build tree.
  static int ContainerSh(const std::string& args, std::string* output) {
    return RunCommand(
        "WALCAST_CONTAINER_DIR=" + ShellQuote(std::string(WALCAST_BINARY_DIR) + "/container") +
            " timeout 120 " + ShellQuote(SourcePath("scripts/container.sh")) + " " + args + " 2>&1",
        output);
  }
  // podman with the settings that work here (runc, cgroupfs, no ulimits).
  static int Podman(const std::string& args, std::string* output) {
    return ContainerSh("podman " + args, output);
  }

  // `podman logs` of the container, for failure messages (walcast never
  // logs secrets or row values).
  std::string ContainerLog() {
    std::string out;
    Podman("logs " + name_, &out);
    return "\n--- podman logs " + name_ + " (tail) ---\n" + Tail(out);
  }

  // GET http://127.0.0.1:PORT/readyz from the host: status and body.
  std::pair<int, std::string> Readyz() const {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    const auto res = client.Get("/readyz");
    if (!res) return {0, ""};
    return {res->status, res->body};
  }

  KafkaCluster* kafka_ = nullptr;
  std::string name_;
  std::string image_;
  int http_port_ = 0;
  bool image_built_ = false;
  bool container_created_ = false;
};

TEST_F(ContainerTest, ImageStreamsToKafkaAndOpenSearchAndDrainsOnStop) {
  // Step 1: tools and the image.
  std::string out;
  ASSERT_EQ(RunCommand("PATH=$PATH:/usr/sbin; command -v buildah podman runc 2>&1", &out), 0)
      << "step 1 (tools): buildah, podman and runc are needed (scripts/setup.sh installs them); "
         "found: "
      << out;
  const std::string build_log = std::string(WALCAST_BINARY_DIR) + "/container-test-build.log";
  const auto build_start = std::chrono::steady_clock::now();
  image_built_ = true;  // a partly built tag is removed too
  const int build_rc = RunCommand(
      "WALCAST_CONTAINER_DIR=" + ShellQuote(std::string(WALCAST_BINARY_DIR) + "/container") +
          " timeout 1500 " + ShellQuote(SourcePath("scripts/container.sh")) + " build " + image_ +
          " > " + ShellQuote(build_log) + " 2>&1",
      &out);
  const auto build_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - build_start)
                           .count();
  ASSERT_EQ(build_rc, 0) << "step 1 (build): scripts/container.sh build failed (exit " << build_rc
                         << "); " << build_log << " ends:\n"
                         << Tail(ReadFile(build_log));
  std::cout << "image built in " << build_s << " s; log " << build_log << "\n";

  // The image's own healthcheck and endpoint settings (the run below uses a
  // free port on the host network, so it points the healthcheck there).
  ASSERT_EQ(Podman("image inspect --format '{{json .Config.Healthcheck.Test}}' " + image_, &out), 0)
      << "step 1 (inspect): " << out;
  EXPECT_NE(out.find(R"(["CMD","walcast","probe","http://127.0.0.1:8080/readyz"])"),
            std::string::npos)
      << out;
  ASSERT_EQ(
      Podman("run --rm --entrypoint cat " + image_ + " /etc/walcast/walcast.properties", &out), 0)
      << "step 1 (image config): " << out;
  EXPECT_NE(out.find("\nhttp.port=8080\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nhttp.bind=0.0.0.0\n"), std::string::npos) << out;

  // Step 2: a table with one row (the initial snapshot), then the container.
  Sql("CREATE TABLE t(id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'snapshot')");
  http_port_ = FreeLoopbackPort();
  const std::string ready_url = "http://127.0.0.1:" + std::to_string(http_port_) + "/readyz";
  const std::vector<std::pair<std::string, std::string>> sets = {
      {"database.hostname", "127.0.0.1"},
      {"database.port", std::to_string(pg_->port())},
      {"database.dbname", db_},
      {"slot.name", db_},
      {"publication.name", db_ + "_pub"},
      {"table.include.list", "public\\.t"},
      {"topic.prefix", db_},
      {"kafka.bootstrap.servers", kafka_->bootstrap()},
      {"kafka.linger.ms", "5"},
      {"elasticsearch.url", es_->url()},
      {"elasticsearch.bulk.flush.interval.ms", "200"},
      {"status.update.interval.ms", "100"},
      {"http.port", std::to_string(http_port_)},
  };
  std::string run = "run -d --name " + name_ + " --network host -v " + ShellQuote(dir_ + "/state") +
                    ":/var/lib/walcast:U -e WALCAST_DATABASE_PASSWORD=postgres"
                    " --health-cmd " +
                    ShellQuote(R"(["walcast","probe",")" + ready_url + R"("])") +
                    " --health-interval disable " + image_ +
                    " run --config /etc/walcast/walcast.properties";
  for (const auto& [key, value] : sets) run += " --set " + ShellQuote(key + "=" + value);
  container_created_ = true;
  ASSERT_EQ(ContainerSh(run, &out), 0) << "step 2 (podman run): " << out;

  // Step 3: ready, by the healthcheck inside and /readyz from the host.
  ASSERT_TRUE(PollUntil(
      [&] {
        std::string ignored;
        return Podman("healthcheck run " + name_, &ignored) == 0;
      },
      120s))
      << "step 3 (healthcheck): `podman healthcheck run` never passed" << ContainerLog();
  const auto [status, body] = Readyz();
  EXPECT_EQ(status, 200) << "step 3 (/readyz from the host): " << body << ContainerLog();
  rapidjson::Document ready;
  ready.Parse(body.c_str());
  EXPECT_TRUE(!ready.HasParseError() && ready.IsObject() && ready.HasMember("ready") &&
              ready["ready"].IsBool() && ready["ready"].GetBool())
      << body;
  struct stat st{};
  ASSERT_EQ(stat((dir_ + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 10001u) << "step 3 (volume): the state dir is not the image user's";

  // Step 4: changes reach the topic and the index.
  Sql("INSERT INTO t VALUES (2, 'two'), (3, 'three')");
  Sql("UPDATE t SET name = 'two updated' WHERE id = 2");
  const std::string topic = db_ + ".public.t";
  const auto records = kafka_->Consume(topic, 4, 60s);
  ASSERT_EQ(records.size(), 4u) << "step 4 (Kafka): topic " << topic << ContainerLog();
  std::vector<std::string> ops;
  for (const auto& r : records) {
    ASSERT_TRUE(r.value.has_value());
    ops.push_back(ParseChange(*r.value).op + ":" + ParseChange(*r.value).name);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"r:snapshot", "c:two", "c:three", "u:two updated"}));

  const std::string index = db_ + ".public.t";
  const bool indexed = PollUntil(
      [&] {
        if (!es_->Refresh(index)) return false;
        return es_->Count(index) == 3 &&
               es_->Get(index, "2").find("\"two updated\"") != std::string::npos;
      },
      60s);
  EXPECT_TRUE(indexed) << "step 4 (OpenSearch): index " << index << " has " << es_->Count(index)
                       << " documents; document 2: " << es_->Get(index, "2") << ContainerLog();
  EXPECT_NE(es_->Get(index, "3").find("\"three\""), std::string::npos);

  // Step 5: podman stop drains and exits 0, the slot confirmed past the end.
  Sql("INSERT INTO t VALUES (4, 'last')");
  const Lsn end = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  ASSERT_EQ(Podman("stop -t 30 " + name_, &out), 0) << "step 5 (podman stop): " << out;
  ASSERT_EQ(Podman("inspect --format '{{.State.ExitCode}}' " + name_, &out), 0) << out;
  EXPECT_EQ(out, "0\n") << "step 5 (exit status)" << ContainerLog();
  EXPECT_GE(ConfirmedFlush(), end) << "step 5 (drain): slot at " << ConfirmedFlush().ToString()
                                   << ", last change " << end.ToString() << ContainerLog();
  EXPECT_EQ(kafka_->Consume(topic, 5, 30s).size(), 5u) << "step 5 (drain): the last row in Kafka";
}

}  // namespace
}  // namespace walcast::testing
