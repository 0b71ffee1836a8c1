#include "tests/support/toxiproxy.h"

#include <httplib.h>

#include <chrono>

#include "tests/support/postgres_cluster.h"

namespace walcast::testing {

std::unique_ptr<Toxiproxy> Toxiproxy::Start(const std::string& dir, std::string* error) {
  std::string bin;
  const int rc = RunCommand(ShellQuote(SourcePath("scripts/toxiproxy.sh")) + " fetch", &bin);
  while (!bin.empty() && (bin.back() == '\n' || bin.back() == ' ')) bin.pop_back();
  if (rc != 0 || bin.empty()) {
    *error = "scripts/toxiproxy.sh fetch failed (exit " + std::to_string(rc) + ")";
    return nullptr;
  }
  const int port = FreeLoopbackPort();
  auto process = std::make_unique<ChildProcess>(
      std::vector<std::string>{bin, "-host", "127.0.0.1", "-port", std::to_string(port)},
      dir + "/toxiproxy.out", dir + "/toxiproxy.err");
  httplib::Client client("127.0.0.1", port);
  const bool up = PollUntil(
      [&] {
        auto res = client.Get("/version");
        return (res && res->status == 200) || !process->Running();
      },
      std::chrono::seconds(30));
  if (!up || !process->Running()) {
    *error = "toxiproxy-server did not answer: " + ReadFile(dir + "/toxiproxy.err");
    return nullptr;
  }
  return std::unique_ptr<Toxiproxy>(new Toxiproxy(std::move(process), port));
}

::testing::AssertionResult Toxiproxy::Call(const std::string& method, const std::string& path,
                                           const std::string& body) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  httplib::Result res =
      method == "DELETE" ? client.Delete(path) : client.Post(path, body, "application/json");
  if (!res) {
    return ::testing::AssertionFailure()
           << method << " " << path << ": " << httplib::to_string(res.error());
  }
  if (res->status / 100 != 2) {
    return ::testing::AssertionFailure()
           << method << " " << path << ": " << res->status << " " << res->body;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Toxiproxy::AddProxy(const std::string& name, int listen_port,
                                               int upstream_port) {
  return Call("POST", "/proxies",
              "{\"name\":\"" + name + "\",\"listen\":\"127.0.0.1:" + std::to_string(listen_port) +
                  "\",\"upstream\":\"127.0.0.1:" + std::to_string(upstream_port) +
                  "\",\"enabled\":true}");
}

::testing::AssertionResult Toxiproxy::AddToxic(const std::string& proxy, const std::string& toxic,
                                               const std::string& type, const std::string& stream,
                                               const std::string& attributes_json) {
  return Call("POST", "/proxies/" + proxy + "/toxics",
              "{\"name\":\"" + toxic + "\",\"type\":\"" + type + "\",\"stream\":\"" + stream +
                  "\",\"toxicity\":1.0,\"attributes\":" + attributes_json + "}");
}

::testing::AssertionResult Toxiproxy::RemoveToxic(const std::string& proxy,
                                                  const std::string& toxic) {
  return Call("DELETE", "/proxies/" + proxy + "/toxics/" + toxic, "");
}

}  // namespace walcast::testing
