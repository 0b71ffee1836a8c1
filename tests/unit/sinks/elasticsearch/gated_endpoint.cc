#include "tests/unit/sinks/elasticsearch/gated_endpoint.h"

#include <algorithm>

namespace walcast::sinks::elasticsearch {

class GatedEndpoint::Connection : public HttpTransport {
 public:
  explicit Connection(GatedEndpoint* endpoint) : endpoint_(endpoint) {}
  using HttpTransport::Send;
  Result<HttpResponse> Send(HttpMethod /*method*/, std::string_view path, std::string_view body,
                            ContentType /*type*/) override {
    if (!path.starts_with("/_bulk")) return Status::Internal("gated endpoint: only _bulk");
    return endpoint_->Handle(body);
  }

 private:
  GatedEndpoint* endpoint_;
};

std::unique_ptr<HttpTransport> GatedEndpoint::Connect() {
  return std::make_unique<Connection>(this);
}

void GatedEndpoint::Release(const std::string& text) {
  std::lock_guard lock(mu_);
  released_.push_back(text);
  changed_.notify_all();
}

void GatedEndpoint::ReleaseAll() {
  std::lock_guard lock(mu_);
  release_all_ = true;
  changed_.notify_all();
}

bool GatedEndpoint::WaitHeld(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return held_ >= count; });
}

bool GatedEndpoint::WaitAnswered(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return answered_ >= count; });
}

std::vector<std::string> GatedEndpoint::bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

size_t GatedEndpoint::max_held() const {
  std::lock_guard lock(mu_);
  return max_held_;
}

HttpResponse GatedEndpoint::Handle(std::string_view body) {
  std::unique_lock lock(mu_);
  bodies_.emplace_back(body);
  ++held_;
  max_held_ = std::max(max_held_, held_);
  changed_.notify_all();
  changed_.wait(lock, [&] {
    return release_all_ || std::any_of(released_.begin(), released_.end(), [&](const auto& t) {
             return body.find(t) != std::string_view::npos;
           });
  });
  --held_;
  ++answered_;
  changed_.notify_all();
  // One item per action line: {"index":…} or {"delete":…} (sources follow
  // index lines).
  std::string items;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(start, end - start);
    const bool index = line.starts_with(R"({"index":)");
    const bool remove = line.starts_with(R"({"delete":)");
    if (index || remove) {
      const char* op = index ? "index" : "delete";
      if (!items.empty()) items += ",";
      if (line.find(R"("_id":"bad)") != std::string_view::npos) {
        items += std::string(R"({")") + op +
                 R"(":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"no"}}})";
      } else {
        items += std::string(R"({")") + op + R"(":{"status":201}})";
      }
      if (index) end = body.find('\n', end + 1);  // the source line
      if (end == std::string_view::npos) end = body.size();
    }
    start = end + 1;
  }
  return HttpResponse{200, R"({"errors":false,"items":[)" + items + "]}"};
}

}  // namespace walcast::sinks::elasticsearch
