#include "wal_reader/wal2json_message.h"

#include <charconv>
#include <string>

#include "pg/type_oids.h"

namespace walcast::wal_reader::wal2json {

Status MessageView::Error(std::string_view what) const {
  return Status::Corruption("wal2json '" + std::string(1, action_) +
                            "' message: " + std::string(what));
}

Result<const JsonNode*> MessageView::Require(std::string_view key, JsonKind kind) const {
  const JsonNode* node = Find(key);
  if (node == nullptr) return Error("missing \"" + std::string(key) + "\"");
  if (node->kind != kind) return WrongKind(key, *node, kind);
  return node;
}

Result<const JsonNode*> MessageView::Optional(std::string_view key, JsonKind kind) const {
  const JsonNode* node = Find(key);
  if (node == nullptr || node->kind == JsonKind::kNull) {
    return static_cast<const JsonNode*>(nullptr);
  }
  if (node->kind != kind) return WrongKind(key, *node, kind);
  return node;
}

Status MessageView::WrongKind(std::string_view key, const JsonNode& node,
                              JsonKind expected) const {
  return Error("\"" + std::string(key) + "\" is " + std::string(KindName(node.kind)) +
               ", expected " + std::string(KindName(expected)));
}

Result<std::string_view> MessageView::String(std::string_view key) const {
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Require(key, JsonKind::kString));
  return node->text;
}

Result<bool> MessageView::Bool(std::string_view key) const {
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Require(key, JsonKind::kBool));
  return node->boolean;
}

Result<uint32_t> MessageView::Uint32(std::string_view key, const JsonNode& node) const {
  uint32_t value = 0;
  const char* begin = node.text.data();
  const char* end = begin + node.text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    return Error("\"" + std::string(key) +
                 "\" is not a 32-bit unsigned integer: " + std::string(node.text));
  }
  return value;
}

Result<std::optional<uint32_t>> MessageView::OptionalXid() const {
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Optional("xid", JsonKind::kNumber));
  if (node == nullptr) return std::optional<uint32_t>();
  WALCAST_ASSIGN_OR_RETURN(uint32_t xid, Uint32("xid", *node));
  return std::optional<uint32_t>(xid);
}

Result<Lsn> MessageView::LsnOf(std::string_view key, const JsonNode& node) const {
  std::optional<Lsn> lsn = Lsn::Parse(node.text);
  if (!lsn) return Error("\"" + std::string(key) + "\" is not an LSN: " + std::string(node.text));
  return *lsn;
}

Result<std::optional<Lsn>> MessageView::OptionalLsn(std::string_view key) const {
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Optional(key, JsonKind::kString));
  if (node == nullptr) return std::optional<Lsn>();
  WALCAST_ASSIGN_OR_RETURN(Lsn lsn, LsnOf(key, *node));
  return std::optional<Lsn>(lsn);
}

Status MessageView::Columns(const JsonNode& array, std::string_view field, bool with_values,
                            std::vector<MessageColumn>* out) const {
  out->clear();
  const std::string where = "\"" + std::string(field) + "\" ";
  for (const JsonNode* item = tree_.first_child(array); item != nullptr;
       item = tree_.next_sibling(*item)) {
    if (item->kind != JsonKind::kObject) {
      return Error(where + "entry is " + std::string(KindName(item->kind)));
    }
    MessageColumn column;
    const JsonNode* name = tree_.Find(*item, "name");
    if (name == nullptr || name->kind != JsonKind::kString) {
      return Error(where + "entry without a string \"name\"");
    }
    column.name = name->text;
    if (const JsonNode* type = tree_.Find(*item, "type"); type != nullptr) {
      if (type->kind != JsonKind::kString) {
        return Error(where + "entry with a non-string \"type\"");
      }
      column.type_name = type->text;
    }
    if (const JsonNode* oid = tree_.Find(*item, "typeoid"); oid != nullptr) {
      if (oid->kind != JsonKind::kNumber) {
        return Error(where + "entry with a non-number \"typeoid\"");
      }
      WALCAST_ASSIGN_OR_RETURN(column.type_oid, Uint32("typeoid", *oid));
    }
    if (with_values) {
      column.value = tree_.Find(*item, "value");
      if (column.value == nullptr) {
        return Error(where + "column \"" + std::string(column.name) + "\" has no \"value\"");
      }
    }
    out->push_back(column);
  }
  return Status::Ok();
}

Result<Datum> ToDatum(const MessageView& view, const MessageColumn& column) {
  const uint32_t type_oid = column.type_oid;
  const std::string_view type_name = column.type_name;
  const JsonNode& value = *column.value;
  switch (value.kind) {
    case JsonKind::kNull:
      // NaN and ±Infinity of float4/float8/numeric also arrive as null.
      return Datum::Null();
    case JsonKind::kBool:
      return Datum::Text(value.boolean ? "t" : "f");
    case JsonKind::kNumber:
      return Datum::Text(std::string(value.text));
    case JsonKind::kString:
      if (type_oid == pg::oid::kBytea || (type_oid == 0 && type_name == "bytea")) {
        std::string text = "\\x";
        text.append(value.text);
        return Datum::Text(std::move(text));
      }
      return Datum::Text(std::string(value.text));
    case JsonKind::kArray:
    case JsonKind::kObject:
      break;
  }
  return view.Error("value of column \"" + std::string(column.name) + "\" is " +
                    std::string(KindName(value.kind)));
}

}  // namespace walcast::wal_reader::wal2json
