#include "debezium/column_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"

namespace walcast::debezium {
namespace {

// Expected digests and bytes come from JDK 17 (MessageDigest over
// ObjectOutputStream.writeObject(String) for v1, String.getBytes() with
// file.encoding=UTF-8 for v2), as Debezium's MaskStrings computes them.

std::string Hex(const std::string& bytes) {
  std::string out;
  AppendHex(bytes, &out);
  return out;
}

ColumnHasher Sha256(HashVersion version) {
  Result<ColumnHasher> hasher = ColumnHasher::Create("SHA-256", "CzQMA0cB5K", version);
  EXPECT_TRUE(hasher.ok());
  return std::move(*hasher);
}

TEST(ColumnHashTest, SerializesStringsAsJavaDoes) {
  EXPECT_EQ(Hex(JavaSerializedString("")), "aced0005740000");
  EXPECT_EQ(Hex(JavaSerializedString("hello")), "aced000574000568656c6c6f");
  EXPECT_EQ(Hex(JavaSerializedString("Grüße é")), "aced000574000a4772c3bcc39f6520c3a9");
  // A supplementary character is a surrogate pair, three bytes per half.
  EXPECT_EQ(Hex(JavaSerializedString("emoji \xF0\x9F\x98\x80!")),
            "aced000574000d656d6f6a6920eda0bdedb88021");
  // NUL is two bytes in modified UTF-8.
  EXPECT_EQ(Hex(JavaSerializedString(std::string("nul\0x", 5))), "aced00057400066e756cc08078");
}

TEST(ColumnHashTest, LongStringsUseTheLongStringTag) {
  const std::string serialized = JavaSerializedString(std::string(70000, 'a'));
  EXPECT_EQ(Hex(serialized.substr(0, 13)), "aced00057c0000000000011170");
  Result<ColumnHasher> hasher = ColumnHasher::Create("SHA-256", "s", HashVersion::kV1);
  ASSERT_TRUE(hasher.ok());
  EXPECT_EQ(hasher->Hash(std::string(70000, 'a')),
            "68eeaa3e7d6b16922dc76d315db3da03b53fda90156dda7a960acf6427d16315");
}

TEST(ColumnHashTest, VersionOneHashesTheSerializedString) {
  const ColumnHasher hasher = Sha256(HashVersion::kV1);
  EXPECT_EQ(hasher.Hash(""), "7b061bc77caec9afdc6b986ab6c4de894d58006b32ac0f7ea728404a5cf3a9e5");
  EXPECT_EQ(hasher.Hash("hello"),
            "b4d39ab0d198fb4cac8b2f023da74f670bcaf192dcc79b5d6361b7ae6b2fafdf");
  EXPECT_EQ(hasher.Hash("日本語"),
            "8b2e46ac6258210453f18ad025798036e744271833b267d3eff0a1c5a96fded8");
  EXPECT_EQ(hasher.Hash("emoji \xF0\x9F\x98\x80!"),
            "b37d63087408ddf0d81c797589e6eb083823a5229517c952201ce92c7f9299eb");
}

TEST(ColumnHashTest, VersionTwoHashesTheUtf8Text) {
  const ColumnHasher hasher = Sha256(HashVersion::kV2);
  EXPECT_EQ(hasher.Hash(""), "38bc986eb4a5475fab16ac693f6c1b4c2445600da5c5aec3d04301e48d6d0d68");
  EXPECT_EQ(hasher.Hash("hello"),
            "c4bf2f9ebc99b7f64add45103e81eb4ca483649064e3e1398b21f41786360c7b");
  EXPECT_EQ(hasher.Hash("Grüße é"),
            "cac2c1739f88b62c4abe02136e0ab6188f48732f2c417554a835c10f0bf93122");
  EXPECT_EQ(hasher.Hash("emoji \xF0\x9F\x98\x80!"),
            "c995f1f39415159adced25fde3e673899fe905e5d53a9bbee7697ac1152cceeb");
}

TEST(ColumnHashTest, AcceptsJavaNamesAndAliases) {
  const auto hash = [](const char* algorithm) {
    Result<ColumnHasher> hasher = ColumnHasher::Create(algorithm, "s", HashVersion::kV1);
    EXPECT_TRUE(hasher.ok()) << algorithm;
    return hasher.ok() ? hasher->Hash("x") : std::string();
  };
  EXPECT_EQ(hash("md5"), "9ba30586108161dff3c7394dac3f39c3");
  EXPECT_EQ(hash("SHA"), "d88fceb99b8a5f59deb7eb1b039a51b8e7b6a9a0");
  EXPECT_EQ(hash("SHA-1"), "d88fceb99b8a5f59deb7eb1b039a51b8e7b6a9a0");
  EXPECT_EQ(hash("SHA-512/256"),
            "b701e6b0cb8b275e23acb74f76d872e1c5a06e71fc1c77b806d9931b700069f2");
  EXPECT_EQ(hash("SHA3-256"), "f6a63a8aa15c7b821134da9c82d352c60980915c45518e2851379eef6a5064ea");
}

TEST(ColumnHashTest, RefusesUnknownAlgorithms) {
  EXPECT_EQ(ColumnHasher::Create("ROT13", "s", HashVersion::kV1).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ColumnHasher::Create("MD2", "s", HashVersion::kV2).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::debezium
