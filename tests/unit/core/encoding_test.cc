#include "core/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast {
namespace {

std::string Base64(std::string_view bytes, bool url_safe = false) {
  std::string out = "prefix:";
  AppendBase64(bytes, &out, url_safe);
  return out.substr(7);
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(EncodingTest, Base64UrlSafeAlphabet) {
  EXPECT_EQ(Base64("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64("\xfb\xff", /*url_safe=*/true), "-_8=");
}

TEST(EncodingTest, HexIsLowerCaseAndAppends) {
  std::string out = "x";
  AppendHex(std::string("\x01\xab\x00", 3), &out);
  EXPECT_EQ(out, "x01ab00");
}

TEST(EncodingTest, Base64DecodesEitherAlphabetWithOrWithoutPadding) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("Zm9vYmFy", &out));
  EXPECT_EQ(out, "foobar");
  ASSERT_TRUE(DecodeBase64("Zm9vYg==", &out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(DecodeBase64("Zm9vYg", &out));  // padding left out, as JWTs do
  EXPECT_EQ(out, "foob");
  std::string encoded;
  AppendBase64("\xfb\xff\xbf", &encoded, /*url_safe=*/true);
  ASSERT_TRUE(DecodeBase64(encoded, &out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
  EXPECT_FALSE(DecodeBase64("Zm9v YmFy", &out));  // not in either alphabet
  EXPECT_FALSE(DecodeBase64("", &out));
}

}  // namespace
}  // namespace walcast
