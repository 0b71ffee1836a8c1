#include "projections/sunbird_cipher.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace walcast::projections {
namespace {

TEST(SunbirdCipherTest, RoundTripsInSunbirdsFormat) {
  Result<std::unique_ptr<SunbirdCipher>> c_made = SunbirdCipher::Create("salt-1");
  ASSERT_TRUE(c_made.ok());
  std::unique_ptr<SunbirdCipher> c = std::move(*c_made);
  Result<std::string> sealed = c->Encrypt("asha@example.org");
  ASSERT_TRUE(sealed.ok());
  // Three rounds of salt + value grow past one 76-character line, which
  // sun.misc.BASE64Encoder breaks with '\n'.
  EXPECT_NE(sealed->find('\n'), std::string::npos);
  for (size_t at = 0, next; (next = sealed->find('\n', at)) != std::string::npos; at = next + 1) {
    EXPECT_EQ(next - at, 76u);
  }
  Result<std::string> plain = c->Decrypt(*sealed);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "asha@example.org");
}

TEST(SunbirdCipherTest, WrongKeyOrGarbageIsRejectedWithoutTheValue) {
  Result<std::unique_ptr<SunbirdCipher>> c_made = SunbirdCipher::Create("salt-1");
  ASSERT_TRUE(c_made.ok());
  std::unique_ptr<SunbirdCipher> c = std::move(*c_made);
  Result<std::unique_ptr<SunbirdCipher>> other_made = SunbirdCipher::Create("salt-2");
  ASSERT_TRUE(other_made.ok());
  std::unique_ptr<SunbirdCipher> other = std::move(*other_made);
  const std::string sealed = *c->Encrypt("9999900000");
  Result<std::string> wrong = other->Decrypt(sealed);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Status::Code::kRejected);
  Result<std::string> garbage = c->Decrypt("9999900000");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), Status::Code::kRejected);
  EXPECT_EQ(garbage.status().message().find("9999900000"), std::string::npos);
}

TEST(SunbirdCipherTest, KeyComesFromTheEnvironmentOrIsNotFound) {
  ::unsetenv("WALCAST_TEST_SUNBIRD_KEY");
  EXPECT_EQ(LoadSunbirdCipher("", "WALCAST_TEST_SUNBIRD_KEY").status().code(),
            Status::Code::kNotFound);
  ::setenv("WALCAST_TEST_SUNBIRD_KEY", "salt-1", 1);
  EXPECT_TRUE(LoadSunbirdCipher("", "WALCAST_TEST_SUNBIRD_KEY").ok());
  EXPECT_EQ(LoadSunbirdCipher("/nonexistent/key", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(SunbirdCipher::Create("").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::projections
