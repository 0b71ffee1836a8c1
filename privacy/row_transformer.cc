#include "privacy/row_transformer.h"

#include <openssl/crypto.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/log.h"
#include "privacy/cipher.h"
#include "privacy/iso_date.h"

namespace walcast::privacy {
namespace {

constexpr uint32_t kTextOid = 25;

using JsonValue = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

std::string TableName(const Relation& r) { return r.schema + "." + r.name; }

std::string Serialize(const JsonValue& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

using Path = std::vector<std::string>;
// The JSON of one column: its first 64 KiB come from a buffer the
// transformer keeps, so a profile parses without a heap allocation.
constexpr size_t kJsonBufferBytes = 64 * 1024;
using PoolAllocator = rapidjson::MemoryPoolAllocator<>;
using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, PoolAllocator>;

// The member at the split path, or null (a missing key, or a step through
// something that is not an object).
JsonValue* Find(JsonValue* root, const Path& parts) {
  JsonValue* v = root;
  for (const std::string& key : parts) {
    if (!v->IsObject()) return nullptr;
    auto it = v->FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}

// The object that holds the path's last key, created along the way when
// `create`; null when a step is not an object.
JsonValue* Parent(JsonValue* root, const Path& parts, bool create, Allocator& alloc) {
  JsonValue* v = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!v->IsObject()) return nullptr;
    const std::string& key = parts[i];
    auto it = v->FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == v->MemberEnd()) {
      if (!create) return nullptr;
      v->AddMember(JsonValue(key.c_str(), alloc), JsonValue(rapidjson::kObjectType), alloc);
      v = &(v->MemberEnd() - 1)->value;
    } else {
      v = &it->value;
    }
  }
  return v->IsObject() ? v : nullptr;
}

void Set(JsonValue* root, const Path& parts, JsonValue value, Allocator& alloc) {
  JsonValue* parent = Parent(root, parts, true, alloc);
  if (parent == nullptr) return;
  const std::string& key = parts.back();
  auto it = parent->FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it != parent->MemberEnd()) {
    it->value = std::move(value);
  } else {
    parent->AddMember(JsonValue(key.c_str(), alloc), std::move(value), alloc);
  }
}

Path Split(const std::string& path) {
  Result<Path> parts = SplitPath(path);
  return parts.ok() ? std::move(parts).value() : Path{path};
}

// The text a scalar or structure stands for: a string's characters, any
// other value's JSON.
std::string ValueText(const JsonValue& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : Serialize(v);
}

// Masks every UTF-8 character but the last `keep`.
std::string Mask(const std::string& text, int keep) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const size_t chars = starts.size();
  const size_t kept = std::min(chars, static_cast<size_t>(keep));
  std::string out(chars - kept, '*');
  if (kept > 0) out += text.substr(starts[chars - kept]);
  return out;
}

// What rules need besides the value: the hash, and `seal(type, text, out)`
// sealing one value (its type byte first) under the row's key into *out,
// which fails with kRejected when the row has no subject. A template
// parameter rather than a std::function: the row's closure is called
// directly and never allocated.
template <typename SealFn>
struct ValueOps {
  Hmac* hash;  // null when no rule hashes
  SealFn& seal;
};

// Writes the text that replaces `text` under a mask, hash or encrypt rule
// into *out; `type` is the plaintext's type byte for encryption. kRejected
// carries the reason alone.
template <typename SealFn>
Status Protect(const Rule& rule, char type, std::string_view text, const ValueOps<SealFn>& ops,
               std::string* out) {
  switch (rule.op) {
    case Action::kMask:
      *out = Mask(std::string(text), rule.mask_keep);
      return Status::Ok();
    case Action::kHash: {
      WALCAST_ASSIGN_OR_RETURN(*out, ops.hash->Hex(text));
      return Status::Ok();
    }
    case Action::kEncrypt:
      return ops.seal(type, text, out);
    default:
      return Status::Internal(std::string("privacy: ") + OpName(rule.op) + " protects nothing");
  }
}

// Writes the date at `v` as ISO 8601 and its year/month/day object at
// `parts_path`. kRejected when `v` is no date.
Status NormalizeDateAt(JsonValue* v, const std::string& path, const Path& parts_path,
                       JsonValue* root, Allocator& alloc) {
  std::optional<IsoDate> date;
  if (v->IsString()) {
    date = NormalizeDate(std::string_view(v->GetString(), v->GetStringLength()));
  } else if (v->IsInt64()) {
    date = DateFromEpochMillis(v->GetInt64());
  }
  if (!date)
    return Status::Rejected("'" + path + "' is not an ISO 8601 date or epoch milliseconds");
  *v = JsonValue(date->text.c_str(), alloc);
  JsonValue parts(rapidjson::kObjectType);
  parts.AddMember("year", date->year, alloc);
  parts.AddMember("month", date->month, alloc);
  parts.AddMember("day", date->day, alloc);
  Set(root, parts_path, std::move(parts), alloc);
  return Status::Ok();
}

// Applies a rule with paths (or a concat) to the column's parsed JSON.
// Missing paths are skipped and nulls stay. `scratch` is reused between
// values and rows (its capacity stays). kRejected carries the reason alone.
template <typename SealFn>
Status ApplyJsonRule(const RowTransformer::Compiled& compiled, JsonValue* root, Allocator& alloc,
                     const ValueOps<SealFn>& ops, std::string* scratch) {
  const Rule& rule = *compiled.rule;
  if (rule.op == Action::kConcat) {
    std::string& joined = *scratch;
    joined.clear();
    bool any = false;
    for (const Path& from : compiled.from) {
      JsonValue* v = Find(root, from);
      if (v == nullptr || v->IsNull()) continue;
      if (any) joined += rule.separator;
      if (v->IsString()) {
        joined.append(v->GetString(), v->GetStringLength());
      } else {
        joined += Serialize(*v);
      }
      any = true;
    }
    if (any) {
      Set(root, compiled.to,
          JsonValue(joined.data(), static_cast<rapidjson::SizeType>(joined.size()), alloc), alloc);
    }
    return Status::Ok();
  }
  for (size_t p = 0; p < compiled.paths.size(); ++p) {
    const Path& parts = compiled.paths[p];
    JsonValue* v = Find(root, parts);
    if (v == nullptr) continue;  // optional fields: nothing to protect
    if (rule.op == Action::kDrop) {
      Parent(root, parts, false, alloc)->RemoveMember(parts.back().c_str());
      continue;
    }
    if (v->IsNull()) continue;
    if (rule.op == Action::kDate) {
      WALCAST_RETURN_IF_ERROR(NormalizeDateAt(v, rule.paths[p], compiled.parts[p], root, alloc));
      continue;
    }
    if (v->IsString()) {
      // Straight from the parsed string: no copy of the value.
      WALCAST_RETURN_IF_ERROR(Protect(rule, kPlainString,
                                      std::string_view(v->GetString(), v->GetStringLength()), ops,
                                      scratch));
    } else {
      WALCAST_RETURN_IF_ERROR(Protect(rule, kPlainJson, Serialize(*v), ops, scratch));
    }
    v->SetString(scratch->data(), static_cast<rapidjson::SizeType>(scratch->size()), alloc);
  }
  return Status::Ok();
}

}  // namespace

// Buffers reused from row to row, so a row's values allocate nothing
// beyond the output column itself.
struct RowTransformer::Scratch {
  rapidjson::StringBuffer json;  // the column written back
  std::string value;             // a protected value, a concatenation
};

RowTransformer::RowTransformer(RuleSet rules, const KeyRing* ring, SubjectKeyStore* subjects)
    : rules_(std::move(rules)),
      ring_(ring),
      subjects_(subjects),
      json_buffer_(new char[kJsonBufferBytes]),
      scratch_(std::make_unique<Scratch>()) {
  compiled_.reserve(rules_.rules.size());
  for (const Rule& r : rules_.rules) {
    tables_[r.table] = true;
    Compiled c;
    c.rule = &r;
    for (const std::string& path : r.paths) {
      c.paths.push_back(Split(path));
      c.parts.push_back(Split(r.to.empty() ? path + "_parts" : r.to));
    }
    for (const std::string& from : r.from) c.from.push_back(Split(from));
    if (!r.to.empty()) c.to = Split(r.to);
    compiled_.push_back(std::move(c));
  }
  // The pipeline holds the outputs' changes until MakeDurable: one fsync
  // for many new subjects instead of one each.
  if (subjects_ != nullptr) subjects_->set_deferred_sync(true);
}

bool RowTransformer::NeedsDurable() const {
  return subjects_ != nullptr && subjects_->has_unsynced();
}

Status RowTransformer::MakeDurable() {
  if (subjects_ == nullptr) return Status::Ok();
  Status s = subjects_->SyncPending();
  // Nothing may leave under a key that is not on disk: stop the stream.
  if (!s.ok()) return Status::Fatal(s.message());
  return s;
}

Result<std::unique_ptr<RowTransformer>> RowTransformer::Create(RuleSet rules, const KeyRing* ring,
                                                               SubjectKeyStore* subjects) {
  const bool encrypts = std::any_of(rules.rules.begin(), rules.rules.end(),
                                    [](const Rule& r) { return r.op == Action::kEncrypt; });
  const bool hashes = std::any_of(rules.rules.begin(), rules.rules.end(),
                                  [](const Rule& r) { return r.op == Action::kHash; }) ||
                      rules.NeedsSubjectKeys();
  if (encrypts && (ring == nullptr || ring->Find(ring->current_id()) == nullptr)) {
    return Status::InvalidArgument(
        "config key 'privacy.keys.file': an encrypt rule needs a key ring with a current key "
        "(privacy.keys.file or WALCAST_PRIVACY_KEYS)");
  }
  std::string hash_key;
  if (hashes) {
    const std::string id =
        rules.hash_key_id.empty() && ring != nullptr ? ring->current_id() : rules.hash_key_id;
    const std::string* key = ring != nullptr ? ring->Find(id) : nullptr;
    if (key == nullptr) {
      return Status::InvalidArgument(
          "config key 'privacy.hash.key.id': hash rules and subjects "
          "need a key; the key ring has no key '" +
          id + "'");
    }
    hash_key = *key;
  }
  if (rules.NeedsSubjectKeys() && subjects == nullptr) {
    return Status::InvalidArgument("privacy.subject.* needs the privacy key state");
  }
  std::unique_ptr<RowTransformer> t(new RowTransformer(std::move(rules), ring, subjects));
  if (hashes) {
    Result<Hmac> hash = Hmac::Create(hash_key);
    OPENSSL_cleanse(hash_key.data(), hash_key.size());
    if (!hash.ok()) return hash.status();
    t->hash_.emplace(std::move(hash).value());
  }
  if (encrypts) {
    const std::string& id = ring->current_id();
    WALCAST_ASSIGN_OR_RETURN(Sealer sealer, Sealer::Create(*ring->Find(id), id));
    t->sealer_.emplace(std::move(sealer));
  }
  return t;
}

RowTransformer::~RowTransformer() {
  ClearKeyCache();
  OPENSSL_cleanse(scratch_->value.data(), scratch_->value.capacity());
}

void RowTransformer::ClearKeyCache() {
  for (auto& [index, key] : keys_) OPENSSL_cleanse(key.key.data(), key.key.size());
  keys_.clear();
}

bool RowTransformer::Applies(const ChangeEvent& event) const {
  if (!event.relation) return false;
  if (plans_.count(event.relation.get()) != 0) return true;
  return tables_.count(TableName(*event.relation)) != 0;
}

Result<const RowTransformer::Plan*> RowTransformer::PlanFor(
    const std::shared_ptr<const Relation>& relation) {
  if (auto it = plans_.find(relation.get()); it != plans_.end()) return &it->second;
  const std::string table = TableName(*relation);
  Plan plan;
  plan.source = relation;
  plan.rules.resize(relation->columns.size());
  std::vector<bool> dropped(relation->columns.size(), false);
  std::vector<bool> to_text(relation->columns.size(), false);
  for (const Rule& rule : rules_.rules) {
    if (rule.table != table) continue;
    const auto col = std::find_if(relation->columns.begin(), relation->columns.end(),
                                  [&](const Column& c) { return c.name == rule.column; });
    if (col == relation->columns.end()) {
      return Status::InvalidArgument("privacy rule '" + rule.name + "': table " + table +
                                     " has no column '" + rule.column + "'");
    }
    const size_t i = static_cast<size_t>(col - relation->columns.begin());
    const bool whole = rule.paths.empty() && rule.op != Action::kConcat;
    const bool is_key = std::find(relation->primary_key.begin(), relation->primary_key.end(), i) !=
                            relation->primary_key.end() ||
                        col->is_key;
    if (whole && is_key && rule.op != Action::kHash) {
      return Status::InvalidArgument(
          "privacy rule '" + rule.name + "': " + table + "." + rule.column +
          " is part of the key; only hash keeps keys stable (encrypt, mask and drop would "
          "break the Kafka key and the document id)");
    }
    if (whole && rule.op == Action::kDate) {
      return Status::InvalidArgument("privacy rule '" + rule.name +
                                     "': op=date needs a path inside a JSON column");
    }
    if (whole && rule.op == Action::kDrop) dropped[i] = true;
    if (whole && rule.op != Action::kDrop) to_text[i] = true;
    plan.rules[i].push_back(&compiled_[static_cast<size_t>(&rule - rules_.rules.data())]);
  }
  auto out = std::make_shared<Relation>(*relation);
  out->columns.clear();
  out->primary_key.clear();
  std::vector<size_t> new_index(relation->columns.size(), SIZE_MAX);
  for (size_t i = 0; i < relation->columns.size(); ++i) {
    if (dropped[i]) continue;
    Column c = relation->columns[i];
    if (to_text[i]) {
      c.type_oid = kTextOid;
      c.type_modifier = -1;
      c.type = TypeInfo{kTextOid, "pg_catalog", "text", 'b', 'S', 0, 0, -1, {}, {}};
      c.default_expr.reset();
    }
    new_index[i] = out->columns.size();
    plan.kept.push_back(i);
    out->columns.push_back(std::move(c));
  }
  for (const size_t k : relation->primary_key) out->primary_key.push_back(new_index[k]);
  plan.out = std::move(out);
  if (auto s = rules_.subjects.find(table); s != rules_.subjects.end()) {
    plan.subject = &s->second;
    if (!s->second.path.empty()) plan.subject_path = Split(s->second.path);
    for (size_t i = 0; i < relation->columns.size(); ++i) {
      if (relation->columns[i].name == s->second.column) plan.subject_column = static_cast<int>(i);
    }
    if (plan.subject_column < 0) {
      return Status::InvalidArgument("config key 'privacy.subject." + table + "': table " + table +
                                     " has no column '" + s->second.column + "'");
    }
  }
  auto [it, inserted] = plans_.emplace(relation.get(), std::move(plan));
  return &it->second;
}

Status RowTransformer::UseKey(const std::string& id, std::string_view key) {
  if (sealer_->key_id() == id) return Status::Ok();
  return sealer_->Rekey(key, id);
}

Status RowTransformer::KeySealer(const Plan& plan, const Tuple& row, Subject* subject) {
  if (plan.subject == nullptr) {
    return UseKey(ring_->current_id(), *ring_->Find(ring_->current_id()));
  }
  if (!subject->known) {
    // The rules did not parse the subject's column before the first
    // encryption: read it on its own.
    const auto col = static_cast<size_t>(plan.subject_column);
    subject->known = true;
    subject->missing = col >= row.size() || row[col].kind != Datum::Kind::kText;
    if (!subject->missing && plan.subject_path.empty()) subject->text = row[col].data;
    if (!subject->missing && !plan.subject_path.empty()) {
      rapidjson::Document doc;
      doc.Parse(row[col].data.data(), row[col].data.size());
      JsonValue* v = doc.HasParseError() ? nullptr : Find(&doc, plan.subject_path);
      subject->missing = v == nullptr || v->IsNull();
      if (!subject->missing) subject->text = ValueText(*v);
    }
  }
  if (subject->missing) {
    return Status::Rejected(
        "the row has no subject (" + plan.subject->column +
        (plan.subject->path.empty() ? std::string() : ":" + plan.subject->path) + ")");
  }
  WALCAST_ASSIGN_OR_RETURN(const std::string index, SubjectIndex(*hash_, subject->text));
  if (auto it = keys_.find(index); it != keys_.end()) return UseKey(it->second.id, it->second.key);
  ++key_lookups_;
  Result<SubjectKey> key = subjects_->KeyFor(index, *ring_);
  // A store failure is no property of the row: stop instead of redacting.
  if (!key.ok()) return Status::Fatal("privacy key state: " + key.status().message());
  // Bounded: a subject seen again after a clear costs one key look-up.
  if (keys_.size() >= kMaxCachedKeys) ClearKeyCache();
  const SubjectKey& cached = keys_.emplace(index, std::move(key).value()).first->second;
  return UseKey(cached.id, cached.key);
}

Status RowTransformer::TransformTuple(const Plan& plan, const Tuple& in, Tuple* out) {
  out->clear();
  out->reserve(plan.kept.size());
  Subject subject;
  bool keyed = false;  // sealer_ holds this row's key (looked up at its first encryption)
  auto seal = [&](char type, std::string_view text, std::string* sealed) -> Status {
    if (!keyed) {
      WALCAST_RETURN_IF_ERROR(KeySealer(plan, in, &subject));
      keyed = true;
    }
    return sealer_->SealTo(std::string_view(&type, 1), text, sealed);
  };
  const ValueOps<decltype(seal)> ops{hash_ ? &*hash_ : nullptr, seal};
  std::string& scratch = scratch_->value;
  for (const size_t i : plan.kept) {
    if (i >= in.size()) {
      out->push_back(Datum::Null());
      continue;
    }
    const Datum& src = in[i];
    const std::vector<const Compiled*>& rules = plan.rules[i];
    if (rules.empty() || (src.kind != Datum::Kind::kText && src.kind != Datum::Kind::kBinary)) {
      out->push_back(src);
      continue;
    }
    std::optional<Datum> owned;  // the value once a rule replaced `src`
    Status failed;
    const Rule* failed_rule = nullptr;
    // Parsed at the first path rule, straight from `src` (no copy), into
    // the transformer's buffer.
    std::optional<PoolAllocator> pool;
    std::optional<Document> doc;
    auto serialize = [&] {
      rapidjson::StringBuffer& buffer = scratch_->json;
      buffer.Clear();  // keeps its capacity: one allocation, the column's own
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      doc->Accept(writer);
      owned = Datum::Text(std::string(buffer.GetString(), buffer.GetSize()));
      doc.reset();
      pool.reset();
    };
    for (const Compiled* compiled : rules) {
      const Rule* rule = compiled->rule;
      const Datum& d = owned ? *owned : src;
      if (rule->paths.empty() && rule->op != Action::kConcat) {
        if (doc) serialize();
        std::string text;
        failed = Protect(*rule, kPlainColumn, (owned ? *owned : src).data, ops, &text);
        if (failed.ok()) owned = Datum::Text(std::move(text));
      } else if (!doc && d.kind != Datum::Kind::kText) {
        failed = Status::Rejected("a JSON path needs the column's text (binary mode)");
      } else {
        if (!doc) {
          pool.emplace(json_buffer_.get(), kJsonBufferBytes);
          doc.emplace(&*pool);
          doc->Parse(d.data.data(), d.data.size());
          if (doc->HasParseError()) {
            failed = Status::Rejected("the column's value is not JSON");
          } else if (static_cast<int>(i) == plan.subject_column && !plan.subject_path.empty() &&
                     !subject.known && !owned) {
            // The subject, read from this parse of the original value.
            JsonValue* v = Find(&*doc, plan.subject_path);
            subject.known = true;
            subject.missing = v == nullptr || v->IsNull();
            if (!subject.missing) subject.text = ValueText(*v);
          }
        }
        if (failed.ok()) {
          failed = ApplyJsonRule(*compiled, &*doc, doc->GetAllocator(), ops, &scratch);
        }
      }
      if (!failed.ok()) {
        failed_rule = rule;
        break;
      }
    }
    if (failed.code() == Status::Code::kRejected) {
      failed = Status::Rejected("privacy rule '" + failed_rule->name + "' on " +
                                TableName(*plan.source) + "." + plan.source->columns[i].name +
                                ": " + failed.message());
    }
    if (!failed.ok()) {
      if (failed.code() != Status::Code::kRejected || rules_.on_error == OnError::kFail) {
        return failed;
      }
      redacted_.fetch_add(1, std::memory_order_relaxed);
      log::Warn("privacy: column sent as NULL", {{"reason", failed.message()}});
      out->push_back(Datum::Null());
      continue;
    }
    if (doc) serialize();
    out->push_back(owned ? std::move(*owned) : src);
  }
  return Status::Ok();
}

Status RowTransformer::Apply(const TransactionInfo& /*txn*/, const ChangeEvent& in,
                             ChangeEvent* out) {
  Result<const Plan*> planned = PlanFor(in.relation);
  if (!planned.ok()) return Status::Fatal(planned.status().message());
  const Plan& plan = **planned;
  out->op = in.op;
  out->lsn = in.lsn;
  out->relation = plan.out;
  out->before_is_key_only = in.before_is_key_only;
  out->snapshot = in.snapshot;
  out->truncate_options = in.truncate_options;
  out->message_transactional = in.message_transactional;
  out->message_prefix = in.message_prefix;
  out->message_content = in.message_content;
  for (auto [from, to] : {std::pair{&in.before, &out->before}, std::pair{&in.after, &out->after}}) {
    if (!from->has_value()) {
      to->reset();
      continue;
    }
    if (!to->has_value()) to->emplace();
    Status s = TransformTuple(plan, **from, &**to);
    if (!s.ok()) {
      return Status(s.code(), s.message() + " (lsn " + in.lsn.ToString() + ")");
    }
  }
  return Status::Ok();
}

}  // namespace walcast::privacy
