#include "wal_reader/json_tree.h"

#include <rapidjson/error/en.h>

namespace walcast::wal_reader {

std::string_view KindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return "a boolean";
    case JsonKind::kNumber:
      return "a number";
    case JsonKind::kString:
      return "a string";
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kObject:
      return "an object";
  }
  return "?";
}

Status JsonTree::Parse(std::span<const std::byte> message) {
  buffer_.assign(reinterpret_cast<const char*>(message.data()), message.size());
  // The in-situ stream ends at the first NUL, which would hide whatever
  // follows it; wal2json never emits one.
  if (size_t nul = buffer_.find('\0'); nul != std::string::npos) {
    return Status::Corruption("wal2json message: NUL byte at offset " + std::to_string(nul));
  }
  nodes_.clear();
  open_.clear();
  copies_.clear();
  pending_key_ = {};
  rapidjson::InsituStringStream stream(buffer_.data());
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  const rapidjson::ParseResult result = reader_.Parse<kFlags>(stream, *this);
  if (result.IsError()) {
    return Status::Corruption("wal2json message: malformed JSON at byte offset " +
                              std::to_string(result.Offset()) + ": " +
                              rapidjson::GetParseError_En(result.Code()));
  }
  return Status::Ok();
}

const JsonNode* JsonTree::Find(const JsonNode& object, std::string_view key) const {
  for (const JsonNode* n = first_child(object); n != nullptr; n = next_sibling(*n)) {
    if (n->key == key) return n;
  }
  return nullptr;
}

bool JsonTree::Null() { return Add(JsonNode{}, false); }

bool JsonTree::Bool(bool b) {
  JsonNode node;
  node.kind = JsonKind::kBool;
  node.boolean = b;
  return Add(node, false);
}

bool JsonTree::RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
  JsonNode node;
  node.kind = JsonKind::kNumber;
  node.text = Keep(str, length, copy);
  return Add(node, false);
}

bool JsonTree::String(const char* str, rapidjson::SizeType length, bool copy) {
  JsonNode node;
  node.kind = JsonKind::kString;
  node.text = Keep(str, length, copy);
  return Add(node, false);
}

bool JsonTree::StartObject() {
  JsonNode node;
  node.kind = JsonKind::kObject;
  return Add(node, true);
}

bool JsonTree::Key(const char* str, rapidjson::SizeType length, bool copy) {
  pending_key_ = Keep(str, length, copy);
  return true;
}

bool JsonTree::EndObject(rapidjson::SizeType) {
  open_.pop_back();
  return true;
}

bool JsonTree::StartArray() {
  JsonNode node;
  node.kind = JsonKind::kArray;
  return Add(node, true);
}

bool JsonTree::EndArray(rapidjson::SizeType) {
  open_.pop_back();
  return true;
}

std::string_view JsonTree::Keep(const char* str, rapidjson::SizeType length, bool copy) {
  if (!copy) return {str, length};
  return copies_.emplace_back(str, length);
}

bool JsonTree::Add(JsonNode node, bool container) {
  const size_t index = nodes_.size();
  node.key = pending_key_;
  pending_key_ = {};
  nodes_.push_back(node);
  if (!open_.empty()) {
    Open& parent = open_.back();
    if (parent.last_child == JsonNode::kNone) {
      nodes_[parent.index].first_child = index;
    } else {
      nodes_[parent.last_child].next_sibling = index;
    }
    parent.last_child = index;
  }
  if (container) open_.push_back(Open{index, JsonNode::kNone});
  return true;
}

}  // namespace walcast::wal_reader
