#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/ack_tracker.h"
#include "core/backoff.h"
#include "core/log.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "wal_reader/decoder.h"
#include "wal_reader/pgoutput_decoder.h"
#include "wal_reader/relation_cache.h"
#include "wal_reader/replication_stream.h"

namespace walcast::wal_reader {

struct ReaderOptions {
  std::string conninfo;  // libpq keyword=value, without replication=
  std::string slot;
  std::string plugin = "pgoutput";  // pgoutput | wal2json
  // Options passed in START_REPLICATION (publication_names, proto_version, ...).
  std::vector<std::pair<std::string, std::string>> plugin_options;
  PgOutputOptions pgoutput;  // how the pgoutput decoder handles streaming
  std::chrono::milliseconds status_interval{10000};
  // The client side of wal_sender_timeout, like PostgreSQL's own
  // wal_receiver_timeout: when nothing at all (data or keepalive) has come
  // from the server for half of it, a status update asks for a reply; when
  // nothing has come for all of it, the connection counts as dead (kTimeout)
  // and is opened again. Catches a server or network that went silent
  // without closing the connection. Zero turns the check off.
  std::chrono::milliseconds receiver_timeout{60000};
  // Reconnect waits: exponential backoff with full jitter (core/backoff.h).
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds flush_timeout{30000};
  // Reconnect attempts after a retryable error before giving up; -1 = forever.
  int max_retries = -1;
  // When valid, Run() returns OK once the watermark reaches this LSN
  // (benchmarks and scripted runs).
  Lsn stop_at;
};

// Counters the reader updates and others may read at any time.
struct ReaderStats {
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> keepalives{0};
  std::atomic<uint64_t> status_updates{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> received_lsn{0};
  std::atomic<uint64_t> server_wal_end{0};
  std::atomic<uint64_t> confirmed_flush{0};  // flush LSN of the last status update
};

// Opens one replication connection; called once per connection attempt on
// the reader thread. Errors as LibpqReplicationStream::Connect.
using StreamConnector = std::function<Result<std::unique_ptr<ReplicationStream>>()>;

// The reader's links to the world outside the database. Every empty member
// gets the production default; tests replace them to drive the loop.
struct ReaderHooks {
  // Default: LibpqReplicationStream::Connect(options.conninfo).
  StreamConnector connect;
  // Waits the given time between connection attempts, returning early once
  // the reader is stopping. Default: see Reader::WaitUnlessStopping.
  std::function<void(std::chrono::milliseconds)> wait;
  // The backoff's random unit in [0, 1). Default: a seeded Mersenne Twister.
  Backoff::RandomUnit random;
};

// The reader thread's loop: connects, streams the slot from the watermark,
// decodes every frame into the pipeline, answers keepalives and sends standby
// status updates whose flush LSN is the AckTracker watermark, and reconnects
// with capped exponential backoff after retryable errors.
//
// Borrows the pipeline, tracker, resolver (may be null) and stop flag; all
// must outlive Run(). Run() blocks on the calling thread.
class Reader {
 public:
  Reader(ReaderOptions options, Pipeline* pipeline, AckTracker* tracker, TypeResolver* resolver,
         const std::atomic<bool>* stop, ReaderHooks hooks = {});

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Streams until *stop becomes true (returns OK after flushing the sinks and
  // confirming the final watermark) or a non-retryable error, which it
  // returns: kNotFound (slot or publication missing), kInvalidArgument (bad
  // credentials), kCorruption (malformed stream), kFatal, or a sink's error.
  // kUnavailable once max_retries reconnects in a row failed.
  Status Run();

  const ReaderStats& stats() const { return stats_; }

 private:
  // Where one connection's loop stands.
  struct StreamState {
    Lsn received;         // highest WAL position received (or confirmed idle)
    Lsn last_sent_flush;  // flush LSN of the last status update
    std::chrono::steady_clock::time_point next_status;
    // Time spent waiting for the server since its last frame of any kind
    // (time blocked elsewhere, e.g. on a full sink queue, does not count),
    // and whether a ping asked for a reply since (receiver_timeout).
    std::chrono::steady_clock::duration silent{};
    bool ping_sent = false;
  };

  // One connection: start, stream until stopping or an error, finish.
  Status StreamOnce();
  std::unique_ptr<Decoder> MakeDecoder(RelationCache* cache);
  // One pass of the loop: status update if due, one frame.
  Status Step(ReplicationStream* stream, Decoder* decoder, StreamState* state);
  Status SendStatus(ReplicationStream* stream, StreamState* state, bool reply_requested = false);
  // kTimeout once the server has been silent for receiver_timeout; a ping
  // at half of it.
  Status CheckServerAlive(ReplicationStream* stream, StreamState* state);
  Status HandleXLogData(const ReplicationFrame& frame, Decoder* decoder, StreamState* state);
  void HandleKeepalive(const ReplicationFrame& frame, const Decoder& decoder,
                       StreamState* state);
  // Stopping: flush the sinks, confirm the watermark, end the stream.
  Status FinishStream(ReplicationStream* stream, const StreamState& state);

  // A sink returned kReplay: every sink and the tracker forget what is not
  // acknowledged, and the next connection starts at the watermark.
  void RewindForReplay(const Status& cause);
  void WaitUnlessStopping(std::chrono::milliseconds d) const;
  bool Stopping() const {
    return stop_->load(std::memory_order_relaxed) ||
           (options_.stop_at.valid() && tracker_->watermark() >= options_.stop_at);
  }

  ReaderOptions options_;
  Pipeline* pipeline_;
  AckTracker* tracker_;
  TypeResolver* resolver_;
  const std::atomic<bool>* stop_;
  ReaderHooks hooks_;
  ReaderStats stats_;
  bool streamed_once_ = false;
  // A sink that keeps failing (e.g. a missing Kafka ACL) replays after each
  // backoff; its own error line says why, so the replays are logged rarely.
  log::RateLimiter replay_log_{std::chrono::seconds(60)};
};

}  // namespace walcast::wal_reader
