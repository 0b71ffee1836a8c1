#include "privacy/subject_keys.h"

#include <openssl/crypto.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <istream>
#include <mutex>
#include <optional>
#include <ostream>
#include <unordered_map>
#include <vector>

#include "core/encoding.h"
#include "privacy/cipher.h"
#include "rocks/info_log.h"

namespace walcast::privacy {
namespace {

constexpr std::string_view kSubjectPrefix = "subject/";
constexpr std::string_view kKeyPrefix = "key/";
// The memtable's hash (Open): a key's first 12 bytes, "subject/" + 4 hex
// digits or "key/s." + 6 hex digits, spread the entries over its buckets.
constexpr size_t kPrefixBytes = 12;
constexpr size_t kMemtableBuckets = 1 << 18;
// Binds a wrapped key to its id: a wrapped key copied under another id
// does not open.
constexpr std::string_view kWrapContext = "walcast subject key ";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string message = "privacy key state: " + std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(message);
  if (s.IsNotFound() || s.IsPathNotFound()) return Status::NotFound(message);
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(message);
  return Status::Unavailable(message);
}

rocksdb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }

// Reads in key order across the memtable's hash buckets (Open): without it
// an iterator sees one prefix only and SeekToFirst finds nothing.
rocksdb::ReadOptions TotalOrder() {
  rocksdb::ReadOptions options;
  options.total_order_seek = true;
  return options;
}

}  // namespace

std::string SubjectIndex(std::string_view hash_key, std::string_view subject) {
  return HmacSha256Hex(hash_key, subject).substr(0, 32);
}

Result<std::string> SubjectIndex(Hmac& hash, std::string_view subject) {
  WALCAST_ASSIGN_OR_RETURN(std::string index, hash.Hex(subject));
  index.resize(32);
  return index;
}

struct SubjectKeyStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  bool read_only = false;
  RandomPool random;              // new keys and their id suffixes
  std::optional<Sealer> wrapper;  // wraps new keys under wrapper_ring's current key
  const KeyRing* wrapper_ring = nullptr;

  // Deferred sync: the entries of new keys, kept here until SyncPending
  // writes them in one batch, on the syncing thread. `writing` holds what a
  // SyncPending is writing, so a look-up meanwhile still finds it.
  std::mutex mu;
  std::unordered_map<std::string, std::string> pending;
  std::unordered_map<std::string, std::string> writing;
  std::mutex sync_mu;  // one SyncPending at a time

  // The entry's value from `pending` or `writing`; false when in neither.
  bool FindUnwritten(const std::string& key, std::string* value) {
    std::lock_guard lock(mu);
    for (const auto* m : {&pending, &writing}) {
      if (auto it = m->find(key); it != m->end()) {
        *value = it->second;
        return true;
      }
    }
    return false;
  }
  // An entry from `pending` or `writing`, else from the database.
  rocksdb::Status Get(const std::string& key, std::string* value) {
    if (FindUnwritten(key, value)) return rocksdb::Status::OK();
    return db->Get(rocksdb::ReadOptions(), AsSlice(key), value);
  }
};

SubjectKeyStore::SubjectKeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SubjectKeyStore::~SubjectKeyStore() = default;

Result<std::unique_ptr<SubjectKeyStore>> SubjectKeyStore::Open(const std::string& dir,
                                                               bool read_only) {
  auto impl = std::make_unique<Impl>();
  impl->read_only = read_only;
  rocksdb::Options options;
  // Most look-ups are of subjects seen for the first time (no key yet): a
  // Bloom filter per table file answers those without reading its blocks.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The same in the memtable, where a run's new keys are: a look-up of a
  // subject without a key no longer walks the skip list.
  options.memtable_prefix_bloom_size_ratio = 0.02;
  options.memtable_whole_key_filtering = true;
  // A new key's two entries go into the memtable at random places (their
  // keys hold an HMAC): in one skip list of every entry that was most of a
  // new subject's cost (a cache miss per level). Hashed on the first
  // kPrefixBytes bytes ("subject/" or "key/s." and the index's first hex
  // digits), each bucket's list stays short, which halves the CPU of
  // writing a key. Iterators ask for total order (TotalOrder below).
  options.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kPrefixBytes));
  options.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(kMemtableBuckets));
  options.allow_concurrent_memtable_write = false;  // the hash rep takes one writer
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (read_only) {
    if (!std::filesystem::exists(dir)) {
      return Status::NotFound("privacy key state '" + dir + "' does not exist");
    }
    s = rocksdb::DB::OpenForReadOnly(options, dir, &db);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    options.create_if_missing = true;
    // RocksDB's own LOG writer aborts on a full disk (rocks/info_log.h).
    options.info_log = rocks::OpenInfoLog(dir);
    s = rocksdb::DB::Open(options, dir, &db);
  }
  WALCAST_RETURN_IF_ERROR(FromRocks(s, "open '" + dir + "'"));
  impl->db.reset(db);
  return std::unique_ptr<SubjectKeyStore>(new SubjectKeyStore(std::move(impl)));
}

Result<std::string> SubjectKeyStore::Find(std::string_view key_id, const KeyRing& ring) {
  std::string wrapped;
  const rocksdb::Status s = impl_->Get(std::string(kKeyPrefix) + std::string(key_id), &wrapped);
  if (s.IsNotFound()) {
    return Status::NotFound("subject key '" + std::string(key_id) + "' does not exist (forgotten)");
  }
  WALCAST_RETURN_IF_ERROR(FromRocks(s, "read"));
  WALCAST_ASSIGN_OR_RETURN(Sealed sealed, ParseSealed(wrapped));
  const std::string* master = ring.Find(sealed.key_id);
  if (master == nullptr) {
    return Status::NotFound("subject key '" + std::string(key_id) + "' is wrapped by master key '" +
                            sealed.key_id + "', which the key ring lacks");
  }
  return privacy::Open(*master, sealed, std::string(kWrapContext) + std::string(key_id));
}

Result<SubjectKey> SubjectKeyStore::KeyFor(std::string_view subject_index, const KeyRing& ring) {
  const std::string subject_key = std::string(kSubjectPrefix) + std::string(subject_index);
  std::string id;
  const rocksdb::Status s = impl_->Get(subject_key, &id);
  if (s.ok()) {
    WALCAST_ASSIGN_OR_RETURN(std::string key, Find(id, ring));
    return SubjectKey{std::move(id), std::move(key)};
  }
  if (!s.IsNotFound()) WALCAST_RETURN_IF_ERROR(FromRocks(s, "read"));
  if (impl_->read_only) return Status::NotFound("no key for this subject");
  const std::string* master = ring.Find(ring.current_id());
  if (master == nullptr) return Status::InvalidArgument("privacy keys: no current master key");
  WALCAST_ASSIGN_OR_RETURN(std::string suffix, impl_->random.Take(4));
  id = "s." + std::string(subject_index) + ".";
  AppendHex(suffix, &id);
  WALCAST_ASSIGN_OR_RETURN(std::string key, impl_->random.Take(kKeyBytes));
  if (!impl_->wrapper || impl_->wrapper_ring != &ring ||
      impl_->wrapper->key_id() != ring.current_id()) {
    impl_->wrapper.reset();
    impl_->wrapper_ring = &ring;
    WALCAST_ASSIGN_OR_RETURN(Sealer wrapper, Sealer::Create(*master, ring.current_id()));
    impl_->wrapper.emplace(std::move(wrapper));
  }
  Result<std::string> sealed = impl_->wrapper->Seal(key, std::string(kWrapContext) + id);
  if (!sealed.ok()) OPENSSL_cleanse(key.data(), key.size());
  WALCAST_ASSIGN_OR_RETURN(std::string wrapped, std::move(sealed));
  if (deferred_sync_) {
    // Durable at the caller's SyncPending(), before any ciphertext under
    // it leaves walcast.
    std::lock_guard lock(impl_->mu);
    impl_->pending.insert_or_assign(std::string(kKeyPrefix) + id, std::move(wrapped));
    impl_->pending.insert_or_assign(subject_key, id);
    created_.fetch_add(1);
    return SubjectKey{std::move(id), std::move(key)};
  }
  rocksdb::WriteBatch batch;
  WALCAST_RETURN_IF_ERROR(
      FromRocks(batch.Put(AsSlice(std::string(kKeyPrefix) + id), AsSlice(wrapped)), "write"));
  WALCAST_RETURN_IF_ERROR(FromRocks(batch.Put(AsSlice(subject_key), AsSlice(id)), "write"));
  rocksdb::WriteOptions options;
  options.sync = true;  // durable before any ciphertext under it leaves walcast
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->Write(options, &batch), "write"));
  return SubjectKey{std::move(id), std::move(key)};
}

Status SubjectKeyStore::SyncPending() {
  std::lock_guard sync_lock(impl_->sync_mu);
  uint64_t target = 0;
  {
    // Every key counted in `target` is in `pending` now.
    std::lock_guard lock(impl_->mu);
    target = created_.load();
    if (synced_.load() == target) return Status::Ok();
    impl_->writing.swap(impl_->pending);
  }
  // In the map's order: the hashed memtable (Open) gains nothing from
  // sorted keys. Room for every entry up front (a record is its key, its
  // value and a few bytes of tag and lengths), so the batch never regrows.
  size_t bytes = 0;
  for (const auto& [key, value] : impl_->writing) bytes += key.size() + value.size() + 8;
  rocksdb::WriteBatch batch(bytes + 64);
  Status put;
  for (const auto& [key, value] : impl_->writing) {
    if (put.ok()) put = FromRocks(batch.Put(AsSlice(key), AsSlice(value)), "write");
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  Status written = put.ok() ? FromRocks(impl_->db->Write(options, &batch), "write") : put;
  std::lock_guard lock(impl_->mu);
  if (!written.ok()) {
    // Kept for the next try; a newer pending entry of the same key wins.
    impl_->pending.merge(impl_->writing);
    impl_->writing.clear();
    return written;
  }
  impl_->writing.clear();
  uint64_t seen = synced_.load();
  while (seen < target && !synced_.compare_exchange_weak(seen, target)) {
  }
  return Status::Ok();
}

Result<int> SubjectKeyStore::Forget(std::string_view subject_index) {
  if (impl_->read_only) return Status::InvalidArgument("privacy key state opened read-only");
  // Keys still only in memory are written first, then destroyed with the rest.
  WALCAST_RETURN_IF_ERROR(SyncPending());
  const std::string prefix = std::string(kKeyPrefix) + "s." + std::string(subject_index) + ".";
  rocksdb::WriteBatch batch;
  int count = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(TotalOrder()));
  for (it->Seek(AsSlice(prefix)); it->Valid() && it->key().starts_with(AsSlice(prefix));
       it->Next()) {
    WALCAST_RETURN_IF_ERROR(FromRocks(batch.Delete(it->key()), "delete"));
    ++count;
  }
  WALCAST_RETURN_IF_ERROR(FromRocks(it->status(), "scan"));
  WALCAST_RETURN_IF_ERROR(FromRocks(
      batch.Delete(AsSlice(std::string(kSubjectPrefix) + std::string(subject_index))), "delete"));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->Write(sync, &batch), "delete"));
  // A delete only hides the key; flushing and compacting everything rewrites
  // the table files without it, and drops the old WAL that still holds it.
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->Flush(rocksdb::FlushOptions()), "flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->CompactRange(compact, nullptr, nullptr), "compact"));
  return count;
}

Status SubjectKeyStore::Export(std::ostream& out) {
  if (!impl_->read_only) WALCAST_RETURN_IF_ERROR(SyncPending());
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(TotalOrder()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out << it->key().ToStringView() << "=" << it->value().ToStringView() << "\n";
  }
  WALCAST_RETURN_IF_ERROR(FromRocks(it->status(), "scan"));
  out.flush();
  if (!out) return Status::Unavailable("privacy export-keys: write failed");
  return Status::Ok();
}

Result<int> SubjectKeyStore::Import(std::istream& in) {
  if (impl_->read_only) return Status::InvalidArgument("privacy key state opened read-only");
  rocksdb::WriteBatch batch;
  int count = 0;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    const std::string key = line.substr(0, eq);
    const bool subject = key.rfind(kSubjectPrefix, 0) == 0;
    const bool wrapped = key.rfind(kKeyPrefix, 0) == 0 && eq != std::string::npos &&
                         ParseSealed(line.substr(eq + 1)).ok();
    if (eq == std::string::npos || (!subject && !wrapped)) {
      return Status::InvalidArgument("privacy import-keys: line " + std::to_string(line_no) +
                                     " is not an exported entry");
    }
    WALCAST_RETURN_IF_ERROR(FromRocks(
        batch.Put(AsSlice(key), AsSlice(std::string_view(line).substr(eq + 1))), "write"));
    ++count;
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->Write(sync, &batch), "write"));
  return count;
}

}  // namespace walcast::privacy
