// generate-user-profiles: randomuser.me-shaped profiles, reproducible from
// the seed, with every field the GDPR example reads or protects.

#include "app/generate_user_profiles.h"

#include <gtest/gtest.h>
#include <boost/program_options.hpp>

#include <map>
#include <set>
#include <string>

#include "rapidjson/document.h"

namespace walcast::app {
namespace {

const rapidjson::Value* At(const rapidjson::Value& v, std::initializer_list<const char*> path) {
  const rapidjson::Value* at = &v;
  for (const char* key : path) {
    if (!at->IsObject() || !at->HasMember(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

TEST(GenerateUserProfilesTest, EveryRandomUserFieldIsThere) {
  rapidjson::Document d;
  const std::string json = GenerateUserProfileJson(7, 42);
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  for (auto path : std::initializer_list<std::initializer_list<const char*>>{
           {"gender"}, {"name", "title"}, {"name", "first"}, {"name", "last"},
           {"location", "street", "number"}, {"location", "street", "name"}, {"location", "city"},
           {"location", "state"}, {"location", "country"}, {"location", "postcode"},
           {"location", "coordinates", "latitude"}, {"location", "timezone", "offset"},
           {"email"}, {"login", "uuid"}, {"login", "username"}, {"login", "password"},
           {"login", "salt"}, {"login", "md5"}, {"login", "sha1"}, {"login", "sha256"},
           {"dob", "date"}, {"dob", "age"}, {"registered", "date"}, {"phone"}, {"cell"},
           {"id", "name"}, {"id", "value"}, {"picture", "large"}, {"nat"}}) {
    EXPECT_NE(At(d, path), nullptr) << *path.begin() << " in " << json;
  }
  EXPECT_EQ(d["login"]["uuid"].GetString(), GenerateUserProfileId(7, 42));
  EXPECT_EQ(std::string(d["login"]["sha256"].GetString()).size(), 64u);
  // The same seed and index give the same user; another index another one.
  EXPECT_EQ(GenerateUserProfileJson(7, 42), json);
  EXPECT_NE(GenerateUserProfileJson(7, 43), json);
  EXPECT_NE(GenerateUserProfileId(8, 42), GenerateUserProfileId(7, 42));
}

TEST(GenerateUserProfilesTest, AVersionChangesAddressAndContactsNotTheIdentity) {
  rapidjson::Document a, b;
  a.Parse(GenerateUserProfileJson(3, 9, 0).c_str());
  b.Parse(GenerateUserProfileJson(3, 9, 1).c_str());
  for (const char* same : {"gender", "nat"}) EXPECT_EQ(a[same], b[same]) << same;
  EXPECT_EQ(a["dob"], b["dob"]);
  EXPECT_EQ(a["registered"], b["registered"]);
  EXPECT_EQ(a["login"], b["login"]);
  EXPECT_NE(a["phone"], b["phone"]);
}

TEST(GenerateUserProfilesTest, SpreadOverNationalitiesAndDomains) {
  std::set<std::string> nats;
  std::map<std::string, int> domains;
  for (uint64_t i = 0; i < 2000; ++i) {
    rapidjson::Document d;
    d.Parse(GenerateUserProfileJson(1, i).c_str());
    nats.insert(d["nat"].GetString());
    const std::string email = d["email"].GetString();
    ++domains[email.substr(email.find('@') + 1)];
    // Adults at registration.
    const int born = std::stoi(std::string(d["dob"]["date"].GetString()).substr(0, 4));
    const int registered = std::stoi(std::string(d["registered"]["date"].GetString()).substr(0, 4));
    EXPECT_GE(registered - born, 17);
  }
  EXPECT_GE(nats.size(), 10u);
  EXPECT_GE(domains.size(), 11u);  // more than a top 10
  EXPECT_GT(domains["gmail.com"], domains["yahoo.com"]);
}

TEST(GenerateUserProfilesTest, FlagsAreChecked) {
  namespace po = boost::program_options;
  po::options_description d;
  d.add_options()("count", po::value<uint64_t>())("seed", po::value<uint64_t>())(
      "batch-rows", po::value<uint64_t>())("output", po::value<std::string>())("dry-run", "");
  d.add(GenerateUserProfilesFlags());
  auto parse = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "walcast");
    po::variables_map vm;
    po::store(po::parse_command_line(static_cast<int>(args.size()), args.data(), d), vm);
    return GenerateUserProfilesRequestFrom(vm);
  };
  Result<GenerateUserProfilesRequest> ok = parse({"--count", "10", "--updates", "3"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->count, 10u);
  EXPECT_EQ(ok->updates, 3u);
  EXPECT_FALSE(parse({"--count", "10", "--deletes", "11"}).ok());
  EXPECT_FALSE(parse({"--batch-rows", "0"}).ok());
}

}  // namespace
}  // namespace walcast::app
