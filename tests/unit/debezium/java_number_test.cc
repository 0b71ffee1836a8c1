#include "debezium/java_number.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::debezium {
namespace {

std::string JavaDouble(double d) {
  std::string s;
  AppendJavaDouble(d, &s);
  return s;
}

std::string JavaFloat(float f) {
  std::string s;
  AppendJavaFloat(f, &s);
  return s;
}

TEST(JavaNumberTest, MatchesDoubleToString) {
  EXPECT_EQ(JavaDouble(1.5), "1.5");
  EXPECT_EQ(JavaDouble(100), "100.0");
  EXPECT_EQ(JavaDouble(0), "0.0");
  EXPECT_EQ(JavaDouble(-0.0), "-0.0");
  EXPECT_EQ(JavaDouble(0.001), "0.001");
  EXPECT_EQ(JavaDouble(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDouble(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDouble(12345678.0), "1.2345678E7");
  EXPECT_EQ(JavaDouble(1e10), "1.0E10");
  EXPECT_EQ(JavaDouble(-2.5e-7), "-2.5E-7");
  EXPECT_EQ(JavaDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(JavaDouble(1.7976931348623157e308), "1.7976931348623157E308");
  EXPECT_EQ(JavaFloat(1.1f), "1.1");
  EXPECT_EQ(JavaFloat(3.4028235e38f), "3.4028235E38");
  EXPECT_EQ(JavaFloat(0.5f), "0.5");
}

// JDK 19+ (checked against Temurin 25): when one digit would do, the
// closest two-digit decimal that reads back the same; trailing zeros go.
TEST(JavaNumberTest, TwoDigitsWhenOneIsNotTheClosest) {
  EXPECT_EQ(JavaDouble(5e-324), "4.9E-324");
  EXPECT_EQ(JavaDouble(1e-323), "9.9E-324");
  EXPECT_EQ(JavaDouble(2e23), "2.0E23");
  EXPECT_EQ(JavaDouble(0.5), "0.5");
  EXPECT_EQ(JavaDouble(1e23), "1.0E23");
  EXPECT_EQ(JavaFloat(1.4e-45f), "1.4E-45");
  EXPECT_EQ(JavaFloat(8.589974e9f), "8.589974E9");
  EXPECT_EQ(JavaFloat(1.17549435e-38f), "1.1754944E-38");
}

}  // namespace
}  // namespace walcast::debezium
