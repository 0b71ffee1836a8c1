#include "privacy/cipher.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace walcast::privacy {
namespace {

const std::string kKey(32, '\x11');
const std::string kOtherKey(32, '\x22');

TEST(CipherTest, SealOpenRoundTrip) {
  Result<std::string> text = Seal(kKey, "k1", "jane.doe@example.com");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->rfind("wc1:k1:", 0), 0u);
  EXPECT_EQ(text->find("jane"), std::string::npos);
  Result<Sealed> sealed = ParseSealed(*text);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->key_id, "k1");
  EXPECT_EQ(sealed->blob.size(), kIvBytes + 20 + kTagBytes);
  Result<std::string> plain = Open(kKey, *sealed);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "jane.doe@example.com");
}

TEST(CipherTest, EmptyPlaintextRoundTrips) {
  Result<std::string> text = Seal(kKey, "k1", "");
  ASSERT_TRUE(text.ok());
  Result<std::string> plain = Open(kKey, ParseSealed(*text).value());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "");
}

TEST(CipherTest, FreshIvEachTime) {
  EXPECT_NE(Seal(kKey, "k1", "same").value(), Seal(kKey, "k1", "same").value());
}

TEST(CipherTest, WrongKeyFails) {
  Result<std::string> text = Seal(kKey, "k1", "secret");
  EXPECT_EQ(Open(kOtherKey, ParseSealed(*text).value()).status().code(), Status::Code::kCorruption);
}

TEST(CipherTest, TamperedCiphertextFails) {
  Result<Sealed> sealed = ParseSealed(Seal(kKey, "k1", "secret value").value());
  for (size_t i = 0; i < sealed->blob.size(); ++i) {
    Sealed copy = *sealed;
    copy.blob[i] ^= 0x01;
    EXPECT_EQ(Open(kKey, copy).status().code(), Status::Code::kCorruption) << "byte " << i;
  }
}

TEST(CipherTest, KeyIdIsAuthenticated) {
  Result<Sealed> sealed = ParseSealed(Seal(kKey, "k1", "secret").value());
  sealed->key_id = "k2";  // the same key filed under another id
  EXPECT_EQ(Open(kKey, *sealed).status().code(), Status::Code::kCorruption);
}

TEST(CipherTest, ContextIsAuthenticated) {
  Result<Sealed> sealed = ParseSealed(Seal(kKey, "k1", "secret", "ctx-a").value());
  EXPECT_TRUE(Open(kKey, *sealed, "ctx-a").ok());
  EXPECT_EQ(Open(kKey, *sealed, "ctx-b").status().code(), Status::Code::kCorruption);
}

TEST(CipherTest, ParseRejectsNonCiphertexts) {
  EXPECT_EQ(ParseSealed("hello").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseSealed("wc1:k1").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseSealed("wc1::AAAA").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseSealed("wc1:k1:!!!").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseSealed("wc1:k1:AAAA").status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(LooksSealed("wc1:k1:AAAA"));
  EXPECT_TRUE(LooksSealed(Seal(kKey, "k1", "x").value()));
}

TEST(CipherTest, ShortKeyIsAnInternalError) {
  EXPECT_EQ(Seal("short", "k1", "x").status().code(), Status::Code::kInternal);
}

TEST(CipherTest, HmacMatchesRfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace walcast::privacy
