#include "sinks/elasticsearch/templates.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

rapidjson::Document Parse(const IndexTemplate& t) {
  rapidjson::Document doc;
  doc.Parse(t.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << t.name << ": " << t.body;
  EXPECT_TRUE(doc.IsObject()) << t.name;
  return doc;
}

// The mapping of `path` ("profile.updateId") in a template's properties.
const rapidjson::Value* Property(const rapidjson::Document& doc, const std::string& path) {
  const rapidjson::Value* cur = &doc["template"]["mappings"];
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot - start);
    if (!cur->HasMember("properties") || !(*cur)["properties"].HasMember(part.c_str())) {
      return nullptr;
    }
    cur = &(*cur)["properties"][part.c_str()];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::string TypeOf(const rapidjson::Document& doc, const std::string& path) {
  const rapidjson::Value* p = Property(doc, path);
  return p != nullptr && p->HasMember("type") ? (*p)["type"].GetString() : "<none>";
}

TEST(TemplatesTest, IndexNamesAreLowerCase) {
  EXPECT_EQ(RawIndexName("MOSIP", "idrepo", "Anonymous_Profile"), "mosip.idrepo.anonymous_profile");
  EXPECT_EQ(MetricsIndexName("Mosip"), "mosip.metrics.anon_profile");
  EXPECT_EQ(DeadLetterIndexName("mosip"), "mosip.walcast.dead_letter");
}

TEST(TemplatesTest, FourTemplatesWithDistinctPrioritiesWherePatternsOverlap) {
  TemplateOptions options;
  options.prefix = "Mosip";
  options.profile_tables = {"*.anonymous_profile", "seed.profiles"};
  const std::vector<IndexTemplate> all = AllTemplates(options);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "walcast.mosip.raw");
  EXPECT_EQ(all[1].name, "walcast.mosip.profiles");
  EXPECT_EQ(all[2].name, "walcast.mosip.metrics");
  EXPECT_EQ(all[3].name, "walcast.mosip.dead_letter");
  const rapidjson::Document raw = Parse(all[0]);
  const rapidjson::Document profiles = Parse(all[1]);
  const rapidjson::Document metrics = Parse(all[2]);
  const rapidjson::Document dead = Parse(all[3]);
  EXPECT_STREQ(raw["index_patterns"][0].GetString(), "mosip.*");
  ASSERT_EQ(profiles["index_patterns"].Size(), 2u);
  EXPECT_STREQ(profiles["index_patterns"][0].GetString(), "mosip.*.anonymous_profile*");
  EXPECT_STREQ(profiles["index_patterns"][1].GetString(), "mosip.seed.profiles*");
  EXPECT_STREQ(metrics["index_patterns"][0].GetString(), "mosip.metrics.*");
  EXPECT_STREQ(dead["index_patterns"][0].GetString(), "mosip.walcast.dead_letter*");
  // raw's pattern covers the others: each of them must outrank it.
  EXPECT_EQ(raw["priority"].GetInt(), 100);
  EXPECT_GT(profiles["priority"].GetInt(), raw["priority"].GetInt());
  EXPECT_GT(metrics["priority"].GetInt(), profiles["priority"].GetInt());
  EXPECT_GT(dead["priority"].GetInt(), profiles["priority"].GetInt());
  EXPECT_FALSE(raw["template"].HasMember("settings")) << "replicas left to the server";
}

TEST(TemplatesTest, ShardCountGoesIntoEveryTemplate) {
  TemplateOptions options;
  options.number_of_shards = 3;
  for (const IndexTemplate& t : AllTemplates(options)) {
    const rapidjson::Document doc = Parse(t);
    ASSERT_TRUE(doc["template"].HasMember("settings")) << t.name;
    const auto& index = doc["template"]["settings"]["index"];
    EXPECT_EQ(index["number_of_shards"].GetInt(), 3) << t.name;
    EXPECT_FALSE(index.HasMember("number_of_replicas")) << t.name;
  }
  options.number_of_replicas = 0;
  const rapidjson::Document both = Parse(RawTemplate(options));
  EXPECT_EQ(both["template"]["settings"]["index"]["number_of_shards"].GetInt(), 3);
  EXPECT_EQ(both["template"]["settings"]["index"]["number_of_replicas"].GetInt(), 0);
}

TEST(TemplatesTest, ProfileMappingsCoverTheDashboardFields) {
  TemplateOptions options;
  options.number_of_replicas = 0;
  const rapidjson::Document doc = Parse(ProfileTemplate(options));
  EXPECT_EQ(doc["template"]["settings"]["index"]["number_of_replicas"].GetInt(), 0);
  EXPECT_EQ(TypeOf(doc, "profile.updateId"), "keyword");
  for (const char* year : {"profile.yearOfBirth", "profile.newProfile.yearOfBirth",
                           "profile.oldProfile.yearOfBirth", "profile.new.yearOfBirth"}) {
    EXPECT_EQ(TypeOf(doc, year), "integer") << year;
  }
  for (const char* date :
       {"@timestamp_gen", "cr_dtimes", "upd_dtimes", "del_dtimes", "profile.date"}) {
    EXPECT_EQ(TypeOf(doc, date), "date") << date;
  }
  EXPECT_EQ(TypeOf(doc, "registrationCenterGeoLocation"), "geo_point");
  EXPECT_EQ(TypeOf(doc, "documents_names"), "text");
  EXPECT_STREQ((*Property(doc, "documents_names"))["fields"]["keyword"]["type"].GetString(),
               "keyword");
  // Dynamic strings: text + keyword; scores: float, matched before strings.
  const rapidjson::Value& dynamic = doc["template"]["mappings"]["dynamic_templates"];
  ASSERT_EQ(dynamic.Size(), 3u);
  EXPECT_STREQ(dynamic[0]["biometric_quality"]["mapping"]["type"].GetString(), "float");
  EXPECT_STREQ(dynamic[1]["biometric_attempts"]["mapping"]["type"].GetString(), "float");
  EXPECT_STREQ(dynamic[2]["strings"]["mapping"]["type"].GetString(), "text");
  EXPECT_STREQ(dynamic[2]["strings"]["mapping"]["fields"]["keyword"]["type"].GetString(),
               "keyword");
}

TEST(TemplatesTest, MetricAndDeadLetterMappings) {
  const rapidjson::Document metrics = Parse(MetricsTemplate({}));
  EXPECT_EQ(TypeOf(metrics, "bucket_start"), "date");
  EXPECT_EQ(TypeOf(metrics, "count"), "long");
  EXPECT_EQ(TypeOf(metrics, "value"), "double");
  EXPECT_EQ(TypeOf(metrics, "metric"), "keyword");
  EXPECT_STREQ(metrics["template"]["mappings"]["dynamic_templates"][0]["keys"]["mapping"]["type"]
                   .GetString(),
               "keyword");
  const rapidjson::Document dead = Parse(DeadLetterTemplate({}));
  EXPECT_FALSE(dead["template"]["mappings"]["dynamic"].GetBool());
  for (const char* field : {"lsn", "table", "key", "reason", "error_type", "source", "instance"}) {
    EXPECT_EQ(TypeOf(dead, field), "keyword") << field;
  }
  EXPECT_FALSE((*Property(dead, "document"))["index"].GetBool());
  EXPECT_EQ(TypeOf(dead, "@timestamp"), "date");
}

TEST(TemplatesTest, InstallsWhatIsMissingAndCountsIt) {
  ScriptedTransport transport;
  transport.Answer(404);                                 // raw: missing
  transport.Answer(200);                                 // PUT
  transport.Answer(200, R"({"index_templates":[{}]})");  // profiles: there
  transport.Answer(404);                                 // metrics
  transport.Answer(200);
  transport.Answer(404);  // dead letter
  transport.Answer(200);
  const Result<int> installed = InstallTemplates(transport, {});
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_EQ(*installed, 3);
  EXPECT_EQ(transport.requests()[1].path, "/_index_template/walcast.walcast.raw?create=true");
  EXPECT_EQ(transport.requests()[1].body, RawTemplate({}).body);
  EXPECT_EQ(transport.unanswered(), 0u);
}

TEST(TemplatesTest, StopsAtTheFirstErrorWithItsCode) {
  ScriptedTransport transport;
  transport.Answer(403, R"({"error":{"type":"security_exception"}})");
  const Result<int> denied = InstallTemplates(transport, {});
  EXPECT_EQ(denied.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(transport.requests().size(), 1u);

  ScriptedTransport unused;
  TemplateOptions bad;
  bad.prefix = "my prefix";  // a space cannot be in a template name
  EXPECT_EQ(InstallTemplates(unused, bad).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(unused.requests().empty());
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
