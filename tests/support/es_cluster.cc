#include "tests/support/es_cluster.h"

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <new>
#include <vector>

#include "tests/support/postgres_cluster.h"

extern char** environ;

namespace walcast::testing {
namespace {

std::unique_ptr<EsCluster> g_cluster;
std::string g_error;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// libcurl's write callback; no exception may leave it.
extern "C" size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  try {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  } catch (const std::bad_alloc&) {
    return 0;
  }
}

// Runs `scripts/elasticsearch.sh COMMAND DIR` without a shell (so no
// quoting), with stdout and stderr captured into *output. The owner pid
// lets the script kill the node if this test binary dies without running
// its destructors (crash, ctest timeout). Returns the exit status, or -1.
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): file-local, the script's order.
int RunEsScript(const std::string& command, const std::string& dir, std::string* output) {
  const std::string script = SourcePath("scripts/elasticsearch.sh");
  std::vector<std::string> env_strings = {"WALCAST_ES_OWNER_PID=" + std::to_string(getpid())};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("WALCAST_ES_OWNER_PID=")) continue;
    env_strings.emplace_back(*e);
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = script;
  std::string arg1 = command;
  std::string arg2 = dir;
  std::array<char*, 4> argv = {arg0.data(), arg1.data(), arg2.data(), nullptr};

  std::array<int, 2> pipe_fds{};
  if (pipe(pipe_fds.data()) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, script.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n = 0;
  while (rc == 0 &&
         ((n = read(pipe_fds[0], buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) out.append(buf.data(), static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (output != nullptr) *output = rc == 0 ? out : "posix_spawn " + script + " failed";
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The value after "url=" on its own line of the script's output, or "".
std::string UrlFrom(const std::string& out) {
  const size_t pos = out.find("url=");
  if (pos == std::string::npos) return "";
  return out.substr(pos + 4, out.find('\n', pos) - pos - 4);
}

}  // namespace

std::unique_ptr<EsCluster> EsCluster::Start(std::string* error) {
  std::string tmpl = "/tmp/walcast-es-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  const std::string dir = tmpl;
  std::string out;
  const int rc = RunEsScript("start", dir, &out);
  const std::string url = UrlFrom(out);
  if (rc != 0 || url.empty()) {
    *error = "scripts/elasticsearch.sh start failed (exit " + std::to_string(rc) + "): " + out;
    RunEsScript("destroy", dir, nullptr);
    return nullptr;
  }
  std::string flavour;
  std::ifstream(dir + "/flavour") >> flavour;
  return std::unique_ptr<EsCluster>(new EsCluster(dir, url, flavour));
}

EsCluster::~EsCluster() { RunEsScript("destroy", dir_, nullptr); }

::testing::AssertionResult EsCluster::Stop() {
  std::string out;
  const int rc = RunEsScript("stop", dir_, &out);
  if (rc != 0) {
    return ::testing::AssertionFailure()
           << "scripts/elasticsearch.sh stop failed (exit " << rc << "): " << out;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult EsCluster::Start() {
  std::string out;
  const int rc = RunEsScript("start", dir_, &out);
  if (rc != 0 || UrlFrom(out) != url_) {
    return ::testing::AssertionFailure() << "scripts/elasticsearch.sh start failed (exit " << rc
                                         << ", expected url=" << url_ << "): " << out;
  }
  return ::testing::AssertionSuccess();
}

// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): method, path, body: the HTTP order.
EsCluster::Answer EsCluster::Request(const std::string& method, const std::string& path,
                                     const std::string& body) const {
  Answer answer;
  const std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    answer.body = "curl_easy_init failed";
    return answer;
  }
  CURL* c = curl.get();
  const std::string url = url_ + path;
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error.data());
  if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || !body.empty()) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    answer.body = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
    return answer;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string EsCluster::EscapePath(const std::string& segment) {
  char* escaped = curl_easy_escape(nullptr, segment.data(), static_cast<int>(segment.size()));
  if (escaped == nullptr) return segment;
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

::testing::AssertionResult EsCluster::Refresh(const std::string& index) const {
  const Answer a = Request("POST", "/" + EscapePath(index) + "/_refresh");
  if (a.status != 200) {
    return ::testing::AssertionFailure()
           << "refresh " << index << ": HTTP " << a.status << " " << a.body;
  }
  return ::testing::AssertionSuccess();
}

int64_t EsCluster::Count(const std::string& index) const {
  const Answer a = Request("GET", "/" + EscapePath(index) + "/_count");
  if (a.status == 404) return 0;
  rapidjson::Document doc;
  doc.Parse(a.body.c_str());
  if (a.status != 200 || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("count") ||
      !doc["count"].IsInt64()) {
    ADD_FAILURE() << "count " << index << ": HTTP " << a.status << " " << a.body;
    return -1;
  }
  return doc["count"].GetInt64();
}

std::string EsCluster::Get(const std::string& index, const std::string& id) const {
  const Answer a = Request("GET", "/" + EscapePath(index) + "/_doc/" + EscapePath(id));
  // A missing document is 404 with "found": false; a missing index is 404
  // with an error instead.
  if (a.status == 200 || (a.status == 404 && a.body.find("\"found\"") != std::string::npos)) {
    return a.body;
  }
  ADD_FAILURE() << "get " << index << "/" << id << ": HTTP " << a.status << " " << a.body;
  return "";
}

std::string EsCluster::Search(const std::string& index, const std::string& query_json) const {
  const Answer a = Request("POST", "/" + EscapePath(index) + "/_search", query_json);
  if (a.status != 200) {
    ADD_FAILURE() << "search " << index << ": HTTP " << a.status << " " << a.body;
    return "";
  }
  return a.body;
}

std::vector<EsCluster::Hit> EsCluster::Scroll(const std::string& index,
                                              const std::string& query_json) const {
  std::vector<Hit> out;
  Answer answer = Request("POST", "/" + EscapePath(index) + "/_search?scroll=1m",
                          R"({"size":5000,"sort":["_doc"],"query":)" + query_json + "}");
  while (true) {
    rapidjson::Document d;
    d.Parse(answer.body.c_str());
    if (answer.status != 200 || !d.IsObject() || !d.HasMember("hits")) {
      ADD_FAILURE() << "search of " << index << " failed: " << answer.body.substr(0, 500);
      return out;
    }
    const auto& hits = d["hits"]["hits"];
    if (hits.Empty()) break;
    for (const auto& hit : hits.GetArray()) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      hit["_source"].Accept(w);
      out.push_back({hit["_id"].GetString(), std::string(buf.GetString(), buf.GetSize())});
    }
    answer = Request("POST", "/_search/scroll",
                     std::string(R"({"scroll":"1m","scroll_id":")") + d["_scroll_id"].GetString() +
                         "\"}");
  }
  return out;
}

::testing::AssertionResult EsCluster::DeleteIndex(const std::string& index) const {
  const Answer a = Request("DELETE", "/" + EscapePath(index));
  if (a.status != 200 && a.status != 404) {
    return ::testing::AssertionFailure()
           << "delete index " << index << ": HTTP " << a.status << " " << a.body;
  }
  return ::testing::AssertionSuccess();
}

void EsEnvironment::SetUp() { g_cluster = EsCluster::Start(&g_error); }
void EsEnvironment::TearDown() { g_cluster.reset(); }
EsCluster* EsEnvironment::Get() { return g_cluster.get(); }
const std::string& EsEnvironment::StartError() { return g_error; }

}  // namespace walcast::testing
