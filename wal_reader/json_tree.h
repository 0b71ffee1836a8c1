#pragma once

#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::wal_reader {

enum class JsonKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "a boolean", ... for error messages.
std::string_view KindName(JsonKind kind);

struct JsonNode {
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();

  JsonKind kind = JsonKind::kNull;
  bool boolean = false;
  std::string_view key;   // member name when the parent is an object
  std::string_view text;  // raw number text, or the decoded string
  size_t first_child = kNone;
  size_t next_sibling = kNone;
};

// One JSON document as a flat tree built from RapidJSON's SAX events.
//
// RapidJSON's DOM would turn numbers into doubles (losing numeric digits) or,
// with kParseNumbersAsStringsFlag, into strings indistinguishable from JSON
// strings. This tree keeps numbers as their raw text and tagged as numbers.
// Parsing is in situ over a buffer reused between messages, so string and
// number text point into that buffer without copies, and iterative, so
// deeply nested input cannot exhaust the stack.
//
// The nodes and their text stay valid until the next Parse(). One thread.
class JsonTree {
 public:
  // Parses one message. kCorruption names the byte offset of the error.
  Status Parse(std::span<const std::byte> message);

  const JsonNode& root() const { return nodes_.front(); }
  const JsonNode* first_child(const JsonNode& node) const { return At(node.first_child); }
  const JsonNode* next_sibling(const JsonNode& node) const { return At(node.next_sibling); }
  // The first member named `key` of `object`, or nullptr.
  const JsonNode* Find(const JsonNode& object, std::string_view key) const;

  // RapidJSON SAX handler interface (reader.h, "Handler concept").
  bool Null();
  bool Bool(bool b);
  // kParseNumbersAsStringsFlag routes every number through RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy);
  bool String(const char* str, rapidjson::SizeType length, bool copy);
  bool StartObject();
  bool Key(const char* str, rapidjson::SizeType length, bool copy);
  bool EndObject(rapidjson::SizeType);
  bool StartArray();
  bool EndArray(rapidjson::SizeType);

 private:
  struct Open {
    size_t index;
    size_t last_child;
  };

  const JsonNode* At(size_t index) const {
    return index == JsonNode::kNone ? nullptr : &nodes_[index];
  }
  // In-situ parsing hands out pointers into buffer_ (copy == false); text
  // RapidJSON asks us to copy lives in copies_, whose elements never move.
  std::string_view Keep(const char* str, rapidjson::SizeType length, bool copy);
  bool Add(JsonNode node, bool container);

  rapidjson::Reader reader_;
  std::string buffer_;
  std::vector<JsonNode> nodes_;
  std::vector<Open> open_;
  std::string_view pending_key_;
  std::deque<std::string> copies_;
};

}  // namespace walcast::wal_reader
