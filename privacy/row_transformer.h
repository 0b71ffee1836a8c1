#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/row_transform.h"
#include "privacy/cipher.h"
#include "privacy/key_ring.h"
#include "privacy/rules.h"
#include "privacy/subject_keys.h"

namespace walcast::privacy {

// The first byte of every plaintext walcast encrypts, so that `walcast
// privacy decrypt` restores the value with its JSON type.
inline constexpr char kPlainString = 's';  // a JSON string inside a JSON column
inline constexpr char kPlainJson = 'j';    // any other JSON value, as JSON text
inline constexpr char kPlainColumn = 't';  // a whole column's text

// Applies a RuleSet to each change (core/row_transform.h): the rules of the
// change's table, in order, to the old and the new row. A dropped column
// leaves the relation the sinks see; a masked, hashed or encrypted column
// becomes `text` (a Kafka `string`). Rules on JSON paths parse the column
// once per row and write it back as compact JSON; a subject read from a
// path of a column the rules parse anyway comes from that same parse.
//
// Costs kept off the per-row path: paths are split once, at Create; one
// AES-GCM context is re-keyed to each row's key (no context per subject);
// the hash key is set once; IVs come from a RandomPool; the subject keys
// of the last kMaxCachedKeys subjects stay in memory, so a known subject's
// row needs no key look-up.
//
// Called on one thread at a time (the pipeline's), except MakeDurable
// (core/row_transform.h). Borrows the key ring and the subject key store
// (null when no table has privacy.subject.*), which must outlive it.
class RowTransformer : public RowTransform {
 public:
  // kInvalidArgument when a rule needs a key the ring lacks (the current key
  // for encrypt, the hash key for hash and subjects) or subjects are
  // configured without a store.
  static Result<std::unique_ptr<RowTransformer>> Create(RuleSet rules, const KeyRing* ring,
                                                        SubjectKeyStore* subjects);

  Status Apply(const TransactionInfo& txn, const ChangeEvent& in, ChangeEvent* out) override;
  bool Applies(const ChangeEvent& event) const override;
  // New subject keys are written without fsync; MakeDurable syncs them.
  bool NeedsDurable() const override;
  Status MakeDurable() override;

  // Columns sent as NULL under privacy.on.error=redact (any thread).
  uint64_t redacted() const { return redacted_.load(std::memory_order_relaxed); }
  // Subject keys taken from the store (created or read) rather than from
  // the in-memory cache; for tests and benchmarks.
  uint64_t key_lookups() const { return key_lookups_; }

  // Subjects whose keys stay in memory (~200 bytes each); past it the cache
  // starts again empty.
  static constexpr size_t kMaxCachedKeys = 65536;

  ~RowTransformer() override;

  // A rule with its paths split once.
  struct Compiled {
    const Rule* rule = nullptr;
    std::vector<std::vector<std::string>> paths;  // parallel to rule->paths
    std::vector<std::vector<std::string>> parts;  // kDate: where each path's parts go
    std::vector<std::vector<std::string>> from;   // kConcat
    std::vector<std::string> to;                  // kConcat
  };

 private:
  RowTransformer(RuleSet rules, const KeyRing* ring, SubjectKeyStore* subjects);

  // What to do with one relation, built at its first change.
  struct Plan {
    std::shared_ptr<const Relation> source;  // keeps the key pointer valid
    std::shared_ptr<const Relation> out;
    std::vector<size_t> kept;                         // source column index of each out column
    std::vector<std::vector<const Compiled*>> rules;  // per source column
    const SubjectSource* subject = nullptr;
    int subject_column = -1;
    std::vector<std::string> subject_path;  // split subject->path
  };
  // The row's subject as far as it is known: read from the parse the rules
  // made of the subject column, or not yet.
  struct Subject {
    bool known = false;
    bool missing = false;  // known, and the row has none
    std::string text;
  };
  Result<const Plan*> PlanFor(const std::shared_ptr<const Relation>& relation);
  Status TransformTuple(const Plan& plan, const Tuple& in, Tuple* out);
  // Keys sealer_ for this row's values: the subject's key, or the current
  // master key. kRejected when the row has no subject, kFatal when the key
  // store fails.
  Status KeySealer(const Plan& plan, const Tuple& row, Subject* subject);
  Status UseKey(const std::string& id, std::string_view key);
  void ClearKeyCache();

  RuleSet rules_;
  std::vector<Compiled> compiled_;  // parallel to rules_.rules
  const KeyRing* ring_;
  SubjectKeyStore* subjects_;
  std::optional<Hmac> hash_;                         // hash rules and subject indexes
  std::optional<Sealer> sealer_;                     // re-keyed to the row's key
  std::map<std::string, bool, std::less<>> tables_;  // tables with rules
  std::unordered_map<const Relation*, Plan> plans_;
  std::unordered_map<std::string, SubjectKey> keys_;  // by subject index
  std::unique_ptr<char[]> json_buffer_;               // the parsed column's first chunk
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
  uint64_t key_lookups_ = 0;
  std::atomic<uint64_t> redacted_{0};
};

}  // namespace walcast::privacy
