#include "wal_reader/reader.h"

#include <algorithm>
#include <random>
#include <thread>

#include "core/log.h"
#include "wal_reader/replication_stream.h"
#include "wal_reader/wal2json_decoder.h"

namespace walcast::wal_reader {

Reader::Reader(ReaderOptions options, Pipeline* pipeline, AckTracker* tracker,
               TypeResolver* resolver, const std::atomic<bool>* stop)
    : options_(std::move(options)),
      pipeline_(pipeline),
      tracker_(tracker),
      resolver_(resolver),
      stop_(stop) {}

void Reader::SleepInterruptibly(std::chrono::milliseconds d) const {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!Stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status Reader::Run() {
  std::chrono::milliseconds backoff = options_.backoff_initial;
  std::mt19937 jitter(std::random_device{}());
  log::RateLimiter limiter(std::chrono::seconds(10));
  int failures = 0;
  while (!Stopping()) {
    Status s = StreamOnce();
    if (s.ok()) return s;
    if (s.IsReplay()) {
      // A sink lost accepted work (e.g. Kafka failed deliveries while a
      // broker restarted): everything above the watermark is handed over
      // again. Duplicates only ever follow the watermark, as after a crash.
      log::Warn("a sink lost unacknowledged records; replaying from the confirmed LSN",
                {{"slot", options_.slot},
                 {"lsn", tracker_->watermark().ToString()},
                 {"error", s.message()}});
      pipeline_->Rewind();
      tracker_->Rewind();
      stats_.reconnects.fetch_add(1);
      SleepInterruptibly(backoff);
      backoff = std::min(backoff * 2, options_.backoff_max);
      continue;
    }
    if (!s.IsRetryable()) {
      // Hand what the sinks already hold to durability before giving up, so
      // the watermark reflects every transaction that made it out.
      pipeline_->ResetOpenTransaction();
      (void)pipeline_->Flush(options_.flush_timeout);
      return s;
    }
    if (streamed_once_) {
      // The connection worked before it broke: start the backoff over.
      backoff = options_.backoff_initial;
      streamed_once_ = false;
      failures = 0;
    }
    ++failures;
    if (options_.max_retries >= 0 && failures > options_.max_retries) {
      return Status::Unavailable("giving up after " + std::to_string(failures) +
                                 " attempts: " + s.message());
    }
    // An interrupted transaction will be sent again from the watermark.
    pipeline_->ResetOpenTransaction();
    Status flushed = pipeline_->Flush(options_.flush_timeout);
    if (!flushed.ok() && !flushed.IsRetryable()) return flushed;
    int suppressed = 0;
    if (limiter.Allow(&suppressed)) {
      log::Warn("replication connection failed; retrying",
                {{"slot", options_.slot},
                 {"error", s.message()},
                 {"retry_in_ms", backoff.count()},
                 {"suppressed", suppressed}});
    }
    std::uniform_int_distribution<int64_t> dist(0, backoff.count() / 4);
    SleepInterruptibly(backoff + std::chrono::milliseconds(dist(jitter)));
    backoff = std::min(backoff * 2, options_.backoff_max);
    stats_.reconnects.fetch_add(1);
  }
  return Status::Ok();
}

Status Reader::StreamOnce() {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<ReplicationStream> stream,
                           ReplicationStream::Connect(options_.conninfo));
  // Transactions already handed to the sinks stay with them (they retry on
  // their own), so resume after the last one tracked: restarting from the
  // watermark would hand them over twice. The flush LSN sent stays the
  // watermark, so a crash still replays everything unacknowledged.
  const Lsn start = std::max(tracker_->watermark(), tracker_->last_tracked());
  WALCAST_RETURN_IF_ERROR(stream->Start(options_.slot, start, options_.plugin_options));
  log::Info("streaming started", {{"slot", options_.slot},
                                  {"plugin", options_.plugin},
                                  {"lsn", start.ToString()}});

  // The server sends Relation messages again on every new connection, so the
  // cache and the decoder's transaction state start fresh each time.
  RelationCache cache(resolver_);
  std::unique_ptr<Decoder> decoder;
  if (options_.plugin == "wal2json") {
    decoder = std::make_unique<Wal2JsonDecoder>(&cache, pipeline_);
  } else {
    decoder = std::make_unique<PgOutputDecoder>(options_.pgoutput, &cache, pipeline_);
  }

  Lsn received = start;
  Lsn last_sent_flush;
  auto next_status = std::chrono::steady_clock::now();
  Status result;
  while (!Stopping()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_status) {
      // Regular feedback keeps wal_sender_timeout from closing the connection
      // and moves confirmed_flush_lsn to the watermark.
      const Lsn flush = tracker_->watermark();
      WALCAST_RETURN_IF_ERROR(stream->SendStatus(std::max(received, flush), flush));
      stats_.status_updates.fetch_add(1, std::memory_order_relaxed);
      last_sent_flush = flush;
      next_status = now + options_.status_interval;
    }
    // Wake at least every 200 ms to notice a stop request promptly.
    const auto deadline = std::min(next_status, now + std::chrono::milliseconds(200));
    WALCAST_ASSIGN_OR_RETURN(ReplicationFrame frame, stream->Next(deadline));
    WALCAST_RETURN_IF_ERROR(pipeline_->Tick(std::chrono::steady_clock::now()));
    switch (frame.kind) {
      case ReplicationFrame::Kind::kNone:
        break;
      case ReplicationFrame::Kind::kXLogData: {
        streamed_once_ = true;
        stats_.frames.fetch_add(1, std::memory_order_relaxed);
        stats_.bytes.fetch_add(frame.payload.size(), std::memory_order_relaxed);
        Status s = decoder->Decode(frame.wal_start, frame.payload);
        if (!s.ok()) {
          if (s.IsCorruption()) {
            return Status::Corruption(s.message() + " (frame at " + frame.wal_start.ToString() +
                                      ")");
          }
          return s;
        }
        received = std::max(received, frame.wal_start);
        stats_.received_lsn.store(received.value(), std::memory_order_relaxed);
        break;
      }
      case ReplicationFrame::Kind::kKeepalive: {
        streamed_once_ = true;
        stats_.keepalives.fetch_add(1, std::memory_order_relaxed);
        stats_.server_wal_end.store(frame.wal_end.value(), std::memory_order_relaxed);
        // Nothing open and nothing unacknowledged: everything before the
        // server's position is durable or unpublished, so confirm it. Without
        // this an idle or unpublished-tables-only database holds WAL forever.
        if (decoder->idle() && !pipeline_->in_transaction()) {
          if (tracker_->AdvanceIdle(frame.wal_end)) received = std::max(received, frame.wal_end);
        }
        if (frame.reply_requested) next_status = std::chrono::steady_clock::now();
        break;
      }
    }
    if (tracker_->watermark() != last_sent_flush &&
        next_status - std::chrono::steady_clock::now() > options_.status_interval / 4) {
      // Acks moved the watermark; confirm it without waiting a full interval.
      next_status = std::min(next_status,
                             std::chrono::steady_clock::now() + options_.status_interval / 4);
    }
  }

  // Stopping: make everything handed over durable, confirm it, end the stream.
  pipeline_->ResetOpenTransaction();
  result = pipeline_->Flush(options_.flush_timeout);
  const Lsn flush = tracker_->watermark();
  Status sent = stream->SendStatus(std::max(received, flush), flush);
  Status finished = stream->Finish();
  log::Info("streaming stopped", {{"slot", options_.slot}, {"confirmed_lsn", flush.ToString()}});
  if (!result.ok()) return result;
  if (!sent.ok()) return sent;
  return Status::Ok();
}

}  // namespace walcast::wal_reader
