#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/lsn.h"
#include "core/status.h"
#include "wal_reader/json_tree.h"

namespace walcast::wal_reader::wal2json {

// One entry of a "columns", "identity" or "pk" array.
struct MessageColumn {
  std::string_view name;
  std::string_view type_name;  // empty without "type"
  uint32_t type_oid = 0;       // 0 without "typeoid"
  const JsonNode* value = nullptr;
};

// Field access to one wal2json message with errors (kCorruption) that name
// the message kind and the field. Borrows the tree, which must outlive it.
class MessageView {
 public:
  MessageView(const JsonTree& tree, const JsonNode& object, char action)
      : tree_(tree), object_(object), action_(action) {}

  Status Error(std::string_view what) const;

  const JsonNode* Find(std::string_view key) const { return tree_.Find(object_, key); }

  // The member `key` of kind `kind`; kCorruption when absent or of another kind.
  Result<const JsonNode*> Require(std::string_view key, JsonKind kind) const;
  // Like Require, but absent or null yields nullptr.
  Result<const JsonNode*> Optional(std::string_view key, JsonKind kind) const;
  Status WrongKind(std::string_view key, const JsonNode& node, JsonKind expected) const;

  Result<std::string_view> String(std::string_view key) const;
  Result<bool> Bool(std::string_view key) const;
  Result<uint32_t> Uint32(std::string_view key, const JsonNode& node) const;
  // A present, non-null "xid" (nullopt when absent or null).
  Result<std::optional<uint32_t>> OptionalXid() const;
  Result<Lsn> LsnOf(std::string_view key, const JsonNode& node) const;
  Result<std::optional<Lsn>> OptionalLsn(std::string_view key) const;

  // The entries of `array`, the message's `field` ("columns", "identity" or
  // "pk"); with_values requires each to have a "value".
  Status Columns(const JsonNode& array, std::string_view field, bool with_values,
                 std::vector<MessageColumn>* out) const;

 private:
  const JsonTree& tree_;
  const JsonNode& object_;
  char action_;
};

// PostgreSQL text output for a wal2json value (pg_decode_write_value): bool
// is printed as JSON true/false, the numeric types as bare numbers (their
// output text verbatim), bytea without its "\x" prefix, everything else as a
// JSON string holding the output text. kCorruption for an array or object.
Result<Datum> ToDatum(const MessageView& view, const MessageColumn& column);

}  // namespace walcast::wal_reader::wal2json
