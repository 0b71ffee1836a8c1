#pragma once

// The metrics' durable state: a RocksDB database in its own directory,
// written only in atomic batches (one WriteBatch per commit), so that the
// aggregates, the per-row state and applied_lsn always agree with each
// other after a crash (DESIGN.md, "The checkpoint protocol" 4).
//
// Key layout (one key space, the first byte says what a key holds):
//   'm' name                  meta: format, applied_lsn, fingerprint, instance, counters
//   'a' id(8)                 aggregate: canonical AggregateKey, count, sum
//   'g' id(8)                 count_distinct group: canonical AggregateKey
//   'v' group(8) value        a value's weight total inside a group
//   'r' table(8) key          RowState of one captured row (table: Hash64 of its name)
//   'd' id(8)                 aggregate changed, its document not yet acknowledged
//   'q' seq(8)                dead letter not yet acknowledged: the document
// Ids are big-endian, so each kind is one contiguous, ordered range.
//
// Memory: RocksDB's block cache (bounded by cache_bytes, index and filter
// blocks included), its write buffers (bounded, 2 × 8 MiB) and nothing
// else; the data lives on disk. Thread: one caller at a time, except that
// a Snapshot (below) may be read from another thread meanwhile.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::metrics {

struct StateStoreOptions {
  std::string dir;                        // created if missing
  size_t cache_bytes = size_t{32} << 20;  // block cache (metrics.state.cache.bytes)
  bool sync = true;  // fsync every batch (survives power loss, not just kill -9)
  // Write() refuses a batch while the filesystem of `dir` has less free
  // space than this (metrics.state.min.free.bytes; 0: no check), so the
  // state stops before RocksDB meets a full disk.
  uint64_t min_free_bytes = uint64_t{64} << 20;
};

// Key builders for the layout above.
namespace state_key {
std::string Meta(std::string_view name);
std::string Aggregate(uint64_t id);
std::string Group(uint64_t id);
std::string Value(uint64_t group, std::string_view value);
std::string Row(std::string_view table, std::string_view key);
std::string RowPrefix(std::string_view table);
std::string Dirty(uint64_t id);
std::string DeadLetter(uint64_t seq);
// The id behind an 'a', 'g' or 'd' key, or the sequence of a 'q' key.
uint64_t IdOf(std::string_view key);
inline constexpr char kAggregate = 'a';
inline constexpr char kGroup = 'g';
inline constexpr char kValue = 'v';
inline constexpr char kRow = 'r';
inline constexpr char kDirty = 'd';
inline constexpr char kDeadLetter = 'q';
}  // namespace state_key

// Reads of the state: the store itself (the latest write) or a snapshot.
class StateReader {
 public:
  virtual ~StateReader() = default;
  // nullopt when the key is absent. Errors: kUnavailable (I/O), kCorruption.
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Calls fn(key, value) for every key starting with `prefix`, in order,
  // until fn returns false.
  virtual Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const = 0;
};

class StateStore : public StateReader {
 public:
  // A consistent, read-only view of the state as of TakeSnapshot() (a
  // RocksDB snapshot): later batches are not seen. It may be read from any
  // one thread while the store's owner keeps writing (RocksDB reads are
  // thread-safe), e.g. by a report worker. Must not outlive the store.
  class Snapshot : public StateReader {
   public:
    ~Snapshot() override;
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    Result<std::optional<std::string>> Get(std::string_view key) const override;
    Status Scan(
        std::string_view prefix,
        const std::function<bool(std::string_view key, std::string_view value)>& fn) const override;

   private:
    friend class StateStore;
    class Impl;
    explicit Snapshot(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };

  // A set of puts and deletes applied atomically by Write().
  class Batch {
   public:
    Batch();
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    void Put(std::string_view key, std::string_view value);
    void Delete(std::string_view key);
    // Deletes every key in [begin, end).
    void DeleteRange(std::string_view begin, std::string_view end);
    size_t count() const;
    size_t bytes() const;
    void Clear();

   private:
    friend class StateStore;
    class Impl;
    std::unique_ptr<Impl> impl_;
  };

  // Opens (or creates) the database in options.dir. kUnavailable when it
  // cannot be opened (e.g. another process holds its lock: two walcasts on
  // one state directory), kCorruption when RocksDB reports corruption.
  static Result<std::unique_ptr<StateStore>> Open(const StateStoreOptions& options);
  ~StateStore() override;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // nullopt when the key is absent. Errors: kUnavailable (I/O), kCorruption.
  Result<std::optional<std::string>> Get(std::string_view key) const override;

  // Applies the batch atomically (fsynced when options.sync). On error
  // nothing of it is applied, and every later Write() returns the same
  // error without touching the database: after a failed write (a full
  // disk) the store only reads; reopen it to write again. Errors:
  // kUnavailable when less than options.min_free_bytes are free or RocksDB
  // fails to write (the message names the directory and its free space),
  // kCorruption when RocksDB reports corruption.
  Status Write(Batch* batch);

  // Calls fn(key, value) for every key starting with `prefix`, in order,
  // until fn returns false. Sees the state as of the call.
  Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const override;

  // The committed state as of now (every Write() returned so far).
  std::unique_ptr<Snapshot> TakeSnapshot() const;

  // RocksDB's own figures, for the benchmark and status pages:
  // "rocksdb.estimate-num-keys", "rocksdb.block-cache-usage", ...
  uint64_t Property(const std::string& name) const;
  const StateStoreOptions& options() const { return options_; }

 private:
  class Impl;
  StateStore(StateStoreOptions options, std::unique_ptr<Impl> impl);
  StateStoreOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walcast::metrics
