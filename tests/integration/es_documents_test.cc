// Raw documents and index templates against the real server of the flavour
// under test (WALCAST_ES_FLAVOUR: opensearch by default, es7, es8): installs
// walcast's templates, indexes the golden rows and a generated set of
// idrepo and regprc profiles with external versions, and checks with real
// queries that every field MOSIP's dashboards read (metrics.md §4.5) works:
// a terms aggregation on each ….keyword field returns exactly the values the
// documents hold, the quality scores average, @timestamp_gen feeds a
// date_histogram, profile.updateId matches by term, yearOfBirth answers a
// numeric range query whether the document holds "1988" or 1988, and the
// centre's geo_point answers a bounding-box query. Also the metric and
// dead-letter templates.

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sinks/elasticsearch/bulk_client.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/http_client.h"
#include "sinks/elasticsearch/raw_document.h"
#include "sinks/elasticsearch/templates.h"
#include "tests/support/es_cluster.h"
#include "tests/support/mosip_rows.h"

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;
using walcast::testing::EsCluster;
using walcast::testing::MosipRow;
using walcast::testing::ProfileRow;

const std::string kDataDir = WALCAST_TEST_DATA_DIR;
constexpr const char* kPrefix = "itdocs";

// ---- Generated profiles: enough rows for real buckets ----

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string Device(const std::string& serial, const std::string& model) {
  return R"("{\"serialNo\":\")" + serial + R"(\",\"make\":\"ACME\",\"model\":\")" + model +
         R"(\",\"dateTime\":\"2025-01-01T00:00:00Z\"}")";
}

std::string IdRepoSnapshot(int i) {
  static const char* kGenders[] = {"Female", "Male", "Others"};
  static const char* kZones[] = {"Zone-North", "Zone-South", "Zone-East", "Zone-West"};
  static const char* kChannels[] = {R"(["PHONE","EMAIL"])", R"(["PHONE"])", R"(["EMAIL"])", "[]"};
  return R"({"yearOfBirth":")" + std::to_string(1950 + (i * 7) % 70) + R"(","gender":)" +
         Quoted(kGenders[i % 3]) + R"(,"location":[)" + Quoted(kZones[i % 4]) + "," +
         Quoted(std::to_string(10000 + (i % 5) * 1111)) +
         R"(],"preferredLanguage":"eng","channel":)" + kChannels[i % 4] +
         R"(,"exceptions":[],"verified":[],"biometricInfo":[)"
         R"({"type":"Iris","subType":"Left","qualityScore":)" +
         std::to_string(60 + i) + R"(,"attempts":"1","digitalId":)" +
         Device("IRIS-" + std::to_string(i % 3), "IRIS01") +
         R"(},{"type":"Face","subType":"","qualityScore":)" + std::to_string(70 + i % 10) +
         R"(,"attempts":"2","digitalId":)" + Device("FACE-" + std::to_string(i % 2), "CAM01") +
         R"(},{"type":"Finger","subType":"Left Thumb","qualityScore":)" + std::to_string(50 + i) +
         R"(,"attempts":"1","digitalId":null}],"documents":["DOC001",)" +
         Quoted(i % 2 ? "DOC004" : "DOC009") + "]}";
}

MosipRow IdRepoRow(int i) {
  const std::string date = "2025-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 9);
  const bool update = i % 3 == 0;
  const std::string profile = R"({"processName":")" + std::string(update ? "Update" : "New") +
                              R"(","date":")" + date + R"(","oldProfile":)" +
                              (update ? IdRepoSnapshot(i + 1) : "null") + R"(,"newProfile":)" +
                              IdRepoSnapshot(i) + "}";
  return ProfileRow("gen", "idrepo", "gen-idrepo-" + std::to_string(i), profile,
                    date + " 10:0" + std::to_string(i % 10) + ":00.25");
}

MosipRow RegProcRow(int i) {
  static const char* kProcesses[] = {"NEW", "UPDATE", "LOST", "RES_UPDATE"};
  static const char* kStages[] = {"SYNC", "PrintingStage", "UinGeneratorStage"};
  static const char* kStatuses[] = {"PROCESSED", "REJECTED", "REGISTERED"};
  static const char* kGenders[] = {"Female", "Male"};
  const std::string date = "2025-0" + std::to_string(1 + i % 9) + "-2" + std::to_string(i % 9);
  const std::string profile =
      R"({"processName":)" + Quoted(kProcesses[i % 4]) + R"(,"processStage":)" +
      Quoted(kStages[i % 3]) + R"(,"date":")" + date + R"(T09:00:00.000Z","yearOfBirth":)" +
      std::to_string(1940 + (i * 11) % 80) + R"(,"gender":)" + Quoted(kGenders[i % 2]) +
      R"(,"location":[)" + Quoted(i % 2 ? "Zone-North" : "Zone-East") + "," +
      Quoted(std::to_string(20000 + i % 4)) + R"(],"preferredLanguages":["fra"],"channel":)" +
      (i % 3 == 0   ? R"(["email","phone"])"
       : i % 3 == 1 ? R"(["phone",null])"
                    : "null") +
      R"(,"exceptions":[],"verified":null,"biometricInfo":[)"
      R"({"type":"FINGER","subType":"Right Thumb","qualityScore":)" +
      std::to_string(40 + i) + R"(,"attempts":"1","digitalId":)" +
      Device("FP-" + std::to_string(i % 4), "SLAP0" + std::to_string(i % 2)) +
      R"(},{"type":"IRIS","subType":"Left","qualityScore":)" + std::to_string(55 + i) +
      R"(,"attempts":"1","digitalId":)" + Device("IR-" + std::to_string(i % 3), "IRIS01") +
      R"(},{"type":"FACE","subType":null,"qualityScore":)" + std::to_string(65 + i % 7) +
      R"(,"attempts":"1","digitalId":)" + Device("FC-" + std::to_string(i % 2), "CAM0") +
      R"(}],"device":null,"documents":[)" + Quoted(i % 2 ? "DOC001" : "DOC003") +
      R"(],"assisted":[)" + Quoted("1100" + std::to_string(i % 4)) + "," +
      Quoted("1200" + std::to_string(i % 2)) + R"(],"enrollmentCenterId":)" +
      Quoted("1000" + std::to_string(5 + i % 3)) + R"(,"status":)" + Quoted(kStatuses[i % 3]) + "}";
  return ProfileRow("gen", "regprc", "gen-regprc-" + std::to_string(i), profile,
                    date + " 09:00:0" + std::to_string(i % 10), kStages[i % 3]);
}

// ---- Reading the documents we indexed ----

// The values at a dotted path of a document (arrays contribute each
// element), as text.
void Collect(const rapidjson::Value& v, const std::string& path, std::vector<std::string>* out) {
  const size_t dot = path.find('.');
  const std::string head = path.substr(0, dot);
  if (!v.IsObject() || !v.HasMember(head.c_str())) return;
  const rapidjson::Value& next = v[head.c_str()];
  if (dot != std::string::npos) {
    Collect(next, path.substr(dot + 1), out);
    return;
  }
  auto add = [&](const rapidjson::Value& e) {
    if (e.IsString()) out->push_back(e.GetString());
    if (e.IsNumber()) out->push_back(std::to_string(e.GetDouble()));
  };
  if (next.IsArray()) {
    for (const rapidjson::Value& e : next.GetArray()) add(e);
  } else {
    add(next);
  }
}

struct Indexed {
  std::string index;
  std::string id;
  int64_t version = 0;
  RawDocument raw;
  rapidjson::Document doc;
};

// Everything SetUp indexes once for the whole binary.
struct World {
  bool ready = false;
  std::string error;
  int templates_installed = -1;
  int templates_second_time = -1;
  std::vector<std::unique_ptr<Indexed>> docs;
};
World& TheWorld() {
  static World world;
  return world;
}

std::unique_ptr<HttpClient> ClientFor(const EsCluster& es) {
  Result<std::unique_ptr<HttpClient>> client =
      HttpClient::Create({.base_url = es.url(),
                          .connect_timeout = milliseconds(2000),
                          .request_timeout = milliseconds(60000)});
  return client.ok() ? std::move(client).value() : nullptr;
}

TemplateOptions Templates() {
  TemplateOptions options;
  options.prefix = kPrefix;
  options.profile_tables = {"*.anonymous_profile"};
  options.number_of_replicas = 0;
  return options;
}

// Installs the templates, builds every row and indexes it with external
// versions; records failures in world.error.
void Populate(EsCluster& es, World& world) {
  std::unique_ptr<HttpClient> client = ClientFor(es);
  if (!client) {
    world.error = "no HTTP client";
    return;
  }
  Result<int> installed = InstallTemplates(*client, Templates());
  if (!installed.ok()) {
    world.error = "templates: " + installed.status().ToString();
    return;
  }
  world.templates_installed = *installed;
  installed = InstallTemplates(*client, Templates());
  world.templates_second_time = installed.ok() ? *installed : -1;

  std::vector<MosipRow> rows = walcast::testing::MosipGoldenRows(kDataDir);
  for (int i = 0; i < 30; ++i) rows.push_back(IdRepoRow(i));
  for (int i = 0; i < 30; ++i) rows.push_back(RegProcRow(i));
  RawDocumentBuilder builder(walcast::testing::MosipGoldenOptions());
  BulkRequestBuilder bulk;
  int64_t version = 1000;
  for (const MosipRow& row : rows) {
    auto d = std::make_unique<Indexed>();
    const Status s = builder.Build(*row.relation, row.row, 0, &d->raw);
    if (!s.ok()) {
      world.error = row.name + ": " + s.ToString();
      return;
    }
    d->index = RawIndexName(kPrefix, row.relation->schema, row.relation->name);
    d->id = d->raw.id;
    d->version = ++version;
    d->doc.Parse(d->raw.source.c_str());
    const Status added = bulk.Index(d->index, d->id, d->raw.source, d->version);
    if (!added.ok()) {
      world.error = added.ToString();
      return;
    }
    world.docs.push_back(std::move(d));
  }
  BulkClient sender(*client, {.backoff = {.initial = milliseconds(50), .max = milliseconds(500)},
                              .max_attempts = 20});
  const Result<BulkResult> sent = sender.Send(bulk.Take());
  if (!sent.ok()) {
    world.error = "bulk: " + sent.status().ToString();
    return;
  }
  for (size_t i = 0; i < sent->items.size(); ++i) {
    if (sent->items[i].disposition != ItemDisposition::kApplied) {
      world.error = "item " + world.docs[i]->index + "/" + world.docs[i]->id + ": " +
                    std::to_string(sent->items[i].status) + " " + sent->items[i].error_type + " " +
                    sent->items[i].error_reason;
      return;
    }
  }
  for (const char* schema : {"idrepo", "regprc", "prereg", "seed"}) {
    if (!es.Refresh(RawIndexName(kPrefix, schema, "anonymous_profile"))) {
      world.error = std::string("refresh ") + schema;
      return;
    }
  }
  if (!es.Refresh(RawIndexName(kPrefix, "idrepo", "channel_info"))) {
    world.error = "refresh channel_info";
    return;
  }
  world.ready = true;
}

class EsDocumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WALCAST_REQUIRE_ES(es);
    es_ = es;
    World& world = TheWorld();
    if (!world.ready && world.error.empty()) Populate(*es, world);
    ASSERT_TRUE(world.ready) << world.error;
  }

  static std::string IdRepo() { return RawIndexName(kPrefix, "idrepo", "anonymous_profile"); }
  static std::string RegProc() { return RawIndexName(kPrefix, "regprc", "anonymous_profile"); }

  // What the documents of `index` hold at `path`: value -> documents.
  static std::map<std::string, int64_t> Expected(const std::string& index,
                                                 const std::string& path) {
    std::map<std::string, int64_t> counts;
    for (const auto& d : TheWorld().docs) {
      if (d->index != index) continue;
      std::vector<std::string> values;
      Collect(d->doc, path, &values);
      // A terms bucket counts a document once per distinct value.
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      for (const std::string& v : values) ++counts[v];
    }
    return counts;
  }

  rapidjson::Document Search(const std::string& index, const std::string& query) {
    rapidjson::Document doc;
    const std::string body = es_->Search(index, query);
    doc.Parse(body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << body;
    return doc;
  }

  // A terms aggregation on `field` as Kibana's panels run it.
  std::map<std::string, int64_t> Terms(const std::string& index, const std::string& field) {
    const rapidjson::Document doc = Search(
        index, R"({"size":0,"aggs":{"t":{"terms":{"field":")" + field + R"(","size":500}}}})");
    std::map<std::string, int64_t> buckets;
    if (!doc.IsObject() || !doc.HasMember("aggregations")) return buckets;
    for (const rapidjson::Value& b : doc["aggregations"]["t"]["buckets"].GetArray()) {
      buckets[b["key"].GetString()] = b["doc_count"].GetInt64();
    }
    return buckets;
  }

  int64_t Hits(const std::string& index, const std::string& query) {
    const rapidjson::Document doc =
        Search(index, R"({"size":0,"track_total_hits":true,"query":)" + query + "}");
    if (!doc.IsObject() || !doc.HasMember("hits")) return -1;
    const rapidjson::Value& total = doc["hits"]["total"];
    return total.IsObject() ? total["value"].GetInt64() : total.GetInt64();
  }

  // The mapping type of a field path in `index`.
  std::string MappingType(const std::string& index, const std::string& path) {
    const EsCluster::Answer a = es_->Request("GET", "/" + index + "/_mapping/field/" + path);
    rapidjson::Document doc;
    doc.Parse(a.body.c_str());
    if (a.status != 200 || !doc.IsObject() || !doc.HasMember(index.c_str())) return a.body;
    const rapidjson::Value& fields = doc[index.c_str()]["mappings"];
    if (!fields.HasMember(path.c_str())) return "<unmapped>";
    const rapidjson::Value& mapping = fields[path.c_str()]["mapping"];
    return mapping.MemberBegin()->value["type"].GetString();
  }

  void ExpectKeywordTermsMatch(const std::string& index, const std::vector<std::string>& paths) {
    for (const std::string& path : paths) {
      const std::map<std::string, int64_t> expected = Expected(index, path);
      EXPECT_FALSE(expected.empty()) << path << ": the test data must fill it";
      EXPECT_EQ(Terms(index, path + ".keyword"), expected) << index << " " << path << ".keyword";
    }
  }

  // avg of a numeric field equals the documents' average.
  void ExpectAverage(const std::string& index, const std::string& path) {
    double sum = 0;
    int n = 0;
    for (const auto& d : TheWorld().docs) {
      if (d->index != index) continue;
      std::vector<std::string> values;
      Collect(d->doc, path, &values);
      for (const std::string& v : values) {
        sum += std::stod(v);
        ++n;
      }
    }
    ASSERT_GT(n, 0) << path;
    const rapidjson::Document doc =
        Search(index, R"({"size":0,"aggs":{"a":{"avg":{"field":")" + path + R"("}}}})");
    ASSERT_TRUE(doc.HasMember("aggregations")) << path;
    const rapidjson::Value& value = doc["aggregations"]["a"]["value"];
    ASSERT_TRUE(value.IsNumber()) << path << " is not numeric in the index";
    EXPECT_NEAR(value.GetDouble(), sum / n, 1e-3) << path;
  }

  EsCluster* es_ = nullptr;
};

TEST_F(EsDocumentsTest, TemplatesInstallOnceAndGiveTheirMappings) {
  EXPECT_EQ(TheWorld().templates_installed, 4);
  EXPECT_EQ(TheWorld().templates_second_time, 0) << "existing templates are left alone";
  EXPECT_EQ(MappingType(IdRepo(), "profile.updateId"), "keyword");
  EXPECT_EQ(MappingType(IdRepo(), "profile.newProfile.yearOfBirth"), "integer");
  EXPECT_EQ(MappingType(IdRepo(), "@timestamp_gen"), "date");
  EXPECT_EQ(MappingType(IdRepo(), "profile.newProfile.biometricInfo.Iris.qualityScore"), "float");
  EXPECT_EQ(MappingType(IdRepo(), "profile.newProfile.gender"), "text");
  EXPECT_EQ(MappingType(IdRepo(), "profile.newProfile.gender.keyword"), "keyword");
  EXPECT_EQ(MappingType(RegProc(), "profile.yearOfBirth"), "integer");
  EXPECT_EQ(MappingType(RegProc(), "registrationCenterGeoLocation"), "geo_point");
  EXPECT_EQ(MappingType(RegProc(), "profile.biometricInfo.FACE.attempts"), "float");
  const std::string channel_info = RawIndexName(kPrefix, "idrepo", "channel_info");
  EXPECT_EQ(MappingType(channel_info, "cr_dtimes"), "date");
  EXPECT_EQ(MappingType(channel_info, "no_of_records"), "long");
}

TEST_F(EsDocumentsTest, IdIssuanceDashboardFieldsAggregate) {
  ExpectKeywordTermsMatch(IdRepo(),
                          {"profile.processName", "profile.newProfile.gender", "documents_names",
                           "profile.newProfile.channel", "profile.newProfile.location.hierarchy1",
                           "profile.newProfile.location.hierarchy2",
                           "profile.newProfile.biometricInfo.Iris.digitalId.serialNo",
                           "profile.newProfile.biometricInfo.Face.digitalId.serialNo"});
  for (const char* modality : {"Iris", "Face", "Finger"}) {
    ExpectAverage(IdRepo(),
                  "profile.newProfile.biometricInfo." + std::string(modality) + ".qualityScore");
  }
  // The ID panels take the median: a percentiles aggregation must work.
  const rapidjson::Document median =
      Search(IdRepo(),
             R"({"size":0,"aggs":{"m":{"percentiles":{)"
             R"("field":"profile.newProfile.biometricInfo.Iris.qualityScore","percents":[50]}}}})");
  ASSERT_TRUE(median.HasMember("aggregations"));
  EXPECT_TRUE(median["aggregations"]["m"]["values"].MemberBegin()->value.IsNumber());
}

TEST_F(EsDocumentsTest, RegistrationDashboardFieldsAggregate) {
  ExpectKeywordTermsMatch(
      RegProc(), {"profile.processName", "profile.gender", "profile.ageGroup", "profile.channel",
                  "profile.enrollmentCenterId", "profile.assisted", "profile.location.hierarchy1",
                  "profile.location.hierarchy2", "profile.status", "process_stage",
                  "documents_names", "profile.biometricInfo.IRIS.digitalId.serialNo",
                  "profile.biometricInfo.IRIS.digitalId.model",
                  "profile.biometricInfo.FINGER.digitalId.serialNo",
                  "profile.biometricInfo.FINGER.digitalId.model",
                  "profile.biometricInfo.FACE.digitalId.serialNo",
                  "profile.biometricInfo.FACE.digitalId.model"});
  for (const char* modality : {"IRIS", "FINGER", "FACE"}) {
    ExpectAverage(RegProc(), "profile.biometricInfo." + std::string(modality) + ".qualityScore");
  }
  // The dashboard-wide filters of "Registration Profile" (metrics.md §2).
  int64_t expected = 0;
  for (const auto& d : TheWorld().docs) {
    if (d->index != RegProc()) continue;
    std::vector<std::string> status, stage;
    Collect(d->doc, "profile.status", &status);
    Collect(d->doc, "process_stage", &stage);
    if (status == std::vector<std::string>{"PROCESSED"} &&
        stage == std::vector<std::string>{"PrintingStage"}) {
      ++expected;
    }
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(Hits(RegProc(), R"({"bool":{"filter":[{"term":{"profile.status.keyword":"PROCESSED"}},)"
                            R"({"term":{"process_stage.keyword":"PrintingStage"}}]}})"),
            expected);
}

TEST_F(EsDocumentsTest, TimestampGenIsADateForHistograms) {
  for (const std::string& index : {IdRepo(), RegProc()}) {
    // Documents per day, from the documents' own @timestamp_gen.
    std::map<std::string, int64_t> expected;
    for (const auto& d : TheWorld().docs) {
      if (d->index == index) ++expected[std::string(d->doc["@timestamp_gen"].GetString(), 10)];
    }
    const rapidjson::Document doc =
        Search(index, R"({"size":0,"aggs":{"h":{"date_histogram":{"field":"@timestamp_gen",)"
                      R"("calendar_interval":"day","min_doc_count":1,"format":"yyyy-MM-dd"}}}})");
    ASSERT_TRUE(doc.HasMember("aggregations")) << index;
    std::map<std::string, int64_t> days;
    for (const rapidjson::Value& b : doc["aggregations"]["h"]["buckets"].GetArray()) {
      days[b["key_as_string"].GetString()] = b["doc_count"].GetInt64();
    }
    EXPECT_EQ(days, expected) << index;
  }
}

TEST_F(EsDocumentsTest, UpdateIdFindsItsDocumentByTerm) {
  int checked = 0;
  for (const auto& d : TheWorld().docs) {
    if (d->raw.update_id.empty()) continue;
    const rapidjson::Document doc = Search(
        d->index, R"({"query":{"term":{"profile.updateId":")" + d->raw.update_id + R"("}}})");
    ASSERT_TRUE(doc.HasMember("hits"));
    const rapidjson::Value& hits = doc["hits"]["hits"];
    ASSERT_EQ(hits.Size(), 1u) << d->id;
    EXPECT_EQ(std::string(hits[0]["_id"].GetString()), d->id);
    ++checked;
  }
  EXPECT_GE(checked, 30);
  // MOSIP's delete-on-supersede query: the update's old side finds the
  // document of the registration whose new side it was, if indexed.
  for (const auto& d : TheWorld().docs) {
    if (d->id != "gen-idrepo-0") continue;
    EXPECT_EQ(
        Hits(IdRepo(), R"({"term":{"profile.updateId":")" + d->raw.superseded_update_id + R"("}})"),
        1)
        << "gen-idrepo-0's old side is gen-idrepo-1's new side";
  }
}

TEST_F(EsDocumentsTest, YearOfBirthIsNumericFromStringsAndInts) {
  for (const auto& [index, path] :
       {std::pair{IdRepo(), std::string("profile.newProfile.yearOfBirth")},
        std::pair{RegProc(), std::string("profile.yearOfBirth")}}) {
    int64_t expected = 0;
    for (const auto& d : TheWorld().docs) {
      if (d->index != index) continue;
      std::vector<std::string> values;
      Collect(d->doc, path, &values);
      for (const std::string& v : values) {
        const double year = std::stod(v);
        if (year >= 1960) ++expected;
      }
    }
    EXPECT_GT(expected, 0) << path;
    // As strings "1960" <= x < "10000" would match nothing: only a numeric
    // field answers this.
    EXPECT_EQ(Hits(index, R"({"range":{")" + path + R"(":{"gte":1960,"lt":10000}}})"), expected)
        << path;
  }
}

TEST_F(EsDocumentsTest, CentreLocationIsAGeoPoint) {
  int64_t expected = 0;
  for (const auto& d : TheWorld().docs) {
    if (d->index == RegProc() && d->doc.HasMember("registrationCenterGeoLocation")) ++expected;
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(
      Hits(RegProc(), R"({"geo_bounding_box":{"registrationCenterGeoLocation":{)"
                      R"("top_left":{"lat":35,"lon":-7},"bottom_right":{"lat":33,"lon":-6}}}})"),
      expected);
}

TEST_F(EsDocumentsTest, ExternalVersionsKeepTheNewestDocument) {
  const Indexed& first = *TheWorld().docs.front();
  std::unique_ptr<HttpClient> client = ClientFor(*es_);
  ASSERT_TRUE(client);
  BulkClient sender(*client, {});
  BulkRequestBuilder bulk;
  ASSERT_TRUE(bulk.Index(first.index, first.id, R"({"stale":true})", first.version - 1).ok());
  const Result<BulkResult> sent = sender.Send(bulk.Take());
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->items[0].disposition, ItemDisposition::kSuperseded);
  rapidjson::Document stored;
  stored.Parse(es_->Get(first.index, first.id).c_str());
  ASSERT_TRUE(stored.HasMember("_version"));
  EXPECT_EQ(stored["_version"].GetInt64(), first.version);
  EXPECT_FALSE(stored["_source"].HasMember("stale"));
}

TEST_F(EsDocumentsTest, MetricAndDeadLetterIndicesTakeTheirTemplates) {
  const std::string metrics = MetricsIndexName(kPrefix);
  const std::string dead = DeadLetterIndexName(kPrefix);
  EsCluster::Answer a = es_->Request(
      "PUT", "/" + metrics + "/_doc/m1?refresh=true",
      R"({"metric":"by_gender","mode":"state","source":"idrepo","keys":{"gender":"Female"},)"
      R"("bucket":"2025-03","bucket_start":"2025-03-01T00:00:00Z","value":3,"count":3,)"
      R"("updated_at":1741942364120})");
  ASSERT_TRUE(a.status == 200 || a.status == 201) << a.body;
  EXPECT_EQ(MappingType(metrics, "keys.gender"), "keyword");
  EXPECT_EQ(MappingType(metrics, "bucket_start"), "date");
  EXPECT_EQ(MappingType(metrics, "value"), "double");
  EXPECT_EQ(MappingType(metrics, "count"), "long");
  EXPECT_EQ(Terms(metrics, "keys.gender"), (std::map<std::string, int64_t>{{"Female", 1}}));

  // A dead letter as the sink writes it, with a field no mapping names.
  a = es_->Request("PUT", "/" + dead + "/_doc/d1?refresh=true",
                   R"({"@timestamp":1741942364120,"index":"x","id":"k","operation":"index",)"
                   R"("table":"idrepo.anonymous_profile","key":"k","lsn":"0/16B3748","status":400,)"
                   R"("error_type":"walcast_mapping_exception","reason":"profile rejected",)"
                   R"("document":"{\"profile\":\"not json\"}","extra":{"nested":[1,"a"]}})");
  ASSERT_TRUE(a.status == 200 || a.status == 201) << a.body;
  EXPECT_EQ(MappingType(dead, "reason"), "keyword");
  EXPECT_EQ(MappingType(dead, "lsn"), "keyword");
  EXPECT_EQ(MappingType(dead, "extra.nested"), "<unmapped>") << "dynamic: false";
  EXPECT_EQ(Hits(dead, R"({"term":{"table":"idrepo.anonymous_profile"}})"), 1);
  EXPECT_EQ(Hits(dead, R"({"term":{"lsn":"0/16B3748"}})"), 1);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch

// Only a node is needed: no PostgreSQL (unlike walcast::test_es_main).
int main(int argc, char** argv) {
  // Once, before any thread: libcurl's global state (STYLE.md, RAII).
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::EsEnvironment);
  const int rc = RUN_ALL_TESTS();
  curl_global_cleanup();
  return rc;
}
