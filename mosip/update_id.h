#pragma once

// MOSIP's `profile.updateId` (../shared/reference/anonymous-profile.md §4.6,
// metrics.md §4.2): the key MOSIP's Elasticsearch connector stores on each
// ID-repository profile document, and searches for on an update so that it
// can delete the document of the identity's previous snapshot.
//
// MOSIP computes it in its Kafka Connect transform, on the profile after a
// round trip through org.json (version 20210307) and java.util.HashMap:
//
//   updateId = Base64(UTF-8(new JSONObject(newProfileMap).toString()))
//
// The text is org.json's, not the producer's: no whitespace, members in
// HashMap iteration order (not the order written), members whose value is
// null dropped (null array elements stay), numbers as org.json writes them
// (1.50 -> 1.5, 1e3 -> 1E+3), strings escaped as org.json escapes them.
// UpdateIdEncoder reproduces that text byte for byte, so walcast's
// documents carry the same updateId MOSIP's connector would have written
// and the two can share an index. tests/data/elasticsearch/update_ids.sh
// checks the result against the real org.json.
//
// The one known gap: a HashMap bucket holding eight or more keys makes Java
// grow the table early (treeifyBin); profile objects have about ten keys,
// so that needs eight colliding hashes in one object, which real key names
// never have.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::mosip {

// Computes updateIds from profile JSON text. Reuses its scratch memory
// between calls. Not thread-safe: one encoder per thread.
class UpdateIdEncoder {
 public:
  UpdateIdEncoder() = default;
  UpdateIdEncoder(const UpdateIdEncoder&) = delete;
  UpdateIdEncoder& operator=(const UpdateIdEncoder&) = delete;

  // Reads `profile_json` (one JSON object) and sets *new_id to the updateId
  // of its top-level member `new_key` ("newProfile"; Annexure A's "new") and
  // *old_id to that of `old_key` ("oldProfile" / "old"). An id is left empty
  // when its member is absent, null or not an object: MOSIP writes none then.
  // kRejected when the text is not a JSON object (the profile parser refuses
  // such text first; the message has the byte offset, never the text).
  Status Compute(std::string_view profile_json, std::string_view new_key, std::string_view old_key,
                 std::string* new_id, std::string* old_id);

 private:
  friend class UpdateIdCapture;

  // One JSON value of a captured side. Strings and numbers point into text_.
  struct Node {
    enum class Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kObject, kArray };
    Kind kind = Kind::kNull;
    std::string_view key;   // member name inside an object
    std::string_view text;  // kString (decoded), kNumber (as written)
    uint32_t first_child = kNoNode;
    uint32_t next_sibling = kNoNode;
    uint32_t children = 0;
  };
  static constexpr uint32_t kNoNode = UINT32_MAX;

  // Appends org.json's text of nodes_[index] to *out.
  void Write(uint32_t index, std::string* out);
  void WriteObject(const Node& node, std::string* out);

  std::string text_;  // in-situ copy of the profile
  std::vector<Node> nodes_;
  std::string json_;  // org.json's text of one side
  // Scratch for WriteObject, one frame per nesting level.
  struct Member {
    uint32_t node = 0;
    uint32_t final_bucket = 0;
    uint32_t parsed_bucket = 0;
  };
  std::vector<std::vector<Member>> members_;
  size_t depth_ = 0;
};

}  // namespace walcast::mosip
