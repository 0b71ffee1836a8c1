#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "privacy/key_ring.h"
#include "privacy/subject_keys.h"

namespace walcast::privacy {

// Decrypts walcast ciphertexts for `walcast privacy decrypt`: master key ids
// from the key ring, subject key ids ("s.…") from the subject key store.
// Borrows both (the store may be null: subject ciphertexts then fail).
// One thread.
class Decryptor {
 public:
  Decryptor(const KeyRing* ring, SubjectKeyStore* subjects) : ring_(ring), subjects_(subjects) {}

  // What DecryptDocument did.
  struct Outcome {
    int decrypted = 0;
    // "<where>: <reason>" for each ciphertext left as it was; never a value.
    std::vector<std::string> failures;
  };

  // One ciphertext's plaintext, its type byte first (row_transformer.h).
  // kInvalidArgument when it is no ciphertext, kNotFound when the key is
  // unknown or was forgotten, kCorruption when it does not authenticate.
  Result<std::string> DecryptValue(std::string_view text);

  // Every ciphertext in a JSON document (a Kafka record value, a search
  // document), also inside strings that hold JSON (a Debezium json column),
  // replaced by its value with its JSON type. A ciphertext that fails stays
  // as it is and is listed in outcome->failures. kInvalidArgument when
  // `json` is not JSON.
  Result<std::string> DecryptDocument(std::string_view json, Outcome* outcome);

 private:
  const KeyRing* ring_;
  SubjectKeyStore* subjects_;
};

}  // namespace walcast::privacy
