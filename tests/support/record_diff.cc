#include "tests/support/record_diff.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <set>
#include <string_view>
#include <utility>

#include "rapidjson/encodedstream.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::testing {
namespace {

constexpr char kMissing[] = "<missing>";
constexpr size_t kMaxShown = 400;  // characters of a value shown in a report line

// The data_collection name Debezium 3.7 gives a logical decoding message in
// a transaction END record: the class name and Object.hashCode, a JVM
// identity hash that changes on every run.
constexpr std::string_view kMessageIdPrefix =
    "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId@";
constexpr char kRunIdHeader[] = "__debezium.context.runId";

// A parsed JSON value that keeps what the comparison needs and a DOM loses:
// the order of object members and the text of each number as written.
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;                // "true"/"false", a number as written, a decoded string
  std::vector<std::string> keys;   // kObject: member names in order
  std::vector<JsonNode> children;  // kObject: values parallel to keys; kArray: elements

  const JsonNode* Get(std::string_view key) const {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &children[i];
    }
    return nullptr;
  }
  // The member `key` if it is a string, else nullptr.
  const std::string* GetString(std::string_view key) const {
    const JsonNode* n = Get(key);
    return n != nullptr && n->kind == Kind::kString ? &n->text : nullptr;
  }
};

// RapidJSON SAX handler that builds a JsonNode. Numbers arrive through
// RawNumber (kParseNumbersAsStringsFlag) with their text untouched.
class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
 public:
  bool Null() { return Add(JsonNode{}); }
  bool Bool(bool b) { return Add(Leaf(JsonNode::Kind::kBool, b ? "true" : "false")); }
  bool RawNumber(const char* s, rapidjson::SizeType length, bool /*copy*/) {
    return Add(Leaf(JsonNode::Kind::kNumber, std::string(s, length)));
  }
  bool String(const char* s, rapidjson::SizeType length, bool /*copy*/) {
    return Add(Leaf(JsonNode::Kind::kString, std::string(s, length)));
  }
  bool StartObject() { return Open(JsonNode::Kind::kObject); }
  bool Key(const char* s, rapidjson::SizeType length, bool /*copy*/) {
    stack_.back().keys.emplace_back(s, length);
    return true;
  }
  bool EndObject(rapidjson::SizeType /*members*/) { return Close(); }
  bool StartArray() { return Open(JsonNode::Kind::kArray); }
  bool EndArray(rapidjson::SizeType /*elements*/) { return Close(); }

  JsonNode root;

 private:
  static JsonNode Leaf(JsonNode::Kind kind, std::string text) {
    JsonNode n;
    n.kind = kind;
    n.text = std::move(text);
    return n;
  }
  bool Open(JsonNode::Kind kind) {
    stack_.emplace_back();
    stack_.back().kind = kind;
    return true;
  }
  bool Close() {
    JsonNode n = std::move(stack_.back());
    stack_.pop_back();
    return Add(std::move(n));
  }
  bool Add(JsonNode n) {
    if (stack_.empty()) {
      root = std::move(n);
    } else {
      stack_.back().children.push_back(std::move(n));
    }
    return true;
  }

  std::vector<JsonNode> stack_;
};

// nullopt when `text` is not one valid UTF-8 JSON document.
std::optional<JsonNode> Parse(const std::string& text) {
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(memory);
  TreeBuilder builder;
  rapidjson::Reader reader;
  if (reader
          .Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag>(
              in, builder)
          .IsError()) {
    return std::nullopt;
  }
  return std::move(builder.root);
}

void Write(const JsonNode& n, rapidjson::Writer<rapidjson::StringBuffer>* w) {
  switch (n.kind) {
    case JsonNode::Kind::kNull:
      w->Null();
      return;
    case JsonNode::Kind::kBool:
      w->Bool(n.text == "true");
      return;
    case JsonNode::Kind::kNumber:
      w->RawValue(n.text.data(), n.text.size(), rapidjson::kNumberType);
      return;
    case JsonNode::Kind::kString:
      w->String(n.text.data(), static_cast<rapidjson::SizeType>(n.text.size()));
      return;
    case JsonNode::Kind::kArray:
      w->StartArray();
      for (const JsonNode& c : n.children) Write(c, w);
      w->EndArray();
      return;
    case JsonNode::Kind::kObject:
      w->StartObject();
      for (size_t i = 0; i < n.keys.size(); ++i) {
        w->Key(n.keys[i].data(), static_cast<rapidjson::SizeType>(n.keys[i].size()));
        Write(n.children[i], w);
      }
      w->EndObject();
      return;
  }
}

std::string Shorten(std::string s) {
  if (s.size() > kMaxShown) {
    s.resize(kMaxShown);
    s += "…";
  }
  return s;
}

// Compact JSON of `n`, cut to kMaxShown characters.
std::string Render(const JsonNode& n) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  Write(n, &w);
  return Shorten(std::string(buffer.GetString(), buffer.GetSize()));
}

std::string RenderBytes(const std::optional<std::string>& bytes) {
  return bytes ? Shorten(*bytes) : "<null>";
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ",") + k;
  return Shorten(out);
}

// Debezium's documents are either {"schema":…,"payload":…}
// (schemas.enable=true) or the payload itself.
bool Wrapped(const JsonNode& doc) {
  return doc.kind == JsonNode::Kind::kObject && doc.keys.size() == 2 && doc.keys[0] == "schema" &&
         doc.keys[1] == "payload";
}

struct Payload {
  const JsonNode* node = nullptr;
  std::string path;  // of the payload within the document: "" or "/payload"
};

Payload PayloadOf(const JsonNode& doc) {
  if (Wrapped(doc)) return {doc.Get("payload"), "/payload"};
  return {&doc, ""};
}

// Where a snapshot read says the snapshot was taken.
struct SnapshotPosition {
  std::string path;       // of the source block: "/source" or "/payload/source"
  std::string connector;  // source.name
  std::string tx_id;      // as written
  std::string lsn;
  std::string sequence;
};

std::optional<SnapshotPosition> SnapshotPositionOf(const JsonNode& doc) {
  const Payload p = PayloadOf(doc);
  if (p.node == nullptr || p.node->kind != JsonNode::Kind::kObject) return std::nullopt;
  const std::string* op = p.node->GetString("op");
  const JsonNode* source = p.node->Get("source");
  if (op == nullptr || *op != "r" || source == nullptr) return std::nullopt;
  SnapshotPosition pos;
  pos.path = p.path + "/source";
  const std::string* name = source->GetString("name");
  pos.connector = name != nullptr ? *name : "";
  if (const JsonNode* n = source->Get("txId")) pos.tx_id = n->text;
  if (const JsonNode* n = source->Get("lsn")) pos.lsn = n->text;
  if (const std::string* s = source->GetString("sequence")) pos.sequence = *s;
  return pos;
}

// Paths of a document whose values are not compared (see the header for the
// rules and why each value must differ between the two tools).
std::set<std::string> MaskedPaths(const JsonNode& doc) {
  std::set<std::string> masked;
  const Payload p = PayloadOf(doc);
  if (p.node == nullptr || p.node->kind != JsonNode::Kind::kObject) return masked;
  const std::string* op = p.node->GetString("op");
  // Change events and logical decoding messages: the envelope's times are
  // when each tool processed the event. (Transaction records have no op;
  // their ts_ms is the commit time and is compared.)
  if (op != nullptr) {
    for (const char* f : {"ts_ms", "ts_us", "ts_ns"}) {
      if (p.node->Get(f) != nullptr) masked.insert(p.path + "/" + f);
    }
  }
  if (const JsonNode* source = p.node->Get("source");
      source != nullptr && source->kind == JsonNode::Kind::kObject) {
    masked.insert(p.path + "/source/version");  // "3.7.0.Final" vs walcast's own
    if (op != nullptr && *op == "r") {
      // Each tool reads its own snapshot: its own transaction, its own
      // slot's consistent point, at its own time. CheckSnapshot compares the
      // shape instead.
      for (const char* f : {"ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence"}) {
        masked.insert(p.path + "/source/" + f);
      }
    }
  }
  return masked;
}

// Copies `raw` (valid JSON) with each value whose path is in `masked`
// replaced by "#", so that the bytes of two documents can be compared with
// the masked values left out.
class RawMasker {
 public:
  RawMasker(std::string_view raw, const std::set<std::string>& masked)
      : raw_(raw), masked_(masked) {}

  std::string Run() {
    std::string path;
    Value(&path);
    out_.append(raw_.substr(pos_));  // trailing whitespace, if any
    return std::move(out_);
  }

 private:
  void Space() {
    while (pos_ < raw_.size() && std::isspace(static_cast<unsigned char>(raw_[pos_]))) {
      out_.push_back(raw_[pos_++]);
    }
  }
  // The raw text of the string starting at pos_ (quotes included).
  std::string_view StringToken() {
    size_t end = pos_ + 1;
    while (end < raw_.size() && raw_[end] != '"') end += raw_[end] == '\\' ? 2 : 1;
    return raw_.substr(pos_, std::min(end + 1, raw_.size()) - pos_);
  }
  // Skips one value without copying it.
  void Skip() {
    if (pos_ >= raw_.size()) return;
    const char c = raw_[pos_];
    if (c == '"') {
      pos_ += StringToken().size();
      return;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (pos_ < raw_.size()) {
        const char ch = raw_[pos_];
        if (ch == '"') {
          pos_ += StringToken().size();
          continue;
        }
        if (ch == '{' || ch == '[') ++depth;
        if (ch == '}' || ch == ']') --depth;
        ++pos_;
        if (depth == 0) return;
      }
      return;
    }
    // A number or a literal: up to the next delimiter.
    while (pos_ < raw_.size() && raw_[pos_] != ',' && raw_[pos_] != '}' && raw_[pos_] != ']' &&
           !std::isspace(static_cast<unsigned char>(raw_[pos_]))) {
      ++pos_;
    }
  }
  void Value(std::string* path) {
    Space();
    if (pos_ >= raw_.size()) return;
    if (masked_.count(*path) > 0) {
      Skip();
      out_.push_back('#');
      return;
    }
    const char c = raw_[pos_];
    if (c != '{' && c != '[') {
      const size_t start = pos_;
      Skip();
      out_.append(raw_.substr(start, pos_ - start));
      return;
    }
    out_.push_back(raw_[pos_++]);
    const size_t base = path->size();
    for (size_t index = 0;; ++index) {
      Space();
      if (pos_ < raw_.size() && (raw_[pos_] == '}' || raw_[pos_] == ']')) break;
      if (c == '{') {
        const std::string_view key = StringToken();
        out_.append(key);
        pos_ += key.size();
        // Keys of these documents carry no escapes: the raw text is the name.
        path->append("/").append(key.substr(1, key.size() >= 2 ? key.size() - 2 : 0));
        Space();
        if (pos_ < raw_.size()) out_.push_back(raw_[pos_++]);  // ':'
      } else {
        path->append("/").append(std::to_string(index));
      }
      Value(path);
      path->resize(base);
      Space();
      if (pos_ < raw_.size() && raw_[pos_] == ',') {
        out_.push_back(raw_[pos_++]);
      } else {
        break;
      }
    }
    if (pos_ < raw_.size()) out_.push_back(raw_[pos_++]);  // '}' or ']'
  }

  std::string_view raw_;
  const std::set<std::string>& masked_;
  size_t pos_ = 0;
  std::string out_;
};

// The significant digits of a decimal or scientific number's mantissa.
std::string SignificantDigits(std::string_view text) {
  std::string digits;
  for (char c : text.substr(0, text.find_first_of("eE"))) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  digits.erase(0, first);
  digits.erase(digits.find_last_not_of('0') + 1);
  return digits;
}

// JDK 17's Double.toString and Float.toString (FloatingDecimal) sometimes
// print more digits than needed to tell the value apart (2e23 prints as
// "1.9999999999999998E23", 2.82879384806159E17 as "2.82879384806159008E17",
// float 8.589974E9 as "8.5899735E9"); JDK 19 fixed that
// (JDK-4511638), so the text Debezium writes depends on the JVM it runs on.
// walcast writes the shortest form. Accepted: both texts are Java
// floating-point literals of the same value in the same notation, and
// walcast's has no more significant digits than Debezium's. The value is
// compared as the field's type says ("float": as a float, whose JDK 17
// text may name another double; "double"), or as either when the record
// carries no schema.
bool JdkFloatTextsAgree(const std::string& debezium, const std::string& walcast,
                        const std::string* connect_type) {
  // Java's forms: a '.' always, 'E' (never 'e') for the scientific one.
  auto java_like = [](const std::string& s) {
    return s.find('.') != std::string::npos && s.find('e') == std::string::npos;
  };
  if (!java_like(debezium) || !java_like(walcast)) return false;
  if ((debezium.find('E') == std::string::npos) != (walcast.find('E') == std::string::npos)) {
    return false;
  }
  if (SignificantDigits(walcast).size() > SignificantDigits(debezium).size()) return false;
  char* end_d = nullptr;
  char* end_w = nullptr;
  const double d = std::strtod(debezium.c_str(), &end_d);
  const double w = std::strtod(walcast.c_str(), &end_w);
  if (*end_d != '\0' || *end_w != '\0' || !std::isfinite(d)) return false;
  const bool same_double = d == w;
  const bool same_float =
      std::strtof(debezium.c_str(), nullptr) == std::strtof(walcast.c_str(), nullptr);
  if (connect_type == nullptr) return same_double || same_float;
  if (*connect_type == "float") return same_float;
  return *connect_type == "double" && same_double;
}

// The Connect type ("float", "double", ...) the schema `schema` gives the
// payload value at `path` ("/after/c_real", "/after/c_arr/1"); nullptr
// when the schema does not say.
const std::string* ConnectTypeAt(const JsonNode* schema, std::string_view path) {
  while (schema != nullptr && !path.empty()) {
    path.remove_prefix(1);  // '/'
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    const std::string* type = schema->GetString("type");
    if (type == nullptr) return nullptr;
    if (*type == "array") {
      schema = schema->Get("items");
    } else if (*type == "map") {
      schema = schema->Get("values");
    } else if (*type == "struct") {
      const JsonNode* fields = schema->Get("fields");
      schema = nullptr;
      for (size_t i = 0; fields != nullptr && i < fields->children.size(); ++i) {
        const std::string* name = fields->children[i].GetString("field");
        if (name != nullptr && *name == part) schema = &fields->children[i];
      }
    } else {
      return nullptr;
    }
  }
  return schema != nullptr ? schema->GetString("type") : nullptr;
}

// Compares documents of one record part (key or value) and collects the
// differences under `where` ("key"/"value").
class DocumentComparer {
 public:
  DocumentComparer(const RecordDifference& at, std::vector<RecordDifference>* differences,
                   std::vector<RecordDifference>* normalised)
      : at_(at), differences_(differences), normalised_(normalised) {}

  void Compare(const std::string& where, const std::optional<std::string>& debezium,
               const std::optional<std::string>& walcast) {
    if (!debezium || !walcast) {
      if (debezium.has_value() != walcast.has_value()) {
        Report(where, RenderBytes(debezium), RenderBytes(walcast));
      }
      return;
    }
    const std::optional<JsonNode> d = Parse(*debezium);
    const std::optional<JsonNode> w = Parse(*walcast);
    if (!d || !w) {
      // Not JSON on one side (or both): only the bytes can be compared.
      if (*debezium != *walcast || d.has_value() != w.has_value()) {
        Report(where + (d   ? " (walcast's is not valid JSON)"
                        : w ? " (Debezium's is not valid JSON)"
                            : " (bytes)"),
               Shorten(*debezium), Shorten(*walcast));
      }
      return;
    }
    schema_ = Wrapped(*d) ? d->Get("schema") : nullptr;
    masked_ = MaskedPaths(*d);
    const std::set<std::string> w_masked = MaskedPaths(*w);
    masked_.insert(w_masked.begin(), w_masked.end());
    const size_t before = differences_->size();
    Node(*d, *w, where, "");
    if (differences_->size() != before) return;
    // Equal as parsed JSON: the bytes must be equal too, masked values
    // aside (escapes, whitespace).
    const std::string raw_d = RawMasker(*debezium, masked_).Run();
    const std::string raw_w = RawMasker(*walcast, masked_).Run();
    if (raw_d != raw_w) {
      size_t i = 0;
      while (i < raw_d.size() && i < raw_w.size() && raw_d[i] == raw_w[i]) ++i;
      const size_t from = i > 40 ? i - 40 : 0;
      Report(where + " (bytes from offset " + std::to_string(i) + ")",
             Shorten(raw_d.substr(from, 120)), Shorten(raw_w.substr(from, 120)));
    }
  }

 private:
  void Report(const std::string& path, std::string debezium, std::string walcast) {
    RecordDifference d = at_;
    d.path = path;
    d.debezium = std::move(debezium);
    d.walcast = std::move(walcast);
    differences_->push_back(std::move(d));
  }
  void Note(const std::string& path, const std::string& rule, std::string debezium,
            std::string walcast) {
    RecordDifference d = at_;
    d.path = path;
    d.rule = rule;
    d.debezium = std::move(debezium);
    d.walcast = std::move(walcast);
    normalised_->push_back(std::move(d));
  }

  // `path` is the JSON path within the document, `where` + path is shown.
  void Node(const JsonNode& d, const JsonNode& w, const std::string& where,
            const std::string& path) {
    if (masked_.count(path) > 0) return;
    if (d.kind != w.kind) {
      Report(where + path, Render(d), Render(w));
      return;
    }
    switch (d.kind) {
      case JsonNode::Kind::kNull:
        return;
      case JsonNode::Kind::kBool:
      case JsonNode::Kind::kString:
        if (d.text != w.text) Report(where + path, Render(d), Render(w));
        return;
      case JsonNode::Kind::kNumber:
        if (d.text == w.text) return;
        if (JdkFloatTextsAgree(d.text, w.text, PayloadType(path))) {
          Note(where + path, "JDK 17 float text", d.text, w.text);
          masked_.insert(path);
          return;
        }
        Report(where + path, d.text, w.text);
        return;
      case JsonNode::Kind::kArray:
        if (MessageCollections(d, w, where, path)) return;
        if (d.children.size() != w.children.size()) {
          Report(where + path + " (length)", std::to_string(d.children.size()) + ": " + Render(d),
                 std::to_string(w.children.size()) + ": " + Render(w));
        }
        for (size_t i = 0; i < std::min(d.children.size(), w.children.size()); ++i) {
          Node(d.children[i], w.children[i], where, path + "/" + std::to_string(i));
        }
        return;
      case JsonNode::Kind::kObject:
        Object(d, w, where, path);
        return;
    }
  }

  void Object(const JsonNode& d, const JsonNode& w, const std::string& where,
              const std::string& path) {
    if (d.keys != w.keys) {
      std::vector<std::string> sorted_d = d.keys;
      std::vector<std::string> sorted_w = w.keys;
      std::sort(sorted_d.begin(), sorted_d.end());
      std::sort(sorted_w.begin(), sorted_w.end());
      if (sorted_d == sorted_w) {
        Report(where + path + " (field order)", JoinKeys(d.keys), JoinKeys(w.keys));
      }
      for (size_t i = 0; i < d.keys.size(); ++i) {
        if (w.Get(d.keys[i]) == nullptr) {
          Report(where + path + "/" + d.keys[i], Render(d.children[i]), kMissing);
        }
      }
      for (size_t i = 0; i < w.keys.size(); ++i) {
        if (d.Get(w.keys[i]) == nullptr) {
          Report(where + path + "/" + w.keys[i], kMissing, Render(w.children[i]));
        }
      }
    }
    for (size_t i = 0; i < d.keys.size(); ++i) {
      if (const JsonNode* other = w.Get(d.keys[i])) {
        Node(d.children[i], *other, where, path + "/" + d.keys[i]);
      }
    }
  }

  // A transaction END's data_collections that name a logical decoding
  // message: Debezium keys its counters by an object whose name ends in a
  // JVM identity hash, so both the hash and the list's order (HashMap
  // buckets of that hash) change from run to run. Compared without the hash
  // and as a multiset. False when the rule does not apply.
  bool MessageCollections(const JsonNode& d, const JsonNode& w, const std::string& where,
                          const std::string& path) {
    auto key = [](const JsonNode& entry) -> std::optional<std::string> {
      if (entry.kind != JsonNode::Kind::kObject) return std::nullopt;
      const std::string* name = entry.GetString("data_collection");
      if (name == nullptr) return std::nullopt;
      JsonNode copy = entry;
      const bool message = name->rfind(kMessageIdPrefix, 0) == 0;
      if (message) {
        for (size_t i = 0; i < copy.keys.size(); ++i) {
          if (copy.keys[i] == "data_collection")
            copy.children[i].text = std::string(kMessageIdPrefix);
        }
      }
      return Render(copy);
    };
    const bool named_message = [&] {
      for (const JsonNode& e : d.children) {
        if (const std::string* name =
                e.kind == JsonNode::Kind::kObject ? e.GetString("data_collection") : nullptr;
            name != nullptr && name->rfind(kMessageIdPrefix, 0) == 0) {
          return true;
        }
      }
      return false;
    }();
    if (!path.ends_with("/data_collections") || !named_message) return false;
    std::multiset<std::string> set_d;
    std::multiset<std::string> set_w;
    for (const JsonNode& e : d.children) set_d.insert(key(e).value_or(Render(e)));
    for (const JsonNode& e : w.children) set_w.insert(key(e).value_or(Render(e)));
    if (set_d != set_w) {
      Report(where + path + " (as a set, message ids aside)", Render(d), Render(w));
    } else {
      Note(where + path, "logical message identity hash", Render(d), Render(w));
    }
    masked_.insert(path);
    return true;
  }

  // The schema's type for a path of the document, when it has a schema.
  const std::string* PayloadType(const std::string& path) const {
    constexpr std::string_view kPayload = "/payload";
    if (schema_ == nullptr || path.rfind(kPayload, 0) != 0) return nullptr;
    return ConnectTypeAt(schema_, std::string_view(path).substr(kPayload.size()));
  }

  RecordDifference at_;
  const JsonNode* schema_ = nullptr;  // of the Debezium document being compared
  std::vector<RecordDifference>* differences_;
  std::vector<RecordDifference>* normalised_;
  std::set<std::string> masked_;
};

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

void CompareHeaders(const RecordDifference& at, const std::vector<KafkaHeader>& d,
                    const std::vector<KafkaHeader>& w, std::vector<RecordDifference>* out) {
  auto report = [&](std::string path, std::string debezium, std::string walcast) {
    RecordDifference diff = at;
    diff.path = std::move(path);
    diff.debezium = std::move(debezium);
    diff.walcast = std::move(walcast);
    out->push_back(std::move(diff));
  };
  auto names = [](const std::vector<KafkaHeader>& headers) {
    std::string s;
    for (const KafkaHeader& h : headers) s += (s.empty() ? "" : ",") + h.name;
    return s;
  };
  if (d.size() != w.size()) {
    report("headers (names)", names(d), names(w));
  }
  for (size_t i = 0; i < std::min(d.size(), w.size()); ++i) {
    const std::string path = "headers/" + std::to_string(i);
    if (d[i].name != w[i].name) {
      report(path + "/name", d[i].name, w[i].name);
      continue;
    }
    if (d[i].name == kRunIdHeader) {
      // A random UUID per connector start, on both sides.
      if (!d[i].value || !IsUuid(*d[i].value) || !w[i].value || !IsUuid(*w[i].value)) {
        report(path + " " + d[i].name + " (a UUID)", RenderBytes(d[i].value),
               RenderBytes(w[i].value));
      }
      continue;
    }
    if (d[i].value != w[i].value) {
      report(path + " " + d[i].name, RenderBytes(d[i].value), RenderBytes(w[i].value));
    }
  }
}

std::string Summary(const KafkaRecord& r) {
  return Shorten("offset " + std::to_string(r.offset) + " key=" + RenderBytes(r.key) +
                 " value=" + RenderBytes(r.value));
}

// Checks that every snapshot read of one side names one snapshot per
// connector: one txId, one lsn, and sequence [null,"<lsn>"] as Debezium
// writes it. The values themselves are masked (each tool has its own
// snapshot), so this is what is left to compare.
void CheckSnapshot(const std::string& side, const TopicRecords& topics,
                   std::vector<RecordDifference>* out) {
  std::map<std::string, SnapshotPosition> first;
  for (const auto& [topic, records] : topics) {
    for (const KafkaRecord& r : records) {
      if (!r.value) continue;
      const std::optional<JsonNode> doc = Parse(*r.value);
      if (!doc) continue;
      const std::optional<SnapshotPosition> pos = SnapshotPositionOf(*doc);
      if (!pos) continue;
      RecordDifference d;
      d.topic = topic;
      d.partition = r.partition;
      d.offset = r.offset;
      const std::string expected_sequence = "[null,\"" + pos->lsn + "\"]";
      if (pos->sequence != expected_sequence) {
        d.path = "value" + pos->path + "/sequence (" + side + "'s snapshot reads)";
        (side == "debezium" ? d.debezium : d.walcast) = pos->sequence;
        (side == "debezium" ? d.walcast : d.debezium) = expected_sequence + " expected";
        out->push_back(d);
      }
      const auto [it, inserted] = first.emplace(pos->connector, *pos);
      if (!inserted && (it->second.tx_id != pos->tx_id || it->second.lsn != pos->lsn)) {
        d.path = "value" + pos->path + "/txId,lsn (" + side + "'s snapshot reads)";
        (side == "debezium" ? d.debezium : d.walcast) = pos->tx_id + "," + pos->lsn;
        (side == "debezium" ? d.walcast : d.debezium) =
            it->second.tx_id + "," + it->second.lsn + " as in the first read expected";
        out->push_back(d);
      }
    }
  }
}

void ComparePartition(const std::string& topic, int32_t partition,
                      const std::vector<const KafkaRecord*>& d,
                      const std::vector<const KafkaRecord*>& w, DiffReport* report) {
  for (size_t i = 0; i < std::max(d.size(), w.size()); ++i) {
    RecordDifference at;
    at.topic = topic;
    at.partition = partition;
    if (i >= d.size() || i >= w.size()) {
      at.path = "record";
      at.offset = i < d.size() ? d[i]->offset : w[i]->offset;
      at.debezium = i < d.size() ? Summary(*d[i]) : kMissing;
      at.walcast = i < w.size() ? Summary(*w[i]) : kMissing;
      report->differences.push_back(std::move(at));
      continue;
    }
    ++report->records_compared;
    at.offset = d[i]->offset;
    if (d[i]->offset != w[i]->offset) {
      RecordDifference o = at;
      o.path = "offset";
      o.debezium = std::to_string(d[i]->offset);
      o.walcast = std::to_string(w[i]->offset);
      report->differences.push_back(std::move(o));
    }
    DocumentComparer comparer(at, &report->differences, &report->normalised);
    comparer.Compare("key", d[i]->key, w[i]->key);
    comparer.Compare("value", d[i]->value, w[i]->value);
    CompareHeaders(at, d[i]->headers, w[i]->headers, &report->differences);
  }
}

std::map<int32_t, std::vector<const KafkaRecord*>> ByPartition(
    const std::vector<KafkaRecord>& records) {
  std::map<int32_t, std::vector<const KafkaRecord*>> out;
  for (const KafkaRecord& r : records) out[r.partition].push_back(&r);
  return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RecordDifference& d) {
  os << "topic=" << d.topic << " partition=" << d.partition << " offset=" << d.offset
     << " path=" << d.path;
  if (!d.rule.empty()) os << " rule=\"" << d.rule << "\"";
  return os << "\n    debezium: " << d.debezium << "\n    walcast:  " << d.walcast;
}

DiffReport DiffTopics(const TopicRecords& debezium, const TopicRecords& walcast) {
  DiffReport report;
  std::set<std::string> topics;
  for (const auto& [topic, records] : debezium) topics.insert(topic);
  for (const auto& [topic, records] : walcast) topics.insert(topic);
  static const std::vector<KafkaRecord> kNone;
  for (const std::string& topic : topics) {
    const auto d_it = debezium.find(topic);
    const auto w_it = walcast.find(topic);
    const auto d_parts = ByPartition(d_it != debezium.end() ? d_it->second : kNone);
    const auto w_parts = ByPartition(w_it != walcast.end() ? w_it->second : kNone);
    if (d_it == debezium.end() || w_it == walcast.end()) {
      RecordDifference t;
      t.topic = topic;
      t.path = "topic";
      const auto count = [](const auto& parts) {
        size_t n = 0;
        for (const auto& [p, rs] : parts) n += rs.size();
        return std::to_string(n) + " records";
      };
      t.debezium = d_it != debezium.end() ? count(d_parts) : kMissing;
      t.walcast = w_it != walcast.end() ? count(w_parts) : kMissing;
      report.differences.push_back(std::move(t));
    }
    std::set<int32_t> partitions;
    for (const auto& [p, rs] : d_parts) partitions.insert(p);
    for (const auto& [p, rs] : w_parts) partitions.insert(p);
    static const std::vector<const KafkaRecord*> kEmpty;
    for (const int32_t p : partitions) {
      const auto d_p = d_parts.find(p);
      const auto w_p = w_parts.find(p);
      ComparePartition(topic, p, d_p != d_parts.end() ? d_p->second : kEmpty,
                       w_p != w_parts.end() ? w_p->second : kEmpty, &report);
    }
  }
  CheckSnapshot("debezium", debezium, &report.differences);
  CheckSnapshot("walcast", walcast, &report.differences);
  return report;
}

}  // namespace walcast::testing
