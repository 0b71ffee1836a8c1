#pragma once

#include <atomic>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "privacy/cipher.h"
#include "privacy/key_ring.h"

namespace walcast::privacy {

// A subject's data key: its id (as written in its ciphertexts) and the key.
struct SubjectKey {
  std::string id;   // "s.<subject index>.<8 hex>"
  std::string key;  // 32 bytes
};

// The index under which a subject's keys are kept: the first 32 hex digits
// of HMAC-SHA-256(hash key, subject id), so neither the state nor the
// ciphertexts carry the subject id in clear.
std::string SubjectIndex(std::string_view hash_key, std::string_view subject);
// The same with the hash key already set in `hash` (privacy/cipher.h).
// kInternal when OpenSSL fails.
Result<std::string> SubjectIndex(Hmac& hash, std::string_view subject);

// Per-subject data keys for crypto-shredding, in a RocksDB database of
// their own (<state.dir>/privacy-<slot>). Each key is stored wrapped
// (AES-256-GCM under a master key of the KeyRing, privacy/cipher.h), never
// in clear; forgetting a subject deletes its wrapped keys and compacts the
// database so that no table file keeps them.
//
// Layout: "subject/<index>" -> current key id; "key/<key id>" -> the wrapped
// key, wc1:<master key id>:<base64>, authenticated with the key id.
//
// One thread at a time (the pipeline's in `run`; the command otherwise),
// except SyncPending, which may run on another thread meanwhile.
// A read-write open locks the directory against a second walcast.
class SubjectKeyStore {
 public:
  ~SubjectKeyStore();
  SubjectKeyStore(const SubjectKeyStore&) = delete;
  SubjectKeyStore& operator=(const SubjectKeyStore&) = delete;

  // Opens or creates the database at `dir`; read_only opens an existing one
  // without locking it (decrypt while `run` goes on). kUnavailable when it
  // is locked by a running walcast, kNotFound (read_only) when missing,
  // kCorruption when damaged.
  static Result<std::unique_ptr<SubjectKeyStore>> Open(const std::string& dir, bool read_only);

  // The subject's current key, created (random, wrapped under the ring's
  // current key) when it has none. A new key is written with fsync before
  // it is returned, so no ciphertext can outlive a lost key; with
  // set_deferred_sync(true) it is only kept in memory (where KeyFor and
  // Find see it) until SyncPending writes it, and whoever hands the
  // ciphertexts on must call SyncPending() first (core/row_transform.h:
  // the pipeline holds the outputs' changes until then, so one batched,
  // synced write covers every key created meanwhile).
  Result<SubjectKey> KeyFor(std::string_view subject_index, const KeyRing& ring);
  void set_deferred_sync(bool deferred) { deferred_sync_ = deferred; }
  // Whether a key was created that no SyncPending() has covered yet.
  bool has_unsynced() const { return created_.load() != synced_.load(); }
  // Writes every key created before the call in one batch, with fsync. May
  // run on another thread while KeyFor goes on. On an error the keys stay
  // pending for the next call.
  Status SyncPending();

  // The key with this id, unwrapped. kNotFound when it was forgotten (or
  // never existed), kCorruption when the master key does not open it,
  // kNotFound naming the master key id when the ring lacks it.
  Result<std::string> Find(std::string_view key_id, const KeyRing& ring);

  // Destroys every key of the subject; returns how many were destroyed.
  Result<int> Forget(std::string_view subject_index);

  // Writes every entry as "<key>=<value>" lines (keys stay wrapped).
  Status Export(std::ostream& out);
  // Reads Export's lines; an existing entry is overwritten. Returns the
  // count. kInvalidArgument for a line that is not an entry.
  Result<int> Import(std::istream& in);

 private:
  struct Impl;
  explicit SubjectKeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  bool deferred_sync_ = false;
  std::atomic<uint64_t> created_{0};  // keys created without fsync
  std::atomic<uint64_t> synced_{0};   // how many of them are durable
};

}  // namespace walcast::privacy
