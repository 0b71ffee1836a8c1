#include "metrics/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>

#include "core/disk_space.h"
#include "metrics/codec.h"
#include "rocks/info_log.h"

namespace walcast::metrics {
namespace {

rocksdb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string message = "metric state: " + std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(message);
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(message);
  return Status::Unavailable(message);
}

std::string Prefixed(char kind, uint64_t id) {
  std::string k(1, kind);
  PutFixed64(id, &k);
  return k;
}

}  // namespace

namespace state_key {
std::string Meta(std::string_view name) { return "m" + std::string(name); }
std::string Aggregate(uint64_t id) { return Prefixed(kAggregate, id); }
std::string Group(uint64_t id) { return Prefixed(kGroup, id); }
std::string Value(uint64_t group, std::string_view value) {
  std::string k = Prefixed(kValue, group);
  k.append(value);
  return k;
}
std::string RowPrefix(std::string_view table) {
  // The table's hash, not its name: every lookup compares keys from the
  // start, and a 24-byte common prefix made memtable searches the hot spot.
  return Prefixed(kRow, Hash64(table));
}
std::string Row(std::string_view table, std::string_view key) {
  std::string k = RowPrefix(table);
  k.append(key);
  return k;
}
std::string Dirty(uint64_t id) { return Prefixed(kDirty, id); }
std::string DeadLetter(uint64_t seq) { return Prefixed(kDeadLetter, seq); }
uint64_t IdOf(std::string_view key) {
  uint64_t id = 0;
  key.remove_prefix(1);
  return GetFixed64(&key, &id) ? id : 0;
}
}  // namespace state_key

class StateStore::Batch::Impl {
 public:
  rocksdb::WriteBatch batch;
};

StateStore::Batch::Batch() : impl_(std::make_unique<Impl>()) {}
StateStore::Batch::~Batch() = default;
StateStore::Batch::Batch(Batch&&) noexcept = default;
StateStore::Batch& StateStore::Batch::operator=(Batch&&) noexcept = default;

void StateStore::Batch::Put(std::string_view key, std::string_view value) {
  // WriteBatch only fails past its max_bytes, which is unlimited here.
  const rocksdb::Status s = impl_->batch.Put(AsSlice(key), AsSlice(value));
  WALCAST_CHECK(s.ok());
}

void StateStore::Batch::Delete(std::string_view key) {
  const rocksdb::Status s = impl_->batch.Delete(AsSlice(key));
  WALCAST_CHECK(s.ok());
}

void StateStore::Batch::DeleteRange(std::string_view begin, std::string_view end) {
  const rocksdb::Status s = impl_->batch.DeleteRange(AsSlice(begin), AsSlice(end));
  WALCAST_CHECK(s.ok());
}

size_t StateStore::Batch::count() const { return impl_->batch.Count(); }
size_t StateStore::Batch::bytes() const { return impl_->batch.GetDataSize(); }
void StateStore::Batch::Clear() { impl_->batch.Clear(); }

class StateStore::Impl {
 public:
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;
  rocksdb::ReadOptions read_options;
  Status failed;  // the first failed Write(); later ones return it
};

StateStore::StateStore(StateStoreOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

StateStore::~StateStore() {
  if (impl_ && impl_->db) {
    // Close() flushes nothing we need (every batch went through the WAL);
    // it only releases the files and the lock.
    (void)impl_->db->Close();
  }
}

Result<std::unique_ptr<StateStore>> StateStore::Open(const StateStoreOptions& options) {
  if (options.dir.empty()) return Status::InvalidArgument("metric state: no directory given");
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Status::Unavailable("metric state: cannot create " + options.dir + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>();
  rocksdb::LRUCacheOptions cache;
  cache.capacity = std::max<size_t>(options.cache_bytes, size_t{1} << 20);
  // Index and filter partitions go to the high-priority half, so data
  // blocks read once do not push them out.
  cache.high_pri_pool_ratio = 0.5;
  impl->cache = rocksdb::NewLRUCache(cache);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = impl->cache;
  // Index and filter blocks live in the bounded cache too, so memory does
  // not grow with the number of files (i.e. with the state). They are
  // partitioned: a lookup reads a 4 KiB partition, not a whole file's
  // filter (with one filter per file, evicting and re-reading megabytes of
  // filter dominated lookups once the state passed the cache).
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  // Most row lookups are misses (a new row's first event): a Bloom filter
  // answers them without reading a data block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  // RocksDB's own LOG writer aborts on a full disk (rocks/info_log.h).
  db_options.info_log = rocks::OpenInfoLog(options.dir);
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db_options.write_buffer_size = size_t{8} << 20;
  // Most lookups miss (a new row, a new value): a Bloom filter over the
  // memtable answers them without searching its skip list.
  db_options.memtable_prefix_bloom_size_ratio = 0.1;
  db_options.memtable_whole_key_filtering = true;
  db_options.max_write_buffer_number = 2;
  db_options.max_open_files = 512;
  db_options.keep_log_file_num = 4;
  db_options.max_background_jobs = 2;
  db_options.compression = rocksdb::kLZ4Compression;
  const auto supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) == supported.end()) {
    db_options.compression = rocksdb::kNoCompression;
  }

  rocksdb::DB* db = nullptr;
  WALCAST_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::Open(db_options, options.dir, &db), "cannot open " + options.dir));
  impl->db.reset(db);
  impl->write_options.sync = options.sync;
  return std::unique_ptr<StateStore>(new StateStore(options, std::move(impl)));
}

namespace {

Result<std::optional<std::string>> ReadKey(rocksdb::DB& db, const rocksdb::ReadOptions& read,
                                           std::string_view key) {
  std::string value;
  const rocksdb::Status s = db.Get(read, AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  WALCAST_RETURN_IF_ERROR(FromRocks(s, "read"));
  return std::optional<std::string>(std::move(value));
}

Status ScanPrefix(rocksdb::DB& db, const rocksdb::ReadOptions& read, std::string_view prefix,
                  const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read));
  for (it->Seek(AsSlice(prefix)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    const std::string_view key(k.data(), k.size());
    if (!key.starts_with(prefix)) break;
    const rocksdb::Slice v = it->value();
    if (!fn(key, std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan");
}

}  // namespace

Result<std::optional<std::string>> StateStore::Get(std::string_view key) const {
  return ReadKey(*impl_->db, impl_->read_options, key);
}

Status StateStore::Write(Batch* batch) {
  WALCAST_RETURN_IF_ERROR(impl_->failed);
  if (options_.min_free_bytes > 0) {
    const std::optional<uint64_t> free = FreeBytes(options_.dir);
    if (free && *free < options_.min_free_bytes) {
      impl_->failed = Status::Unavailable(
          "metric state: no space left for it: " + std::to_string(*free) + " bytes free in " +
          options_.dir + ", under metrics.state.min.free.bytes=" +
          std::to_string(options_.min_free_bytes) + "; nothing was written");
      return impl_->failed;
    }
  }
  const rocksdb::Status s = impl_->db->Write(impl_->write_options, &batch->impl_->batch);
  if (s.ok()) return Status::Ok();
  impl_->failed = FromRocks(s, "write");
  if (impl_->failed.code() == Status::Code::kUnavailable) {
    impl_->failed =
        Status::Unavailable(impl_->failed.message() + " (" + DescribeFreeSpace(options_.dir) + ")");
  }
  return impl_->failed;
}

Status StateStore::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  return ScanPrefix(*impl_->db, impl_->read_options, prefix, fn);
}

class StateStore::Snapshot::Impl {
 public:
  Impl(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db(db), snapshot(snapshot) {
    read.snapshot = snapshot;
  }
  ~Impl() { db->ReleaseSnapshot(snapshot); }
  rocksdb::DB* db;  // the store's; outlives the snapshot
  const rocksdb::Snapshot* snapshot;
  rocksdb::ReadOptions read;
};

StateStore::Snapshot::Snapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::Snapshot::~Snapshot() = default;

Result<std::optional<std::string>> StateStore::Snapshot::Get(std::string_view key) const {
  return ReadKey(*impl_->db, impl_->read, key);
}

Status StateStore::Snapshot::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  return ScanPrefix(*impl_->db, impl_->read, prefix, fn);
}

std::unique_ptr<StateStore::Snapshot> StateStore::TakeSnapshot() const {
  rocksdb::DB* db = impl_->db.get();
  return std::unique_ptr<Snapshot>(
      new Snapshot(std::make_unique<Snapshot::Impl>(db, db->GetSnapshot())));
}

uint64_t StateStore::Property(const std::string& name) const {
  uint64_t value = 0;
  if (!impl_->db->GetIntProperty(name, &value)) return 0;
  return value;
}

}  // namespace walcast::metrics
