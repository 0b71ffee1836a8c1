#include "mosip/update_id.h"

#include <rapidjson/reader.h>

#include <algorithm>

#include "core/encoding.h"
#include "core/escape.h"
#include "core/java_hash_map.h"

namespace walcast::mosip {
namespace {

// Deeper sides are refused; real profiles nest four levels.
constexpr int kMaxDepth = 64;

// Decodes the code point at s[i] (valid UTF-8: the parser validated it)
// into *cp and returns its length in bytes.
size_t NextCodePoint(std::string_view s, size_t i, uint32_t* cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 1;
  *cp = c;
  if (c >= 0xF0) {
    *cp = c & 0x07;
    n = 4;
  } else if (c >= 0xE0) {
    *cp = c & 0x0F;
    n = 3;
  } else if (c >= 0xC0) {
    *cp = c & 0x1F;
    n = 2;
  }
  for (size_t k = 1; k < n && i + k < s.size(); ++k) {
    *cp = (*cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return n;
}

// JSONObject.quote: escapes '"' and '\\', '/' after '<', the control
// characters, and U+0080..U+009F and U+2000..U+20FF as \uXXXX.
void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  uint32_t previous = 0;
  for (size_t i = 0; i < s.size();) {
    // A run of printable ASCII that needs no escape goes out in one piece.
    size_t run = i;
    while (run < s.size() && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' && s[run] != '\\' &&
           s[run] != '/') {
      ++run;
    }
    if (run > i) {
      out->append(s.substr(i, run - i));
      previous = static_cast<unsigned char>(s[run - 1]);
      i = run;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = NextCodePoint(s, i, &cp);
    if (cp >= 0x10000) {  // a surrogate pair: never escaped
      out->append(s.substr(i, n));
      i += n;
      previous = 0xDC00;
      continue;
    }
    if (cp == '"') {
      out->append("\\\"");
    } else if (cp == '/') {
      if (previous == '<') out->push_back('\\');
      out->push_back('/');
    } else if (const std::string_view e = ShortEscape(cp); !e.empty()) {
      out->append(e);
    } else if (cp < 0x20 || (cp >= 0x80 && cp < 0xA0) || (cp >= 0x2000 && cp < 0x2100)) {
      AppendUnicodeEscape(cp, /*upper_case=*/false, out);
    } else {
      out->append(s.substr(i, n));
    }
    previous = cp;
    i += n;
  }
  out->push_back('"');
}

// A JSON number as org.json writes it back. org.json reads a number without
// '.', 'e' or 'E' as an Integer, Long or BigInteger (printed as written: JSON
// has no leading zeros), "-0" and negative zeros as the double -0.0, and any
// other number as a BigDecimal; it then prints BigDecimal.toString() with
// trailing fraction zeros (and a bare '.') removed unless there is an
// exponent.
void AppendJavaNumber(std::string_view text, std::string* out) {
  const bool decimal = text.find_first_of(".eE") != std::string_view::npos || text == "-0";
  if (!decimal) {
    out->append(text);
    return;
  }
  const bool negative = !text.empty() && text.front() == '-';
  std::string_view rest = negative ? text.substr(1) : text;
  const size_t e = rest.find_first_of("eE");
  const std::string_view mantissa = rest.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp = rest.substr(e + 1);
    const bool exp_negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) exp.remove_prefix(1);
    for (const char c : exp) {
      exponent = std::min<int64_t>(exponent * 10 + (c - '0'), int64_t{1} << 40);
    }
    if (exp_negative) exponent = -exponent;
  }
  const size_t dot = mantissa.find('.');
  const std::string_view int_part = mantissa.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  std::string coeff;
  coeff.reserve(int_part.size() + frac_part.size());
  coeff.append(int_part).append(frac_part);
  const size_t first = coeff.find_first_not_of('0');
  if (first == std::string::npos) {
    if (negative) {  // org.json: BigDecimal zero with a '-' becomes -0.0
      out->append("-0");
      return;
    }
    coeff = "0";
  } else {
    coeff.erase(0, first);
  }
  const int64_t scale = static_cast<int64_t>(frac_part.size()) - exponent;
  const auto digits = static_cast<int64_t>(coeff.size());
  std::string s;
  if (negative && coeff != "0") s.push_back('-');
  if (scale == 0) {
    s.append(coeff);
  } else if (const int64_t adjusted = -scale + (digits - 1); scale > 0 && adjusted >= -6) {
    if (digits > scale) {
      s.append(coeff, 0, static_cast<size_t>(digits - scale));
      s.push_back('.');
      s.append(coeff, static_cast<size_t>(digits - scale));
    } else {
      s.append("0.");
      s.append(static_cast<size_t>(scale - digits), '0');
      s.append(coeff);
    }
  } else {
    s.push_back(coeff[0]);
    if (digits > 1) {
      s.push_back('.');
      s.append(coeff, 1);
    }
    if (adjusted != 0) {
      s.push_back('E');
      if (adjusted > 0) s.push_back('+');
      s.append(std::to_string(adjusted));
    }
  }
  // JSONObject.numberToString.
  if (s.find('.') != std::string::npos && s.find('E') == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  out->append(s);
}

}  // namespace

// Builds the nodes of the two captured sides from the reader's events.
class UpdateIdCapture : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, UpdateIdCapture> {
 public:
  using Node = UpdateIdEncoder::Node;

  UpdateIdCapture(UpdateIdEncoder& encoder, std::string_view new_key, std::string_view old_key)
      : encoder_(encoder), new_key_(new_key), old_key_(old_key) {}

  uint32_t new_root = UpdateIdEncoder::kNoNode;
  uint32_t old_root = UpdateIdEncoder::kNoNode;
  bool not_an_object = false;
  bool too_deep = false;

  bool Null() { return Add(Node::Kind::kNull, {}); }
  bool Bool(bool b) { return Add(b ? Node::Kind::kTrue : Node::Kind::kFalse, {}); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return Add(Node::Kind::kNumber, {s, n});
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return Add(Node::Kind::kString, {s, n});
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view key(s, n);
    if (!open_.empty()) {
      pending_key_ = key;
    } else if (depth_ == 1) {
      target_ = key == new_key_ ? &new_root : key == old_key_ ? &old_root : nullptr;
    }
    return true;
  }
  bool StartObject() { return Open(Node::Kind::kObject); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(Node::Kind::kArray); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

 private:
  struct OpenNode {
    uint32_t node;
    uint32_t last_child;
  };

  // Records a value if it lies inside a captured side; returns its node.
  uint32_t Record(Node::Kind kind, std::string_view text) {
    uint32_t index = UpdateIdEncoder::kNoNode;
    if (!open_.empty()) {
      index = static_cast<uint32_t>(encoder_.nodes_.size());
      Node& node = encoder_.nodes_.emplace_back();
      node.kind = kind;
      node.text = text;
      OpenNode& parent = open_.back();
      Node& p = encoder_.nodes_[parent.node];
      if (p.kind == Node::Kind::kObject) encoder_.nodes_[index].key = pending_key_;
      if (parent.last_child == UpdateIdEncoder::kNoNode) {
        p.first_child = index;
      } else {
        encoder_.nodes_[parent.last_child].next_sibling = index;
      }
      ++p.children;
      parent.last_child = index;
    } else if (depth_ == 1 && target_ != nullptr) {
      index = static_cast<uint32_t>(encoder_.nodes_.size());
      Node& node = encoder_.nodes_.emplace_back();
      node.kind = kind;
      node.text = text;
      *target_ = kind == Node::Kind::kObject ? index : UpdateIdEncoder::kNoNode;
    }
    if (depth_ == 1) target_ = nullptr;
    return index;
  }

  bool Add(Node::Kind kind, std::string_view text) {
    if (depth_ == 0) {
      not_an_object = true;
      return false;
    }
    Record(kind, text);
    return true;
  }

  bool Open(Node::Kind kind) {
    if (depth_ == 0) {
      if (kind != Node::Kind::kObject) {
        not_an_object = true;
        return false;
      }
      ++depth_;
      return true;
    }
    if (depth_ >= kMaxDepth) {
      too_deep = true;
      return false;
    }
    const uint32_t index = Record(kind, {});
    ++depth_;
    if (index != UpdateIdEncoder::kNoNode) open_.push_back({index, UpdateIdEncoder::kNoNode});
    return true;
  }

  bool Close() {
    --depth_;
    if (!open_.empty()) open_.pop_back();
    return true;
  }

  UpdateIdEncoder& encoder_;
  const std::string_view new_key_;
  const std::string_view old_key_;
  int depth_ = 0;
  uint32_t* target_ = nullptr;
  std::string_view pending_key_;
  std::vector<OpenNode> open_;
};

Status UpdateIdEncoder::Compute(std::string_view profile_json, std::string_view new_key,
                                std::string_view old_key, std::string* new_id,
                                std::string* old_id) {
  new_id->clear();
  old_id->clear();
  nodes_.clear();
  text_.assign(profile_json);
  UpdateIdCapture capture(*this, new_key, old_key);
  rapidjson::Reader reader;
  rapidjson::InsituStringStream stream(text_.data());
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  const rapidjson::ParseResult parsed = reader.Parse<kFlags>(stream, capture);
  if (capture.not_an_object) return Status::Rejected("updateId: the profile is not a JSON object");
  if (capture.too_deep) {
    return Status::Rejected("updateId: the profile nests deeper than " + std::to_string(kMaxDepth) +
                            " levels");
  }
  if (parsed.IsError()) {
    return Status::Rejected("updateId: malformed JSON at offset " +
                            std::to_string(parsed.Offset()));
  }
  for (const auto& [root, id] : {std::pair{capture.new_root, new_id}, {capture.old_root, old_id}}) {
    if (root == kNoNode) continue;
    json_.clear();
    depth_ = 0;
    Write(root, &json_);
    id->reserve((json_.size() + 2) / 3 * 4);
    AppendBase64(json_, id);
  }
  return Status::Ok();
}

void UpdateIdEncoder::Write(uint32_t index, std::string* out) {
  const Node& node = nodes_[index];
  switch (node.kind) {
    case Node::Kind::kNull:
      out->append("null");
      return;
    case Node::Kind::kFalse:
      out->append("false");
      return;
    case Node::Kind::kTrue:
      out->append("true");
      return;
    case Node::Kind::kNumber:
      AppendJavaNumber(node.text, out);
      return;
    case Node::Kind::kString:
      AppendQuoted(node.text, out);
      return;
    case Node::Kind::kArray: {
      out->push_back('[');
      for (uint32_t c = node.first_child; c != kNoNode; c = nodes_[c].next_sibling) {
        if (c != node.first_child) out->push_back(',');
        Write(c, out);
      }
      out->push_back(']');
      return;
    }
    case Node::Kind::kObject:
      WriteObject(node, out);
      return;
  }
}

void UpdateIdEncoder::WriteObject(const Node& node, std::string* out) {
  if (members_.size() <= depth_) members_.resize(depth_ + 1);
  std::vector<Member>& members = members_[depth_];
  members.clear();
  // Distinct keys in the order written; a repeated key keeps its first
  // place and takes the last value, as HashMap.put does.
  for (uint32_t c = node.first_child; c != kNoNode; c = nodes_[c].next_sibling) {
    auto same = std::find_if(members.begin(), members.end(),
                             [&](const Member& m) { return nodes_[m.node].key == nodes_[c].key; });
    if (same != members.end()) {
      same->node = c;
    } else {
      members.push_back({c, 0, 0});
    }
  }
  // The parsed maps (org.json's, then the connector's copy) are default
  // HashMaps holding every key, nulls included; new JSONObject(map) copies
  // the non-null ones into a HashMap sized for every key.
  const auto all = static_cast<uint32_t>(members.size());
  const auto non_null =
      static_cast<uint32_t>(std::count_if(members.begin(), members.end(), [&](const Member& m) {
        return nodes_[m.node].kind != Node::Kind::kNull;
      }));
  const uint32_t parsed_capacity = JavaHashMapCapacity(16, all);
  const uint32_t final_capacity = JavaHashMapCapacity(JavaTableSizeFor(all), non_null);
  std::erase_if(members, [&](const Member& m) { return nodes_[m.node].kind == Node::Kind::kNull; });
  for (Member& m : members) {
    const int32_t h = JavaStringHash(nodes_[m.node].key);
    m.final_bucket = JavaHashMapBucket(h, final_capacity);
    m.parsed_bucket = JavaHashMapBucket(h, parsed_capacity);
  }
  // Copying a map iterates it bucket by bucket: the order is the final
  // bucket, then the parsed map's bucket, then the order written.
  std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
    if (a.final_bucket != b.final_bucket) return a.final_bucket < b.final_bucket;
    return a.parsed_bucket < b.parsed_bucket;
  });
  out->push_back('{');
  ++depth_;
  // Index, not reference: deeper objects may grow members_.
  const size_t level = depth_ - 1;
  for (size_t i = 0; i < members_[level].size(); ++i) {
    const Member m = members_[level][i];
    if (i > 0) out->push_back(',');
    AppendQuoted(nodes_[m.node].key, out);
    out->push_back(':');
    Write(m.node, out);
  }
  --depth_;
  out->push_back('}');
}

}  // namespace walcast::mosip
