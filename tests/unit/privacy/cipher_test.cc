#include "privacy/cipher.h"

#include <gtest/gtest.h>

#include <set>

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
TEST(CipherTest, KeyedHmacMatchesTheOneShotEveryTime) {
  Hmac hmac = Hmac::Create("Jefe").value();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(hmac.Hex("what do ya want for nothing?").value(),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  EXPECT_EQ(hmac.Hex("").value(), HmacSha256Hex("Jefe", ""));
  Hmac other = Hmac::Create(std::string(32, '\x01')).value();
  EXPECT_EQ(other.Hex("u-1").value(), HmacSha256Hex(std::string(32, '\x01'), "u-1"));
}

TEST(CipherTest, RandomPoolNeverHandsOutTheSameBytesTwice) {
  RandomPool pool;
  std::set<std::string> ivs;
  // Several blocks' worth, with takes that straddle block boundaries.
  for (int i = 0; i < 1000; ++i) {
    Result<std::string> iv = pool.Take(kIvBytes);
    ASSERT_TRUE(iv.ok());
    ASSERT_EQ(iv->size(), kIvBytes);
    EXPECT_TRUE(ivs.insert(*iv).second);
  }
  EXPECT_EQ(pool.Take(RandomPool::kBlockBytes + 1).status().code(), Status::Code::kInternal);
}

TEST(CipherTest, RekeyedSealerSealsUnderTheNewKeyOnly) {
  const std::string k1(32, '\x01');
  const std::string k2(32, '\x02');
  Sealer sealer = Sealer::Create(k1, "k1").value();
  const Sealed first = ParseSealed(sealer.Seal("one").value()).value();
  ASSERT_TRUE(sealer.Rekey(k2, "k2").ok());
  EXPECT_EQ(sealer.key_id(), "k2");
  const Sealed second = ParseSealed(sealer.Seal("two", "ctx").value()).value();
  EXPECT_EQ(second.key_id, "k2");
  EXPECT_EQ(Open(k2, second, "ctx").value(), "two");
  EXPECT_EQ(Open(k1, second, "ctx").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(Open(k1, first).value(), "one");
  // A bad key leaves no usable key behind.
  EXPECT_EQ(sealer.Rekey("short", "k3").code(), Status::Code::kInternal);
  EXPECT_EQ(sealer.Seal("three").status().code(), Status::Code::kInternal);
  ASSERT_TRUE(sealer.Rekey(k1, "k1").ok());
  EXPECT_EQ(Open(k1, ParseSealed(sealer.Seal("four").value()).value()).value(), "four");
}

TEST(CipherTest, SealToSealsHeadAndBodyAsOnePlaintext) {
  Sealer sealer = Sealer::Create(kKey, "k1").value();
  std::string out = "left over from an earlier value";
  ASSERT_TRUE(sealer.SealTo("s", "jane.doe@example.com", &out).ok());
  EXPECT_EQ(out.rfind("wc1:k1:", 0), 0u);
  EXPECT_EQ(Open(kKey, ParseSealed(out).value()).value(), "sjane.doe@example.com");
  // The reused buffer is replaced, never appended to; every seal its own IV.
  const std::string first = out;
  ASSERT_TRUE(sealer.SealTo("s", "jane.doe@example.com", &out).ok());
  EXPECT_NE(out, first);
  EXPECT_EQ(Open(kKey, ParseSealed(out).value()).value(), "sjane.doe@example.com");
  ASSERT_TRUE(sealer.SealTo({}, {}, &out).ok());
  EXPECT_EQ(Open(kKey, ParseSealed(out).value()).value(), "");
  // Without a key: kInternal and nothing in the buffer.
  EXPECT_EQ(sealer.Rekey("short", "k2").code(), Status::Code::kInternal);
  EXPECT_EQ(sealer.SealTo("s", "x", &out).code(), Status::Code::kInternal);
  EXPECT_TRUE(out.empty());
}

}  // namespace walcast::privacy
