#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/process.h"

namespace walcast::testing {

// A Toxiproxy server (scripts/toxiproxy.sh builds it once from its Go
// module) on a free loopback port, for tests that put latency, bandwidth
// limits and connection resets between walcast and a server
// (docs/network-faults.md). Its HTTP API is driven with cpp-httplib.
// Killed on destruction. Thread: the test's main thread; calls block.
class Toxiproxy {
 public:
  // Builds the server if needed and starts it; nullptr and *error on failure.
  static std::unique_ptr<Toxiproxy> Start(const std::string& dir, std::string* error);
  ~Toxiproxy() = default;
  Toxiproxy(const Toxiproxy&) = delete;
  Toxiproxy& operator=(const Toxiproxy&) = delete;

  // A proxy `name` listening on 127.0.0.1:`listen_port`, forwarding to
  // 127.0.0.1:`upstream_port`.
  ::testing::AssertionResult AddProxy(const std::string& name, int listen_port, int upstream_port);
  // Adds toxic `toxic` of `type` (latency, bandwidth, reset_peer, ...) to
  // proxy `proxy` on `stream` ("upstream": towards the server, or
  // "downstream") with `attributes_json` (e.g. {"latency":500}).
  ::testing::AssertionResult AddToxic(const std::string& proxy, const std::string& toxic,
                                      const std::string& type, const std::string& stream,
                                      const std::string& attributes_json);
  ::testing::AssertionResult RemoveToxic(const std::string& proxy, const std::string& toxic);

 private:
  Toxiproxy(std::unique_ptr<ChildProcess> process, int port)
      : process_(std::move(process)), port_(port) {}
  ::testing::AssertionResult Call(const std::string& method, const std::string& path,
                                  const std::string& body);

  std::unique_ptr<ChildProcess> process_;
  int port_;
};

}  // namespace walcast::testing
