#include "core/lsn.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace walcast {

// Lets GoogleTest print an Lsn as "X/X" in failure messages (found by ADL).
static void PrintTo(const Lsn& lsn, std::ostream* os) { *os << lsn.ToString(); }

namespace {

TEST(LsnTest, DefaultIsZeroAndInvalid) {
  constexpr Lsn lsn;
  EXPECT_EQ(lsn.value(), 0u);
  EXPECT_FALSE(lsn.valid());
  EXPECT_TRUE(Lsn(1).valid());
}

TEST(LsnTest, ParseSplitsHighAndLowWords) {
  const std::optional<Lsn> lsn = Lsn::Parse("16/B374D848");
  ASSERT_TRUE(lsn.has_value());
  EXPECT_EQ(lsn->value(), (uint64_t{0x16} << 32) | 0xB374D848u);
}

TEST(LsnTest, FormatIsUppercaseHexWithoutPadding) {
  EXPECT_EQ(Lsn((uint64_t{0x16} << 32) | 0xB374D848u).ToString(), "16/B374D848");
  EXPECT_EQ(Lsn(0x10).ToString(), "0/10");
  EXPECT_EQ(Lsn(uint64_t{1} << 32).ToString(), "1/0");
}

TEST(LsnTest, ZeroRoundTrips) {
  const std::optional<Lsn> lsn = Lsn::Parse("0/0");
  ASSERT_TRUE(lsn.has_value());
  EXPECT_EQ(*lsn, Lsn(0));
  EXPECT_FALSE(lsn->valid());
  EXPECT_EQ(lsn->ToString(), "0/0");
}

TEST(LsnTest, MaximumRoundTrips) {
  const std::optional<Lsn> lsn = Lsn::Parse("FFFFFFFF/FFFFFFFF");
  ASSERT_TRUE(lsn.has_value());
  EXPECT_EQ(lsn->value(), UINT64_MAX);
  EXPECT_EQ(lsn->ToString(), "FFFFFFFF/FFFFFFFF");
}

TEST(LsnTest, ParseFormatRoundTripsManyValues) {
  const uint64_t values[] = {1,
                             0xFF,
                             0xFFFFFFFF,
                             uint64_t{1} << 32,
                             (uint64_t{1} << 32) + 1,
                             0x0123456789ABCDEF,
                             0xFEDCBA9876543210,
                             UINT64_MAX - 1};
  for (const uint64_t v : values) {
    const Lsn lsn(v);
    const std::optional<Lsn> parsed = Lsn::Parse(lsn.ToString());
    ASSERT_TRUE(parsed.has_value()) << lsn.ToString();
    EXPECT_EQ(*parsed, lsn) << lsn.ToString();
  }
}

TEST(LsnTest, ParseAcceptsLowercaseAndLeadingZeros) {
  const std::optional<Lsn> lower = Lsn::Parse("16/b374d848");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->ToString(), "16/B374D848");

  const std::optional<Lsn> padded = Lsn::Parse("00000001/0000000A");
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(*padded, Lsn((uint64_t{1} << 32) | 0xA));
}

TEST(LsnTest, ParseRejectsMalformedText) {
  const std::string_view bad[] = {"",      "1",     "/",           "/1",          "1/",
                                  "G/1",   "1/G",   "1/1/1",       " 1/1",        "1/1 ",
                                  "1 /1",  "1/ 1",  "-1/1",        "1/-1",        "+1/1",
                                  "0x1/1", "1/0x1", "100000000/0", "0/100000000", "1\n/1"};
  for (const std::string_view text : bad) {
    EXPECT_FALSE(Lsn::Parse(text).has_value()) << "'" << text << "'";
  }
}

TEST(LsnTest, ParseRejectsEmbeddedNul) {
  // A string_view may carry bytes past a NUL; they must not be ignored.
  constexpr std::string_view kText(
      "1/1\0"
      "2",
      5);
  EXPECT_FALSE(Lsn::Parse(kText).has_value());
}

TEST(LsnTest, OrderingFollowsNumericValue) {
  EXPECT_LT(Lsn(1), Lsn(2));
  EXPECT_GT(Lsn(2), Lsn(1));
  EXPECT_LE(Lsn(2), Lsn(2));
  EXPECT_EQ(Lsn(7), Lsn(7));
  EXPECT_NE(Lsn(7), Lsn(8));

  // The high word dominates: 1/0 is after 0/FFFFFFFF.
  const std::optional<Lsn> a = Lsn::Parse("0/FFFFFFFF");
  const std::optional<Lsn> b = Lsn::Parse("1/0");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_LT(*a, *b);
  // Comparison is numeric, not textual: "9/..." sorts after "10/0" as text.
  const std::optional<Lsn> ten = Lsn::Parse("10/0");
  const std::optional<Lsn> nine = Lsn::Parse("9/FFFFFFFF");
  ASSERT_TRUE(ten.has_value());
  ASSERT_TRUE(nine.has_value());
  EXPECT_LT(*nine, *ten);
}

}  // namespace
}  // namespace walcast
