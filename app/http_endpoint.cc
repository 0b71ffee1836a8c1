#include "app/http_endpoint.h"

#include <httplib.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <tuple>

#include "app/prometheus_text.h"
#include "app/status_page.h"
#include "core/json_writer.h"
#include "core/log.h"

namespace walcast::app {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A sink's figures; only those it keeps (SinkCounters::reported).
void WriteSink(Writer& w, const SinkFigures& s) {
  using C = SinkCounters;
  const C& c = s.counters;
  w.StartObject();
  json::Key(w, "name");
  json::String(w, s.name);
  for (const auto& [key, figure, value] : {std::tuple{"in_flight", C::kInFlight, c.in_flight},
                                           {"queued", C::kQueued, c.queued},
                                           {"acked", C::kAcked, c.acked},
                                           {"retried", C::kRetried, c.retried},
                                           {"failed", C::kFailed, c.failed},
                                           {"dead_lettered", C::kDeadLettered, c.dead_lettered}}) {
    if (!c.Reports(figure)) continue;
    w.Key(key);
    w.Uint64(value);
  }
  w.Key("problem");
  json::String(w, c.problem);
  w.EndObject();
}

void WriteEventsAndSnapshot(Writer& w, const PipelineFigures& p) {
  w.Key("events");
  w.StartArray();
  for (const auto& [key, n] : p.events) {
    w.StartObject();
    w.Key("table");
    json::String(w, key.first);
    w.Key("op");
    w.String(OperationName(key.second));
    w.Key("count");
    w.Uint64(n);
    w.EndObject();
  }
  w.EndArray();
  w.Key("snapshot");
  w.StartArray();
  for (const auto& [table, t] : p.snapshot) {
    w.StartObject();
    w.Key("table");
    json::String(w, table);
    w.Key("rows_read");
    w.Uint64(t.rows_read);
    if (t.rows_expected) {
      w.Key("rows_expected");
      w.Uint64(*t.rows_expected);
    }
    w.EndObject();
  }
  w.EndArray();
}

// The recent problems, newest first (reasons hold no row value: Problem).
void WriteProblems(Writer& w, const std::vector<Problem>& problems) {
  w.Key("problems");
  w.StartArray();
  for (const Problem& problem : problems) {
    w.StartObject();
    w.Key("unix_ms");
    w.Int64(problem.unix_ms);
    w.Key("sink");
    json::String(w, problem.sink);
    w.Key("kind");
    json::String(w, problem.kind);
    w.Key("reason");
    json::String(w, problem.reason);
    w.Key("repeats");
    w.Uint64(problem.repeats);
    w.EndObject();
  }
  w.EndArray();
}

// The metrics' figures (absent without metrics).
void WriteMetricState(Writer& w, const MetricStateFigures& m) {
  w.Key("metrics");
  w.StartObject();
  w.Key("bad_profiles");
  w.Uint64(m.bad_profiles);
  w.Key("state_commits");
  w.Uint64(m.commits);
  w.Key("last_commit_seconds");
  w.Double(m.last_commit_seconds);
  w.Key("top");
  w.StartArray();
  for (const MetricStateFigures::Top& top : m.top) {
    w.StartObject();
    w.Key("metric");
    json::String(w, top.metric);
    w.Key("total");
    w.Int64(top.total);
    w.Key("buckets");
    w.Uint64(top.buckets);
    w.Key("largest_bucket");
    w.Int64(top.largest_bucket);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WritePipeline(Writer& w, const PipelineFigures& p) {
  w.StartObject();
  for (const auto& [key, value] : {std::pair{"name", &p.name}, {"database", &p.database},
                                   {"slot", &p.slot}, {"state", &p.state},
                                   {"last_error", &p.last_error}}) {
    w.Key(key);
    json::String(w, *value);
  }
  uint64_t events = 0;
  for (const auto& [key, n] : p.events) events += n;
  for (const auto& [key, value] : {std::pair{"events_total", events},
                                   {"transactions", p.transactions},
                                   {"received_bytes", p.received_bytes},
                                   {"reconnects", p.reconnects},
                                   {"watermark_lsn", p.watermark_lsn},
                                   {"confirmed_flush_lsn", p.confirmed_flush_lsn},
                                   {"server_wal_end_lsn", p.server_wal_end_lsn},
                                   {"lag_bytes", p.lag_bytes()}}) {
    w.Key(key);
    w.Uint64(value);
  }
  w.Key("lag_seconds");
  w.Double(p.lag_seconds);
  w.Key("events_per_second");
  w.Double(p.events_per_second);
  w.Key("ack_latency_count");
  w.Uint64(p.ack_latency.count);
  w.Key("ack_latency_sum_seconds");
  w.Double(p.ack_latency.sum_seconds);
  w.Key("sinks");
  w.StartArray();
  for (const SinkFigures& s : p.sinks) WriteSink(w, s);
  w.EndArray();
  WriteEventsAndSnapshot(w, p);
  WriteProblems(w, p.problems);
  if (p.metric_state) WriteMetricState(w, *p.metric_state);
  w.EndObject();
}

}  // namespace

void EventRate::Update(std::chrono::steady_clock::time_point now,
                       std::vector<PipelineFigures>* pipelines) {
  std::lock_guard lock(mu_);
  for (PipelineFigures& p : *pipelines) {
    uint64_t total = 0;
    for (const auto& [key, n] : p.events) total += n;
    auto& samples = samples_[p.name];
    while (!samples.empty() && now - samples.front().first > 10 * window_) samples.pop_front();
    // A restarted attempt counts from zero again: start over.
    if (!samples.empty() && samples.back().second > total) samples.clear();
    const std::pair<std::chrono::steady_clock::time_point, uint64_t>* base = nullptr;
    for (const auto& sample : samples) {
      if (now - sample.first >= window_ || base == nullptr) base = &sample;
      if (now - sample.first < window_) break;
    }
    if (base != nullptr && now > base->first) {
      p.events_per_second = static_cast<double>(total - base->second) /
                            std::chrono::duration<double>(now - base->first).count();
    }
    samples.emplace_back(now, total);
  }
}

Result<std::string> ProbeUrl(const std::string& bind, int64_t port, const std::string& path) {
  if (port <= 0) {
    return Status::InvalidArgument(
        "config key 'http.port' is 0 (the endpoint is off): set it, or give probe a URL");
  }
  std::string host = bind;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + path;
}

Readiness ReadinessOf(const std::vector<PipelineFigures>& pipelines) {
  if (pipelines.empty()) return {false, "no pipeline is running yet"};
  for (const PipelineFigures& p : pipelines) {
    if (p.state != "streaming" && p.state != "snapshotting") {
      std::string reason = "pipeline " + p.name + " is " + p.state;
      if (!p.last_error.empty()) reason += ": " + p.last_error;
      return {false, reason};
    }
    for (const SinkFigures& s : p.sinks) {
      if (!s.counters.problem.empty()) {
        return {false, "pipeline " + p.name + ", sink " + s.name + ": " + s.counters.problem};
      }
    }
  }
  return {true, {}};
}

std::string StatusJson(const std::vector<PipelineFigures>& pipelines) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("now_ms");
  w.Int64(std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
  const Readiness ready = ReadinessOf(pipelines);
  w.Key("ready");
  w.Bool(ready.ready);
  w.Key("reason");
  json::String(w, ready.reason);
  w.Key("pipelines");
  w.StartArray();
  for (const PipelineFigures& p : pipelines) WritePipeline(w, p);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(const HttpEndpointOptions& options,
                                                          FiguresFn figures,
                                                          std::vector<HttpPostRoute> post_routes) {
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  auto server = std::make_unique<httplib::Server>();
  // Probes and one scraper: two workers are plenty, and keep the thread
  // count small beside the pipelines.
  server->new_task_queue = [] { return new httplib::ThreadPool(2); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which
  // would let a second walcast share the port instead of failing.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_read_timeout(std::chrono::seconds(5));
  server->set_write_timeout(std::chrono::seconds(5));
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server->Get("/readyz", [figures](const httplib::Request&, httplib::Response& res) {
    const Readiness r = ReadinessOf(figures());
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("ready");
    w.Bool(r.ready);
    w.Key("reason");
    json::String(w, r.reason);
    w.EndObject();
    res.status = r.ready ? 200 : 503;
    res.set_content(std::string(buffer.GetString(), buffer.GetSize()) + "\n",
                    "application/json");
  });
  server->Get("/metrics", [figures](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderPrometheus(figures()), "text/plain; version=0.0.4; charset=utf-8");
  });
  EventRate* rate = &endpoint->rate_;
  server->Get("/status.json", [figures, rate](const httplib::Request&, httplib::Response& res) {
    std::vector<PipelineFigures> pipelines = figures();
    rate->Update(std::chrono::steady_clock::now(), &pipelines);
    res.set_header("Cache-Control", "no-store");
    res.set_content(StatusJson(pipelines), "application/json");
  });
  server->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kStatusPageHtml, "text/html; charset=utf-8");
  });
  for (const HttpPostRoute& route : post_routes) {
    auto handler = route.handler;
    server->Post(route.path, [handler](const httplib::Request& req, httplib::Response& res) {
      auto [status, body] = handler(req.body);
      res.status = status;
      res.set_content(body + "\n", "application/json");
    });
  }
  int port = options.port;
  if (port == 0) {
    port = server->bind_to_any_port(options.bind);
    if (port < 0) port = 0;
  } else if (!server->bind_to_port(options.bind, port)) {
    port = 0;
  }
  if (port == 0) {
    return Status::InvalidArgument("http: cannot listen on " + options.bind + ":" +
                                   std::to_string(options.port) +
                                   " (address in use or not local?)");
  }
  endpoint->port_ = port;
  httplib::Server* raw = server.get();
  endpoint->server_ = std::move(server);
  endpoint->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() only stops a server that is running: wait until it is, so that a
  // destructor right after Start() cannot miss it.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  log::Info("http endpoint listening", {{"bind", options.bind}, {"port", port}});
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace walcast::app
