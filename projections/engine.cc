#include "projections/engine.h"

#include "metrics/codec.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace walcast::projections {
namespace {

using metrics::state_key::Meta;

constexpr std::string_view kMetaAppliedLsn = "applied_lsn";
constexpr std::string_view kMetaFingerprint = "projections_fingerprint";

std::string Fixed(uint64_t v) {
  std::string out;
  metrics::PutFixed64(v, &out);
  return out;
}

std::optional<uint64_t> ReadFixed(const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  std::string_view in = *bytes;
  uint64_t v = 0;
  if (!metrics::GetFixed64(&in, &v)) return std::nullopt;
  return v;
}

// The first key after every key starting with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

const Datum* ColumnOf(const Relation& relation, const Tuple& tuple, std::string_view name) {
  for (size_t i = 0; i < relation.columns.size() && i < tuple.size(); ++i) {
    if (relation.columns[i].name == name) return &tuple[i];
  }
  return nullptr;
}

// An outbox item: what the outputs hold for the entry ("0": nothing,
// "1" + ProjectedRow::Encode()).
std::string EncodeHeld(const std::optional<std::string>& encoded_row) {
  return encoded_row ? "1" + *encoded_row : std::string("0");
}

Result<std::optional<ProjectedRow>> DecodeHeld(std::string_view bytes) {
  if (bytes == "0") return std::optional<ProjectedRow>();
  if (bytes.empty() || bytes[0] != '1')
    return Status::Corruption("projection state: bad outbox item");
  std::optional<ProjectedRow> row = ProjectedRow::Decode(bytes.substr(1));
  if (!row) return Status::Corruption("projection state: bad outbox item");
  return row;
}

// Why a row could not be projected: error code and reason, for the dead letter.
struct Refusal {
  std::string error;
  std::string reason;
};

// Reads one field's value(s) from the row or the document; several values a
// path reaches ([*]) are joined with ','.
std::optional<std::string> ReadField(const FieldSource& f, const Relation& relation,
                                     const Tuple& tuple, const rapidjson::Value* doc) {
  if (!f.path) {
    const Datum* d = ColumnOf(relation, tuple, f.column);
    if (d == nullptr || d->kind != Datum::Kind::kText) return std::nullopt;
    return d->data;
  }
  if (doc == nullptr) return std::nullopt;
  std::optional<std::string> out;
  f.path->Visit(*doc, [&](const rapidjson::Value& v) {
    std::optional<std::string> text = ScalarText(v);
    if (!text) return;
    if (out) {
      out->push_back(',');
      out->append(*text);
    } else {
      out = std::move(text);
    }
  });
  return out;
}

}  // namespace

std::string EntryKey(std::string_view projection, const std::vector<std::string>& key) {
  return metrics::state_key::Row(projection, EncodeKey(key));
}

std::string SourceKey(std::string_view projection, std::string_view source_key) {
  return metrics::state_key::Row(std::string(projection) + "\x01source", source_key);
}

std::string OutboxKey(std::string_view projection, std::string_view encoded_key) {
  return metrics::state_key::Row(std::string(projection) + "\x01out", encoded_key);
}

ProjectionEngine::ProjectionEngine(const ProjectionSet& set, ProjectionEngineOptions options,
                                   const SunbirdCipher* cipher,
                                   std::unique_ptr<metrics::StateStore> store)
    : set_(set), options_(std::move(options)), cipher_(cipher), store_(std::move(store)) {}

ProjectionEngine::~ProjectionEngine() = default;

Result<std::unique_ptr<ProjectionEngine>> ProjectionEngine::Open(const ProjectionSet& set,
                                                                 ProjectionEngineOptions options,
                                                                 const SunbirdCipher* cipher) {
  for (const ProjectionDefinition& d : set.projections) {
    if (!d.encrypted.empty() && cipher == nullptr) {
      return Status::InvalidArgument("projection '" + d.name +
                                     "' has encrypted fields: set projections.decrypt.key.file "
                                     "or the sunbird_encryption_key environment variable");
    }
  }
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<metrics::StateStore> store,
                           metrics::StateStore::Open(options.store));
  std::unique_ptr<ProjectionEngine> engine(
      new ProjectionEngine(set, std::move(options), cipher, std::move(store)));
  WALCAST_RETURN_IF_ERROR(engine->Restore());
  return engine;
}

Status ProjectionEngine::Restore() {
  const std::string fingerprint = Fixed(metrics::Hash64(set_.fingerprint));
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(Meta(kMetaFingerprint)));
  if (!stored) {
    metrics::StateStore::Batch batch;
    batch.Put(Meta(kMetaFingerprint), fingerprint);
    WALCAST_RETURN_IF_ERROR(store_->Write(&batch));
  } else if (*stored != fingerprint) {
    return Status::InvalidArgument("projection state in " + options_.store.dir +
                                   " was built from other projection definitions; remove the "
                                   "directory to rebuild it from a snapshot");
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> applied, store_->Get(Meta(kMetaAppliedLsn)));
  applied_lsn_ = Lsn(ReadFixed(applied).value_or(0));
  return Status::Ok();
}

Status ProjectionEngine::Fail(Status s) {
  if (failed_.ok()) failed_ = s;
  return s;
}

Result<std::optional<std::string>> ProjectionEngine::Load(const std::string& key) const {
  if (const auto it = overlay_.find(key); it != overlay_.end()) return it->second;
  return store_->Get(key);
}

void ProjectionEngine::Stage(std::string key, std::optional<std::string> value) {
  overlay_[std::move(key)] = std::move(value);
}

Status ProjectionEngine::Apply(const ChangeEvent& event) {
  if (!failed_.ok()) return failed_;
  if (!event.relation) return Status::Ok();
  const std::string table = event.relation->schema + "." + event.relation->name;
  for (const ProjectionDefinition* def : set_.ForTable(table)) {
    const Status s = ApplyTo(*def, event);
    if (!s.ok()) return Fail(s);
  }
  if (overlay_.size() >= options_.max_batch_rows) {
    const Status s = Commit();
    if (!s.ok()) return Fail(s);
  }
  return Status::Ok();
}

Status ProjectionEngine::ApplyTo(const ProjectionDefinition& def, const ChangeEvent& event) {
  if (event.op == Op::kTruncate) return Truncate(def);
  const Relation& relation = *event.relation;
  if (relation.primary_key.empty()) {
    return Status::InvalidArgument("projection '" + def.name + "': table " + def.table +
                                   " has no primary key");
  }
  const std::optional<Tuple>& tuple = event.op == Op::kDelete ? event.before : event.after;
  if (!tuple) return Status::Ok();
  std::vector<std::string> pk;
  for (size_t i : relation.primary_key) pk.push_back(i < tuple->size() ? (*tuple)[i].data : "");
  const std::string source_key = EncodeKey(pk);
  switch (event.op) {
    case Op::kCreate:
    case Op::kRead:
    case Op::kUpdate:
      return Upsert(def, event, source_key);
    case Op::kDelete:
      return Remove(def, source_key);
    default:
      return Status::Ok();
  }
}

Status ProjectionEngine::Upsert(const ProjectionDefinition& def, const ChangeEvent& event,
                                const std::string& source_key) {
  const Relation& relation = *event.relation;
  const Tuple& tuple = *event.after;
  rapidjson::Document doc;
  const rapidjson::Value* root = nullptr;
  if (!def.document.empty()) {
    const Datum* d = ColumnOf(relation, tuple, def.document);
    if (d == nullptr) {
      AddDeadLetter(def, event, "no_document", "column '" + def.document + "' is not in the table");
      return Status::Ok();
    }
    if (d->kind == Datum::Kind::kUnchangedToast) {
      // The server did not resend an unchanged document: the entry it made
      // stands as it is.
      WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> target,
                               Load(SourceKey(def.name, source_key)));
      if (!target) AddDeadLetter(def, event, "unchanged_toast", "document not sent, entry unknown");
      return Status::Ok();
    }
    if (d->kind != Datum::Kind::kText) {
      AddDeadLetter(def, event, "null_document", "column '" + def.document + "' is null");
      return Status::Ok();
    }
    doc.Parse(d->data.data(), d->data.size());
    if (doc.HasParseError()) {
      AddDeadLetter(def, event, "malformed_json",
                    "column '" + def.document + "' at offset " +
                        std::to_string(doc.GetErrorOffset()) + ": " +
                        rapidjson::GetParseError_En(doc.GetParseError()));
      return Status::Ok();
    }
    root = &doc;
  }
  if (def.soft_delete) {
    const std::optional<std::string> deleted = ReadField(*def.soft_delete, relation, tuple, root);
    if (deleted && (*deleted == "true" || *deleted == "t")) return Remove(def, source_key);
  }
  ProjectedRow row;
  row.source_key = source_key;
  for (const FieldSource& f : def.fields) {
    std::optional<std::string> v = ReadField(f, relation, tuple, root);
    if (v) row.Set(f.name, std::move(*v));
  }
  for (const MapSource& m : def.maps) {
    m.path.Visit(*root, [&](const rapidjson::Value& item) {
      if (!item.IsObject()) return;
      const auto type = item.FindMember(rapidjson::StringRef(m.type_member.c_str()));
      if (type == item.MemberEnd() || !type->value.IsString()) return;
      const std::string prefix = m.name + "." + type->value.GetString() + "_";
      for (const std::string& member : m.value_members) {
        const auto v = item.FindMember(rapidjson::StringRef(member.c_str()));
        if (v == item.MemberEnd()) continue;
        if (std::optional<std::string> text = ScalarText(v->value)) row.Set(prefix + member, *text);
      }
    });
  }
  std::vector<std::string> key;
  for (const std::string& k : def.key) {
    const std::string* v = row.Find(k);
    if (v == nullptr || v->empty()) {
      const FieldSource* f = def.Field(k);
      AddDeadLetter(
          def, event, "missing_key",
          "key field '" + k + "' (" + (f->path ? f->path->text() : f->column) + ") is missing");
      return Status::Ok();
    }
    key.push_back(*v);
  }
  for (const std::string& e : def.encrypted) {
    const std::string* v = row.Find(e);
    if (v == nullptr || v->empty()) continue;
    // Checked here so a bad value is reported once, at its change; the
    // entry keeps the value as Sunbird stored it (never in clear).
    Result<std::string> plain = cipher_->Decrypt(*v);
    if (!plain.ok())
      AddDeadLetter(def, event, "undecryptable", "field '" + e + "': " + plain.status().message());
  }
  const std::string entry_key = EntryKey(def.name, key);
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> old_target,
                           Load(SourceKey(def.name, source_key)));
  if (old_target && *old_target != entry_key) WALCAST_RETURN_IF_ERROR(Remove(def, source_key));
  WALCAST_RETURN_IF_ERROR(StageEntry(def, entry_key, row.Encode()));
  Stage(SourceKey(def.name, source_key), entry_key);
  ++stats_.rows_applied;
  return Status::Ok();
}

Status ProjectionEngine::Remove(const ProjectionDefinition& def, const std::string& source_key) {
  const std::string source = SourceKey(def.name, source_key);
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> target, Load(source));
  if (!target) return Status::Ok();
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> entry, Load(*target));
  // Another source row may have taken the key since; its entry stays.
  if (entry) {
    const std::optional<ProjectedRow> row = ProjectedRow::Decode(*entry);
    if (!row) return Status::Corruption("projection state: bad entry of '" + def.name + "'");
    if (row->source_key == source_key)
      WALCAST_RETURN_IF_ERROR(StageEntry(def, *target, std::nullopt));
  }
  Stage(source, std::nullopt);
  ++stats_.rows_applied;
  return Status::Ok();
}

Status ProjectionEngine::StageEntry(const ProjectionDefinition& def, const std::string& entry_key,
                                    std::optional<std::string> value) {
  if (def.HasOutput()) {
    const std::string outbox = OutboxKey(
        def.name,
        std::string_view(entry_key).substr(metrics::state_key::RowPrefix(def.name).size()));
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> pending, Load(outbox));
    if (!pending) {
      // No outbox item: the outputs hold the entry as it is now.
      WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> held, Load(entry_key));
      Stage(outbox, EncodeHeld(held));
    }
  }
  Stage(entry_key, std::move(value));
  return Status::Ok();
}

Result<std::vector<ProjectionChange>> ProjectionEngine::PendingChanges(size_t max) const {
  std::vector<ProjectionChange> out;
  for (const ProjectionDefinition& def : set_.projections) {
    if (!def.HasOutput() || out.size() >= max) continue;
    const std::string prefix = OutboxKey(def.name, "");
    Status bad;
    WALCAST_RETURN_IF_ERROR(store_->Scan(prefix, [&](std::string_view key, std::string_view value) {
      ProjectionChange c;
      c.definition = &def;
      c.key = DecodeKey(key.substr(prefix.size()));
      Result<std::optional<ProjectedRow>> held = DecodeHeld(value);
      if (!held.ok()) {
        bad = held.status();
        return false;
      }
      c.before = std::move(*held);
      Result<std::optional<ProjectedRow>> now = Get(def.name, c.key);
      if (!now.ok()) {
        bad = now.status();
        return false;
      }
      c.after = std::move(*now);
      out.push_back(std::move(c));
      return out.size() < max;
    }));
    WALCAST_RETURN_IF_ERROR(bad);
  }
  return out;
}

Status ProjectionEngine::AcknowledgeChanges(const std::vector<ProjectionChange>& changes) {
  if (!failed_.ok()) return failed_;
  for (const ProjectionChange& c : changes) {
    const std::string entry_key = EntryKey(c.definition->name, c.key);
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> now, Load(entry_key));
    const std::optional<std::string> written =
        c.after ? std::optional<std::string>(c.after->Encode()) : std::nullopt;
    const std::string outbox = OutboxKey(c.definition->name, EncodeKey(c.key));
    if (now == written) {
      Stage(outbox, std::nullopt);
    } else {
      Stage(outbox, EncodeHeld(written));  // changed since: the outputs hold `after`
    }
  }
  return Status::Ok();
}

Status ProjectionEngine::Truncate(const ProjectionDefinition& def) {
  WALCAST_RETURN_IF_ERROR(Commit());
  metrics::StateStore::Batch batch;
  WALCAST_RETURN_IF_ERROR(RemoveAll(def, &batch));
  return store_->Write(&batch);
}

Status ProjectionEngine::RemoveAll(const ProjectionDefinition& def,
                                   metrics::StateStore::Batch* batch) {
  if (def.HasOutput()) {
    // Every entry goes: the outbox records what the outputs hold, so they
    // remove them too (or get them back from a new snapshot).
    const std::string entries = metrics::state_key::RowPrefix(def.name);
    Status bad;
    WALCAST_RETURN_IF_ERROR(
        store_->Scan(entries, [&](std::string_view key, std::string_view value) {
          const std::string outbox = OutboxKey(def.name, key.substr(entries.size()));
          Result<std::optional<std::string>> pending = store_->Get(outbox);
          if (!pending.ok()) {
            bad = pending.status();
            return false;
          }
          if (!*pending) batch->Put(outbox, EncodeHeld(std::string(value)));
          return true;
        }));
    WALCAST_RETURN_IF_ERROR(bad);
  }
  for (const std::string& prefix : {metrics::state_key::RowPrefix(def.name),
                                    metrics::state_key::RowPrefix(def.name + "\x01source")}) {
    batch->DeleteRange(prefix, PrefixEnd(prefix));
  }
  return Status::Ok();
}

void ProjectionEngine::AddDeadLetter(const ProjectionDefinition& def, const ChangeEvent& event,
                                     const std::string& error, const std::string& reason) {
  metrics::DeadLetter item;
  item.table = def.table;
  const Relation& relation = *event.relation;
  const std::optional<Tuple>& tuple = event.op == Op::kDelete ? event.before : event.after;
  for (size_t i : relation.primary_key) {
    if (tuple && i < tuple->size())
      item.key.emplace_back(relation.columns[i].name, (*tuple)[i].data);
  }
  item.lsn = event.lsn;
  item.op = static_cast<char>(event.op);
  item.error = error;
  item.reason = "projection '" + def.name + "': " + reason;
  // Keyed by the change's LSN: a replayed change records it once.
  Stage(metrics::state_key::DeadLetter(event.lsn.value()) + def.name, item.Encode());
  ++stats_.dead_letters;
  int suppressed = 0;
  if (dead_letter_log_.Allow(&suppressed)) {
    log::Warn("projection: row sent to the dead letters", {{"projection", def.name},
                                                           {"table", def.table},
                                                           {"lsn", event.lsn.ToString()},
                                                           {"error", error},
                                                           {"suppressed", suppressed}});
  }
}

Status ProjectionEngine::Commit(Lsn applied) {
  if (!failed_.ok()) return failed_;
  const bool moves = applied.valid() && applied > applied_lsn_;
  if (overlay_.empty() && !moves) return Status::Ok();
  metrics::StateStore::Batch batch;
  for (const auto& [key, value] : overlay_) {
    if (value) {
      batch.Put(key, *value);
    } else {
      batch.Delete(key);
    }
  }
  if (moves) batch.Put(Meta(kMetaAppliedLsn), Fixed(applied.value()));
  const Status s = store_->Write(&batch);
  if (!s.ok()) return Fail(s);
  overlay_.clear();
  if (moves) applied_lsn_ = applied;
  ++stats_.commits;
  return Status::Ok();
}

Status ProjectionEngine::Reset() {
  if (!failed_.ok()) return failed_;
  overlay_.clear();
  metrics::StateStore::Batch batch;
  // The outputs' outbox stays (and gains every entry): the new snapshot's
  // entries replace what the outputs hold, and entries it no longer has are
  // removed from them.
  for (const ProjectionDefinition& def : set_.projections) {
    const Status removed = RemoveAll(def, &batch);
    if (!removed.ok()) return Fail(removed);
  }
  const std::string letters(1, metrics::state_key::kDeadLetter);
  batch.DeleteRange(letters, PrefixEnd(letters));
  batch.Delete(Meta(kMetaAppliedLsn));
  const Status s = store_->Write(&batch);
  if (!s.ok()) return Fail(s);
  applied_lsn_ = Lsn();
  return Status::Ok();
}

Result<std::optional<ProjectedRow>> ProjectionEngine::Get(
    std::string_view projection, const std::vector<std::string>& key) const {
  return ReadEntry(*store_, projection, key);
}

Status ProjectionEngine::Scan(std::string_view projection,
                              const std::vector<std::string>& key_prefix,
                              const std::function<bool(const ProjectedRow&)>& fn) const {
  return ScanEntries(*store_, projection, key_prefix, fn);
}

std::unique_ptr<ProjectionSnapshot> ProjectionEngine::TakeSnapshot() const {
  return std::make_unique<ProjectionSnapshot>(store_->TakeSnapshot());
}

Result<std::vector<metrics::DeadLetter>> ProjectionEngine::DeadLetters() const {
  std::vector<metrics::DeadLetter> out;
  Status bad;
  WALCAST_RETURN_IF_ERROR(
      store_->Scan(std::string(1, metrics::state_key::kDeadLetter),
                   [&](std::string_view, std::string_view value) {
                     std::optional<metrics::DeadLetter> d = metrics::DeadLetter::Decode(value);
                     if (!d) {
                       bad = Status::Corruption("projection state: bad dead letter");
                       return false;
                     }
                     out.push_back(std::move(*d));
                     return true;
                   }));
  WALCAST_RETURN_IF_ERROR(bad);
  return out;
}

}  // namespace walcast::projections
