#include "metrics/engine.h"

#include <algorithm>

#include "core/log.h"
#include "metrics/codec.h"
#include "rapidjson/error/en.h"

namespace walcast::metrics {

using mosip::ProfileErrorName;
using mosip::ProfileRowContext;
namespace {

bool IsTrue(std::optional<std::string_view> text) {
  return text && (*text == "t" || *text == "true");
}

// The histogram bucket of a weight total: the index of the last lower bound
// at or below it, or -1 below the first one.
int HistogramBucket(const std::vector<int64_t>& bounds, int64_t m) {
  int index = -1;
  for (size_t i = 0; i < bounds.size() && bounds[i] <= m; ++i) index = static_cast<int>(i);
  return index;
}

std::string HistogramLabel(const std::vector<int64_t>& bounds, size_t i) {
  if (i + 1 == bounds.size()) return std::to_string(bounds[i]) + "+";
  if (bounds[i + 1] - 1 == bounds[i]) return std::to_string(bounds[i]);
  return std::to_string(bounds[i]) + "-" + std::to_string(bounds[i + 1] - 1);
}

}  // namespace

// What the engine needs to know about one captured table, resolved once per
// Relation (a schema change brings a new one).
struct MetricsEngine::TableInfo {
  std::shared_ptr<const Relation> relation;  // pinned: the cache is keyed by its identity
  std::string name;                          // "schema.table"
  bool tracked = false;                      // some metric reads it
  bool channel_info = false;
  bool document = false;        // the document source's table
  std::vector<Source> sources;  // profile sources whose table this is
  std::optional<size_t> profile_column;
  std::optional<size_t> document_column;
  bool has_process_stage = false;
};

const MetricsEngine::TableInfo* MetricsEngine::TableFor(const Relation& relation) {
  auto& slot = tables_[relation.oid];
  if (slot && slot->relation.get() == &relation) return slot.get();
  return nullptr;
}

MetricsEngine::MetricsEngine(const MetricSet& set, EngineOptions options,
                             std::unique_ptr<StateStore> store)
    : set_(set),
      options_(std::move(options)),
      store_(std::move(store)),
      extractor_(set),
      parser_(options_.parser) {
  for (const MetricDefinition& d : set_.metrics) metric_by_id_[d.id] = &d;
}

MetricsEngine::~MetricsEngine() = default;

Status MetricsEngine::Fail(Status s) {
  if (failed_.ok()) {
    failed_ = s;
    log::Error("metrics: state error; the engine stops", {{"error", s.ToString()}});
  }
  return s;
}

Result<std::unique_ptr<MetricsEngine>> MetricsEngine::Open(const MetricSet& set,
                                                           EngineOptions options) {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, StateStore::Open(options.store));
  std::unique_ptr<MetricsEngine> engine(
      new MetricsEngine(set, std::move(options), std::move(store)));
  WALCAST_RETURN_IF_ERROR(engine->Restore());
  return engine;
}
Status MetricsEngine::Apply(const ChangeEvent& event) {
  WALCAST_RETURN_IF_ERROR(failed_);
  if (event.op == Op::kMessage || !event.relation) return Status::Ok();
  const TableInfo* table = TableFor(*event.relation);
  if (table == nullptr) {
    auto info = std::make_unique<TableInfo>();
    const Relation& r = *event.relation;
    info->relation = event.relation;
    info->name = r.schema + "." + r.name;
    for (size_t i = 0; i < kSourceCount; ++i) {
      const auto s = static_cast<Source>(i);
      if (set_.TableOf(s) != info->name || !extractor_.HasMetrics(s)) continue;
      info->tracked = true;
      if (s == Source::kChannelInfo) {
        info->channel_info = true;
      } else if (s == Source::kDocument) {
        info->document = true;
      } else {
        info->sources.push_back(s);
      }
    }
    for (size_t i = 0; i < r.columns.size(); ++i) {
      if (r.columns[i].name == "profile") info->profile_column = i;
      if (r.columns[i].name == set_.document_column) info->document_column = i;
      if (r.columns[i].name == "process_stage") info->has_process_stage = true;
    }
    if (info->tracked && r.primary_key.empty()) {
      return Fail(Status::InvalidArgument(
          "metrics: table " + info->name +
          " has no primary key; rows cannot be told apart for retraction (metrics.md §2)"));
    }
    if (info->tracked && !info->sources.empty() && !info->profile_column) {
      return Fail(
          Status::InvalidArgument("metrics: table " + info->name + " has no 'profile' column"));
    }
    if (info->document && !info->document_column) {
      return Fail(Status::InvalidArgument("metrics: table " + info->name + " has no '" +
                                          set_.document_column +
                                          "' column (document_column of the definitions)"));
    }
    tables_[r.oid] = std::move(info);
    table = tables_[r.oid].get();
  }
  if (!table->tracked) return Status::Ok();
  Status s = event.op == Op::kTruncate ? Truncate(*table) : ApplyRow(*table, event);
  if (!s.ok()) return Fail(std::move(s));
  if (rows_.size() >= options_.max_batch_rows) {
    // Inside a large transaction (a snapshot, a bulk load): write what we
    // have without moving applied_lsn, keeping memory bounded.
    ++stats_.spills;
    s = WriteBatch(std::nullopt);
    if (!s.ok()) return Fail(std::move(s));
  }
  return Status::Ok();
}

namespace {

// The primary key of a tuple: the encoded state key and the (column, value)
// pairs for dead letters.
std::string RowKey(const Relation& r, const Tuple& t,
                   std::vector<std::pair<std::string, std::string>>* pairs) {
  std::string key;
  pairs->clear();
  for (size_t i : r.primary_key) {
    const std::string& value = i < t.size() ? t[i].data : std::string();
    PutBytes(value, &key);
    pairs->emplace_back(r.columns[i].name, value);
  }
  return key;
}

}  // namespace

Status MetricsEngine::ApplyRow(const TableInfo& table, const ChangeEvent& event) {
  const Relation& r = *event.relation;
  std::vector<std::pair<std::string, std::string>> key_pairs;
  if (event.op == Op::kDelete) {
    const std::optional<Tuple>& old = event.before ? event.before : event.after;
    if (!old) return Status::Corruption("delete on " + table.name + " without a key");
    const std::string key = state_key::Row(table.name, RowKey(r, *old, &key_pairs));
    WALCAST_ASSIGN_OR_RETURN(std::optional<RowState> stored, LoadRow(key));
    if (!stored) {
      ++stats_.rows_ignored;
      return Status::Ok();
    }
    if (stored->active) WALCAST_RETURN_IF_ERROR(AddRow(*stored, -1));
    StoreRow(key, std::nullopt);
    ++stats_.rows_applied;
    return Status::Ok();
  }
  if (!event.after) return Status::Corruption("change on " + table.name + " without a new row");
  const std::string key = state_key::Row(table.name, RowKey(r, *event.after, &key_pairs));

  // The old key's state when the update changed the primary key.
  std::optional<RowState> moved;
  if (event.op == Op::kUpdate && event.before) {
    // A changed primary key: the old row is gone (as a delete would say).
    std::vector<std::pair<std::string, std::string>> old_pairs;
    const std::string old_key = state_key::Row(table.name, RowKey(r, *event.before, &old_pairs));
    if (old_key != key) {
      WALCAST_ASSIGN_OR_RETURN(moved, LoadRow(old_key));
      if (moved) {
        if (moved->active) WALCAST_RETURN_IF_ERROR(AddRow(*moved, -1));
        StoreRow(old_key, std::nullopt);
      }
    }
  }

  WALCAST_ASSIGN_OR_RETURN(std::optional<RowState> stored, LoadRow(key));
  if (stored && (event.op == Op::kCreate || event.op == Op::kRead)) {
    ++stats_.rows_ignored;  // a replay or a re-snapshot of a row already counted
    return Status::Ok();
  }
  RowState next;
  // A row whose key changed brings its contributions along: the server
  // does not resend an unchanged TOASTed profile with the new key, and the
  // old key's state (retracted above) is what that profile contributed.
  // The new key's own state, if any (a replay of this update), wins.
  WALCAST_RETURN_IF_ERROR(
      NewState(table, event, *event.after, key_pairs, stored ? stored : moved, &next));
  if (stored && stored->active) WALCAST_RETURN_IF_ERROR(AddRow(*stored, -1));
  if (next.active) WALCAST_RETURN_IF_ERROR(AddRow(next, +1));
  // Rows keep no canonical strings: retraction only needs the ids.
  for (AggregateDelta& a : next.contributions.aggregates) a.canonical.clear();
  for (DistinctDelta& d : next.contributions.distinct) d.group.clear();
  StoreRow(key, next);
  ++stats_.rows_applied;
  return Status::Ok();
}

Status MetricsEngine::NewState(const TableInfo& table, const ChangeEvent& event, const Tuple& after,
                               const std::vector<std::pair<std::string, std::string>>& key,
                               const std::optional<RowState>& stored, RowState* out) {
  const Relation& r = *event.relation;
  const RowColumns columns(&r, &after);
  out->active = !IsTrue(columns.Get("is_deleted"));
  out->bad = false;
  out->contributions.Clear();
  auto dead_letter = [&](std::string error, std::string reason) {
    out->bad = true;
    ++open_bad_profiles_;
    AddDeadLetter({table.name, key, event.lsn, static_cast<char>(event.op), std::move(error),
                   std::move(reason)});
  };

  RowInput row;
  row.columns = columns;
  if (const auto cr = columns.Get("cr_dtimes")) row.row_date = ParseLeadingDate(*cr);
  if (table.channel_info) {
    row.source = Source::kChannelInfo;
    extractor_.Compute(row, &out->contributions);
    return Status::Ok();
  }

  const Datum& profile = after[table.document ? *table.document_column : *table.profile_column];
  if (profile.kind == Datum::Kind::kUnchangedToast) {
    // The update left the profile alone and the server did not resend it
    // (REPLICA IDENTITY DEFAULT): keep what the row contributed (under its
    // old key, when the update changed the key).
    if (stored) {
      out->bad = stored->bad;
      out->contributions = stored->contributions;
      return Status::Ok();
    }
    dead_letter("unchanged_toast",
                "update of a row the metric state does not know, without its profile (an "
                "unchanged TOASTed value); set REPLICA IDENTITY FULL or take a new snapshot");
    return Status::Ok();
  }
  if (profile.kind == Datum::Kind::kNull) {
    dead_letter("null_profile", "the profile column is NULL");
    return Status::Ok();
  }
  if (table.document) {
    document_.Parse(profile.data.data(), profile.data.size());
    if (document_.HasParseError()) {
      dead_letter("malformed_json",
                  "malformed JSON at byte " + std::to_string(document_.GetErrorOffset()) + ": " +
                      rapidjson::GetParseError_En(document_.GetParseError()));
      return Status::Ok();
    }
    if (!document_.IsObject()) {
      dead_letter("not_an_object", "the document is JSON but not an object");
      return Status::Ok();
    }
    row.source = Source::kDocument;
    row.document = &document_;
    extractor_.Compute(row, &out->contributions);
    return Status::Ok();
  }
  ProfileRowContext context;
  std::optional<std::string_view> stage;
  if (table.has_process_stage) {
    stage = columns.Get("process_stage");
    context.process_stage_column = stage.value_or(std::string_view());
  }
  const Status parsed = parser_.Parse(profile.data, context, &profile_);
  if (!parsed.ok()) {
    dead_letter(std::string(ProfileErrorName(parser_.last_error())), parsed.message());
    return Status::Ok();
  }
  row.source = SourceOfShape(profile_.shape);
  // A shape this table is not configured for (an idrepo profile in the
  // regprc table) feeds no metric; it is not an error.
  if (std::find(table.sources.begin(), table.sources.end(), row.source) == table.sources.end()) {
    return Status::Ok();
  }
  row.profile = &profile_;
  extractor_.Compute(row, &out->contributions);
  return Status::Ok();
}

Status MetricsEngine::Truncate(const TableInfo& table) {
  // Everything the table contributed goes. Earlier changes of this batch
  // are written first, so the scan below sees every row.
  WALCAST_RETURN_IF_ERROR(WriteBatch(std::nullopt));
  Status inner;
  Status scan = store_->Scan(state_key::RowPrefix(table.name),
                             [&](std::string_view key, std::string_view value) {
                               std::optional<RowState> state = RowState::Decode(value);
                               if (!state) {
                                 inner = Status::Corruption("metric state: bad row state");
                                 return false;
                               }
                               if (state->active) inner = AddRow(*state, -1);
                               if (!inner.ok()) return false;
                               StoreRow(std::string(key), std::nullopt);
                               if (rows_.size() >= options_.max_batch_rows) {
                                 inner = WriteBatch(std::nullopt);
                               }
                               return inner.ok();
                             });
  WALCAST_RETURN_IF_ERROR(inner);
  return scan;
}

Status MetricsEngine::AddRow(const RowState& state, int sign) {
  for (const AggregateDelta& a : state.contributions.aggregates) {
    WALCAST_RETURN_IF_ERROR(ApplyAggregate(a.id, a.canonical, sign * a.count, sign * a.sum));
  }
  for (const DistinctDelta& d : state.contributions.distinct) {
    WALCAST_RETURN_IF_ERROR(ApplyDistinct(d, sign));
  }
  return Status::Ok();
}

Result<MetricsEngine::CachedAggregate*> MetricsEngine::LoadAggregate(uint64_t id,
                                                                     const std::string& canonical) {
  auto it = aggregates_.find(id);
  if (it == aggregates_.end()) {
    CachedAggregate entry;
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             store_->Get(state_key::Aggregate(id)));
    if (stored) {
      if (!DecodeAggregate(*stored, &entry.canonical, &entry.count, &entry.sum, &entry.label)) {
        return Status::Corruption("metric state: bad aggregate record");
      }
    } else if (canonical.empty()) {
      // Retraction of a row whose aggregate is gone: the state is damaged.
      return Status::Corruption("metric state: a row refers to a missing aggregate");
    } else {
      entry.canonical = canonical;
    }
    it = aggregates_.emplace(id, std::move(entry)).first;
  }
  CachedAggregate& a = it->second;
  if (!canonical.empty() && a.canonical != canonical) {
    return Status::Internal("metric state: two aggregates share the hash " + std::to_string(id));
  }
  return &a;
}

Status MetricsEngine::ApplyAggregate(uint64_t id, const std::string& canonical, int64_t count,
                                     int64_t sum) {
  WALCAST_ASSIGN_OR_RETURN(CachedAggregate * a, LoadAggregate(id, canonical));
  const bool was_negative = a->count < 0;
  a->count += count;
  a->sum += sum;
  if (!was_negative && a->count < 0) ++stats_.state_negative_corrections;
  a->changed = true;
  uncommitted_ = true;
  return Status::Ok();
}

Result<MetricsEngine::Group*> MetricsEngine::LoadGroup(uint64_t id, const std::string& canonical) {
  auto it = groups_.find(id);
  if (it != groups_.end()) return &it->second;
  Group group;
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(state_key::Group(id)));
  if (stored) {
    group.canonical = std::move(*stored);
  } else if (!canonical.empty()) {
    group.canonical = canonical;
    new_groups_.push_back(id);
  } else {
    return Status::Corruption("metric state: a row refers to a missing count_distinct group");
  }
  const std::optional<AggregateKey> key = AggregateKey::Decode(group.canonical);
  if (!key) return Status::Corruption("metric state: bad count_distinct group");
  const auto def = metric_by_id_.find(key->metric);
  if (def == metric_by_id_.end()) {
    return Status::Corruption("metric state: group of unknown metric '" + key->metric + "'");
  }
  group.def = def->second;
  // The aggregates the group's histogram buckets feed (or the group itself),
  // or its ranks.
  const std::vector<int64_t>& bounds = group.def->measure.histogram;
  if (group.def->measure.kind == MeasureKind::kTopK) {
    for (int64_t rank = 1; rank <= group.def->measure.k; ++rank) {
      AggregateKey ranked = *key;
      ranked.keys.emplace_back("rank", std::to_string(rank));
      std::string canon = ranked.Encode();
      const uint64_t rank_id = Hash64(canon);
      group.bucket_aggregates.emplace_back(std::move(canon), rank_id);
    }
  } else if (bounds.empty()) {
    group.bucket_aggregates.emplace_back(group.canonical, id);
  } else {
    for (size_t i = 0; i < bounds.size(); ++i) {
      AggregateKey bucket = *key;
      bucket.keys.emplace_back(group.def->measure.histogram_key, HistogramLabel(bounds, i));
      std::string canon = bucket.Encode();
      const uint64_t bucket_id = Hash64(canon);
      group.bucket_aggregates.emplace_back(std::move(canon), bucket_id);
    }
  }
  return &groups_.emplace(id, std::move(group)).first->second;
}

Status MetricsEngine::ApplyDistinct(const DistinctDelta& delta, int sign) {
  WALCAST_ASSIGN_OR_RETURN(Group * group, LoadGroup(delta.group_id, delta.group));
  const std::string key = state_key::Value(delta.group_id, delta.value);
  auto it = values_.find(key);
  if (it == values_.end()) {
    WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(key));
    int64_t weight = 0;
    if (stored) {
      std::string_view in = *stored;
      if (!GetSigned(&in, &weight) || !in.empty()) {
        return Status::Corruption("metric state: bad value weight");
      }
    }
    it = values_.emplace(key, weight).first;
  }
  const int64_t before = it->second;
  const int64_t after = before + sign * delta.weight;
  it->second = after;
  uncommitted_ = true;
  if (before >= 0 && after < 0) ++stats_.state_negative_corrections;
  if (group->def->measure.kind == MeasureKind::kTopK) {
    // Ranked when the batch is written, from every value's weight.
    if (before != after) ranks_to_update_.push_back(delta.group_id);
    return Status::Ok();
  }

  // The value leaves the aggregate its old total counted in and joins the
  // one its new total counts in: count = values, sum = their totals.
  const MeasureSpec& m = group->def->measure;
  auto target = [&](int64_t total) -> const std::pair<std::string, uint64_t>* {
    if (total < m.min_count) return nullptr;
    if (m.histogram.empty()) return &group->bucket_aggregates[0];
    const int bucket = HistogramBucket(m.histogram, total);
    return bucket < 0 ? nullptr : &group->bucket_aggregates[static_cast<size_t>(bucket)];
  };
  const auto* from = target(before);
  const auto* to = target(after);
  if (from == to && before == after) return Status::Ok();
  if (from != nullptr) {
    WALCAST_RETURN_IF_ERROR(
        ApplyAggregate(from->second, from->first, -1, -before * kMicrosPerUnit));
  }
  if (to != nullptr) {
    WALCAST_RETURN_IF_ERROR(ApplyAggregate(to->second, to->first, +1, after * kMicrosPerUnit));
  }
  return Status::Ok();
}

Status MetricsEngine::RankTopK(uint64_t group_id) {
  WALCAST_ASSIGN_OR_RETURN(Group * group, LoadGroup(group_id, std::string()));
  // Every value's weight: the committed ones, then this batch's over them.
  const std::string prefix = state_key::Value(group_id, "");
  std::unordered_map<std::string, int64_t> weights;
  Status inner;
  WALCAST_RETURN_IF_ERROR(
      store_->Scan(prefix, [&](std::string_view key, std::string_view value) {
        int64_t weight = 0;
        if (!GetSigned(&value, &weight) || !value.empty()) {
          inner = Status::Corruption("metric state: bad value weight");
          return false;
        }
        weights[std::string(key.substr(prefix.size()))] = weight;
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(inner);
  for (const auto& [key, weight] : values_) {
    if (key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0) {
      weights[key.substr(prefix.size())] = weight;
    }
  }
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (auto& [value, weight] : weights) {
    if (weight > 0) ranked.emplace_back(weight, value);
  }
  const size_t k = group->bucket_aggregates.size();
  auto order = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  if (ranked.size() > k) {
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k),
                      ranked.end(), order);
    ranked.resize(k);
  } else {
    std::sort(ranked.begin(), ranked.end(), order);
  }
  for (size_t r = 0; r < k; ++r) {
    const auto& [canonical, id] = group->bucket_aggregates[r];
    WALCAST_ASSIGN_OR_RETURN(CachedAggregate * a, LoadAggregate(id, canonical));
    const int64_t count = r < ranked.size() ? ranked[r].first : 0;
    const std::string_view label = r < ranked.size() ? ranked[r].second : std::string_view();
    if (a->count == count && a->label == label) continue;
    a->count = count;
    a->sum = count * kMicrosPerUnit;
    a->label.assign(label);
    a->changed = true;
    uncommitted_ = true;
  }
  return Status::Ok();
}

Result<std::optional<RowState>> MetricsEngine::LoadRow(const std::string& key) {
  std::optional<std::string> bytes;
  if (auto it = rows_.find(key); it != rows_.end()) {
    bytes = it->second;
  } else {
    WALCAST_ASSIGN_OR_RETURN(bytes, store_->Get(key));
  }
  if (!bytes) return std::optional<RowState>();
  std::optional<RowState> state = RowState::Decode(*bytes);
  if (!state) return Status::Corruption("metric state: bad row state");
  return state;
}

void MetricsEngine::StoreRow(const std::string& key, const std::optional<RowState>& state) {
  rows_[key] = state ? std::optional<std::string>(state->Encode()) : std::nullopt;
  uncommitted_ = true;
}

void MetricsEngine::AddDeadLetter(DeadLetter item) {
  int suppressed = 0;
  if (dead_letter_log_.Allow(&suppressed)) {
    log::Warn("metrics: row sent to the dead letters", {{"table", item.table},
                                                        {"lsn", item.lsn.ToString()},
                                                        {"error", item.error},
                                                        {"suppressed", suppressed}});
  }
  new_dead_letters_.emplace_back(next_dead_letter_++, std::move(item));
  uncommitted_ = true;
}

}  // namespace walcast::metrics
