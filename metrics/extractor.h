#pragma once

// Turns one captured row into its Contributions under a MetricSet: filters,
// group keys (exploding the metric's list), time bucket and measure, for the
// metric's side, or for both sides with opposite signs in state mode
// (metrics.md §2). A pure function of the row and the definitions, which is
// what makes replaying a row idempotent (engine.h).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "metrics/codec.h"
#include "metrics/contributions.h"
#include "metrics/definition.h"
#include "mosip/profile.h"
#include "rapidjson/document.h"

namespace walcast::metrics {

// The columns of one row, by name. Borrows the relation and the tuple.
class RowColumns {
 public:
  RowColumns() = default;
  RowColumns(const Relation* relation, const Tuple* tuple) : relation_(relation), tuple_(tuple) {}
  // The column's text; nullopt when there is no such column, or it is NULL or
  // an unchanged TOASTed value the server did not send.
  std::optional<std::string_view> Get(std::string_view name) const;

 private:
  const Relation* relation_ = nullptr;
  const Tuple* tuple_ = nullptr;
};

// One row as the metrics see it.
struct RowInput {
  Source source = Source::kIdRepo;
  const mosip::Profile* profile = nullptr;  // set for profile sources; borrowed
  const rapidjson::Value* document = nullptr;  // set for the document source; borrowed
  RowColumns columns;
  // The row's cr_dtimes date: the time and age reference when the profile's
  // own date is missing (metrics.md M15, anonymous-profile.md §4.1).
  std::optional<mosip::CivilDate> row_date;
};

// Reads "YYYY-MM-DD..." (a date, timestamp or the profile's date text).
std::optional<mosip::CivilDate> ParseLeadingDate(std::string_view text);

// The value at a dotted path ("location.street.name"; a segment of digits
// also indexes an array), or null when the path leads nowhere.
const rapidjson::Value* FindJsonPath(const rapidjson::Value& root, std::string_view path);

// Whole years from `from` to `to` (a birthday on `to` counts); nullopt when
// `from` is after `to`.
std::optional<int> WholeYears(const mosip::CivilDate& from, const mosip::CivilDate& to);

// The attributes an update changed (metrics.md M14), in a fixed order:
// yearOfBirth, gender, location_L1.., preferredLanguage, channel,
// hashedChannel.<name>, verified, exceptions, documents, biometrics; "none"
// when nothing profiled changed. Empty unless the profile is an update.
std::vector<std::string> ChangedAttributes(const mosip::Profile& profile);

// Thread: one caller at a time (it keeps scratch buffers). Borrows `set`,
// which must outlive it.
class ContributionExtractor {
 public:
  explicit ContributionExtractor(const MetricSet& set);

  // Replaces *out with the row's contributions to every metric of
  // row.source, normalized (Contributions::Normalize).
  void Compute(const RowInput& row, Contributions* out);

  // Whether any metric reads this source.
  bool HasMetrics(Source source) const { return !by_source_[static_cast<size_t>(source)].empty(); }

 private:
  struct Element;
  class SideView;

  // Adds one side's contribution to metric `def` with sign +1 or -1.
  void Emit(const MetricDefinition& def, const RowInput& row, const mosip::IdentitySnapshot& side,
            int sign, Contributions* out);

  // Emit's steps. Whether the side passes the metric's filters.
  static bool PassesFilters(const MetricDefinition& def, const SideView& view);
  // The elements the metric counts in the side: the exploded list (a label
  // for an empty one, when its key names one), or one element for a metric
  // without a list; nullopt when the side adds nothing.
  static std::optional<std::vector<Element>> ElementsOf(const MetricDefinition& def,
                                                        const SideView& view);
  // Sets *bucket to the time bucket (epoch day of its start; none without
  // "time"). False when a bucketed metric finds no date: the side adds
  // nothing.
  static bool TimeBucketOf(const MetricDefinition& def, const SideView& view,
                           std::optional<int32_t>* bucket);
  // The aggregate key of one element; nullopt when a key has no value and
  // no "missing" label.
  static std::optional<AggregateKey> KeyOf(const MetricDefinition& def, const SideView& view,
                                           const Element& e, std::optional<int32_t> bucket);
  // Adds the element's measure under `key`, once per key within one Emit.
  void EmitDistinct(const MetricDefinition& def, const SideView& view, const Element& e,
                    AggregateKey key, int sign, Contributions* out);
  void EmitAggregate(const MetricDefinition& def, const SideView& view, const Element& e,
                     AggregateKey key, int sign, Contributions* out);

  const MetricSet& set_;
  std::vector<const MetricDefinition*> by_source_[kSourceCount];
  std::vector<bool> uses_side_;          // per metric, by index in set_.metrics
  std::vector<AggregateKey> seen_keys_;  // de-duplication within one Emit
};

}  // namespace walcast::metrics
