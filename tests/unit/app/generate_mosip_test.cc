#include "app/generate_mosip.h"

#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"

namespace walcast::app {
namespace {

namespace po = boost::program_options;
using mosip::MosipDatabase;

// The request `walcast generate-mosip ARGS` makes (with generate-profiles'
// flags, which main declares too).
Result<GenerateMosipRequest> Parse(const std::vector<std::string>& args) {
  po::options_description all;
  all.add(GenerateProfilesFlags()).add(GenerateMosipFlags());
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).run(), vm);
  po::notify(vm);
  return GenerateMosipRequestFrom(vm);
}

TEST(GenerateMosipTest, DefaultsFillAllSixDatabases) {
  const auto r = Parse({});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->databases.size(), 6u);
  EXPECT_FALSE(r->single_database);
  EXPECT_EQ(r->profiles, 1000u);
  EXPECT_EQ(r->data.applications, 1000u);
}

TEST(GenerateMosipTest, FlagsBecomeTheRequest) {
  const auto r = Parse({"--databases", "ida,mosip_master,ida", "--single-database", "--seed", "9",
                        "--days", "12", "--start-date", "2024-02-01", "--applications", "5",
                        "--registrations", "6", "--authentications", "7", "--profiles", "0"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->databases, (std::vector{MosipDatabase::kMaster, MosipDatabase::kIda}));
  EXPECT_TRUE(r->single_database);
  EXPECT_EQ(r->data.seed, 9u);
  EXPECT_EQ(r->data.span_days, 12);
  EXPECT_EQ(r->data.start_us, 1706745600000000);  // 2024-02-01T00:00:00Z
  EXPECT_EQ(r->data.applications, 5u);
  EXPECT_EQ(r->data.registrations, 6u);
  EXPECT_EQ(r->data.authentications, 7u);
  EXPECT_EQ(r->profiles, 0u);
}

TEST(GenerateMosipTest, BadFlagsAreInvalidArguments) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--databases", "mosip_nowhere"},
                                             {"--databases", ","},
                                             {"--count", "5"},
                                             {"--shape", "idrepo"},
                                             {"--output", "-"},
                                             {"--days", "0"}}) {
    EXPECT_EQ(Parse(args).status().code(), Status::Code::kInvalidArgument) << args[0];
  }
}

TEST(GenerateMosipTest, DryRunCountsEveryTableWithoutADatabase) {
  auto r = Parse({"--dry-run", "--applications", "50", "--registrations", "40", "--authentications",
                  "30", "--profiles", "20"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::ostringstream out;
  const Status s = GenerateMosipCommand(Config::ForTest({}), *r, out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string summary = out.str();
  for (const char* line :
       {"table.master.doc_type=30\n", "table.master.registration_center=60\n",
        "table.regprc.registration_list=40\n", "table.ida.auth_transaction=30\n",
        "table.idrepo.anonymous_profile=20\n", "table.regprc.anonymous_profile=20\n",
        "table.prereg.anonymous_profile=20\n", "database.mosip_audit=dry-run\n"}) {
    EXPECT_NE(summary.find(line), std::string::npos) << line << summary;
  }
}

}  // namespace
}  // namespace walcast::app
