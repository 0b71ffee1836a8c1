#include "privacy/key_ring.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/support/test_dir.h"
#include "tests/unit/privacy/test_keys.h"

namespace walcast::privacy {
namespace {

TEST(KeyRingTest, ParsesKeysAndCurrent) {
  Result<KeyRing> ring = KeyRing::Parse(testing::KeyRingText("k2"), "test");
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ(ring->size(), 2u);
  EXPECT_EQ(ring->current_id(), "k2");
  ASSERT_NE(ring->Find("k1"), nullptr);
  EXPECT_EQ(*ring->Find("k1"), std::string(32, '\x01'));
  EXPECT_EQ(ring->Find("k3"), nullptr);
  EXPECT_EQ(ring->ids(), (std::vector<std::string>{"k1", "k2"}));
}

TEST(KeyRingTest, SemicolonsSeparateEntries) {
  std::string text = testing::KeyRingText("k1");
  for (char& c : text) c = c == '\n' ? ';' : c;
  text.erase(0, text.find(';') + 1);  // the comment
  Result<KeyRing> ring = KeyRing::Parse(text, "env");
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ(ring->size(), 2u);
}

TEST(KeyRingTest, RejectsBadEntries) {
  EXPECT_EQ(KeyRing::Parse("k1", "t").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyRing::Parse("k1=AAAA", "t").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyRing::Parse("bad:id=" + std::string(44, 'A'), "t").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyRing::Parse("current=nope\n", "t").status().code(), Status::Code::kInvalidArgument);
  const std::string twice = testing::KeyRingText("k1") + "k1=" + std::string(43, 'A') + "=\n";
  EXPECT_EQ(KeyRing::Parse(twice, "t").status().code(), Status::Code::kInvalidArgument);
}

TEST(KeyRingTest, ErrorsNeverCarryKeyMaterial) {
  Result<KeyRing> ring = KeyRing::Parse("k1=c2VjcmV0LWtleS1tYXRlcmlhbA==", "t");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().message().find("c2VjcmV0"), std::string::npos);
}

TEST(KeyRingTest, LoadsFileAndEnvironment) {
  const std::filesystem::path dir = ::walcast::testing::FreshTestDir();
  const std::string path = (dir / "keys").string();
  std::ofstream(path) << testing::KeyRingText("k1");
  std::string k3;
  AppendBase64(std::string(32, '\x03'), &k3);
  ::setenv("WALCAST_TEST_KEYS", ("current=k3;k3=" + k3).c_str(), 1);
  Result<KeyRing> ring = KeyRing::Load(path, "WALCAST_TEST_KEYS");
  ::unsetenv("WALCAST_TEST_KEYS");
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ(ring->size(), 3u);
  EXPECT_EQ(ring->current_id(), "k3");
  EXPECT_EQ(KeyRing::Load((dir / "missing").string(), nullptr).status().code(),
            Status::Code::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(KeyRingTest, EnvironmentMayNotRedefineAKey) {
  const std::filesystem::path dir = ::walcast::testing::FreshTestDir();
  const std::string path = (dir / "keys").string();
  std::ofstream(path) << testing::KeyRingText("k1");
  std::string other;
  AppendBase64(std::string(32, '\x09'), &other);
  ::setenv("WALCAST_TEST_KEYS2", ("k1=" + other).c_str(), 1);
  Result<KeyRing> ring = KeyRing::Load(path, "WALCAST_TEST_KEYS2");
  ::unsetenv("WALCAST_TEST_KEYS2");
  EXPECT_EQ(ring.status().code(), Status::Code::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace walcast::privacy
