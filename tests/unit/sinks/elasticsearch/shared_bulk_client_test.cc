#include "sinks/elasticsearch/shared_bulk_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sinks/elasticsearch/bulk_client_pool.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "tests/unit/sinks/elasticsearch/gated_endpoint.h"

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWait(10000);

// The order in which `done` callbacks ran, and their statuses. Thread-safe.
class DoneLog {
 public:
  std::function<void(const Status&)> Record(int job) {
    return [this, job](const Status& status) {
      std::lock_guard lock(mu_);
      jobs_.push_back(job);
      codes_.push_back(status.code());
      ran_.notify_all();
    };
  }
  std::vector<int> jobs() const {
    std::lock_guard lock(mu_);
    return jobs_;
  }
  std::vector<Status::Code> codes() const {
    std::lock_guard lock(mu_);
    return codes_;
  }
  // Whether `count` callbacks ran before `timeout`.
  bool WaitFor(size_t count, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return ran_.wait_for(lock, timeout, [&] { return jobs_.size() >= count; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable ran_;
  std::vector<int> jobs_;
  std::vector<Status::Code> codes_;
};

// A job indexing `ids` in index "i", each with `version`.
BulkJob Job(const std::vector<std::string>& ids, int64_t version,
            std::function<void(const Status&)> done) {
  BulkRequestBuilder builder({}, VersionType::kExternalGte);
  BulkJob job;
  for (const std::string& id : ids) {
    EXPECT_TRUE(builder.Index("i", id, R"({"v":1})", version).ok());
    job.origins.push_back({"public.t", id, Lsn(static_cast<uint64_t>(version))});
  }
  job.request = builder.Take();
  job.done = std::move(done);
  return job;
}

BulkWorkerOptions Options(const std::string& dead_letter_index = "dlq") {
  BulkWorkerOptions options;
  options.dead_letter_index = dead_letter_index;
  options.client.backoff.initial = milliseconds(1);
  options.client.backoff.max = milliseconds(2);
  options.max_queued = 8;
  return options;
}

std::shared_ptr<SharedBulkClient> Connect(GatedEndpoint* endpoint, size_t connections) {
  Result<std::shared_ptr<SharedBulkClient>> client = SharedBulkClient::Create(
      connections,
      [endpoint]() -> Result<std::unique_ptr<HttpTransport>> { return endpoint->Connect(); });
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? *client : nullptr;
}

TEST(SharedBulkClientTest, RequestsOverlapButDoneRunsInSubmissionOrder) {
  GatedEndpoint endpoint;
  BulkWorker worker(Connect(&endpoint, 2), Options());
  DoneLog done;
  ASSERT_TRUE(worker.Submit(Job({"a"}, 10, done.Record(1))).ok());
  ASSERT_TRUE(worker.Submit(Job({"b"}, 20, done.Record(2))).ok());
  // Both are in flight at once.
  ASSERT_TRUE(endpoint.WaitHeld(2, kWait));
  // The second finishes first; its `done` waits for the first's.
  endpoint.Release(R"("_id":"b")");
  ASSERT_TRUE(endpoint.WaitAnswered(1, kWait));
  EXPECT_EQ(worker.Drain(milliseconds(50)).code(), Status::Code::kTimeout);
  EXPECT_TRUE(done.jobs().empty());
  endpoint.Release(R"("_id":"a")");
  ASSERT_TRUE(worker.Drain(kWait).ok());
  EXPECT_EQ(done.jobs(), (std::vector<int>{1, 2}));
  EXPECT_EQ(worker.stats().max_in_flight_jobs, 2u);
  EXPECT_EQ(worker.stats().items, 2u);
}

TEST(SharedBulkClientTest, ChangeOfOneDocumentAtOneVersionWaitsForTheEarlierRequest) {
  // One transaction cut into two requests, both changing row "a": the
  // second must not be sent before the first is durable.
  GatedEndpoint endpoint;
  BulkWorker worker(Connect(&endpoint, 2), Options());
  DoneLog done;
  ASSERT_TRUE(worker.Submit(Job({"a", "first"}, 10, done.Record(1))).ok());
  ASSERT_TRUE(worker.Submit(Job({"a", "second"}, 10, done.Record(2))).ok());
  ASSERT_TRUE(endpoint.WaitHeld(1, kWait));
  // A free connection does not take the second meanwhile.
  EXPECT_FALSE(endpoint.WaitHeld(2, milliseconds(200)));
  endpoint.ReleaseAll();
  ASSERT_TRUE(worker.Drain(kWait).ok());
  const std::vector<std::string> bodies = endpoint.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[0].find("first"), std::string::npos);
  EXPECT_NE(bodies[1].find("second"), std::string::npos);
  EXPECT_EQ(endpoint.max_held(), 1u);
  EXPECT_EQ(done.jobs(), (std::vector<int>{1, 2}));
}

TEST(SharedBulkClientTest, WorkersSharingAClientKeepTheirOwnDeadLettersAndFailures) {
  GatedEndpoint endpoint;
  endpoint.ReleaseAll();
  std::shared_ptr<SharedBulkClient> client = Connect(&endpoint, 2);
  // `a` dead-letters what the server refuses; `b` has no dead-letter index,
  // so a refused document stops it, and only it.
  BulkWorker a(client, Options("a.dlq"));
  BulkWorker b(client, Options(""));
  EXPECT_EQ(client->workers(), 2u);
  DoneLog done_a;
  DoneLog done_b;
  ASSERT_TRUE(a.Submit(Job({"bad-1", "ok-1"}, 10, done_a.Record(1))).ok());
  ASSERT_TRUE(b.Submit(Job({"bad-2"}, 10, done_b.Record(1))).ok());
  ASSERT_TRUE(a.Drain(kWait).ok());
  EXPECT_EQ(b.Drain(kWait).code(), Status::Code::kFatal);
  // Drain returns at the failure; the failed job's `done` runs just after.
  ASSERT_TRUE(done_b.WaitFor(1, kWait));
  EXPECT_EQ(done_a.codes(), (std::vector<Status::Code>{Status::Code::kOk}));
  EXPECT_EQ(done_b.codes(), (std::vector<Status::Code>{Status::Code::kFatal}));
  EXPECT_EQ(a.stats().dead_letters, 1u);
  EXPECT_EQ(a.stats().items, 1u);
  EXPECT_EQ(b.stats().items, 0u);
  // The dead letter went to a's index, with a's origin.
  bool lettered = false;
  for (const std::string& body : endpoint.bodies()) {
    if (body.find(R"("_index":"a.dlq")") != std::string::npos) {
      lettered = true;
      EXPECT_NE(body.find(R"("key":"bad-1")"), std::string::npos) << body;
      EXPECT_EQ(body.find("bad-2"), std::string::npos) << body;
    }
  }
  EXPECT_TRUE(lettered);
  // `a` goes on after `b` failed.
  EXPECT_EQ(b.Submit(Job({"ok-3"}, 20, done_b.Record(2))).code(), Status::Code::kFatal);
  ASSERT_TRUE(a.Submit(Job({"ok-2"}, 20, done_a.Record(2))).ok());
  ASSERT_TRUE(a.Drain(kWait).ok());
  EXPECT_EQ(done_a.jobs(), (std::vector<int>{1, 2}));
  EXPECT_EQ(a.stats().items, 2u);
}

TEST(SharedBulkClientTest, OneWorkersBacklogDoesNotHoldUpAnother) {
  // `a`'s requests are held by the server; `b`'s get a connection anyway.
  GatedEndpoint endpoint;
  std::shared_ptr<SharedBulkClient> client = Connect(&endpoint, 2);
  BulkWorker a(client, Options());
  BulkWorker b(client, Options());
  DoneLog done;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.Submit(Job({"a" + std::to_string(i)}, 10 + i, done.Record(i))).ok());
  }
  ASSERT_TRUE(endpoint.WaitHeld(2, kWait));  // a holds both connections
  ASSERT_TRUE(b.Submit(Job({"b0"}, 10, done.Record(100))).ok());
  endpoint.Release(R"("_id":"b0")");
  endpoint.Release(R"("_id":"a0")");
  // a0 ends, and its connection goes to b before a's next request.
  ASSERT_TRUE(b.Drain(kWait).ok());
  EXPECT_EQ(done.jobs().back(), 100);
  endpoint.ReleaseAll();
  ASSERT_TRUE(a.Drain(kWait).ok());
  EXPECT_EQ(a.stats().items, 5u);
}

TEST(SharedBulkClientTest, StoppingOneWorkerLeavesTheOthersRunning) {
  GatedEndpoint endpoint;
  std::shared_ptr<SharedBulkClient> client = Connect(&endpoint, 1);
  auto a = std::make_unique<BulkWorker>(client, Options());
  BulkWorker b(client, Options());
  DoneLog done;
  ASSERT_TRUE(a->Submit(Job({"a0"}, 10, done.Record(1))).ok());
  ASSERT_TRUE(endpoint.WaitHeld(1, kWait));
  ASSERT_TRUE(b.Submit(Job({"b0"}, 10, done.Record(2))).ok());
  endpoint.ReleaseAll();
  a.reset();  // waits for its request in flight, then detaches
  EXPECT_EQ(client->workers(), 1u);
  ASSERT_TRUE(b.Drain(kWait).ok());
  EXPECT_EQ(done.jobs().back(), 2);
}

TEST(BulkClientPoolTest, SameKeySharesOneClientWhileItLives) {
  GatedEndpoint endpoint;
  BulkClientPool pool;
  const TransportFactory make = [&endpoint]() -> Result<std::unique_ptr<HttpTransport>> {
    return endpoint.Connect();
  };
  Result<std::shared_ptr<SharedBulkClient>> first = pool.Get("k", 2, make);
  Result<std::shared_ptr<SharedBulkClient>> second = pool.Get("k", 2, make);
  Result<std::shared_ptr<SharedBulkClient>> other = pool.Get("other", 1, make);
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_NE(first->get(), other->get());
  EXPECT_EQ((*first)->connections(), 2u);
  EXPECT_EQ(pool.created(), 2u);
  first->reset();
  second->reset();
  EXPECT_EQ(pool.alive(), 1u);
  ASSERT_TRUE(pool.Get("k", 2, make).ok());
  EXPECT_EQ(pool.created(), 3u);
}

TEST(BulkClientPoolTest, FailedCreationIsNotRemembered) {
  BulkClientPool pool;
  int calls = 0;
  const TransportFactory failing = [&calls]() -> Result<std::unique_ptr<HttpTransport>> {
    ++calls;
    return Status::InvalidArgument("bad URL");
  };
  EXPECT_EQ(pool.Get("k", 2, failing).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(pool.Get("k", 2, failing).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(pool.created(), 0u);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
