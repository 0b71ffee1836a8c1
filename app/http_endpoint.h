#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/telemetry_figures.h"
#include "core/status.h"

namespace httplib {
class Server;
}

namespace walcast::app {

// Whether walcast is ready for traffic (/readyz), with the reason when not.
struct Readiness {
  bool ready = false;
  std::string reason;
};

// Ready when there is at least one pipeline and every pipeline is
// snapshotting or streaming with every sink healthy; otherwise the first
// reason found, naming the pipeline (and sink).
Readiness ReadinessOf(const std::vector<PipelineFigures>& pipelines);

// The status document the page polls (/status.json): every pipeline's
// figures plus `now_ms`, as one JSON object (docs/operations.md).
std::string StatusJson(const std::vector<PipelineFigures>& pipelines);

// Events per second of each pipeline, from the event totals of successive
// reads: the rate over the span back to the newest sample at least
// `window` old (or the oldest kept, when none is that old). Samples older
// than 10 windows are dropped. Thread-safe.
class EventRate {
 public:
  explicit EventRate(std::chrono::milliseconds window = std::chrono::seconds(1))
      : window_(window) {}
  // Records each pipeline's total at `now` and sets its events_per_second.
  void Update(std::chrono::steady_clock::time_point now, std::vector<PipelineFigures>* pipelines);

 private:
  std::chrono::milliseconds window_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>>>
      samples_;
};

// A POST route a command adds (e.g. POST /exhaust, app/exhaust_http.h): the
// handler gets the body and returns the status code and a JSON body. Runs
// on the endpoint's worker threads; must be thread-safe.
struct HttpPostRoute {
  std::string path;
  std::function<std::pair<int, std::string>(const std::string& body)> handler;
};
// The URL `walcast probe` GETs for a configuration without one: `path` on
// the endpoint http.bind and http.port serve, reached over loopback when
// bound to every interface (0.0.0.0, ::). kInvalidArgument, naming
// http.port, when the endpoint is off (port 0).
Result<std::string> ProbeUrl(const std::string& bind, int64_t port, const std::string& path);

struct HttpEndpointOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: any free port (tests); see HttpEndpoint::port()
};

// walcast's HTTP endpoint (http.port), served by cpp-httplib on a thread
// of its own with a small worker pool:
//   GET /healthz      200 "ok" while the process runs
//   GET /readyz       200 or 503 with {"ready":..,"reason":..}
//   GET /metrics      Prometheus text format (RenderPrometheus)
//   GET /status.json  StatusJson
//   GET /             the status page (HTML, assets embedded in the binary)
//   POST <path>       each of Start's post_routes (e.g. /exhaust)
// `figures` is called on the endpoint's threads for every request; it must
// be thread-safe and return quickly.
class HttpEndpoint {
 public:
  using FiguresFn = std::function<std::vector<PipelineFigures>()>;

  // Binds and starts serving, with `post_routes` beside the routes above.
  // kInvalidArgument when the address cannot be bound (in use, not local),
  // naming it.
  static Result<std::unique_ptr<HttpEndpoint>> Start(const HttpEndpointOptions& options,
                                                     FiguresFn figures,
                                                     std::vector<HttpPostRoute> post_routes = {});
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const { return port_; }

 private:
  HttpEndpoint() = default;

  EventRate rate_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace walcast::app
