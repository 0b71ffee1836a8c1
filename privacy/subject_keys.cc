#include "privacy/subject_keys.h"

#include <openssl/crypto.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <istream>
#include <ostream>

#include "core/encoding.h"
#include "privacy/cipher.h"
#include "rocks/info_log.h"

namespace walcast::privacy {
namespace {

constexpr std::string_view kSubjectPrefix = "subject/";
constexpr std::string_view kKeyPrefix = "key/";
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

}  // namespace

std::string SubjectIndex(std::string_view hash_key, std::string_view subject) {
  return HmacSha256Hex(hash_key, subject).substr(0, 32);
}

struct SubjectKeyStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  bool read_only = false;
};

SubjectKeyStore::SubjectKeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SubjectKeyStore::~SubjectKeyStore() = default;

Result<std::unique_ptr<SubjectKeyStore>> SubjectKeyStore::Open(const std::string& dir,
                                                               bool read_only) {
  auto impl = std::make_unique<Impl>();
  impl->read_only = read_only;
  rocksdb::Options options;
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
  const rocksdb::Status s = impl_->db->Get(
      rocksdb::ReadOptions(), AsSlice(std::string(kKeyPrefix) + std::string(key_id)), &wrapped);
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
  const rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), AsSlice(subject_key), &id);
  if (s.ok()) {
    WALCAST_ASSIGN_OR_RETURN(std::string key, Find(id, ring));
    return SubjectKey{std::move(id), std::move(key)};
  }
  if (!s.IsNotFound()) WALCAST_RETURN_IF_ERROR(FromRocks(s, "read"));
  if (impl_->read_only) return Status::NotFound("no key for this subject");
  const std::string* master = ring.Find(ring.current_id());
  if (master == nullptr) return Status::InvalidArgument("privacy keys: no current master key");
  WALCAST_ASSIGN_OR_RETURN(std::string suffix, RandomBytes(4));
  id = "s." + std::string(subject_index) + ".";
  AppendHex(suffix, &id);
  WALCAST_ASSIGN_OR_RETURN(std::string key, RandomBytes(kKeyBytes));
  WALCAST_ASSIGN_OR_RETURN(std::string wrapped,
                           Seal(*master, ring.current_id(), key, std::string(kWrapContext) + id));
  rocksdb::WriteBatch batch;
  WALCAST_RETURN_IF_ERROR(
      FromRocks(batch.Put(AsSlice(std::string(kKeyPrefix) + id), AsSlice(wrapped)), "write"));
  WALCAST_RETURN_IF_ERROR(FromRocks(batch.Put(AsSlice(subject_key), AsSlice(id)), "write"));
  rocksdb::WriteOptions options;
  // Durable before any ciphertext under it leaves walcast: now, or at the
  // caller's SyncPending().
  options.sync = !deferred_sync_;
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->Write(options, &batch), "write"));
  if (deferred_sync_) created_.fetch_add(1);
  return SubjectKey{std::move(id), std::move(key)};
}

Status SubjectKeyStore::SyncPending() {
  // Every key counted in `target` was written to the log before this read.
  const uint64_t target = created_.load();
  if (synced_.load() == target) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(FromRocks(impl_->db->SyncWAL(), "sync"));
  uint64_t seen = synced_.load();
  while (seen < target && !synced_.compare_exchange_weak(seen, target)) {
  }
  return Status::Ok();
}

Result<int> SubjectKeyStore::Forget(std::string_view subject_index) {
  if (impl_->read_only) return Status::InvalidArgument("privacy key state opened read-only");
  const std::string prefix = std::string(kKeyPrefix) + "s." + std::string(subject_index) + ".";
  rocksdb::WriteBatch batch;
  int count = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
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
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
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
