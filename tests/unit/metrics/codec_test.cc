// The state's byte encodings (codec.h, contributions.h) and the metric
// documents (document.h): round trips, ordering, dates, rounding, clamping
// and deterministic ids.

#include "metrics/codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "metrics/contributions.h"
#include "metrics/document.h"

namespace walcast::metrics {
namespace {

TEST(CodecTest, IntegersRoundTrip) {
  for (int64_t v :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{1} << 40,
        std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string s;
    PutSigned(v, &s);
    PutFixed64(static_cast<uint64_t>(v), &s);
    std::string_view in = s;
    int64_t back = 0;
    uint64_t fixed = 0;
    ASSERT_TRUE(GetSigned(&in, &back));
    ASSERT_TRUE(GetFixed64(&in, &fixed));
    EXPECT_EQ(back, v);
    EXPECT_EQ(static_cast<int64_t>(fixed), v);
    EXPECT_TRUE(in.empty());
  }
  std::string_view truncated("\x80\x80", 2);
  uint64_t v = 0;
  EXPECT_FALSE(GetVarint(&truncated, &v));
}

TEST(CodecTest, FixedKeysSortNumerically) {
  std::string a;
  std::string b;
  PutFixed64(255, &a);
  PutFixed64(256, &b);
  EXPECT_LT(a, b);
}

TEST(CodecTest, AggregateKeyRoundTripsAndIsUnambiguous) {
  AggregateKey k;
  k.metric = "by_gender";
  k.mode = 's';
  k.bucket = -3;
  k.keys = {{"gender", "Female"}, {"location_L2", "Zone-North > 10101"}};
  const std::optional<AggregateKey> back = AggregateKey::Decode(k.Encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, k);
  // Values that would collide under a separator-joined form stay apart.
  AggregateKey x;
  x.metric = "m";
  x.keys = {{"a",
             "b\x1f"
             "c"}};
  AggregateKey y;
  y.metric = "m";
  y.keys = {{"a", "b"}, {"c", ""}};
  EXPECT_NE(x.Encode(), y.Encode());
  EXPECT_NE(Hash64(x.Encode()), Hash64(y.Encode()));
  AggregateKey none = k;
  none.bucket.reset();
  EXPECT_NE(none.Encode(), k.Encode());
  EXPECT_FALSE(AggregateKey::Decode(k.Encode() + "x").has_value());
  EXPECT_FALSE(AggregateKey::Decode("\x05"
                                    "ab")
                   .has_value());
}

TEST(CodecTest, HashSpreadsSimilarKeys) {
  std::set<uint64_t> hashes;
  std::set<uint64_t> top_bytes;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t h = Hash64("metric\x1f" + std::to_string(i));
    hashes.insert(h);
    top_bytes.insert(h >> 56);
  }
  EXPECT_EQ(hashes.size(), 10000u);
  EXPECT_GT(top_bytes.size(), 250u);  // the high byte varies too
}

TEST(CodecTest, EpochDayRollsOverLikeMakeDate) {
  EXPECT_EQ(EpochDay(1970, 1, 1), 0);
  EXPECT_EQ(FormatDays(EpochDay(2025, 2, 30)), "2025-03-02");
  EXPECT_EQ(FormatDays(EpochDay(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatDays(-1), "1969-12-31");
}

TEST(CodecTest, MicrosRoundHalfAwayFromZero) {
  EXPECT_EQ(ToMicros(78.5), 78'500'000);
  EXPECT_EQ(ToMicros(1.0 / 3), 333'333);
  EXPECT_EQ(ToMicros(-2.0 / 3), -666'667);
  EXPECT_EQ(ToMicros(0.0078125), 7'813);
  EXPECT_EQ(ToMicros(1e300), std::numeric_limits<int64_t>::max());
}

TEST(RowStateTest, RoundTripsAndRejectsGarbage) {
  RowState s;
  s.active = false;
  s.bad = true;
  s.contributions.aggregates = {{1, "", 1, 0}, {~uint64_t{0}, "", -1, -78'500'000}};
  s.contributions.distinct = {{42, "", "ABC", 3}};
  const std::optional<RowState> back = RowState::Decode(s.Encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);
  std::string bytes = s.Encode();
  EXPECT_FALSE(RowState::Decode(bytes.substr(0, bytes.size() - 1)).has_value());
  bytes[0] = 9;  // another format
  EXPECT_FALSE(RowState::Decode(bytes).has_value());
}

TEST(ContributionsTest, NormalizeAddsUpAndDropsWhatCancels) {
  Contributions c;
  c.aggregates = {{7, "g=F", 1, 0}, {3, "x", 1, 5}, {7, "", -1, 0}, {3, "", 1, 5}};
  c.distinct = {{9, "grp", "h1", 1}, {9, "", "h1", -1}, {9, "", "h2", 1}};
  c.Normalize();
  ASSERT_EQ(c.aggregates.size(), 1u);
  EXPECT_EQ(c.aggregates[0], (AggregateDelta{3, "x", 2, 10}));
  ASSERT_EQ(c.distinct.size(), 1u);
  EXPECT_EQ(c.distinct[0].value, "h2");
}

AggregateValue Value(std::string metric, int64_t count, int64_t sum) {
  AggregateValue v;
  v.key.metric = std::move(metric);
  v.key.mode = 's';
  v.key.keys = {{"gender", "Female"}};
  v.count = count;
  v.sum = sum;
  return v;
}

TEST(MetricDocumentTest, ShapeAndClamping) {
  Result<MetricSet> set = ParseMetricDefinitions(R"({"metrics": [
    {"id": "g", "source": "idrepo", "keys": ["gender"], "measure": "count", "mode": "state"},
    {"id": "q", "source": "regprc", "keys": ["modality"], "measure": {"avg": "qualityScore"},
     "time": "month"}]})");
  ASSERT_TRUE(set.ok());
  const int64_t now = int64_t{1741942364120} * 1000;  // 2025-03-14T08:52:44.120Z
  MetricDocument doc = BuildMetricDocument("mosip/walcast", set->Find("g"), Value("g", 3, 0), now);
  EXPECT_EQ(doc.kind, MetricDocument::Kind::kMetric);
  EXPECT_EQ(doc.json,
            R"({"instance":"mosip/walcast","metric":"g","mode":"state","source":"idrepo",)"
            R"("measure":"count","time":"none","keys":{"gender":"Female"},"bucket_start":null,)"
            R"("value":3,"count":3,"sum":0,"updated_at":"2025-03-14T08:52:44.120Z"})");
  // A negative state count shows as 0 (metrics.md §2).
  doc = BuildMetricDocument("mosip/walcast", set->Find("g"), Value("g", -2, 0), now);
  EXPECT_NE(doc.json.find(R"("value":0,"count":0)"), std::string::npos);
  // avg: sum / count, exact sum in the document.
  AggregateValue q = Value("q", 2, 159'000'001);
  q.key.mode = 'e';
  q.key.bucket = EpochDay(2025, 3, 1);
  doc = BuildMetricDocument("mosip/walcast", set->Find("q"), q, now);
  EXPECT_NE(doc.json.find(R"("bucket_start":"2025-03-01","value":79.5000005,"count":2,)"
                          R"("sum":159.000001)"),
            std::string::npos)
      << doc.json;
  q.count = 0;
  q.sum = 0;
  doc = BuildMetricDocument("mosip/walcast", set->Find("q"), q, now);
  EXPECT_NE(doc.json.find(R"("value":null)"), std::string::npos);
}

TEST(MetricDocumentTest, IdsAreDeterministicPerInstanceAndKey) {
  const AggregateValue a = Value("g", 1, 0);
  AggregateValue b = a;
  b.count = 99;  // the value does not change the id
  EXPECT_EQ(BuildMetricDocument("i1", nullptr, a, 1).id,
            BuildMetricDocument("i1", nullptr, b, 2).id);
  EXPECT_NE(MetricDocumentId("i1", a.key), MetricDocumentId("i2", a.key));
  AggregateValue c = a;
  c.key.bucket = 0;
  EXPECT_NE(MetricDocumentId("i1", a.key), MetricDocumentId("i1", c.key));
  c = a;
  c.key.mode = 'e';
  EXPECT_NE(MetricDocumentId("i1", a.key), MetricDocumentId("i1", c.key));
  EXPECT_EQ(MetricDocumentId("i1", a.key).size(), 32u);
}

TEST(MetricDocumentTest, DeadLetterDocument) {
  DeadLetter d{"idrepo.anonymous_profile",
               {{"id", "x\"y"}},
               Lsn(0x16B3748),
               'u',
               "wrong_type",
               "'newProfile.location' is a string, expected an array of strings"};
  const MetricDocument doc = BuildDeadLetterDocument("mosip/walcast", d, 0);
  EXPECT_EQ(doc.kind, MetricDocument::Kind::kDeadLetter);
  EXPECT_EQ(doc.json,
            R"({"@timestamp":0,"source":"metrics","instance":"mosip/walcast",)"
            R"("table":"idrepo.anonymous_profile","key":"x\"y","lsn":"0/16B3748",)"
            R"("operation":"u","error_type":"wrong_type",)"
            R"("reason":"'newProfile.location' is a string, expected an array of strings"})");
  DeadLetter composite = d;
  composite.key = {{"a", "1"}, {"b", "2"}};
  EXPECT_NE(BuildDeadLetterDocument("mosip/walcast", composite, 0)
                .json.find(R"("key":"{\"a\":\"1\",\"b\":\"2\"}")"),
            std::string::npos);
  DeadLetter later = d;
  later.lsn = Lsn(0x16B3749);
  EXPECT_NE(BuildDeadLetterDocument("mosip/walcast", later, 0).id, doc.id);
  EXPECT_EQ(BuildDeadLetterDocument("mosip/walcast", d, 5).id, doc.id);
  EXPECT_EQ(DeadLetter::Decode(d.Encode()), d);
}

}  // namespace
}  // namespace walcast::metrics
