#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// A fake _bulk endpoint for the logic of several requests in flight: every
// connection (Connect) sends into one endpoint, which holds each request
// until the test releases it (by a text its body contains, or all of them),
// then answers each action 201, or 400 mapper_parsing_exception when its
// _id starts with "bad". Records every body in arrival order, and the most
// requests held at once. Thread-safe.
class GatedEndpoint {
 public:
  // One connection to the endpoint (a SharedBulkClient's TransportFactory).
  std::unique_ptr<HttpTransport> Connect();

  // Answers the held requests whose body contains `text`, and every later
  // one that does.
  void Release(const std::string& text);
  // Answers every request, held or to come.
  void ReleaseAll();

  // Waits until `count` requests are held at once; false after `timeout`.
  bool WaitHeld(size_t count, std::chrono::milliseconds timeout);
  // Waits until `count` requests have been answered; false after `timeout`.
  bool WaitAnswered(size_t count, std::chrono::milliseconds timeout);

  std::vector<std::string> bodies() const;
  size_t max_held() const;

 private:
  class Connection;

  HttpResponse Handle(std::string_view body);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> bodies_;
  std::vector<std::string> released_;
  bool release_all_ = false;
  size_t held_ = 0;
  size_t max_held_ = 0;
  size_t answered_ = 0;
};

}  // namespace walcast::sinks::elasticsearch
