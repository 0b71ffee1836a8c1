#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// An HttpTransport that answers from a script and records what it was sent,
// for the logic above HTTP (retries, detection, templates). Running out of
// script answers kInternal, which the tests see as a failure.
class ScriptedTransport : public HttpTransport {
 public:
  struct Request {
    HttpMethod method;
    std::string path;
    std::string body;
    ContentType type;
  };

  // Queues an answer with `status` and `body`.
  void Answer(long status, std::string body = "{}") {
    answers_.emplace_back(HttpResponse{status, std::move(body)});
  }
  // Queues a transport failure (no answer).
  void Fail(Status status) { answers_.emplace_back(std::move(status)); }

  using HttpTransport::Send;
  Result<HttpResponse> Send(HttpMethod method, std::string_view path, std::string_view body,
                            ContentType type) override {
    requests_.push_back(Request{method, std::string(path), std::string(body), type});
    if (answers_.empty()) return Status::Internal("script exhausted");
    Result<HttpResponse> next = std::move(answers_.front());
    answers_.pop_front();
    return next;
  }

  const std::vector<Request>& requests() const { return requests_; }
  size_t unanswered() const { return answers_.size(); }

 private:
  std::deque<Result<HttpResponse>> answers_;
  std::vector<Request> requests_;
};

}  // namespace walcast::sinks::elasticsearch
