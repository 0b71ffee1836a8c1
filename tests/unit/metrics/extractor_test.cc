// ContributionExtractor on its own: one row in, the exact contributions out
// (engine_test.cc covers the same rules through the engine and its state).

#include "metrics/extractor.h"

#include <gtest/gtest.h>

#include <string>

#include "metrics/definition.h"
#include "metrics_test_util.h"
#include "mosip/profile.h"

namespace walcast::metrics {
namespace {

using testing::IdrepoProfile;
using testing::Person;

MetricSet Definitions(const std::string& metrics) {
  Result<MetricSet> set = ParseMetricDefinitions(
      R"({"format": 1, "tables": {"idrepo": "idrepo.anonymous_profile"}, "metrics": [)" + metrics +
      "]}");
  EXPECT_TRUE(set.ok()) << set.status().message();
  return *set;
}

// The decoded key of each aggregate, with its count and sum.
struct Seen {
  AggregateKey key;
  int64_t count;
  int64_t sum;
};
std::vector<Seen> Aggregates(const Contributions& c) {
  std::vector<Seen> out;
  for (const AggregateDelta& a : c.aggregates) {
    std::optional<AggregateKey> key = AggregateKey::Decode(a.canonical);
    EXPECT_TRUE(key.has_value());
    EXPECT_EQ(a.id, Hash64(a.canonical));
    out.push_back({*key, a.count, a.sum});
  }
  return out;
}

class ExtractorTest : public ::testing::Test {
 protected:
  Contributions Compute(const MetricSet& set, const std::string& json) {
    Result<mosip::Profile> parsed = mosip::ParseProfile(json);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    profile_ = *parsed;
    RowInput row;
    row.source = Source::kIdRepo;
    row.profile = &profile_;
    ContributionExtractor extractor(set);
    Contributions out;
    extractor.Compute(row, &out);
    return out;
  }

  mosip::Profile profile_;
};

TEST_F(ExtractorTest, KeysComeFromTheChosenSide) {
  const MetricSet set = Definitions(
      R"({"id": "by_gender", "source": "idrepo", "keys": ["gender"], "measure": "count"},
         {"id": "old_gender", "source": "idrepo", "side": "old", "keys": ["gender"],
          "measure": "count"})");
  Person before;
  before.gender = "Male";
  Person after;
  after.gender = "Female";
  const std::vector<Seen> seen =
      Aggregates(Compute(set, IdrepoProfile("Update", "2025-03-14", before, after)));
  ASSERT_EQ(seen.size(), 2u);
  for (const Seen& s : seen) {
    ASSERT_EQ(s.key.keys.size(), 1u);
    EXPECT_EQ(s.key.keys[0].first, "gender");
    EXPECT_EQ(s.key.keys[0].second, s.key.metric == "by_gender" ? "Female" : "Male");
    EXPECT_EQ(s.count, 1);
    EXPECT_EQ(s.key.mode, 'e');
  }
}

TEST_F(ExtractorTest, StateModeAddsTheNewSideAndRetractsTheOld) {
  const MetricSet set = Definitions(
      R"({"id": "identities", "source": "idrepo", "keys": ["gender"], "measure": "count",
          "mode": "state"})");
  Person before;
  before.gender = "Male";
  Person after;
  after.gender = "Female";
  std::vector<Seen> seen =
      Aggregates(Compute(set, IdrepoProfile("Update", "2025-03-14", before, after)));
  ASSERT_EQ(seen.size(), 2u);
  int64_t total = 0;
  for (const Seen& s : seen) {
    EXPECT_EQ(s.key.mode, 's');
    EXPECT_EQ(s.count, s.key.keys[0].second == "Female" ? 1 : -1);
    total += s.count;
  }
  EXPECT_EQ(total, 0);
  // Nothing profiled changed: the two sides cancel out.
  EXPECT_TRUE(Compute(set, IdrepoProfile("Update", "2025-03-14", after, after)).empty());
}

TEST_F(ExtractorTest, AListExplodesOncePerDistinctValueAndAnEmptyOneTakesItsLabel) {
  const MetricSet set = Definitions(
      R"({"id": "by_document", "source": "idrepo",
          "keys": [{"field": "document", "missing": "None"}], "measure": "count"})");
  Person p;
  p.documents = {"DOC001", "DOC004", "DOC001"};
  std::vector<Seen> seen = Aggregates(Compute(set, IdrepoProfile("New", "2025-03-14", {}, p)));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].count + seen[1].count, 2);
  p.documents = {};
  seen = Aggregates(Compute(set, IdrepoProfile("New", "2025-03-14", {}, p)));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key.keys[0].second, "None");
}

TEST_F(ExtractorTest, FiltersAndTimeBuckets) {
  const MetricSet set = Definitions(
      R"({"id": "updates_monthly", "source": "idrepo", "filter": {"isUpdate": "true"},
          "measure": "count", "time": "month"},
         {"id": "weekly", "source": "idrepo", "measure": "count", "time": "week"})");
  Person p;
  std::vector<Seen> seen =
      Aggregates(Compute(set, IdrepoProfile("Update", "2025-03-14", p, p)));
  ASSERT_EQ(seen.size(), 2u);
  for (const Seen& s : seen) {
    ASSERT_TRUE(s.key.bucket.has_value());
    // 2025-03-14 is a Friday: its ISO week starts on Monday 2025-03-10.
    EXPECT_EQ(FormatDays(*s.key.bucket), s.key.metric == "weekly" ? "2025-03-10" : "2025-03-01");
  }
  // A New is not an update; without a date there is no bucket to count in.
  seen = Aggregates(Compute(set, IdrepoProfile("New", "2025-03-14", {}, p)));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key.metric, "weekly");
  EXPECT_TRUE(Compute(set, IdrepoProfile("New", "", {}, p)).empty());
}

TEST_F(ExtractorTest, ComputeIsAPureFunctionOfTheRow) {
  const MetricSet set = Definitions(
      R"({"id": "by_language", "source": "idrepo", "keys": ["preferredLanguage"],
          "measure": "count"})");
  Person p;
  const std::string json = IdrepoProfile("New", "2025-03-14", {}, p);
  EXPECT_EQ(Compute(set, json), Compute(set, json));
}

}  // namespace
}  // namespace walcast::metrics
