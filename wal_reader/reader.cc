#include "wal_reader/reader.h"

#include <algorithm>
#include <thread>

#include "core/log.h"
#include "wal_reader/libpq_replication_stream.h"
#include "wal_reader/wal2json_decoder.h"

namespace walcast::wal_reader {

Reader::Reader(ReaderOptions options, Pipeline* pipeline, AckTracker* tracker,
               TypeResolver* resolver, const std::atomic<bool>* stop, ReaderHooks hooks)
    : options_(std::move(options)),
      pipeline_(pipeline),
      tracker_(tracker),
      resolver_(resolver),
      stop_(stop),
      hooks_(std::move(hooks)) {
  if (!hooks_.connect) {
    hooks_.connect = [conninfo = options_.conninfo]() -> Result<std::unique_ptr<ReplicationStream>> {
      WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<LibpqReplicationStream> stream,
                               LibpqReplicationStream::Connect(conninfo));
      return std::unique_ptr<ReplicationStream>(std::move(stream));
    };
  }
  if (!hooks_.wait) {
    hooks_.wait = [this](std::chrono::milliseconds d) { WaitUnlessStopping(d); };
  }
}

void Reader::WaitUnlessStopping(std::chrono::milliseconds d) const {
  // Polled, not a condition wait: the stop flag is set by a signal handler,
  // which may only store to an atomic (notifying a condition variable is not
  // async-signal-safe), and stop_at is reached by acknowledgements from the
  // sinks' threads. 50 ms bounds how late a stop request is noticed.
  const auto until = std::chrono::steady_clock::now() + d;
  while (!Stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
  }
}

Status Reader::Run() {
  Backoff backoff(BackoffOptions{options_.backoff_initial, options_.backoff_max}, hooks_.random);
  log::RateLimiter limiter(std::chrono::seconds(10));
  int failures = 0;
  while (!Stopping()) {
    Status s = StreamOnce();
    if (s.ok()) return s;
    if (s.IsReplay()) {
      RewindForReplay(s);
      stats_.reconnects.fetch_add(1);
      hooks_.wait(backoff.Next());
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
      backoff.Reset();
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
    const std::chrono::milliseconds wait = backoff.Next();
    int suppressed = 0;
    if (limiter.Allow(&suppressed)) {
      log::Warn("replication connection failed; retrying",
                {{"slot", options_.slot},
                 {"error", s.message()},
                 {"retry_in_ms", wait.count()},
                 {"suppressed", suppressed}});
    }
    hooks_.wait(wait);
    stats_.reconnects.fetch_add(1);
  }
  return Status::Ok();
}

void Reader::RewindForReplay(const Status& cause) {
  // A sink lost accepted work (e.g. Kafka failed deliveries while a broker
  // restarted): everything above the watermark is handed over again.
  // Duplicates only ever follow the watermark, as after a crash.
  int suppressed = 0;
  if (replay_log_.Allow(&suppressed)) {
    log::Warn("a sink lost unacknowledged records; replaying from the confirmed LSN",
              {{"slot", options_.slot},
               {"lsn", tracker_->watermark().ToString()},
               {"error", cause.message()},
               {"suppressed", suppressed}});
  }
  pipeline_->Rewind();
  tracker_->Rewind();
}

std::unique_ptr<Decoder> Reader::MakeDecoder(RelationCache* cache) {
  if (options_.plugin == "wal2json") return std::make_unique<Wal2JsonDecoder>(cache, pipeline_);
  return std::make_unique<PgOutputDecoder>(options_.pgoutput, cache, pipeline_);
}

Status Reader::StreamOnce() {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<ReplicationStream> stream, hooks_.connect());
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
  const std::unique_ptr<Decoder> decoder = MakeDecoder(&cache);
  StreamState state{start, Lsn(), std::chrono::steady_clock::now()};
  while (!Stopping()) WALCAST_RETURN_IF_ERROR(Step(stream.get(), decoder.get(), &state));
  return FinishStream(stream.get(), state);
}

Status Reader::SendStatus(ReplicationStream* stream, StreamState* state, bool reply_requested) {
  // Regular feedback keeps wal_sender_timeout from closing the connection
  // and moves confirmed_flush_lsn to the watermark.
  const Lsn flush = tracker_->watermark();
  WALCAST_RETURN_IF_ERROR(
      stream->SendStatus(std::max(state->received, flush), flush, reply_requested));
  stats_.status_updates.fetch_add(1, std::memory_order_relaxed);
  stats_.confirmed_flush.store(flush.value(), std::memory_order_relaxed);
  state->last_sent_flush = flush;
  return Status::Ok();
}

Status Reader::CheckServerAlive(ReplicationStream* stream, StreamState* state) {
  // A silent server is not a closed connection: the socket stays open when
  // the network drops packets or a link goes down, and TCP alone gives up
  // only after minutes (tcp_retries2). The walsender answers a status update
  // that asks for a reply at once (PostgreSQL's protocol-replication docs),
  // so silence past the timeout means the path or the server is gone.
  if (options_.receiver_timeout.count() <= 0) return Status::Ok();
  const auto silent = state->silent;
  if (silent >= options_.receiver_timeout) {
    return Status::Timeout(
        "no message from the server for " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
        " ms (wal.receiver.timeout.ms)");
  }
  if (!state->ping_sent && silent >= options_.receiver_timeout / 2) {
    WALCAST_RETURN_IF_ERROR(SendStatus(stream, state, /*reply_requested=*/true));
    state->ping_sent = true;
  }
  return Status::Ok();
}

Status Reader::Step(ReplicationStream* stream, Decoder* decoder, StreamState* state) {
  const auto now = std::chrono::steady_clock::now();
  WALCAST_RETURN_IF_ERROR(CheckServerAlive(stream, state));
  if (now >= state->next_status) {
    WALCAST_RETURN_IF_ERROR(SendStatus(stream, state));
    state->next_status = now + options_.status_interval;
  }
  // Wake at least every 200 ms to notice a stop request promptly.
  const auto deadline = std::min(state->next_status, now + std::chrono::milliseconds(200));
  const auto listening = std::chrono::steady_clock::now();
  WALCAST_ASSIGN_OR_RETURN(ReplicationFrame frame, stream->Next(deadline));
  if (frame.kind == ReplicationFrame::Kind::kNone && !frame.bytes_arrived) {
    state->silent += std::chrono::steady_clock::now() - listening;
  } else {
    state->silent = {};
    state->ping_sent = false;
  }
  WALCAST_RETURN_IF_ERROR(pipeline_->Tick(std::chrono::steady_clock::now()));
  switch (frame.kind) {
    case ReplicationFrame::Kind::kNone:
      break;
    case ReplicationFrame::Kind::kXLogData:
      WALCAST_RETURN_IF_ERROR(HandleXLogData(frame, decoder, state));
      break;
    case ReplicationFrame::Kind::kKeepalive:
      HandleKeepalive(frame, *decoder, state);
      break;
  }
  const auto after = std::chrono::steady_clock::now();
  if (tracker_->watermark() != state->last_sent_flush &&
      state->next_status - after > options_.status_interval / 4) {
    // Acks moved the watermark; confirm it without waiting a full interval.
    state->next_status = std::min(state->next_status, after + options_.status_interval / 4);
  }
  return Status::Ok();
}

Status Reader::HandleXLogData(const ReplicationFrame& frame, Decoder* decoder,
                              StreamState* state) {
  streamed_once_ = true;
  stats_.frames.fetch_add(1, std::memory_order_relaxed);
  stats_.bytes.fetch_add(frame.payload.size(), std::memory_order_relaxed);
  Status s = decoder->Decode(frame.wal_start, frame.payload);
  if (s.IsCorruption()) {
    return Status::Corruption(s.message() + " (frame at " + frame.wal_start.ToString() + ")");
  }
  WALCAST_RETURN_IF_ERROR(s);
  state->received = std::max(state->received, frame.wal_start);
  stats_.received_lsn.store(state->received.value(), std::memory_order_relaxed);
  return Status::Ok();
}

void Reader::HandleKeepalive(const ReplicationFrame& frame, const Decoder& decoder,
                             StreamState* state) {
  streamed_once_ = true;
  stats_.keepalives.fetch_add(1, std::memory_order_relaxed);
  stats_.server_wal_end.store(frame.wal_end.value(), std::memory_order_relaxed);
  // Nothing open and nothing unacknowledged: everything before the server's
  // position is durable or unpublished, so confirm it. Without this an idle
  // or unpublished-tables-only database holds WAL forever.
  if (decoder.idle() && !pipeline_->in_transaction() && tracker_->AdvanceIdle(frame.wal_end)) {
    state->received = std::max(state->received, frame.wal_end);
  }
  if (frame.reply_requested) state->next_status = std::chrono::steady_clock::now();
}

Status Reader::FinishStream(ReplicationStream* stream, const StreamState& state) {
  // Make everything handed over durable, confirm it, end the stream.
  pipeline_->ResetOpenTransaction();
  Status result = pipeline_->Flush(options_.flush_timeout);
  const Lsn flush = tracker_->watermark();
  Status sent = stream->SendStatus(std::max(state.received, flush), flush,
                                   /*reply_requested=*/false);
  // A late error after a clean stop changes nothing: everything is confirmed.
  (void)stream->Finish();
  log::Info("streaming stopped", {{"slot", options_.slot}, {"confirmed_lsn", flush.ToString()}});
  if (!result.ok()) return result;
  if (!sent.ok()) return sent;
  return Status::Ok();
}

}  // namespace walcast::wal_reader
