// `walcast generate-profiles` (app/generate_profiles.h): the flags become a
// request (each bad one is kInvalidArgument), the JSON lines are JSON and
// fixed by the seed, and the command writes them to a file or only a
// summary. The rows themselves are tested in
// tests/unit/mosip/profile_generator_test.cc; the PostgreSQL writer in
// tests/integration/generate_profiles_test.cc.

#include "app/generate_profiles.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mosip/profile_generator.h"
#include "rapidjson/document.h"

namespace walcast::app {
namespace {

namespace po = boost::program_options;

using mosip::BiometricDetail;
using mosip::ChannelInfoChange;
using mosip::GeneratedProfile;
using mosip::GeneratorOptions;
using mosip::ProfileGenerator;
using mosip::ProfileKind;

// The JSON lines of `count` rows of the default mix.
std::string Jsonl(uint64_t count, uint64_t seed, double malformed_ratio) {
  GeneratorOptions options;
  options.count = count;
  options.seed = seed;
  options.malformed_ratio = malformed_ratio;
  ProfileGenerator generator(options);
  GeneratedProfile row;
  std::vector<ChannelInfoChange> changes;
  std::string out;
  while (generator.Next(&row, &changes)) {
    AppendJsonLine(row, &out);
    out.push_back('\n');
    for (const auto& c : changes) {
      AppendJsonLine(c, &out);
      out.push_back('\n');
    }
  }
  return out;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// The request `walcast generate-profiles ARGS` makes.
Result<GenerateProfilesRequest> Parse(const std::vector<std::string>& args) {
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(GenerateProfilesFlags()).run(), vm);
  po::notify(vm);
  return GenerateProfilesRequestFrom(vm);
}

TEST(GenerateProfilesTest, JsonLinesAreFixedBySeed) {
  // Pinned since the JSON lines were written by hand (Jackson's escaping);
  // RapidJSON's Writer gives the same bytes. A deliberate change to the
  // generator or the line format updates this digest in the same commit.
  const uint64_t digest = Fnv1a(Jsonl(300, 1, 0.02));
  EXPECT_EQ(digest, 0x3a9a543689215028ULL) << "digest 0x" << std::hex << digest;
}

TEST(GenerateProfilesTest, JsonLinesAreJson) {
  const std::string out = Jsonl(500, 7, 0.1);
  size_t start = 0;
  int lines = 0;
  int changes = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    rapidjson::Document doc;
    doc.Parse(out.data() + start, end - start);
    ASSERT_FALSE(doc.HasParseError()) << out.substr(start, end - start);
    ASSERT_TRUE(doc.IsObject());
    ASSERT_TRUE(doc.HasMember("table"));
    if (std::string_view(doc["table"].GetString()) == "idrepo.channel_info") {
      ++changes;
      EXPECT_TRUE(doc["delta"].IsInt());
    } else {
      EXPECT_TRUE(doc["profile"].IsString());
      EXPECT_TRUE(doc["malformed"].IsBool());
    }
    start = end + 1;
    ++lines;
  }
  EXPECT_GT(lines, 500);
  EXPECT_GT(changes, 0);
}

TEST(GenerateProfilesTest, FlagsBecomeTheRequest) {
  const Result<GenerateProfilesRequest> defaults = Parse({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->generator.count, 1000u);
  EXPECT_EQ(defaults->batch_rows, 10000u);
  EXPECT_FALSE(defaults->dry_run);

  const Result<GenerateProfilesRequest> r =
      Parse({"--count", "20", "--seed", "9", "--shape", "regprc", "--malformed-ratio", "0.5",
             "--biometrics", "full", "--start-date", "2024-01-01", "--days", "30",
             "--batch-rows", "7", "--output", "-", "--dry-run"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->generator.count, 20u);
  EXPECT_EQ(r->generator.seed, 9u);
  EXPECT_EQ(r->generator.weight(ProfileKind::kIdrepoNew), 0);
  EXPECT_GT(r->generator.weight(ProfileKind::kRegprcSync), 0);
  EXPECT_EQ(r->generator.malformed_ratio, 0.5);
  EXPECT_EQ(r->generator.biometrics, BiometricDetail::kFull);
  EXPECT_EQ(r->generator.start_us, 1704067200000000);
  EXPECT_EQ(r->generator.span_days, 30);
  EXPECT_EQ(r->batch_rows, 7u);
  EXPECT_EQ(r->output, "-");
  EXPECT_TRUE(r->dry_run);

  const Result<GenerateProfilesRequest> mixed = Parse({"--mix", "prereg=1"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->generator.weight(ProfileKind::kPrereg), 1);
  EXPECT_EQ(mixed->generator.weight(ProfileKind::kIdrepoNew), 0);
}

TEST(GenerateProfilesTest, BadFlagsAreInvalidArguments) {
  // Pairs of arguments; an empty second one is left out.
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--shape", "nope"},
           {"--mix", "nope=1"},
           {"--malformed-ratio", "1.5"},
           {"--malformed-ratio=-0.1", ""},
           {"--biometrics", "most"},
           {"--start-date", "2025-13-01"},
           {"--start-date", "2025-01-01x"},
           {"--start-date", "1899-12-31"},
           {"--days", "0"},
           {"--days", "36501"},
           {"--batch-rows", "0"}}) {
    if (args[1].empty()) args.pop_back();
    EXPECT_EQ(Parse(args).status().code(), Status::Code::kInvalidArgument) << args[0];
  }
}

TEST(GenerateProfilesTest, DryRunPrintsTheSummaryOnly) {
  GenerateProfilesRequest request;
  request.generator.count = 400;
  request.generator.malformed_ratio = 0.1;
  request.dry_run = true;
  std::ostringstream out;
  const Status s = GenerateProfilesCommand(Config::ForTest({}), request, out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string summary = out.str();
  EXPECT_NE(summary.find("profiles=400\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("table.idrepo.channel_info.changes="), std::string::npos);
  EXPECT_NE(summary.find("kind.annexure-update="), std::string::npos);
  EXPECT_NE(summary.find("rows_per_second="), std::string::npos);
}

TEST(GenerateProfilesTest, OutputWritesTheJsonLines) {
  char dir[] = "/tmp/walcast-gen-unit-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  GenerateProfilesRequest request;
  request.generator.count = 700;
  request.generator.seed = 3;
  request.generator.malformed_ratio = 0.05;
  request.output = std::string(dir) + "/rows.jsonl";
  std::ostringstream out;
  const Status s = GenerateProfilesCommand(Config::ForTest({}), request, out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::ifstream file(request.output, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), Jsonl(700, 3, 0.05)) << "the file holds exactly the JSON lines";
  EXPECT_NE(out.str().find("profiles=700\n"), std::string::npos);
  std::remove(request.output.c_str());
  rmdir(dir);
}

TEST(GenerateProfilesTest, UncreatableOutputIsNotFound) {
  GenerateProfilesRequest request;
  request.generator.count = 10;
  request.output = "/nonexistent-walcast-dir/rows.jsonl";
  std::ostringstream out;
  EXPECT_EQ(GenerateProfilesCommand(Config::ForTest({}), request, out).code(),
            Status::Code::kNotFound);
}

}  // namespace
}  // namespace walcast::app
