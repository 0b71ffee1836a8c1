// The metric definition format (docs/metrics.md): the shipped MOSIP set
// parses, follows metrics.md §2's mode recommendation and has its SQL; every
// validation error names the metric and the field.

#include "metrics/definition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace walcast::metrics {
namespace {

const std::string kSource = WALCAST_SOURCE_DIR;

MetricSet Mosip() {
  Result<MetricSet> set = LoadMetricDefinitions(kSource + "/config/metrics/mosip.json");
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return set.ok() ? std::move(set).value() : MetricSet{};
}

TEST(MetricDefinitionsTest, ShippedMosipSetParses) {
  const MetricSet set = Mosip();
  ASSERT_FALSE(set.metrics.empty());
  EXPECT_EQ(set.TableOf(Source::kRegProc), "regprc.anonymous_profile");
  EXPECT_EQ(set.TableOf(Source::kChannelInfo), "idrepo.channel_info");
  EXPECT_EQ(set.age_groups.buckets().size(), 3u);
  EXPECT_EQ(set.age_groups.fallback_label(), "60 and above");
}

TEST(MetricDefinitionsTest, ShippedSetFollowsTheModeRecommendation) {
  // metrics.md §2: state for idrepo demographics and shared channels; event
  // for regprc/prereg, process counts, histograms and changed attributes.
  for (const MetricDefinition& d : Mosip().metrics) {
    SCOPED_TRACE(d.id);
    const bool flat = d.HasSource(Source::kRegProc) || d.HasSource(Source::kPreReg);
    const bool event_keys = std::any_of(d.keys.begin(), d.keys.end(), [](const KeySpec& k) {
      return k.ref.field == Field::kProcessName || k.ref.field == Field::kChangedAttribute;
    });
    if (flat || event_keys || d.time != TimeBucket::kNone) {
      EXPECT_EQ(d.mode, Mode::kEvent);
    } else if (!d.keys.empty()) {
      EXPECT_EQ(d.mode, Mode::kState);
    }
    if (d.HasSource(Source::kRegProc) && d.id != "regprc_stage_funnel") {
      // One per registration: MOSIP's dashboard-wide filters.
      ASSERT_EQ(d.filters.size(), 2u);
    }
  }
}

TEST(MetricDefinitionsTest, EveryShippedMetricHasItsSql) {
  for (const MetricDefinition& d : Mosip().metrics) {
    const std::string path = kSource + "/sql/metrics/" + d.id + ".sql";
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "missing " << path;
    std::stringstream text;
    text << in.rdbuf();
    // The query returns what a document holds, from the metric's table(s).
    EXPECT_NE(text.str().find("bucket_start"), std::string::npos) << path;
    EXPECT_NE(text.str().find("keys"), std::string::npos) << path;
    for (Source s : d.sources) {
      EXPECT_NE(text.str().find(Mosip().TableOf(s)), std::string::npos) << path;
    }
  }
  // And no SQL file is left without a metric.
  const MetricSet set = Mosip();
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/sql/metrics")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".sql" || name.starts_with("00_")) continue;
    EXPECT_NE(set.Find(entry.path().stem().string()), nullptr) << "orphan " << name;
  }
}

TEST(MetricDefinitionsTest, DefaultsAndShorthands) {
  Result<MetricSet> set = ParseMetricDefinitions(R"({"metrics": [
    {"id": "a", "source": "idrepo", "keys": ["location_L2", "column.cr_by",
      {"field": "preferredLanguage", "missing": "None"}, {"field": "gender", "as": "sex",
      "missing": null}], "measure": {"avg": "age"}},
    {"id": "b", "source": "regprc", "measure": "count"}
  ]})");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const MetricDefinition& a = set->metrics[0];
  EXPECT_EQ(a.side, Side::kNew);
  EXPECT_EQ(a.mode, Mode::kEvent);
  EXPECT_EQ(a.time, TimeBucket::kNone);
  ASSERT_EQ(a.keys.size(), 4u);
  EXPECT_EQ(a.keys[0].name, "location_L2");
  EXPECT_EQ(a.keys[0].ref.level, 2);
  EXPECT_EQ(a.keys[0].missing, "Unknown");
  EXPECT_EQ(a.keys[1].name, "cr_by");
  EXPECT_EQ(a.keys[1].ref.column, "cr_by");
  EXPECT_EQ(a.keys[2].missing, "None");
  EXPECT_EQ(a.keys[3].name, "sex");
  EXPECT_FALSE(a.keys[3].missing.has_value());
  EXPECT_EQ(a.list, Field::kPreferredLanguage);
  EXPECT_EQ(a.measure.kind, MeasureKind::kAvg);
  EXPECT_EQ(set->metrics[1].side, Side::kFlat);
  // Sources with a metric keep their default tables; the others have none
  // (nothing warns that they are not captured).
  EXPECT_EQ(set->TableOf(Source::kIdRepo), "idrepo.anonymous_profile");
  EXPECT_EQ(set->TableOf(Source::kAnnexure), "");
  EXPECT_EQ(set->TableOf(Source::kChannelInfo), "");
}

TEST(MetricDefinitionsTest, FingerprintFollowsWhatRowsContribute) {
  const std::string base =
      R"({"metrics": [{"id": "a", "source": "idrepo", "keys": ["gender"], "measure": "count"}]})";
  Result<MetricSet> a = ParseMetricDefinitions(base);
  Result<MetricSet> described = ParseMetricDefinitions(
      R"({"metrics": [{"id": "a", "description": "words", "source": "idrepo",
          "keys": ["gender"], "measure": "count"}]})");
  Result<MetricSet> regrouped = ParseMetricDefinitions(
      R"({"metrics": [{"id": "a", "source": "idrepo", "keys": ["ageGroup"], "measure": "count"}]})");
  Result<MetricSet> rebucketed = ParseMetricDefinitions(
      R"({"age_groups": "0-18, 18 and above", "metrics": [{"id": "a", "source": "idrepo",
          "keys": ["gender"], "measure": "count"}]})");
  ASSERT_TRUE(a.ok() && described.ok() && regrouped.ok() && rebucketed.ok());
  EXPECT_EQ(a->fingerprint, described->fingerprint);
  EXPECT_NE(a->fingerprint, regrouped->fingerprint);
  EXPECT_NE(a->fingerprint, rebucketed->fingerprint);
}

// Each refusal: kInvalidArgument, naming the metric and where in it.
struct BadCase {
  const char* json;
  const char* names;  // expected in the message
};

class MetricDefinitionErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MetricDefinitionErrorTest, NamesMetricAndField) {
  const Result<MetricSet> set = ParseMetricDefinitions(GetParam().json);
  ASSERT_FALSE(set.ok()) << GetParam().json;
  EXPECT_EQ(set.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(set.status().message().find(GetParam().names), std::string::npos)
      << set.status().message();
}

#define METRIC(body) "{\"metrics\": [{\"id\": \"m1\", " body "}]}"

INSTANTIATE_TEST_SUITE_P(
    Refusals, MetricDefinitionErrorTest,
    ::testing::Values(
        BadCase{"{\"metrics\": [", "malformed JSON"}, BadCase{"{\"metrics\": []}", "metrics"},
        BadCase{"{\"metric\": []}", "unknown member 'metric'"},
        BadCase{"{\"format\": 2, \"metrics\": []}", "format"},
        BadCase{"{\"age_groups\": \"18-5\", \"metrics\": []}", "age_groups"},
        BadCase{"{\"tables\": {\"idrepo\": \"nodot\"}, \"metrics\": []}", "tables.idrepo"},
        BadCase{"{\"metrics\": [{\"source\": \"idrepo\", \"measure\": \"count\"}]}", "id"},
        BadCase{METRIC("\"source\": \"idrepo\""), "metric 'm1': measure: missing"},
        BadCase{METRIC("\"source\": \"idrepo\", \"measure\": \"count\", \"colour\": 1"),
                "metric 'm1': unknown member 'colour'"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"gendr\"], \"measure\": \"count\""),
                "metric 'm1': keys[0]: unknown field 'gendr'"},
        BadCase{METRIC("\"source\": \"mosip\", \"measure\": \"count\""),
                "metric 'm1': source: unknown source 'mosip'"},
        BadCase{METRIC("\"source\": \"regprc\", \"measure\": \"count\", \"mode\": \"state\""),
                "metric 'm1': mode"},
        BadCase{METRIC("\"source\": \"idrepo\", \"measure\": \"count\", \"mode\": \"state\", "
                       "\"time\": \"day\""),
                "metric 'm1': time"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"processName\"], \"measure\": "
                       "\"count\", \"mode\": \"state\""),
                "metric 'm1': keys[0]: state mode keys"},
        BadCase{METRIC("\"source\": \"idrepo\", \"side\": \"flat\", \"measure\": \"count\""),
                "metric 'm1': side"},
        BadCase{METRIC("\"source\": \"regprc\", \"side\": \"old\", \"measure\": \"count\""),
                "metric 'm1': side"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"verified\", \"document\"], "
                       "\"measure\": \"count\""),
                "metric 'm1': keys[1]: a metric explodes at most one list"},
        BadCase{METRIC("\"source\": \"regprc\", \"keys\": [\"status\"], \"measure\": {\"sum\": "
                       "\"gender\"}"),
                "metric 'm1': measure.sum: 'gender' is not a number"},
        BadCase{METRIC("\"source\": \"regprc\", \"filter\": {\"verified\": \"phone\"}, "
                       "\"measure\": \"count\""),
                "metric 'm1': filter.verified"},
        BadCase{METRIC("\"source\": \"idrepo\", \"filter\": {\"gender\": {\"like\": \"F\"}}, "
                       "\"measure\": \"count\""),
                "metric 'm1': filter.gender: unknown condition 'like'"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"status\"], \"measure\": \"count\""),
                "metric 'm1': keys[0]: field 'status' does not exist in source 'idrepo'"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"location\"], \"measure\": \"count\""),
                "metric 'm1': keys[0]: location needs a level"},
        BadCase{METRIC("\"source\": [\"idrepo\", \"channel_info\"], \"measure\": \"count\""),
                "metric 'm1': source: channel_info"},
        BadCase{METRIC("\"source\": \"channel_info\", \"measure\": {\"count_distinct\": "
                       "\"hashedChannel\", \"histogram\": [2, 2]}"),
                "metric 'm1': measure.histogram"},
        BadCase{METRIC("\"source\": \"idrepo\", \"measure\": {\"count\": \"x\", \"min_count\": 2}"),
                "metric 'm1': measure.min_count: only count_distinct"},
        BadCase{METRIC("\"source\": \"idrepo\", \"keys\": [\"gender\", {\"field\": \"ageGroup\", "
                       "\"as\": \"gender\"}], \"measure\": \"count\""),
                "metric 'm1': keys: two keys named 'gender'"},
        BadCase{"{\"metrics\": [{\"id\": \"Bad-Id\", \"source\": \"idrepo\", \"measure\": "
                "\"count\"}]}",
                "metric 'Bad-Id': id"},
        BadCase{"{\"metrics\": ["
                "{\"id\": \"m1\", \"source\": \"idrepo\", \"measure\": \"count\"},"
                "{\"id\": \"m1\", \"source\": \"idrepo\", \"measure\": \"count\"}]}",
                "metric 'm1': id: defined twice"}));

#undef METRIC

TEST(MetricDefinitionsTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadMetricDefinitions("/nonexistent/metrics.json").status().code(),
            Status::Code::kNotFound);
}

}  // namespace
}  // namespace walcast::metrics
