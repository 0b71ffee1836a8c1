#include "app/privacy_commands.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/options.h"
#include "core/encoding.h"
#include "privacy/cipher.h"
#include "tests/support/test_dir.h"

namespace walcast::app {
namespace {

namespace po = boost::program_options;

class PrivacyCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = walcast::testing::FreshTestDir();
    AppendBase64(std::string(32, '\x04'), &key_b64_);
    std::ofstream(dir_ / "keys") << "current=k1\nk1=" << key_b64_ << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Config Make(std::map<std::string, std::string> values) {
    values["state.dir"] = (dir_ / "state").string();
    values["privacy.keys.file"] = (dir_ / "keys").string();
    values["privacy.rules"] = "mail";
    values["privacy.rule.mail.table"] = "public.users";
    values["privacy.rule.mail.column"] = "email";
    values["privacy.rule.mail.op"] = "encrypt";
    Result<Config> config = Config::Build(AllOptions(), values, PassthroughPrefixes());
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return std::move(config).value();
  }

  Status Run(const std::string& sub, const Config& config, const std::vector<std::string>& args,
             const std::string& input = "") {
    po::options_description flags;
    flags.add_options()("json", "");
    flags.add(PrivacyFlags());
    std::vector<const char*> argv = {"walcast"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    po::variables_map vm;
    po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), flags), vm);
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    return PrivacyCommand(sub, config, vm, in, out_, err_);
  }

  std::filesystem::path dir_;
  std::string key_b64_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(PrivacyCommandsTest, KeysInThePropertiesFileAreUnknownKeys) {
  Result<Config> config =
      Config::Build(AllOptions(), {{"privacy.keys", "k1=AAAA"}}, PassthroughPrefixes());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("privacy.keys"), std::string::npos);
}

TEST_F(PrivacyCommandsTest, ReportNeedsNoKeysAndNoServer) {
  const Config config = Make({{"sinks", "kafka,elasticsearch"}});
  ASSERT_TRUE(Run("report", config, {}).ok());
  EXPECT_NE(out_.str().find("| public.users | email | (column) | encrypted | AES-256-GCM, master "
                            "key |"),
            std::string::npos)
      << out_.str();
  ASSERT_TRUE(Run("report", config, {"--json"}).ok());
  EXPECT_EQ(out_.str().rfind("{", 0), 0u);
}

TEST_F(PrivacyCommandsTest, DecryptReadsJsonLinesAndNamesFailures) {
  const Config config = Make({});
  const std::string good = privacy::Seal(std::string(32, '\x04'), "k1", "tjane@x").value();
  const std::string bad = privacy::Seal(std::string(32, '\x05'), "k1", "tsecret").value();
  const std::string lines = R"({"email":")" + good + "\"}\n" + R"({"email":")" + bad + "\"}\n";
  const Status s = Run("decrypt", config, {}, lines);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(out_.str().find(R"({"email":"jane@x"})"), std::string::npos) << out_.str();
  EXPECT_NE(err_.str().find("line 2 /email"), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str().find("secret"), std::string::npos);
  EXPECT_EQ(Run("decrypt", config, {}, "nope\n").code(), Status::Code::kInvalidArgument);
}

TEST_F(PrivacyCommandsTest, ForgetNeedsASubjectAndSubjectKeys) {
  const Config config = Make({});
  EXPECT_EQ(Run("forget", config, {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Run("forget", config, {"--subject", "u-1"}).code(), Status::Code::kInvalidArgument);
  const Config with_subjects = Make({{"privacy.subject.public.users", "id"}});
  ASSERT_TRUE(Run("forget", with_subjects, {"--subject", "u-1"}).ok());
  EXPECT_NE(out_.str().find("0 key(s) destroyed"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("u-1"), std::string::npos) << "the subject id is personal data";
  EXPECT_EQ(Run("rotate", config, {}).code(), Status::Code::kInvalidArgument);
}

TEST_F(PrivacyCommandsTest, OpenPrivacyRefusesAMissingKeyFile) {
  std::filesystem::remove(dir_ / "keys");
  EXPECT_EQ(OpenPrivacy(Make({})).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(PrivacyCommandsTest, OpenPrivacyWithoutRulesIsOff) {
  Result<Config> config = Config::Build(AllOptions(), {}, PassthroughPrefixes());
  Result<std::unique_ptr<PrivacyRuntime>> runtime = OpenPrivacy(*config);
  ASSERT_TRUE(runtime.ok());
  EXPECT_EQ(runtime->get(), nullptr);
}

}  // namespace
}  // namespace walcast::app
