// The document source of the metric engine: metrics over any table with a
// JSON column (randomuser.me-shaped user profiles here), by JSON path, with
// the email-domain and years-since fields, averages, and top_k with exact
// retraction across updates, deletes, restarts and replays.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "metrics/codec.h"
#include "metrics/document.h"
#include "metrics/engine.h"
#include "metrics/extractor.h"
#include "rapidjson/document.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace walcast::metrics {
namespace {

using testing::MakeRelation;
using testing::Row;
using testing::TempDir;

constexpr char kDefinitions[] = R"({
  "tables": {"document": "public.user_profiles"},
  "document_column": "profile",
  "document_date": "path.registered.date",
  "metrics": [
    {"id": "users", "source": "document", "measure": "count"},
    {"id": "by_nationality", "source": "document",
     "keys": [{"field": "path.nat", "as": "nationality"}], "measure": "count"},
    {"id": "by_gender_country", "source": "document",
     "keys": ["path.gender", "path.location.country"], "measure": "count"},
    {"id": "average_age", "source": "document", "keys": ["path.nat"],
     "measure": {"avg": "years_since.dob.date"}},
    {"id": "top_domains", "source": "document",
     "measure": {"top_k": "domain.email", "k": 2}},
    {"id": "registrations_monthly", "source": "document", "measure": "count", "time": "month"}
  ]
})";

std::shared_ptr<const Relation> UserRelation() {
  static const auto r = MakeRelation(17001, "public", "user_profiles", {"id", "profile"});
  return r;
}

std::string User(const std::string& nat, const std::string& email, const std::string& dob,
                 const std::string& gender = "female", const std::string& country = "Norway",
                 const std::string& registered = "2026-03-14T09:12:44.120Z") {
  return R"({"gender":")" + gender + R"(","name":{"first":"Ada","last":"Lovelace"},)" +
         R"("location":{"city":"Oslo","country":")" + country + R"("},"email":")" + email +
         R"(","dob":{"date":")" + dob + R"(","age":40},"registered":{"date":")" + registered +
         R"("},"nat":")" + nat + R"("})";
}

class DocumentSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { Load(kDefinitions); }

  void Load(const std::string& json) {
    engine_.reset();
    Result<MetricSet> set = ParseMetricDefinitions(json);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    set_ = std::make_unique<MetricSet>(std::move(set).value());
    // Other definitions, other state (the engine refuses a state built
    // under different ones).
    state_ = "state-" + std::to_string(set_->fingerprint);
    Open();
  }

  void Open() {
    engine_.reset();
    EngineOptions options;
    options.store.dir = dir_.Sub(state_);
    options.store.sync = false;
    options.instance = "test/slot";
    Result<std::unique_ptr<MetricsEngine>> engine = MetricsEngine::Open(*set_, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  void Apply(Op op, const std::string& id, const std::string& profile) {
    const Status s = engine_->Apply(Row(op, UserRelation(), {{"id", id}, {"profile", profile}}));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(const std::string& id) {
    const Status s = engine_->Apply(Row(Op::kDelete, UserRelation(), {{"id", id}}));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // "k1|k2[@bucket]" -> count (or sum), leaving out zeros.
  std::map<std::string, int64_t> Counts(const std::string& metric, bool sums = false) {
    return testing::CommittedCounts(*engine_, metric, sums);
  }

  // top_k ranks: "rank" -> "value=count" (empty ranks left out).
  std::map<std::string, std::string> Ranks(const std::string& metric) {
    EXPECT_TRUE(engine_->Commit().ok());
    Result<std::vector<AggregateValue>> all = engine_->ReadAggregates(metric);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::map<std::string, std::string> out;
    if (!all.ok()) return out;
    for (const AggregateValue& v : *all) {
      if (v.label.empty()) {
        EXPECT_EQ(v.count, 0);
        continue;
      }
      out[v.key.keys.back().second] = v.label + "=" + std::to_string(v.count);
    }
    return out;
  }

  using M = std::map<std::string, int64_t>;
  using R = std::map<std::string, std::string>;

  TempDir dir_;
  std::string state_;
  std::unique_ptr<MetricSet> set_;
  std::unique_ptr<MetricsEngine> engine_;
};

TEST(DocumentPathTest, FindsObjectMembersAndArrayElements) {
  rapidjson::Document d;
  d.Parse(R"({"a":{"b":[{"c":"x"},{"c":"y"}]},"n":3})");
  ASSERT_FALSE(d.HasParseError());
  ASSERT_NE(FindJsonPath(d, "a.b.1.c"), nullptr);
  EXPECT_STREQ(FindJsonPath(d, "a.b.1.c")->GetString(), "y");
  EXPECT_EQ(FindJsonPath(d, "n")->GetInt(), 3);
  EXPECT_EQ(FindJsonPath(d, "a.b.2.c"), nullptr);
  EXPECT_EQ(FindJsonPath(d, "a.x"), nullptr);
  EXPECT_EQ(FindJsonPath(d, "n.m"), nullptr);
  EXPECT_EQ(FindJsonPath(d, "a.b.one"), nullptr);
}

TEST(DocumentPathTest, WholeYearsCountsBirthdaysOnTheDay) {
  EXPECT_EQ(WholeYears({1990, 6, 15}, {2026, 6, 14}), 35);
  EXPECT_EQ(WholeYears({1990, 6, 15}, {2026, 6, 15}), 36);
  EXPECT_EQ(WholeYears({2000, 2, 29}, {2026, 2, 28}), 25);
  EXPECT_EQ(WholeYears({2027, 1, 1}, {2026, 1, 1}), std::nullopt);
}

TEST_F(DocumentSourceTest, CountsByPathAndRetractsUpdatesAndDeletes) {
  Apply(Op::kCreate, "1", User("NO", "ada@Example.org", "1986-05-01T00:00:00Z"));
  Apply(Op::kCreate, "2", User("FR", "bob@mail.fr", "1990-01-01T00:00:00Z", "male", "France"));
  Apply(Op::kRead, "3", User("NO", "cy@example.org", "2000-12-31T00:00:00Z", "male"));
  EXPECT_EQ(Counts("users"), (M{{"", 3}}));
  EXPECT_EQ(Counts("by_nationality"), (M{{"FR", 1}, {"NO", 2}}));
  EXPECT_EQ(Counts("by_gender_country"),
            (M{{"female|Norway", 1}, {"male|France", 1}, {"male|Norway", 1}}));
  // The user moves: the old version's contribution goes.
  Apply(Op::kUpdate, "3", User("FR", "cy@example.org", "2000-12-31T00:00:00Z", "male", "France"));
  EXPECT_EQ(Counts("by_nationality"), (M{{"FR", 2}, {"NO", 1}}));
  Delete("2");
  EXPECT_EQ(Counts("by_nationality"), (M{{"FR", 1}, {"NO", 1}}));
  EXPECT_EQ(Counts("users"), (M{{"", 1 + 1}}));
  // Key names: "as", else the path's last segment.
  Result<std::vector<AggregateValue>> all = engine_->ReadAggregates("by_gender_country");
  ASSERT_TRUE(all.ok());
  ASSERT_FALSE(all->empty());
  EXPECT_EQ(all->front().key.keys[0].first, "gender");
  EXPECT_EQ(all->front().key.keys[1].first, "country");
}

TEST_F(DocumentSourceTest, AverageAgeAtTheRegistrationDate) {
  // Registered 2026-03-14: born 1986-05-01 is 39, 1986-03-14 is 40.
  Apply(Op::kCreate, "1", User("NO", "a@x.org", "1986-05-01T00:00:00Z"));
  Apply(Op::kCreate, "2", User("NO", "b@x.org", "1986-03-14T00:00:00Z"));
  Apply(Op::kCreate, "3", User("NO", "c@x.org", "not a date"));  // left out of the average
  EXPECT_EQ(Counts("average_age"), (M{{"NO", 2}}));
  EXPECT_EQ(Counts("average_age", /*sums=*/true), (M{{"NO", 79 * kMicrosPerUnit}}));
}

TEST_F(DocumentSourceTest, FixedAgeReferenceWins) {
  std::string json = kDefinitions;
  json.replace(json.find("\"document_column\""), 0, "\"age_reference\": \"2030-01-01\", ");
  Load(json);
  Apply(Op::kCreate, "1", User("NO", "a@x.org", "1986-05-01T00:00:00Z"));
  EXPECT_EQ(Counts("average_age", /*sums=*/true), (M{{"NO", 43 * kMicrosPerUnit}}));
}

TEST_F(DocumentSourceTest, TimeBucketsFollowTheDocumentDate) {
  Apply(Op::kCreate, "1", User("NO", "a@x.org", "1986-05-01", "f", "N", "2026-03-14T09:00:00Z"));
  Apply(Op::kCreate, "2", User("NO", "b@x.org", "1986-05-01", "f", "N", "2026-03-31T23:00:00Z"));
  Apply(Op::kCreate, "3", User("NO", "c@x.org", "1986-05-01", "f", "N", "2026-04-01T00:00:00Z"));
  EXPECT_EQ(Counts("registrations_monthly"), (M{{"@2026-03-01", 2}, {"@2026-04-01", 1}}));
}

TEST_F(DocumentSourceTest, TopKRanksDomainsAndRetractsExactly) {
  Apply(Op::kCreate, "1", User("NO", "a@Gmail.com", "1990-01-01"));
  Apply(Op::kCreate, "2", User("NO", "b@gmail.com", "1990-01-01"));
  Apply(Op::kCreate, "3", User("NO", "c@yahoo.com", "1990-01-01"));
  Apply(Op::kCreate, "4", User("NO", "d@aol.com", "1990-01-01"));
  Apply(Op::kCreate, "5", User("NO", "e@aol.com", "1990-01-01"));
  Apply(Op::kCreate, "6", User("NO", "f@aol.com", "1990-01-01"));
  Apply(Op::kCreate, "7", User("NO", "no-at-sign", "1990-01-01"));  // no domain: not counted
  EXPECT_EQ(Ranks("top_domains"), (R{{"1", "aol.com=3"}, {"2", "gmail.com=2"}}));
  // Two aol users leave and one changes address: yahoo ties gmail at 1..2.
  Delete("4");
  Delete("5");
  Apply(Op::kUpdate, "2", User("NO", "b@yahoo.com", "1990-01-01"));
  // aol 1, gmail 1, yahoo 2: ties are ranked by value.
  EXPECT_EQ(Ranks("top_domains"), (R{{"1", "yahoo.com=2"}, {"2", "aol.com=1"}}));
  // Survives a restart and ranks the same after a replay of the same changes.
  Open();
  EXPECT_EQ(Ranks("top_domains"), (R{{"1", "yahoo.com=2"}, {"2", "aol.com=1"}}));
  Apply(Op::kUpdate, "2", User("NO", "b@yahoo.com", "1990-01-01"));
  Delete("5");
  EXPECT_EQ(Ranks("top_domains"), (R{{"1", "yahoo.com=2"}, {"2", "aol.com=1"}}));
  // Everyone leaves: the ranks empty out.
  for (const char* id : {"1", "2", "3", "6", "7"}) Delete(id);
  EXPECT_EQ(Ranks("top_domains"), R{});
}

TEST_F(DocumentSourceTest, TopKDocumentsNameTheRankedValue) {
  Apply(Op::kCreate, "1", User("NO", "a@gmail.com", "1990-01-01"));
  ASSERT_TRUE(engine_->Commit().ok());
  Result<std::vector<AggregateValue>> all = engine_->ReadAggregates("top_domains");
  ASSERT_TRUE(all.ok());
  bool found = false;
  for (const AggregateValue& v : *all) {
    if (v.label.empty()) continue;
    found = true;
    const MetricDocument doc =
        BuildMetricDocument("test/slot", set_->Find("top_domains"), v, 1'700'000'000'000'000);
    EXPECT_NE(doc.json.find(R"("keys":{"rank":"1","email_domain":"gmail.com"})"),
              std::string::npos)
        << doc.json;
    EXPECT_NE(doc.json.find(R"("measure":"top_k")"), std::string::npos) << doc.json;
    EXPECT_NE(doc.json.find(R"("value":1)"), std::string::npos) << doc.json;
  }
  EXPECT_TRUE(found);
}

TEST_F(DocumentSourceTest, BadDocumentsAreDeadLetteredAndCountNothing) {
  Apply(Op::kCreate, "1", R"({"nat": "NO", )");
  Apply(Op::kCreate, "2", R"(["not", "an", "object"])");
  Apply(Op::kCreate, "3", User("NO", "a@x.org", "1990-01-01"));
  ASSERT_TRUE(engine_->Commit(Lsn(0x200)).ok());
  EXPECT_EQ(Counts("users"), (M{{"", 1}}));
  EXPECT_EQ(engine_->stats().bad_profiles, 2u);
  Result<Outbox> out = engine_->PendingOutput(100);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->dead_letters.size(), 2u);
  EXPECT_EQ(out->dead_letters[0].second.error, "malformed_json");
  EXPECT_EQ(out->dead_letters[1].second.error, "not_an_object");
  // The reason never quotes the document.
  EXPECT_EQ(out->dead_letters[0].second.reason.find("NO"), std::string::npos);
  // A fixed row counts.
  Apply(Op::kUpdate, "1", User("FR", "b@x.org", "1990-01-01"));
  EXPECT_EQ(Counts("by_nationality"), (M{{"FR", 1}, {"NO", 1}}));
}

TEST(DocumentDefinitionsTest, ClearErrors) {
  auto error = [](const std::string& json) {
    Result<MetricSet> set = ParseMetricDefinitions(json);
    return set.ok() ? std::string("ok") : set.status().message();
  };
  const std::string head = R"({"tables": {"document": "public.u"}, "metrics": [)";
  EXPECT_NE(error(head + R"({"id": "a", "source": ["document", "idrepo"], "measure": "count"}]})")
                .find("cannot share"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "document", "measure": "count",
                             "mode": "state"}]})")
                .find("event"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "idrepo", "keys": ["path.nat"],
                             "measure": "count"}]})")
                .find("does not exist in source 'idrepo'"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "document", "keys": ["path..x"],
                             "measure": "count"}]})")
                .find("unknown field"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "document",
                             "measure": {"top_k": "years_since.dob.date"}}]})")
                .find("key-like"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "document",
                             "measure": {"top_k": "domain.email", "k": 0}}]})")
                .find("measure.k"),
            std::string::npos);
  EXPECT_NE(error(head + R"({"id": "a", "source": "document",
                             "measure": {"count_distinct": "path.x", "k": 3}}]})")
                .find("only top_k"),
            std::string::npos);
  EXPECT_NE(error(R"({"metrics": [{"id": "a", "source": "document", "measure": "count"}]})")
                .find("tables.document"),
            std::string::npos);
  EXPECT_NE(error(R"({"age_reference": "2026-13-01", "tables": {"document": "public.u"},
                      "metrics": [{"id": "a", "source": "document", "measure": "count"}]})")
                .find("age_reference"),
            std::string::npos);
}

TEST(DocumentDefinitionsTest, MosipFingerprintDoesNotChange) {
  // The document source must not change what existing sets hash to (their
  // state would be refused or wiped on upgrade).
  Result<MetricSet> mosip = LoadMetricDefinitions(std::string(WALCAST_SOURCE_DIR) +
                                                  "/config/metrics/mosip.json");
  ASSERT_TRUE(mosip.ok()) << mosip.status().ToString();
  // What config/metrics/mosip.json hashed to before the document source.
  EXPECT_EQ(mosip->fingerprint, 0x8b02b6f18b453cb6u);
  EXPECT_TRUE(mosip->TableOf(Source::kDocument).empty());
}

}  // namespace
}  // namespace walcast::metrics
