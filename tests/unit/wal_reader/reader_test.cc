#include "wal_reader/reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ack_tracker.h"
#include "core/pipeline.h"
#include "tests/support/recording_sink.h"
#include "tests/unit/wal_reader/fake_replication_stream.h"

// Drives the reader's loop with a scripted server (fake_replication_stream.h):
// keepalives, the idle advance, reconnects with backoff, replays and stops,
// as docs/design.md ("The checkpoint protocol") describes them.

namespace walcast::wal_reader {
namespace {

using std::chrono::milliseconds;
using testing::FakeReplicationServer;
using Observed = FakeReplicationServer::Observed;
using testing::StatusUpdate;

const Lsn kSlotStart(0x1000);

// Returns kReplay from the commit of the transaction ending at `lsn`, once,
// as the Kafka sink does when librdkafka failed deliveries it had accepted.
class ReplayOnceSink : public walcast::testing::RecordingSink {
 public:
  explicit ReplayOnceSink(Lsn lsn) : lsn_(lsn) {}
  Status OnCommit(const TransactionInfo& txn) override {
    if (txn.end_lsn == lsn_ && !replayed_.exchange(true)) {
      OnReset();
      return Status::Replay("deliveries failed");
    }
    return RecordingSink::OnCommit(txn);
  }
  int rewinds() const { return rewinds_.load(); }
  void OnRewind() override { rewinds_.fetch_add(1); }

 private:
  Lsn lsn_;
  std::atomic<bool> replayed_{false};
  std::atomic<int> rewinds_{0};
};

class ReaderTest : public ::testing::Test {
 protected:
  ReaderTest() : tracker_(kSlotStart), pipeline_(&tracker_) {}

  void TearDown() override {
    if (run_.valid()) (void)Stop();
  }

  // Uses `sink` (or a RecordingSink) as the only sink and runs the reader on
  // another thread. Status updates are due every hour, so the only ones sent
  // are the first of each connection, answers to keepalives and the last.
  void StartReader(ReaderOptions options = {},
                   std::unique_ptr<walcast::testing::RecordingSink> sink = nullptr) {
    if (!sink) sink = std::make_unique<walcast::testing::RecordingSink>();
    sink_ = sink.get();
    pipeline_.AddSink(std::move(sink));
    options.slot = "slot";
    options.status_interval = std::chrono::hours(1);
    options.backoff_initial = milliseconds(100);
    options.backoff_max = milliseconds(250);
    ReaderHooks hooks;
    hooks.connect = server_.Connector();
    hooks.wait = [this](milliseconds d) {
      std::lock_guard lock(mu_);
      waits_.push_back(d);
    };
    hooks.random = [] { return 1.0; };  // every wait is the backoff's ceiling
    reader_ = std::make_unique<Reader>(std::move(options), &pipeline_, &tracker_, nullptr, &stop_,
                                       std::move(hooks));
    run_ = std::async(std::launch::async, [this] { return reader_->Run(); });
  }

  // Waits for Run() to return on its own.
  Status RunResult() {
    if (run_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "the reader did not stop on its own";
      stop_.store(true);
    }
    return run_.get();
  }
  Status Stop() {
    stop_.store(true);
    return run_.get();
  }

  std::vector<milliseconds> waits() {
    std::lock_guard lock(mu_);
    return waits_;
  }

  bool WaitFor(const std::function<bool(const Observed&)>& pred) { return server_.WaitFor(pred); }
  // Queues a keepalive asking for a reply and waits for the answer, which
  // comes after every frame queued before it; returns that status update.
  StatusUpdate AskForStatus(Lsn wal_end) {
    // The connection's first update goes out before any frame is read.
    EXPECT_TRUE(WaitFor([](const Observed& o) { return !o.statuses.empty(); }));
    const size_t before = server_.observed().statuses.size();
    server_.PushKeepalive(wal_end, /*reply_requested=*/true);
    EXPECT_TRUE(WaitFor([&](const Observed& o) { return o.statuses.size() > before; }));
    const Observed o = server_.observed();
    return o.statuses.empty() ? StatusUpdate{} : o.statuses.back();
  }

  FakeReplicationServer server_;
  AckTracker tracker_;
  Pipeline pipeline_;
  walcast::testing::RecordingSink* sink_ = nullptr;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Reader> reader_;
  std::future<Status> run_;
  std::mutex mu_;
  std::vector<milliseconds> waits_;
};

TEST_F(ReaderTest, StartsAtSlotPositionAndConfirmsItAtOnce) {
  StartReader();
  ASSERT_TRUE(WaitFor([](const Observed& o) { return !o.statuses.empty(); }));
  const Observed o = server_.observed();
  ASSERT_EQ(o.starts.size(), 1u);
  EXPECT_EQ(o.starts[0], kSlotStart);
  EXPECT_EQ(o.statuses[0].flush, kSlotStart);
  EXPECT_EQ(o.statuses[0].write, kSlotStart);
}

TEST_F(ReaderTest, KeepaliveAskingForReplyIsAnsweredAtOnce) {
  StartReader();
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.statuses.size() == 1; }));
  // Not beyond the watermark: only the reply itself is under test.
  const StatusUpdate reply = AskForStatus(kSlotStart);
  EXPECT_EQ(reply.flush, kSlotStart);
  EXPECT_EQ(server_.observed().statuses.size(), 2u);
  EXPECT_EQ(reader_->stats().keepalives.load(), 1u);
}

TEST_F(ReaderTest, IdleKeepaliveAdvancesWatermarkToServerWalEnd) {
  StartReader();
  server_.PushKeepalive(Lsn(0x5000), /*reply_requested=*/false);
  const StatusUpdate reply = AskForStatus(Lsn(0x5000));
  EXPECT_EQ(reply.flush, Lsn(0x5000));
  EXPECT_EQ(reply.write, Lsn(0x5000));
  EXPECT_EQ(tracker_.watermark(), Lsn(0x5000));
}

TEST_F(ReaderTest, KeepaliveInsideTransactionDoesNotAdvance) {
  StartReader();
  server_.PushOpenTransaction(700, Lsn(0x2000), "1");
  EXPECT_EQ(AskForStatus(Lsn(0x5000)).flush, kSlotStart);
  EXPECT_EQ(tracker_.watermark(), kSlotStart);

  // Committed and acknowledged: the next keepalive may move it.
  server_.PushData(Lsn(0x2040), testing::CommitMessage(Lsn(0x2000), Lsn(0x2040)));
  EXPECT_EQ(AskForStatus(Lsn(0x5000)).flush, Lsn(0x5000));
  ASSERT_EQ(sink_->commits().size(), 1u);
  EXPECT_EQ(sink_->commits()[0].end_lsn, Lsn(0x2040));
}

TEST_F(ReaderTest, KeepaliveWithUnacknowledgedTransactionDoesNotAdvance) {
  StartReader();
  sink_->set_ack(false);
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  const StatusUpdate reply = AskForStatus(Lsn(0x5000));
  EXPECT_EQ(reply.flush, kSlotStart);
  EXPECT_EQ(reply.write, Lsn(0x2040));  // received, not yet durable
  EXPECT_EQ(tracker_.watermark(), kSlotStart);
}

TEST_F(ReaderTest, StopFlushesConfirmsWatermarkAndEndsStream) {
  StartReader();
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  ASSERT_TRUE(sink_->WaitForCount(1, std::chrono::seconds(10)));
  EXPECT_EQ(Stop().code(), Status::Code::kOk);
  const Observed o = server_.observed();
  EXPECT_EQ(o.finishes, 1);
  ASSERT_FALSE(o.statuses.empty());
  EXPECT_EQ(o.statuses.back().flush, Lsn(0x2040));
}

TEST_F(ReaderTest, StopAtReturnsOnceWatermarkReachesIt) {
  ReaderOptions options;
  options.stop_at = Lsn(0x2040);
  StartReader(options);
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  EXPECT_EQ(RunResult().code(), Status::Code::kOk);
  EXPECT_EQ(server_.observed().finishes, 1);
}

TEST_F(ReaderTest, ServerEndingStreamReconnectsAfterLastTrackedTransaction) {
  StartReader();
  sink_->set_ack(false);
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  // What LibpqReplicationStream::Next returns after the server's CopyDone.
  server_.PushError(Status::Unavailable("replication stream ended by the server"));
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.statuses.size() == 2; }));
  const Observed o = server_.observed();
  ASSERT_EQ(o.starts.size(), 2u);
  // The sink still holds 0/2040, so the stream resumes after it ...
  EXPECT_EQ(o.starts[1], Lsn(0x2040));
  // ... while the flush LSN stays the watermark.
  EXPECT_EQ(o.statuses[1].flush, kSlotStart);
  EXPECT_EQ(o.statuses[1].write, Lsn(0x2040));
  EXPECT_EQ(waits(), std::vector<milliseconds>{milliseconds(100)});
  EXPECT_EQ(reader_->stats().reconnects.load(), 1u);
}

TEST_F(ReaderTest, TransactionOpenAtBreakIsDroppedAndComesAgainWhole) {
  StartReader();
  server_.PushOpenTransaction(700, Lsn(0x2000), "1");
  server_.PushError(Status::Unavailable("connection lost"));
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  ASSERT_TRUE(sink_->WaitForCount(1, std::chrono::seconds(10)));
  EXPECT_EQ(Stop().code(), Status::Code::kOk);
  EXPECT_EQ(sink_->records().size(), 1u);
  EXPECT_EQ(sink_->commits().size(), 1u);
  const Observed o = server_.observed();
  ASSERT_EQ(o.starts.size(), 2u);
  EXPECT_EQ(o.starts[1], kSlotStart);  // nothing was tracked
}

TEST_F(ReaderTest, FailedConnectsBackOffExponentiallyUpToTheCap) {
  for (int i = 0; i < 3; ++i) server_.FailNextConnect(Status::Unavailable("refused"));
  StartReader();
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.starts.size() == 1; }));
  EXPECT_EQ(waits(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200),
                                                milliseconds(250)}));
  EXPECT_EQ(reader_->stats().reconnects.load(), 3u);
}

TEST_F(ReaderTest, BackoffStartsOverAfterStreamingWorked) {
  server_.FailNextConnect(Status::Unavailable("refused"));
  server_.FailNextConnect(Status::Unavailable("refused"));
  StartReader();
  // Streams, then breaks: the next wait is the initial one again.
  server_.PushKeepalive(kSlotStart, /*reply_requested=*/false);
  server_.PushError(Status::Unavailable("connection lost"));
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.starts.size() == 2; }));
  EXPECT_EQ(waits(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200),
                                                milliseconds(100)}));
}

TEST_F(ReaderTest, GivesUpAfterMaxRetries) {
  for (int i = 0; i < 3; ++i) server_.FailNextConnect(Status::Unavailable("refused"));
  ReaderOptions options;
  options.max_retries = 2;
  StartReader(options);
  EXPECT_EQ(RunResult().code(), Status::Code::kUnavailable);
  EXPECT_EQ(waits().size(), 2u);
  EXPECT_EQ(server_.observed().connects, 0);
}

TEST_F(ReaderTest, TimeoutIsRetriedLikeUnavailable) {
  server_.FailNextConnect(Status::Timeout("connect timed out"));
  StartReader();
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.starts.size() == 1; }));
  EXPECT_EQ(waits().size(), 1u);
}

TEST_F(ReaderTest, SilentServerIsPingedThenReconnected) {
  ReaderOptions options;
  options.receiver_timeout = milliseconds(400);
  StartReader(options);
  // Nothing ever comes: a ping at half the timeout, a new connection after it.
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.starts.size() == 2; }));
  const Observed o = server_.observed();
  ASSERT_GE(o.statuses.size(), 2u);
  EXPECT_FALSE(o.statuses[0].reply_requested);  // the connection's first update
  EXPECT_TRUE(o.statuses[1].reply_requested);
  EXPECT_EQ(waits(), std::vector<milliseconds>{milliseconds(100)});
  EXPECT_EQ(reader_->stats().reconnects.load(), 1u);
}

TEST_F(ReaderTest, AnyFrameFromTheServerRestartsTheSilence) {
  ReaderOptions options;
  options.receiver_timeout = milliseconds(3000);
  StartReader(options);
  // Keepalives closer together than the timeout keep the connection, and
  // no ping goes out while the server talks (together they span more than
  // the 1.5 s after which a silent server is pinged).
  for (int i = 0; i < 8; ++i) {
    server_.PushKeepalive(kSlotStart, /*reply_requested=*/false);
    ASSERT_TRUE(WaitFor([](const Observed& o) { return o.queued == 0; }));
    std::this_thread::sleep_for(milliseconds(300));  // the silence under test
  }
  const Observed o = server_.observed();
  EXPECT_EQ(o.starts.size(), 1u);
  for (const StatusUpdate& s : o.statuses) EXPECT_FALSE(s.reply_requested);
}

TEST_F(ReaderTest, PartOfAMessageIsNotSilence) {
  ReaderOptions options;
  options.receiver_timeout = milliseconds(3000);
  StartReader(options);
  // A big message trickling in over a slow link: no whole frame for longer
  // than the 1.5 s after which a silent server is pinged, but bytes keep
  // coming.
  for (int i = 0; i < 8; ++i) {
    server_.PushPartial();
    ASSERT_TRUE(WaitFor([](const Observed& o) { return o.queued == 0; }));
    std::this_thread::sleep_for(milliseconds(300));  // the silence under test
  }
  const Observed o = server_.observed();
  EXPECT_EQ(o.starts.size(), 1u);
  for (const StatusUpdate& s : o.statuses) EXPECT_FALSE(s.reply_requested);
}

TEST_F(ReaderTest, ZeroReceiverTimeoutNeverPings) {
  ReaderOptions options;
  options.receiver_timeout = milliseconds(0);
  StartReader(options);
  ASSERT_TRUE(WaitFor([](const Observed& o) { return !o.statuses.empty(); }));
  std::this_thread::sleep_for(milliseconds(500));  // the silence under test
  const Observed o = server_.observed();
  EXPECT_EQ(o.starts.size(), 1u);
  EXPECT_EQ(o.statuses.size(), 1u);
}

TEST_F(ReaderTest, BadCredentialsEndTheRun) {
  server_.FailNextConnect(Status::InvalidArgument("password authentication failed"));
  StartReader();
  EXPECT_EQ(RunResult().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(waits().empty());
}

TEST_F(ReaderTest, MissingSlotEndsTheRun) {
  server_.FailNextStart(Status::NotFound("replication slot does not exist"));
  StartReader();
  EXPECT_EQ(RunResult().code(), Status::Code::kNotFound);
}

TEST_F(ReaderTest, SlotInUseEndsTheRun) {
  server_.FailNextStart(Status::Fatal("replication slot is active"));
  StartReader();
  EXPECT_EQ(RunResult().code(), Status::Code::kFatal);
}

TEST_F(ReaderTest, MalformedFrameIsCorruptionNamingItsPosition) {
  StartReader();
  server_.PushData(Lsn(0x2000), {std::byte{'Z'}});
  const Status s = RunResult();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("0/2000"), std::string::npos) << s.message();
}

TEST_F(ReaderTest, ReplayRewindsToWatermarkAndSendsAgain) {
  StartReader({}, std::make_unique<ReplayOnceSink>(Lsn(0x3040)));
  auto* sink = static_cast<ReplayOnceSink*>(sink_);
  server_.PushTransaction(700, Lsn(0x2000), Lsn(0x2040), "1");
  server_.PushTransaction(701, Lsn(0x3000), Lsn(0x3040), "2");
  ASSERT_TRUE(WaitFor([](const Observed& o) { return o.starts.size() == 2; }));
  // Everything above the watermark (0/2040) comes again.
  EXPECT_EQ(server_.observed().starts[1], Lsn(0x2040));
  EXPECT_EQ(sink->rewinds(), 1);
  EXPECT_EQ(waits(), std::vector<milliseconds>{milliseconds(100)});
  server_.PushTransaction(701, Lsn(0x3000), Lsn(0x3040), "2");
  ASSERT_TRUE(sink->WaitForCount(2, std::chrono::seconds(10)));
  EXPECT_EQ(Stop().code(), Status::Code::kOk);
  const std::vector<TransactionInfo> commits = sink->commits();
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].end_lsn, Lsn(0x2040));
  EXPECT_EQ(commits[1].end_lsn, Lsn(0x3040));
  EXPECT_EQ(tracker_.watermark(), Lsn(0x3040));
}

}  // namespace
}  // namespace walcast::wal_reader
