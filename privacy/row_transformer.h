#pragma once

#include <atomic>
#include <map>
#include <memory>
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
// once per row and write it back as compact JSON.
//
// Called on the reader thread only. Borrows the key ring and the subject key
// store (null when no table has privacy.subject.*), which must outlive it.
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

 private:
  RowTransformer(RuleSet rules, const KeyRing* ring, SubjectKeyStore* subjects);

  // What to do with one relation, built at its first change.
  struct Plan {
    std::shared_ptr<const Relation> source;  // keeps the key pointer valid
    std::shared_ptr<const Relation> out;
    std::vector<size_t> kept;                     // source column index of each out column
    std::vector<std::vector<const Rule*>> rules;  // per source column
    const SubjectSource* subject = nullptr;
    int subject_column = -1;
  };
  Result<const Plan*> PlanFor(const std::shared_ptr<const Relation>& relation);
  Status TransformTuple(const Plan& plan, const TransactionInfo& txn, const ChangeEvent& event,
                        const Tuple& in, Tuple* out);
  // What seals this row's values: under the subject's key, or the current
  // master key. kRejected when the row has no subject, kFatal when the key
  // store fails.
  Result<Sealer*> SealerFor(const Plan& plan, const Tuple& row);
  Result<Sealer*> SealerForKey(const std::string& id, std::string_view key);

  RuleSet rules_;
  const KeyRing* ring_;
  SubjectKeyStore* subjects_;
  std::string hash_key_;
  std::map<std::string, bool, std::less<>> tables_;  // tables with rules
  std::unordered_map<const Relation*, Plan> plans_;
  std::unordered_map<std::string, std::string> subject_key_ids_;  // subject index -> key id
  std::unordered_map<std::string, Sealer> sealers_;               // by key id
  std::atomic<uint64_t> redacted_{0};
};

}  // namespace walcast::privacy
