// The engine's state in its store: restoring it at open, committing each
// batch (aggregates, rows and applied_lsn in one WriteBatch), the outbox of
// documents still to write, and the reset that wipes it for a new snapshot.

#include <algorithm>

#include "core/log.h"
#include "metrics/codec.h"
#include "metrics/engine.h"

namespace walcast::metrics {
namespace {

constexpr std::string_view kFormatVersion = "1";
constexpr std::string_view kMetaFormat = "format";
constexpr std::string_view kMetaAppliedLsn = "applied_lsn";
constexpr std::string_view kMetaFingerprint = "fingerprint";
constexpr std::string_view kMetaInstance = "instance";
constexpr std::string_view kMetaBadProfiles = "bad_profiles";
constexpr std::string_view kMetaNegative = "state_negative_corrections";

std::string Fixed(uint64_t v) {
  std::string s;
  PutFixed64(v, &s);
  return s;
}

std::optional<uint64_t> ReadFixed(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::string_view in = *s;
  uint64_t v = 0;
  if (!GetFixed64(&in, &v) || !in.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string DeadLetter::Encode() const {
  std::string out;
  PutBytes(table, &out);
  PutVarint(key.size(), &out);
  for (const auto& [column, value] : key) {
    PutBytes(column, &out);
    PutBytes(value, &out);
  }
  PutFixed64(lsn.value(), &out);
  out.push_back(op);
  PutBytes(error, &out);
  PutBytes(reason, &out);
  return out;
}

std::optional<DeadLetter> DeadLetter::Decode(std::string_view in) {
  DeadLetter d;
  std::string_view s;
  uint64_t n = 0;
  if (!GetBytes(&in, &s) || !GetVarint(&in, &n) || n > in.size()) return std::nullopt;
  d.table.assign(s);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view column;
    std::string_view value;
    if (!GetBytes(&in, &column) || !GetBytes(&in, &value)) return std::nullopt;
    d.key.emplace_back(std::string(column), std::string(value));
  }
  uint64_t lsn = 0;
  if (!GetFixed64(&in, &lsn) || in.empty()) return std::nullopt;
  d.lsn = Lsn(lsn);
  d.op = in.front();
  in.remove_prefix(1);
  std::string_view error;
  std::string_view reason;
  if (!GetBytes(&in, &error) || !GetBytes(&in, &reason) || !in.empty()) return std::nullopt;
  d.error.assign(error);
  d.reason.assign(reason);
  return d;
}

Status MetricsEngine::Restore() {
  const std::string& dir = options_.store.dir;
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> format,
                           store_->Get(state_key::Meta(kMetaFormat)));
  if (!format) {
    // A new state directory.
    StateStore::Batch batch;
    batch.Put(state_key::Meta(kMetaFormat), kFormatVersion);
    batch.Put(state_key::Meta(kMetaFingerprint), Fixed(set_.fingerprint));
    batch.Put(state_key::Meta(kMetaInstance), options_.instance);
    return store_->Write(&batch);
  }
  if (*format != kFormatVersion) {
    return Status::Corruption("metric state in " + dir + " has format '" + *format +
                              "'; this walcast reads format " + std::string(kFormatVersion));
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> instance,
                           store_->Get(state_key::Meta(kMetaInstance)));
  if (instance.value_or("") != options_.instance) {
    return Status::InvalidArgument("metric state in " + dir + " belongs to instance '" +
                                   instance.value_or("") + "', not '" + options_.instance +
                                   "' (topic.prefix/slot.name); use another metrics.state.dir");
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> fp,
                           store_->Get(state_key::Meta(kMetaFingerprint)));
  if (ReadFixed(fp) != set_.fingerprint) {
    if (!options_.reset_on_definition_change) {
      return Status::InvalidArgument(
          "metric state in " + dir +
          " was built with other metric definitions; its aggregates would be wrong under these. "
          "Set metrics.definitions.change=reset to wipe it and take a new snapshot");
    }
    log::Warn("metrics: definitions changed; wiping the metric state", {{"dir", dir}});
    reset_at_open_ = true;
    WALCAST_RETURN_IF_ERROR(Reset());
    StateStore::Batch batch;
    batch.Put(state_key::Meta(kMetaFingerprint), Fixed(set_.fingerprint));
    return store_->Write(&batch);
  }

  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> applied,
                           store_->Get(state_key::Meta(kMetaAppliedLsn)));
  applied_lsn_ = Lsn(ReadFixed(applied).value_or(0));
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> bad,
                           store_->Get(state_key::Meta(kMetaBadProfiles)));
  stats_.bad_profiles = ReadFixed(bad).value_or(0);
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> negative,
                           store_->Get(state_key::Meta(kMetaNegative)));
  stats_.state_negative_corrections = ReadFixed(negative).value_or(0);

  // Aggregates committed but not acknowledged before the stop: their
  // documents go out again (absolute values: rewriting them is idempotent).
  WALCAST_RETURN_IF_ERROR(
      store_->Scan(std::string(1, state_key::kDirty), [&](std::string_view key, std::string_view) {
        dirty_[state_key::IdOf(key)] = next_version_++;
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(store_->Scan(
      std::string(1, state_key::kDeadLetter), [&](std::string_view key, std::string_view) {
        ++pending_dead_letters_;
        next_dead_letter_ = std::max(next_dead_letter_, state_key::IdOf(key) + 1);
        return true;
      }));
  log::Info("metrics: state restored", {{"dir", dir},
                                        {"applied_lsn", applied_lsn_.ToString()},
                                        {"dirty", dirty_.size()},
                                        {"dead_letters", pending_dead_letters_}});
  return Status::Ok();
}

Status MetricsEngine::Commit(Lsn applied_lsn) {
  WALCAST_RETURN_IF_ERROR(failed_);
  std::optional<Lsn> applied;
  if (applied_lsn.valid() && applied_lsn > applied_lsn_) applied = applied_lsn;
  if (!uncommitted_ && !applied) return Status::Ok();
  // Bad profiles count with the position that covers them (DropUnappliedCounts).
  if (applied) {
    stats_.bad_profiles += open_bad_profiles_;
    open_bad_profiles_ = 0;
  }
  Status s = WriteBatch(applied);
  if (!s.ok()) return Fail(std::move(s));
  return Status::Ok();
}

namespace {

// Pointers to a map's entries in key order.
template <typename Map>
std::vector<const typename Map::value_type*> SortedByKey(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(map.size());
  for (const auto& entry : map) out.push_back(&entry);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

}  // namespace

Status MetricsEngine::WriteBatch(std::optional<Lsn> applied) {
  // Ranks first: they read this batch's weights and change aggregates.
  std::sort(ranks_to_update_.begin(), ranks_to_update_.end());
  ranks_to_update_.erase(std::unique(ranks_to_update_.begin(), ranks_to_update_.end()),
                         ranks_to_update_.end());
  for (uint64_t group : ranks_to_update_) WALCAST_RETURN_IF_ERROR(RankTopK(group));
  ranks_to_update_.clear();
  StateStore::Batch batch;
  std::vector<uint64_t> changed;
  for (auto& [id, a] : aggregates_) {
    if (!a.changed) continue;
    batch.Put(state_key::Aggregate(id), EncodeAggregate(a.canonical, a.count, a.sum, a.label));
    batch.Put(state_key::Dirty(id), "");
    changed.push_back(id);
  }
  for (uint64_t id : new_groups_) batch.Put(state_key::Group(id), groups_[id].canonical);
  // In key order: RocksDB's memtable inserts each key after the previous
  // one's place without searching from the top when keys come sorted.
  for (const auto* entry : SortedByKey(rows_)) {
    if (entry->second) {
      batch.Put(entry->first, *entry->second);
    } else {
      batch.Delete(entry->first);
    }
  }
  for (const auto* entry : SortedByKey(values_)) {
    const std::string& key = entry->first;
    const int64_t weight = entry->second;
    if (weight == 0) {
      batch.Delete(key);
    } else {
      std::string v;
      PutSigned(weight, &v);
      batch.Put(key, v);
    }
  }
  for (const auto& [seq, item] : new_dead_letters_) {
    batch.Put(state_key::DeadLetter(seq), item.Encode());
  }
  if (applied) batch.Put(state_key::Meta(kMetaAppliedLsn), Fixed(applied->value()));
  batch.Put(state_key::Meta(kMetaBadProfiles), Fixed(stats_.bad_profiles));
  batch.Put(state_key::Meta(kMetaNegative), Fixed(stats_.state_negative_corrections));
  WALCAST_RETURN_IF_ERROR(store_->Write(&batch));

  ++stats_.commits;
  if (applied) applied_lsn_ = *applied;
  for (uint64_t id : changed) {
    aggregates_[id].changed = false;
    dirty_[id] = next_version_++;
  }
  pending_dead_letters_ += new_dead_letters_.size();
  new_dead_letters_.clear();
  new_groups_.clear();
  rows_.clear();
  values_.clear();
  uncommitted_ = false;
  if (aggregates_.size() > options_.max_cached_aggregates) aggregates_.clear();
  return Status::Ok();
}

Result<Outbox> MetricsEngine::PendingOutput(size_t max_items) const {
  WALCAST_RETURN_IF_ERROR(failed_);
  Outbox out;
  std::vector<std::pair<uint64_t, uint64_t>> ids(dirty_.begin(), dirty_.end());
  std::sort(ids.begin(), ids.end());
  for (const auto& [id, version] : ids) {
    if (out.aggregates.size() >= max_items) break;
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             store_->Get(state_key::Aggregate(id)));
    AggregateValue v;
    std::string canonical;
    if (!stored || !DecodeAggregate(*stored, &canonical, &v.count, &v.sum, &v.label)) {
      return Status::Corruption("metric state: dirty aggregate without a record");
    }
    std::optional<AggregateKey> key = AggregateKey::Decode(canonical);
    if (!key) return Status::Corruption("metric state: bad aggregate key");
    v.id = id;
    v.version = version;
    v.key = std::move(*key);
    out.aggregates.push_back(std::move(v));
  }
  Status inner;
  WALCAST_RETURN_IF_ERROR(store_->Scan(
      std::string(1, state_key::kDeadLetter), [&](std::string_view key, std::string_view value) {
        if (out.aggregates.size() + out.dead_letters.size() >= max_items) return false;
        std::optional<DeadLetter> item = DeadLetter::Decode(value);
        if (!item) {
          inner = Status::Corruption("metric state: bad dead letter");
          return false;
        }
        out.dead_letters.emplace_back(state_key::IdOf(key), std::move(*item));
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(inner);
  return out;
}

Result<std::vector<AggregateValue>> MetricsEngine::ReadAggregates(std::string_view metric) const {
  std::vector<AggregateValue> out;
  Status inner;
  WALCAST_RETURN_IF_ERROR(store_->Scan(
      std::string(1, state_key::kAggregate), [&](std::string_view key, std::string_view value) {
        AggregateValue v;
        std::string canonical;
        std::optional<AggregateKey> decoded;
        if (!DecodeAggregate(value, &canonical, &v.count, &v.sum, &v.label) ||
            !(decoded = AggregateKey::Decode(canonical))) {
          inner = Status::Corruption("metric state: bad aggregate record");
          return false;
        }
        if (!metric.empty() && decoded->metric != metric) return true;
        v.id = state_key::IdOf(key);
        v.key = std::move(*decoded);
        out.push_back(std::move(v));
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(inner);
  return out;
}

Status MetricsEngine::Acknowledge(const Outbox& outbox) {
  WALCAST_RETURN_IF_ERROR(failed_);
  StateStore::Batch batch;
  std::vector<uint64_t> done;
  for (const AggregateValue& v : outbox.aggregates) {
    const auto it = dirty_.find(v.id);
    // Changed and committed again since: its newer value still has to go.
    if (it == dirty_.end() || it->second != v.version) continue;
    batch.Delete(state_key::Dirty(v.id));
    done.push_back(v.id);
  }
  for (const auto& [seq, item] : outbox.dead_letters) batch.Delete(state_key::DeadLetter(seq));
  if (batch.count() == 0) return Status::Ok();
  Status s = store_->Write(&batch);
  if (!s.ok()) return Fail(std::move(s));
  for (uint64_t id : done) dirty_.erase(id);
  pending_dead_letters_ -= std::min(pending_dead_letters_, outbox.dead_letters.size());
  return Status::Ok();
}

Status MetricsEngine::Reset() {
  failed_ = Status::Ok();
  rows_.clear();
  values_.clear();
  aggregates_.clear();
  groups_.clear();
  new_groups_.clear();
  ranks_to_update_.clear();
  uncommitted_ = false;
  StateStore::Batch batch;
  // Every aggregate's document is rewritten as 0; the new snapshot fills
  // them again.
  std::vector<uint64_t> zeroed;
  Status inner;
  WALCAST_RETURN_IF_ERROR(store_->Scan(
      std::string(1, state_key::kAggregate), [&](std::string_view key, std::string_view value) {
        std::string canonical;
        int64_t count = 0;
        int64_t sum = 0;
        if (!DecodeAggregate(value, &canonical, &count, &sum)) {
          inner = Status::Corruption("metric state: bad aggregate record");
          return false;
        }
        const uint64_t id = state_key::IdOf(key);
        batch.Put(key, EncodeAggregate(canonical, 0, 0));
        batch.Put(state_key::Dirty(id), "");
        zeroed.push_back(id);
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(inner);
  for (char kind : {state_key::kRow, state_key::kValue, state_key::kGroup}) {
    batch.DeleteRange(std::string(1, kind), std::string(1, static_cast<char>(kind + 1)));
  }
  batch.Delete(state_key::Meta(kMetaAppliedLsn));
  batch.Put(state_key::Meta(kMetaBadProfiles), Fixed(0));
  batch.Put(state_key::Meta(kMetaNegative), Fixed(0));
  WALCAST_RETURN_IF_ERROR(store_->Write(&batch));
  applied_lsn_ = Lsn();
  stats_.bad_profiles = 0;
  open_bad_profiles_ = 0;
  stats_.state_negative_corrections = 0;
  for (uint64_t id : zeroed) dirty_[id] = next_version_++;
  log::Info("metrics: state reset for a new snapshot", {{"aggregates", zeroed.size()}});
  return Status::Ok();
}

}  // namespace walcast::metrics