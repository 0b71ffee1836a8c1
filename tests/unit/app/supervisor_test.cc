#include "app/supervisor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/pipeline_registry.h"
#include "core/config.h"

namespace walcast::app {
namespace {

using namespace std::chrono_literals;
using Code = Status::Code;

// The fake pipelines read their behaviour from their config's slot.name:
//   "good"      streams (reports progress) until stopped
//   "down"      fails with kUnavailable at every attempt
//   "bad"       refuses its configuration (kInvalidArgument) at once
//   "late-bad"  streams, then fails with kInvalidArgument once; then as "good"
//   "done"      ends by itself (OK) at once
class FakePipelines {
 public:
  Status Run(const Config& config, const std::atomic<bool>* stop, PipelineProgress* progress) {
    const std::string kind = config.GetString("slot.name");
    int attempt = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      attempt = ++attempts_[kind];
    }
    if (kind == "down") return Status::Unavailable("connection refused");
    if (kind == "bad") return Status::InvalidArgument("password authentication failed");
    if (kind == "done") return Status::Ok();
    progress->streaming.store(true);
    if (kind == "late-bad" && attempt == 1) return Status::InvalidArgument("refused later");
    while (!stop->load()) {
      progress->events.fetch_add(1);
      progress->watermark.store(progress->events.load() * 16);
      std::this_thread::sleep_for(1ms);
    }
    return Status::Ok();
  }

  int attempts(const std::string& kind) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[kind];
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> attempts_;
};

PipelineConfig Fake(const std::string& name, const std::string& kind) {
  return {name, Config::ForTest({{"slot.name", kind}})};
}

SupervisorOptions FastRetries() {
  SupervisorOptions options;
  options.backoff = {1ms, 5ms};
  options.poll = 1ms;
  return options;
}

// A supervisor of `pipelines` run by `fakes`, retrying within milliseconds.
Supervisor Supervise(FakePipelines* fakes, PipelineRegistry* registry,
                     std::vector<PipelineConfig> pipelines) {
  return Supervisor(
      std::move(pipelines), registry,
      [fakes](const std::string&, const Config& c, const std::atomic<bool>* s,
              PipelineProgress* p) { return fakes->Run(c, s, p); },
      FastRetries());
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

PipelineSnapshot Find(const PipelineRegistry& registry, const std::string& name) {
  for (const PipelineSnapshot& s : registry.Snapshot()) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no pipeline " << name;
  return {};
}

// Runs the supervisor on a thread; the test stops it through `stop`.
struct Running {
  Running(Supervisor* supervisor, std::atomic<bool>* stop)
      : thread([this, supervisor, stop] { result = supervisor->Run(stop); }) {}
  Status Join() {
    thread.join();
    return result;
  }
  Status result;
  std::thread thread;
};

TEST(SupervisorTest, FailingPipelineIsRetriedWhileTheOthersStream) {
  FakePipelines fakes;
  PipelineRegistry registry;
  Supervisor supervisor =
      Supervise(&fakes, &registry, {Fake("a", "good"), Fake("b", "down"), Fake("c", "good")});
  std::atomic<bool> stop{false};
  Running running(&supervisor, &stop);
  ASSERT_TRUE(PollUntil([&] { return fakes.attempts("down") >= 5; }));
  const uint64_t events_before = Find(registry, "a").events;
  ASSERT_TRUE(PollUntil([&] { return Find(registry, "a").events > events_before + 10; }))
      << "pipeline a did not go on streaming while b failed";
  EXPECT_EQ(Find(registry, "a").state, PipelineState::kRunning);
  EXPECT_EQ(Find(registry, "c").state, PipelineState::kRunning);
  const PipelineSnapshot b = Find(registry, "b");
  EXPECT_TRUE(b.state == PipelineState::kRetrying || b.state == PipelineState::kStarting);
  EXPECT_NE(b.last_error.find("unavailable"), std::string::npos) << b.last_error;
  EXPECT_GE(b.attempts, 5);
  EXPECT_EQ(fakes.attempts("good"), 2);  // a and c, once each

  stop.store(true);
  EXPECT_TRUE(running.Join().ok());
  for (const PipelineSnapshot& s : registry.Snapshot()) {
    EXPECT_EQ(s.state, PipelineState::kStopped) << s.name;
  }
  EXPECT_GT(Find(registry, "a").watermark, Lsn());
}

TEST(SupervisorTest, ConfigurationErrorAtFirstStartStopsEveryPipeline) {
  FakePipelines fakes;
  PipelineRegistry registry;
  Supervisor supervisor = Supervise(&fakes, &registry, {Fake("a", "good"), Fake("b", "bad")});
  std::atomic<bool> stop{false};  // never set: the supervisor stops by itself
  const Status status = supervisor.Run(&stop);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("'b'"), std::string::npos) << status.message();
  EXPECT_EQ(fakes.attempts("bad"), 1);
  EXPECT_EQ(Find(registry, "b").state, PipelineState::kFailed);
  EXPECT_EQ(Find(registry, "a").state, PipelineState::kStopped);
}

TEST(SupervisorTest, ConfigurationErrorAfterStreamingIsRetried) {
  FakePipelines fakes;
  PipelineRegistry registry;
  Supervisor supervisor = Supervise(&fakes, &registry, {Fake("a", "late-bad")});
  std::atomic<bool> stop{false};
  Running running(&supervisor, &stop);
  ASSERT_TRUE(PollUntil([&] {
    return Find(registry, "a").state == PipelineState::kRunning && fakes.attempts("late-bad") == 2;
  }));
  stop.store(true);
  EXPECT_TRUE(running.Join().ok());
  EXPECT_NE(Find(registry, "a").last_error.find("refused later"), std::string::npos);
}

TEST(SupervisorTest, PipelineThatEndsByItselfIsNotRetried) {
  FakePipelines fakes;
  PipelineRegistry registry;
  Supervisor supervisor = Supervise(&fakes, &registry, {Fake("a", "done"), Fake("b", "done")});
  std::atomic<bool> stop{false};
  EXPECT_TRUE(supervisor.Run(&stop).ok());
  EXPECT_EQ(fakes.attempts("done"), 2);
  EXPECT_EQ(Find(registry, "a").state, PipelineState::kStopped);
  EXPECT_EQ(Find(registry, "a").attempts, 1);
}

TEST(SupervisorTest, RetryWarningNamesThePipeline) {
  FakePipelines fakes;
  PipelineRegistry registry;
  Supervisor supervisor = Supervise(&fakes, &registry, {Fake("mosip_audit", "down")});
  std::atomic<bool> stop{false};
  ::testing::internal::CaptureStderr();
  Running running(&supervisor, &stop);
  const bool retried = PollUntil([&] { return fakes.attempts("down") >= 2; });
  stop.store(true);
  (void)running.Join();
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(retried);
  EXPECT_NE(err.find("pipeline failed; retrying pipeline=mosip_audit"), std::string::npos) << err;
}

TEST(PipelineRegistryTest, SnapshotReadsStateProgressAndLastError) {
  PipelineRegistry registry;
  const int a = registry.Add("a");
  const int b = registry.Add("b");
  PipelineProgress* progress = registry.BeginAttempt(a);
  EXPECT_EQ(registry.Snapshot()[0].state, PipelineState::kStarting);
  progress->streaming.store(true);
  progress->events.store(7);
  progress->watermark.store(0x16B3748);
  registry.BeginAttempt(b);
  registry.EndAttempt(b, PipelineState::kRetrying, "unavailable: down");
  const std::vector<PipelineSnapshot> s = registry.Snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].state, PipelineState::kRunning);
  EXPECT_EQ(s[0].events, 7u);
  EXPECT_EQ(s[0].watermark.ToString(), "0/16B3748");
  EXPECT_EQ(s[1].state, PipelineState::kRetrying);
  EXPECT_EQ(s[1].last_error, "unavailable: down");
  // A new attempt keeps the counters and the last error.
  registry.EndAttempt(a, PipelineState::kRetrying, "timeout: x");
  registry.BeginAttempt(a);
  EXPECT_EQ(registry.Snapshot()[0].state, PipelineState::kStarting);
  EXPECT_EQ(registry.Snapshot()[0].events, 7u);
  EXPECT_EQ(registry.Snapshot()[0].attempts, 2);
  EXPECT_EQ(registry.Snapshot()[0].last_error, "timeout: x");
  EXPECT_EQ(PipelineStateName(PipelineState::kRetrying), "retrying");
}

}  // namespace
}  // namespace walcast::app
