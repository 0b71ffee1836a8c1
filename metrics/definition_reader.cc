// Reading metric definition files (docs/metrics.md): every metric's JSON
// object checked member by member and against the field catalogue
// (field_catalog.h); ParseMetricDefinitions of definition.h.

#include "metrics/definition.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

#include "metrics/codec.h"
#include "metrics/extractor.h"
#include "metrics/field_catalog.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace walcast::metrics {

using mosip::AgeGroupRule;
using mosip::AgeGroups;
namespace {

using Value = rapidjson::Value;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Errors name the metric and the field path inside it.
class Context {
 public:
  explicit Context(std::string metric) : metric_(std::move(metric)) {}
  Status Error(std::string_view where, std::string_view what) const {
    std::string m =
        metric_.empty() ? std::string("metric definitions") : "metric " + Quote(metric_);
    if (!where.empty()) m += ": " + std::string(where);
    return Status::InvalidArgument(m + ": " + std::string(what));
  }

 private:
  std::string metric_;
};

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

Status CheckLevel(const FieldRef& ref, const Context& ctx, std::string_view where) {
  if (ref.field == Field::kLocation &&
      (ref.level < 1 || ref.level > static_cast<int>(mosip::kMaxLocationLevels))) {
    return ctx.Error(where, "location needs a level from 1 to " +
                                std::to_string(mosip::kMaxLocationLevels) + " (\"location_L2\")");
  }
  return Status::Ok();
}

// A field reference written as a string.
Result<FieldRef> ReadFieldRef(const Value& v, const Context& ctx, std::string_view where) {
  if (!v.IsString()) return ctx.Error(where, "expected a field name");
  std::optional<FieldRef> ref = ParseFieldName(View(v));
  if (!ref) return ctx.Error(where, "unknown field " + Quote(View(v)));
  WALCAST_RETURN_IF_ERROR(CheckLevel(*ref, ctx, where));
  return *ref;
}

std::optional<Source> ParseSource(std::string_view name) {
  for (size_t i = 0; i < kSourceCount; ++i) {
    if (SourceName(static_cast<Source>(i)) == name) return static_cast<Source>(i);
  }
  return std::nullopt;
}

Status CheckMembers(const Value& object, std::initializer_list<std::string_view> allowed,
                    const Context& ctx, std::string_view where) {
  for (const auto& m : object.GetObject()) {
    const std::string_view key = View(m.name);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return ctx.Error(where, "unknown member " + Quote(key));
    }
  }
  return Status::Ok();
}

Result<KeySpec> ReadKey(const Value& v, const Context& ctx, const std::string& where) {
  KeySpec key;
  bool missing_given = false;
  if (v.IsString()) {
    WALCAST_ASSIGN_OR_RETURN(key.ref, ReadFieldRef(v, ctx, where));
  } else if (v.IsObject()) {
    WALCAST_RETURN_IF_ERROR(
        CheckMembers(v, {"field", "level", "column", "as", "missing"}, ctx, where));
    const auto field = v.FindMember("field");
    if (field == v.MemberEnd()) return ctx.Error(where, "a key object needs \"field\"");
    WALCAST_ASSIGN_OR_RETURN(key.ref, ReadFieldRef(field->value, ctx, where + ".field"));
    if (const auto level = v.FindMember("level"); level != v.MemberEnd()) {
      if (!level->value.IsInt() || key.ref.field != Field::kLocation) {
        return ctx.Error(where + ".level", "\"level\" is a whole number, for \"location\" only");
      }
      key.ref.level = level->value.GetInt();
    }
    if (const auto column = v.FindMember("column"); column != v.MemberEnd()) {
      if (!column->value.IsString() || key.ref.field != Field::kColumn ||
          column->value.GetStringLength() == 0) {
        return ctx.Error(where + ".column", "\"column\" names a column, for \"column\" only");
      }
      key.ref.column.assign(View(column->value));
    }
    WALCAST_RETURN_IF_ERROR(CheckLevel(key.ref, ctx, where));
    if (const auto as = v.FindMember("as"); as != v.MemberEnd()) {
      if (!as->value.IsString() || as->value.GetStringLength() == 0) {
        return ctx.Error(where + ".as", "\"as\" is a non-empty string");
      }
      key.name.assign(View(as->value));
    }
    if (const auto missing = v.FindMember("missing"); missing != v.MemberEnd()) {
      missing_given = true;
      if (missing->value.IsString()) {
        key.missing = std::string(View(missing->value));
      } else if (!missing->value.IsNull()) {
        return ctx.Error(where + ".missing", "\"missing\" is a label or null (skip the row)");
      }
    }
  } else {
    return ctx.Error(where, "a key is a field name or an object {\"field\": ...}");
  }
  if (key.name.empty()) key.name = DefaultKeyName(key.ref);
  // Scalars default to "Unknown"; an empty list adds nothing by default.
  if (!missing_given && Info(key.ref.field).kind != FieldKind::kList) key.missing = "Unknown";
  return key;
}

Result<std::vector<std::string>> ReadValues(const Value& v, const Context& ctx,
                                            const std::string& where) {
  std::vector<std::string> out;
  auto one = [&](const Value& e) -> Status {
    if (e.IsString()) {
      out.emplace_back(View(e));
    } else if (e.IsBool()) {
      out.emplace_back(e.GetBool() ? "true" : "false");
    } else {
      return ctx.Error(where, "filter values are strings or booleans");
    }
    return Status::Ok();
  };
  if (v.IsArray()) {
    for (const Value& e : v.GetArray()) WALCAST_RETURN_IF_ERROR(one(e));
    if (out.empty()) return ctx.Error(where, "an empty list matches nothing");
  } else {
    WALCAST_RETURN_IF_ERROR(one(v));
  }
  return out;
}

Result<std::vector<FilterSpec>> ReadFilters(const Value& v, const Context& ctx) {
  if (!v.IsObject()) {
    return ctx.Error("filter", "expected an object {\"field\": condition, ...}");
  }
  std::vector<FilterSpec> out;
  for (const auto& m : v.GetObject()) {
    const std::string where = "filter." + std::string(View(m.name));
    FilterSpec f;
    std::optional<FieldRef> ref = ParseFieldName(View(m.name));
    if (!ref) return ctx.Error(where, "unknown field " + Quote(View(m.name)));
    WALCAST_RETURN_IF_ERROR(CheckLevel(*ref, ctx, where));
    f.ref = *ref;
    const Value& cond = m.value;
    if (cond.IsObject()) {
      if (cond.MemberCount() != 1) {
        return ctx.Error(where, "a condition object has one of eq, ne, in, not_in");
      }
      const auto& c = *cond.MemberBegin();
      const std::string_view op = View(c.name);
      if (op == "eq" || op == "in") {
        f.op = FilterSpec::Op::kIn;
      } else if (op == "ne" || op == "not_in") {
        f.op = FilterSpec::Op::kNotIn;
      } else {
        return ctx.Error(where, "unknown condition " + Quote(op) + " (eq, ne, in, not_in)");
      }
      if ((op == "eq" || op == "ne") && c.value.IsArray()) {
        return ctx.Error(where, std::string(op) + " takes one value; use in / not_in for a list");
      }
      WALCAST_ASSIGN_OR_RETURN(f.values, ReadValues(c.value, ctx, where));
    } else {
      WALCAST_ASSIGN_OR_RETURN(f.values, ReadValues(cond, ctx, where));
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<MeasureSpec> ReadMeasure(const Value& v, const Context& ctx) {
  MeasureSpec m;
  if (v.IsString()) {
    if (View(v) != "count") {
      return ctx.Error("measure",
                       "a measure is \"count\" or an object such as {\"avg\": "
                       "\"qualityScore\"}");
    }
    return m;
  }
  if (!v.IsObject()) return ctx.Error("measure", "expected \"count\" or an object");
  WALCAST_RETURN_IF_ERROR(CheckMembers(v,
                                       {"count", "sum", "avg", "count_distinct", "top_k", "weight",
                                        "min_count", "histogram", "histogram_key", "k", "as"},
                                       ctx, "measure"));
  int kinds = 0;
  for (const auto& [name, kind] :
       {std::pair<std::string_view, MeasureKind>{"count", MeasureKind::kCount},
        {"sum", MeasureKind::kSum},
        {"avg", MeasureKind::kAvg},
        {"count_distinct", MeasureKind::kCountDistinct},
        {"top_k", MeasureKind::kTopK}}) {
    const auto it = v.FindMember(rapidjson::StringRef(name.data(), name.size()));
    if (it == v.MemberEnd()) continue;
    ++kinds;
    m.kind = kind;
    if (kind != MeasureKind::kCount) {
      WALCAST_ASSIGN_OR_RETURN(m.of, ReadFieldRef(it->value, ctx, "measure." + std::string(name)));
    }
  }
  if (kinds != 1) {
    return ctx.Error("measure", "name exactly one of count, sum, avg, count_distinct, top_k");
  }
  const bool distinct = m.kind == MeasureKind::kCountDistinct;
  const bool top_k = m.kind == MeasureKind::kTopK;
  for (const char* only : {"min_count", "histogram", "histogram_key"}) {
    if (!distinct && v.HasMember(only)) {
      return ctx.Error("measure." + std::string(only), "only count_distinct takes it");
    }
  }
  if (!distinct && !top_k && v.HasMember("weight")) {
    return ctx.Error("measure.weight", "only count_distinct and top_k take it");
  }
  for (const char* only : {"k", "as"}) {
    if (!top_k && v.HasMember(only)) {
      return ctx.Error("measure." + std::string(only), "only top_k takes it");
    }
  }
  if (top_k) {
    m.value_key = DefaultKeyName(m.of);
    if (const auto k = v.FindMember("k"); k != v.MemberEnd()) {
      if (!k->value.IsInt64() || k->value.GetInt64() < 1 || k->value.GetInt64() > 1000) {
        return ctx.Error("measure.k", "a whole number from 1 to 1000");
      }
      m.k = k->value.GetInt64();
    }
    if (const auto as = v.FindMember("as"); as != v.MemberEnd()) {
      if (!as->value.IsString() || as->value.GetStringLength() == 0) {
        return ctx.Error("measure.as", "a non-empty string");
      }
      m.value_key.assign(View(as->value));
    }
  }
  if (const auto w = v.FindMember("weight"); w != v.MemberEnd()) {
    WALCAST_ASSIGN_OR_RETURN(m.weight, ReadFieldRef(w->value, ctx, "measure.weight"));
  }
  if (const auto mc = v.FindMember("min_count"); mc != v.MemberEnd()) {
    if (!mc->value.IsInt64() || mc->value.GetInt64() < 1) {
      return ctx.Error("measure.min_count", "a whole number >= 1");
    }
    m.min_count = mc->value.GetInt64();
  }
  if (const auto h = v.FindMember("histogram"); h != v.MemberEnd()) {
    if (!h->value.IsArray() || h->value.Empty()) {
      return ctx.Error("measure.histogram", "a non-empty list of lower bounds, e.g. [1,2,3,6,11]");
    }
    for (const Value& e : h->value.GetArray()) {
      if (!e.IsInt64() || e.GetInt64() < 1 ||
          (!m.histogram.empty() && e.GetInt64() <= m.histogram.back())) {
        return ctx.Error("measure.histogram", "lower bounds are whole numbers >= 1, ascending");
      }
      m.histogram.push_back(e.GetInt64());
    }
  }
  if (const auto hk = v.FindMember("histogram_key"); hk != v.MemberEnd()) {
    if (!hk->value.IsString() || hk->value.GetStringLength() == 0) {
      return ctx.Error("measure.histogram_key", "a non-empty string");
    }
    m.histogram_key.assign(View(hk->value));
  }
  return m;
}

// The checks that need the whole metric: every field exists in every
// source, at most one list, mode and side rules (metrics.md §2).
// Which sources may share a metric, and what side, mode and time bucket
// they allow.
Status ValidateSourcesAndMode(const MetricDefinition& def, const Context& ctx) {
  uint8_t mask = 0;
  for (Source s : def.sources) mask |= Bit(s);
  const bool has_ci = (mask & Bit(Source::kChannelInfo)) != 0;
  if (has_ci && mask != Bit(Source::kChannelInfo)) {
    return ctx.Error("source", "channel_info rows cannot share a metric with profile sources");
  }
  const bool has_document = (mask & kDocumentSources) != 0;
  if (has_document && mask != kDocumentSources) {
    return ctx.Error("source", "document rows cannot share a metric with other sources");
  }
  if (has_document && def.mode == Mode::kState) {
    return ctx.Error("mode",
                     "document rows count as they are now (an update replaces the row's "
                     "contribution): use \"event\"");
  }
  // Side: flat sources have one snapshot; old/new ones two.
  if (def.side == Side::kFlat && (mask & kOldNewSources) != 0) {
    return ctx.Error("side",
                     "\"flat\" is for regprc, prereg and channel_info; idrepo and "
                     "annexure have \"new\" and \"old\"");
  }
  if (def.side == Side::kOld && (mask & ~kOldNewSources) != 0) {
    return ctx.Error("side", "\"old\" exists in idrepo and annexure only");
  }
  if (def.mode != Mode::kState) return Status::Ok();
  if ((mask & kFlatSources) != 0) {
    return ctx.Error("mode",
                     "state mode needs old/new profiles (idrepo, annexure) or "
                     "channel_info rows; regprc and prereg rows are events "
                     "(metrics.md §2)");
  }
  if (def.side == Side::kOld) {
    return ctx.Error("side", "state mode applies old -> new; leave side out or use \"new\"");
  }
  if (def.time != TimeBucket::kNone) {
    return ctx.Error("time", "state mode counts the current population: no time bucket");
  }
  return Status::Ok();
}

// One use of a field in a metric: where it is written and what it is for.
enum class Role : uint8_t { kKey, kFilter, kMeasure };
struct FieldUse {
  const FieldRef* ref;
  std::string where;
  Role role;
};

std::vector<FieldUse> FieldUses(const MetricDefinition& def) {
  std::vector<FieldUse> uses;
  for (size_t i = 0; i < def.keys.size(); ++i) {
    uses.push_back({&def.keys[i].ref, "keys[" + std::to_string(i) + "]", Role::kKey});
  }
  for (const FilterSpec& f : def.filters) {
    uses.push_back({&f.ref, "filter." + std::string(FieldName(f.ref.field)), Role::kFilter});
  }
  const MeasureSpec& m = def.measure;
  if (m.kind != MeasureKind::kCount) {
    uses.push_back({&m.of, "measure." + std::string(MeasureName(m.kind)), Role::kMeasure});
  }
  if (m.weight) uses.push_back({&*m.weight, "measure.weight", Role::kMeasure});
  return uses;
}

// Every field exists in every source, the metric explodes at most one list
// (set in def->list), state keys come from the identity and filters test
// one value per row.
Status ValidateFieldUses(MetricDefinition* def, const Context& ctx) {
  for (const FieldUse& use : FieldUses(*def)) {
    for (Source s : def->sources) {
      const FieldInfo info = FieldShape(use.ref->field, s);
      if ((info.sources & Bit(s)) == 0) {
        return ctx.Error(use.where, "field " + Quote(FieldName(use.ref->field)) +
                                        " does not exist in source " + Quote(SourceName(s)));
      }
      std::optional<Field> list;
      if (info.kind == FieldKind::kList) list = use.ref->field;
      if (info.scope == Scope::kElement) list = info.list;
      if (list) {
        if (def->list && *def->list != *list) {
          return ctx.Error(use.where, "a metric explodes at most one list; " +
                                          Quote(FieldName(*def->list)) + " and " +
                                          Quote(FieldName(*list)) + " are two");
        }
        def->list = list;
      }
      if (def->mode == Mode::kState && use.role == Role::kKey && info.scope == Scope::kProfile) {
        return ctx.Error(use.where, "state mode keys come from the identity (side fields); " +
                                        Quote(FieldName(use.ref->field)) + " belongs to the event");
      }
      if (use.role == Role::kFilter &&
          (info.kind == FieldKind::kList || info.scope == Scope::kElement)) {
        return ctx.Error(use.where, "filters test one value per row; " +
                                        Quote(FieldName(use.ref->field)) + " is a list");
      }
    }
  }
  return Status::Ok();
}

// Sums, averages and weights read numbers; keys and distinct counts read
// key-like values.
Status ValidateValueKinds(const MetricDefinition& def, const Context& ctx) {
  const MeasureSpec& m = def.measure;
  const bool number_needed = m.kind == MeasureKind::kSum || m.kind == MeasureKind::kAvg;
  // Columns and JSON paths hold text or numbers: a row whose value is not a
  // number is left out of sums and averages.
  auto may_be_number = [](const FieldRef& ref, Source s) {
    return ref.field == Field::kColumn || ref.field == Field::kPath ||
           FieldShape(ref.field, s).kind == FieldKind::kNumber;
  };
  for (Source s : def.sources) {
    if (number_needed && !may_be_number(m.of, s)) {
      return ctx.Error("measure." + std::string(MeasureName(m.kind)),
                       Quote(FieldName(m.of.field)) + " is not a number");
    }
    if (m.weight && !may_be_number(*m.weight, s)) {
      return ctx.Error("measure.weight", Quote(FieldName(m.weight->field)) + " is not a number");
    }
    if ((m.kind == MeasureKind::kCountDistinct || m.kind == MeasureKind::kTopK) &&
        FieldShape(m.of.field, s).kind == FieldKind::kNumber) {
      return ctx.Error("measure." + std::string(MeasureName(m.kind)),
                       "counts values of a key-like field, not " + Quote(FieldName(m.of.field)));
    }
  }
  for (const KeySpec& k : def.keys) {
    for (Source s : def.sources) {
      if (FieldShape(k.ref.field, s).kind == FieldKind::kNumber) {
        return ctx.Error("keys", Quote(FieldName(k.ref.field)) + " is a number, not a key");
      }
    }
  }
  return Status::Ok();
}

// Key names must be unique, the histogram's included.
Status ValidateKeyNames(const MetricDefinition& def, const Context& ctx) {
  std::vector<std::string> names;
  for (const KeySpec& k : def.keys) {
    if (k.ref.field == Field::kException) {
      names.emplace_back("exceptionType");
      names.emplace_back("exceptionSubType");
    } else {
      names.push_back(k.name);
    }
  }
  if (!def.measure.histogram.empty()) names.push_back(def.measure.histogram_key);
  if (def.measure.kind == MeasureKind::kTopK) {
    names.push_back(def.measure.value_key);
    names.emplace_back("rank");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = i + 1; j < names.size(); ++j) {
      if (names[i] == names[j]) return ctx.Error("keys", "two keys named " + Quote(names[i]));
    }
  }
  return Status::Ok();
}

Status Validate(MetricDefinition* def, const Context& ctx) {
  WALCAST_RETURN_IF_ERROR(ValidateSourcesAndMode(*def, ctx));
  WALCAST_RETURN_IF_ERROR(ValidateFieldUses(def, ctx));
  WALCAST_RETURN_IF_ERROR(ValidateValueKinds(*def, ctx));
  return ValidateKeyNames(*def, ctx);
}

// "id": lower-case letters, digits and '_' (it names sql/metrics/<id>.sql).
Result<std::string> ReadId(const Value& v, const Context& ctx) {
  const auto id = v.FindMember("id");
  if (id == v.MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0) {
    return ctx.Error("id", "every metric needs an \"id\"");
  }
  std::string out(View(id->value));
  if (!std::all_of(out.begin(), out.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      })) {
    return Context(out).Error(
        "id", "use lower-case letters, digits and '_' (it names sql/metrics/<id>.sql)");
  }
  return out;
}

// "source": one name or a list of them, each once.
Status ReadSources(const Value& v, const Context& ctx, MetricDefinition* def) {
  const auto source = v.FindMember("source");
  if (source == v.MemberEnd()) return ctx.Error("source", "missing");
  auto add_source = [&](const Value& s) -> Status {
    if (!s.IsString()) return ctx.Error("source", "expected source names");
    const std::optional<Source> src = ParseSource(View(s));
    if (!src) {
      return ctx.Error("source", "unknown source " + Quote(View(s)) +
                                     " (idrepo, regprc, prereg, annexure, channel_info, document)");
    }
    if (def->HasSource(*src)) return ctx.Error("source", Quote(View(s)) + " twice");
    def->sources.push_back(*src);
    return Status::Ok();
  };
  if (source->value.IsArray()) {
    for (const Value& s : source->value.GetArray()) WALCAST_RETURN_IF_ERROR(add_source(s));
  } else {
    WALCAST_RETURN_IF_ERROR(add_source(source->value));
  }
  if (def->sources.empty()) return ctx.Error("source", "name at least one source");
  return Status::Ok();
}

// An optional member whose string value is one of `choices`; `out` keeps
// its default when the member is absent.
template <typename E>
Status ReadChoice(const Value& v, const char* member,
                  std::initializer_list<std::pair<std::string_view, E>> choices,
                  const char* expected, const Context& ctx, E* out) {
  const auto it = v.FindMember(member);
  if (it == v.MemberEnd()) return Status::Ok();
  const std::string_view text = it->value.IsString() ? View(it->value) : "";
  for (const auto& [name, value] : choices) {
    if (text == name) {
      *out = value;
      return Status::Ok();
    }
  }
  return ctx.Error(member, expected);
}

// "mode", "side" (default: new where there are two, flat otherwise) and
// "time".
Status ReadModeSideTime(const Value& v, const Context& ctx, MetricDefinition* def) {
  WALCAST_RETURN_IF_ERROR(ReadChoice(v, "mode", {{"event", Mode::kEvent}, {"state", Mode::kState}},
                                     "\"event\" or \"state\"", ctx, &def->mode));
  def->side = std::any_of(def->sources.begin(), def->sources.end(),
                          [](Source s) { return (Bit(s) & kOldNewSources) != 0; })
                  ? Side::kNew
                  : Side::kFlat;
  WALCAST_RETURN_IF_ERROR(
      ReadChoice(v, "side", {{"new", Side::kNew}, {"old", Side::kOld}, {"flat", Side::kFlat}},
                 "\"new\", \"old\" or \"flat\"", ctx, &def->side));
  return ReadChoice(v, "time",
                    {{"none", TimeBucket::kNone},
                     {"day", TimeBucket::kDay},
                     {"week", TimeBucket::kWeek},
                     {"month", TimeBucket::kMonth}},
                    "\"none\", \"day\", \"week\" or \"month\"", ctx, &def->time);
}

// "keys", "filter" and "measure".
Status ReadKeysFiltersMeasure(const Value& v, const Context& ctx, MetricDefinition* def) {
  if (const auto keys = v.FindMember("keys"); keys != v.MemberEnd()) {
    if (!keys->value.IsArray()) return ctx.Error("keys", "expected a list");
    for (rapidjson::SizeType i = 0; i < keys->value.Size(); ++i) {
      WALCAST_ASSIGN_OR_RETURN(KeySpec key,
                               ReadKey(keys->value[i], ctx, "keys[" + std::to_string(i) + "]"));
      def->keys.push_back(std::move(key));
    }
  }
  if (const auto filter = v.FindMember("filter"); filter != v.MemberEnd()) {
    WALCAST_ASSIGN_OR_RETURN(def->filters, ReadFilters(filter->value, ctx));
  }
  const auto measure = v.FindMember("measure");
  if (measure == v.MemberEnd()) return ctx.Error("measure", "missing");
  WALCAST_ASSIGN_OR_RETURN(def->measure, ReadMeasure(measure->value, ctx));
  return Status::Ok();
}

Result<MetricDefinition> ReadMetric(const Value& v, size_t index) {
  Context ctx("#" + std::to_string(index));
  if (!v.IsObject()) return ctx.Error("", "a metric is an object");
  MetricDefinition def;
  WALCAST_ASSIGN_OR_RETURN(def.id, ReadId(v, ctx));
  ctx = Context(def.id);
  WALCAST_RETURN_IF_ERROR(CheckMembers(
      v, {"id", "description", "source", "filter", "side", "keys", "measure", "mode", "time"}, ctx,
      ""));
  if (const auto d = v.FindMember("description"); d != v.MemberEnd()) {
    if (!d->value.IsString()) return ctx.Error("description", "expected a string");
    def.description.assign(View(d->value));
  }
  WALCAST_RETURN_IF_ERROR(ReadSources(v, ctx, &def));
  WALCAST_RETURN_IF_ERROR(ReadModeSideTime(v, ctx, &def));
  WALCAST_RETURN_IF_ERROR(ReadKeysFiltersMeasure(v, ctx, &def));
  WALCAST_RETURN_IF_ERROR(Validate(&def, ctx));
  return def;
}

// "document_column", "document_date" (a column or path field) and
// "age_reference" ("YYYY-MM-DD"): how the document source reads its rows.
Status ReadDocumentSettings(const Value& doc, const Context& ctx, MetricSet* set) {
  if (const auto c = doc.FindMember("document_column"); c != doc.MemberEnd()) {
    if (!c->value.IsString() || c->value.GetStringLength() == 0) {
      return ctx.Error("document_column", "the name of the JSON column");
    }
    set->document_column.assign(View(c->value));
  }
  if (const auto d = doc.FindMember("document_date"); d != doc.MemberEnd()) {
    WALCAST_ASSIGN_OR_RETURN(FieldRef ref, ReadFieldRef(d->value, ctx, "document_date"));
    if (ref.field != Field::kColumn && ref.field != Field::kPath) {
      return ctx.Error("document_date", "a column (\"column.created_at\") or a path "
                                        "(\"path.registered.date\")");
    }
    set->document_date = std::move(ref);
  }
  if (const auto a = doc.FindMember("age_reference"); a != doc.MemberEnd()) {
    const std::string_view text = a->value.IsString() ? View(a->value) : "";
    std::optional<mosip::CivilDate> date;
    if (text.size() == 10) date = ParseLeadingDate(text);
    if (!date) return ctx.Error("age_reference", "a date \"YYYY-MM-DD\"");
    set->age_reference = date;
  }
  return Status::Ok();
}

// Everything that changes what a row contributes, in a fixed order.
uint64_t Fingerprint(const MetricSet& set) {
  std::string canon;
  for (const AgeGroups::Bucket& b : set.age_groups.buckets()) {
    PutSigned(b.lower, &canon);
    PutSigned(b.upper, &canon);
    PutBytes(b.label, &canon);
  }
  PutBytes(set.age_groups.fallback_label(), &canon);
  canon.push_back(static_cast<char>(set.age_group_rule));
  // The document source came later: it adds to the canonical form only when
  // used, so the fingerprints of sets without it stay what they were.
  for (size_t i = 0; i < static_cast<size_t>(Source::kDocument); ++i) {
    PutBytes(set.tables[i], &canon);
  }
  const std::string& document_table = set.TableOf(Source::kDocument);
  if (!document_table.empty()) {
    PutBytes(document_table, &canon);
    PutBytes(set.document_column, &canon);
    canon.push_back(set.document_date ? static_cast<char>(set.document_date->field) : '-');
    if (set.document_date) PutBytes(set.document_date->column, &canon);
    canon.push_back(set.age_reference ? '1' : '0');
    if (set.age_reference) {
      PutSigned(EpochDay(set.age_reference->year, set.age_reference->month,
                         set.age_reference->day),
                &canon);
    }
  }
  auto ref = [&](const FieldRef& r) {
    canon.push_back(static_cast<char>(r.field));
    PutSigned(r.level, &canon);
    PutBytes(r.column, &canon);
  };
  for (const MetricDefinition& d : set.metrics) {
    PutBytes(d.id, &canon);
    for (Source s : d.sources) canon.push_back(static_cast<char>(s));
    canon.push_back(static_cast<char>(d.side));
    canon.push_back(static_cast<char>(d.mode));
    canon.push_back(static_cast<char>(d.time));
    for (const FilterSpec& f : d.filters) {
      ref(f.ref);
      canon.push_back(static_cast<char>(f.op));
      for (const std::string& v : f.values) PutBytes(v, &canon);
    }
    for (const KeySpec& k : d.keys) {
      ref(k.ref);
      PutBytes(k.name, &canon);
      canon.push_back(k.missing ? '1' : '0');
      if (k.missing) PutBytes(*k.missing, &canon);
    }
    canon.push_back(static_cast<char>(d.measure.kind));
    ref(d.measure.of);
    if (d.measure.weight) ref(*d.measure.weight);
    PutSigned(d.measure.min_count, &canon);
    for (int64_t h : d.measure.histogram) PutSigned(h, &canon);
    PutBytes(d.measure.histogram_key, &canon);
    if (d.measure.kind == MeasureKind::kTopK) {
      PutSigned(d.measure.k, &canon);
      PutBytes(d.measure.value_key, &canon);
    }
  }
  return Hash64(canon);
}

}  // namespace

Result<MetricSet> ParseMetricDefinitions(std::string_view json) {
  const Context ctx("");
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return ctx.Error("", "malformed JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                             rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return ctx.Error("", "the file holds one JSON object");
  WALCAST_RETURN_IF_ERROR(
      CheckMembers(doc,
                   {"format", "age_groups", "age_group_rule", "tables", "document_column",
                    "document_date", "age_reference", "metrics"},
                   ctx, ""));
  if (const auto f = doc.FindMember("format"); f != doc.MemberEnd()) {
    if (!f->value.IsInt() || f->value.GetInt() != 1) {
      return ctx.Error("format", "only format 1 is known");
    }
  }
  MetricSet set;
  set.tables = {"idrepo.anonymous_profile", "regprc.anonymous_profile", "prereg.anonymous_profile",
                "idrepo.anonymous_profile", "idrepo.channel_info"};
  if (const auto ag = doc.FindMember("age_groups"); ag != doc.MemberEnd()) {
    if (!ag->value.IsString()) return ctx.Error("age_groups", "expected a string");
    Result<AgeGroups> groups = AgeGroups::Parse(View(ag->value));
    if (!groups.ok()) return ctx.Error("age_groups", groups.status().message());
    set.age_groups = std::move(groups).value();
  }
  if (const auto rule = doc.FindMember("age_group_rule"); rule != doc.MemberEnd()) {
    const std::string_view r = rule->value.IsString() ? View(rule->value) : "";
    if (r == "recommended") {
      set.age_group_rule = AgeGroupRule::kRecommended;
    } else if (r == "mosip_parity") {
      set.age_group_rule = AgeGroupRule::kMosipParity;
    } else {
      return ctx.Error("age_group_rule", "\"recommended\" or \"mosip_parity\"");
    }
  }
  if (const auto tables = doc.FindMember("tables"); tables != doc.MemberEnd()) {
    if (!tables->value.IsObject())
      return ctx.Error("tables", "expected {\"source\": \"schema.table\"}");
    for (const auto& m : tables->value.GetObject()) {
      const std::optional<Source> s = ParseSource(View(m.name));
      if (!s) return ctx.Error("tables", "unknown source " + Quote(View(m.name)));
      if (!m.value.IsString() || View(m.value).find('.') == std::string_view::npos) {
        return ctx.Error("tables." + std::string(View(m.name)), "expected \"schema.table\"");
      }
      set.tables[static_cast<size_t>(*s)].assign(View(m.value));
    }
  }
  WALCAST_RETURN_IF_ERROR(ReadDocumentSettings(doc, ctx, &set));
  const auto metrics = doc.FindMember("metrics");
  if (metrics == doc.MemberEnd() || !metrics->value.IsArray() || metrics->value.Empty()) {
    return ctx.Error("metrics", "expected a non-empty list of metrics");
  }
  for (rapidjson::SizeType i = 0; i < metrics->value.Size(); ++i) {
    WALCAST_ASSIGN_OR_RETURN(MetricDefinition def, ReadMetric(metrics->value[i], i));
    if (set.Find(def.id) != nullptr) {
      return Context(def.id).Error("id", "defined twice");
    }
    set.metrics.push_back(std::move(def));
  }
  if (set.TableOf(Source::kDocument).empty() &&
      std::any_of(set.metrics.begin(), set.metrics.end(),
                  [](const MetricDefinition& d) { return d.HasSource(Source::kDocument); })) {
    return ctx.Error("tables.document", "a metric reads the document source: name its table");
  }
  set.fingerprint = Fingerprint(set);
  // A table no metric reads is not a source of this set (nothing warns
  // that it is not captured).
  for (size_t i = 0; i < kSourceCount; ++i) {
    const auto source = static_cast<Source>(i);
    if (std::none_of(set.metrics.begin(), set.metrics.end(),
                     [&](const MetricDefinition& d) { return d.HasSource(source); })) {
      set.tables[i].clear();
    }
  }
  return set;
}

}  // namespace walcast::metrics
