#pragma once

// A scripted replication server for driving wal_reader::Reader without
// PostgreSQL: the test queues frames and errors, the reader's connections
// consume them in order, and every Start, status update and Finish is
// recorded. pgoutput (protocol 1) messages for one table public.t (id int4,
// key) are built here too.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/lsn.h"
#include "core/status.h"
#include "wal_reader/reader.h"
#include "wal_reader/replication_stream.h"

namespace walcast::wal_reader::testing {

// pgoutput protocol 1 messages
// (https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html).
class PgOutputMessage {
 public:
  explicit PgOutputMessage(char type) { U8(static_cast<uint8_t>(type)); }
  PgOutputMessage& U8(uint8_t v) {
    bytes_.push_back(static_cast<std::byte>(v));
    return *this;
  }
  PgOutputMessage& U16(uint16_t v) { return Big(v, 2); }
  PgOutputMessage& U32(uint32_t v) { return Big(v, 4); }
  PgOutputMessage& U64(uint64_t v) { return Big(v, 8); }
  PgOutputMessage& CString(const std::string& s) {
    for (char c : s) U8(static_cast<uint8_t>(c));
    return U8(0);
  }
  PgOutputMessage& Bytes(const std::string& s) {
    for (char c : s) U8(static_cast<uint8_t>(c));
    return *this;
  }
  std::vector<std::byte> Take() { return std::move(bytes_); }

 private:
  PgOutputMessage& Big(uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) U8(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<std::byte> bytes_;
};

constexpr uint32_t kTableOid = 16384;
constexpr uint32_t kInt4Oid = 23;

inline std::vector<std::byte> BeginMessage(Lsn commit_lsn, uint32_t xid) {
  return PgOutputMessage('B').U64(commit_lsn.value()).U64(0).U32(xid).Take();
}

inline std::vector<std::byte> RelationMessage() {
  return PgOutputMessage('R')
      .U32(kTableOid)
      .CString("public")
      .CString("t")
      .U8('d')
      .U16(1)
      .U8(1)  // key column
      .CString("id")
      .U32(kInt4Oid)
      .U32(0xffffffff)  // typmod -1
      .Take();
}

inline std::vector<std::byte> InsertMessage(const std::string& id) {
  return PgOutputMessage('I')
      .U32(kTableOid)
      .U8('N')
      .U16(1)
      .U8('t')
      .U32(static_cast<uint32_t>(id.size()))
      .Bytes(id)
      .Take();
}

inline std::vector<std::byte> CommitMessage(Lsn commit_lsn, Lsn end_lsn) {
  return PgOutputMessage('C').U8(0).U64(commit_lsn.value()).U64(end_lsn.value()).U64(0).Take();
}

// One standby status update the reader sent.
struct StatusUpdate {
  Lsn write;
  Lsn flush;
  bool reply_requested = false;  // a ping (ReaderOptions::receiver_timeout)
};

// The server side. Thread-safe: the reader thread calls the streams, the
// test thread queues input and waits for what the reader did.
class FakeReplicationServer {
 public:
  // What the next connection attempts return, before any succeeds: each
  // queued error fails one attempt.
  void FailNextConnect(Status error) {
    std::lock_guard lock(mu_);
    connect_errors_.push_back(std::move(error));
  }
  // Start() of the next connection returns `error`.
  void FailNextStart(Status error) {
    std::lock_guard lock(mu_);
    start_errors_.push_back(std::move(error));
  }

  // An XLogData frame whose WAL starts at `wal_start`.
  void PushData(Lsn wal_start, std::vector<std::byte> payload) {
    Item item;
    item.frame.kind = ReplicationFrame::Kind::kXLogData;
    item.frame.wal_start = wal_start;
    item.frame.wal_end = wal_start;
    item.payload = std::move(payload);
    Push(std::move(item));
  }
  void PushKeepalive(Lsn wal_end, bool reply_requested) {
    Item item;
    item.frame.kind = ReplicationFrame::Kind::kKeepalive;
    item.frame.wal_end = wal_end;
    item.frame.reply_requested = reply_requested;
    Push(std::move(item));
  }
  // Next() returns kNone with bytes_arrived: part of a big message came in.
  void PushPartial() {
    Item item;
    item.frame.bytes_arrived = true;
    Push(std::move(item));
  }
  // Next() returns `error`, ending the connection (e.g. what the stream
  // returns when the server sends CopyDone or the connection drops).
  void PushError(Status error) {
    Item item;
    item.error = std::move(error);
    Push(std::move(item));
  }
  // A whole transaction inserting `id`: Begin at commit_lsn - 0x30,
  // Relation, Insert, and the Commit frame written at end_lsn (where the
  // walsender puts it).
  void PushTransaction(uint32_t xid, Lsn commit_lsn, Lsn end_lsn, const std::string& id) {
    PushOpenTransaction(xid, commit_lsn, id);
    PushData(end_lsn, CommitMessage(commit_lsn, end_lsn));
  }
  // Begin, Relation and Insert without the Commit.
  void PushOpenTransaction(uint32_t xid, Lsn commit_lsn, const std::string& id) {
    const Lsn first(commit_lsn.value() - 0x30);
    PushData(first, BeginMessage(commit_lsn, xid));
    PushData(first, RelationMessage());
    PushData(Lsn(first.value() + 0x10), InsertMessage(id));
  }

  // Waits until `pred` holds for the recorded state or `timeout` passes.
  struct Observed {
    int connects = 0;           // successful connection attempts
    std::vector<Lsn> starts;    // Start() positions, one per stream started
    std::vector<StatusUpdate> statuses;
    int finishes = 0;
    size_t queued = 0;          // frames not consumed yet
  };
  bool WaitFor(const std::function<bool(const Observed&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      observed_.queued = items_.size();
      return pred(observed_);
    });
  }
  Observed observed() {
    std::lock_guard lock(mu_);
    observed_.queued = items_.size();
    return observed_;
  }

  // For ReaderHooks::connect.
  StreamConnector Connector() {
    return [this]() -> Result<std::unique_ptr<ReplicationStream>> {
      std::lock_guard lock(mu_);
      if (!connect_errors_.empty()) {
        Status error = std::move(connect_errors_.front());
        connect_errors_.pop_front();
        return error;
      }
      ++observed_.connects;
      cv_.notify_all();
      return std::unique_ptr<ReplicationStream>(new Stream(this));
    };
  }

 private:
  struct Item {
    ReplicationFrame frame;
    std::vector<std::byte> payload;
    Status error;
  };

  class Stream : public ReplicationStream {
   public:
    explicit Stream(FakeReplicationServer* server) : server_(server) {}
    Status Start(const std::string&, Lsn start, const PluginOptions&) override {
      return server_->Start(start);
    }
    Result<ReplicationFrame> Next(std::chrono::steady_clock::time_point deadline) override {
      return server_->Next(deadline, &current_);
    }
    Status SendStatus(Lsn write, Lsn flush, bool reply_requested) override {
      return server_->SendStatus(write, flush, reply_requested);
    }
    Status Finish() override { return server_->Finish(); }

   private:
    FakeReplicationServer* server_;
    Item current_;  // owns the payload of the frame last returned
  };

  void Push(Item item) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(item));
    cv_.notify_all();
  }
  Status Start(Lsn start) {
    std::lock_guard lock(mu_);
    if (!start_errors_.empty()) {
      Status error = std::move(start_errors_.front());
      start_errors_.pop_front();
      return error;
    }
    observed_.starts.push_back(start);
    cv_.notify_all();
    return Status::Ok();
  }
  Result<ReplicationFrame> Next(std::chrono::steady_clock::time_point deadline, Item* current) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !items_.empty(); })) {
      return ReplicationFrame{};
    }
    *current = std::move(items_.front());
    items_.pop_front();
    cv_.notify_all();
    if (!current->error.ok()) return current->error;
    ReplicationFrame frame = current->frame;
    frame.payload = current->payload;
    return frame;
  }
  Status SendStatus(Lsn write, Lsn flush, bool reply_requested) {
    std::lock_guard lock(mu_);
    observed_.statuses.push_back({write, flush, reply_requested});
    cv_.notify_all();
    return Status::Ok();
  }
  Status Finish() {
    std::lock_guard lock(mu_);
    ++observed_.finishes;
    cv_.notify_all();
    return Status::Ok();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Status> connect_errors_;
  std::deque<Status> start_errors_;
  std::deque<Item> items_;
  Observed observed_;
};

}  // namespace walcast::wal_reader::testing
