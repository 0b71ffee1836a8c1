#include "pg/text.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace walcast::pg {
namespace {

TEST(PgTextTest, DatesCountDaysFromTheEpoch) {
  EXPECT_EQ(ParseDate("1970-01-01")->epoch_day, 0);
  EXPECT_EQ(ParseDate("2022-01-21")->epoch_day, 19013);
  EXPECT_EQ(ParseDate("1969-12-31")->epoch_day, -1);
  // 1 BC is proleptic year 0; 0001-01-01 is day -719162.
  EXPECT_EQ(ParseDate("0001-01-01")->epoch_day, -719162);
  EXPECT_EQ(ParseDate("0001-12-31 BC")->epoch_day, -719163);
  EXPECT_EQ(ParseDate("infinity")->infinity, 1);
  EXPECT_EQ(ParseDate("-infinity")->infinity, -1);
  EXPECT_FALSE(ParseDate("2022-13-01"));
  EXPECT_FALSE(ParseDate("2022-01-01x"));
  EXPECT_FALSE(ParseDate(""));
}

TEST(PgTextTest, TimesAndTimestamps) {
  EXPECT_EQ(*ParseTimeMicros("00:00:00"), 0);
  EXPECT_EQ(*ParseTimeMicros("13:14:15.5"), ((13 * 60 + 14) * 60 + 15) * 1000000LL + 500000);
  EXPECT_EQ(*ParseTimeMicros("24:00:00"), 86400LL * 1000000);
  EXPECT_FALSE(ParseTimeMicros("13:14"));
  EXPECT_FALSE(ParseTimeMicros("13:14:15.1234567"));

  EXPECT_EQ(ParseTimestamp("2018-06-20 15:13:16.945104")->epoch_micros, 1529507596945104LL);
  EXPECT_EQ(ParseTimestamp("1969-12-31 23:59:59.999999")->epoch_micros, -1);
  EXPECT_EQ(ParseTimestamp("infinity")->infinity, 1);
  // An offset moves the instant to UTC.
  EXPECT_EQ(ParseTimestampTz("2018-06-20 15:13:16.945104+02")->epoch_micros,
            1529507596945104LL - 2 * 3600 * 1000000LL);
  EXPECT_EQ(ParseTimestampTz("2018-06-20 15:13:16-03:30")->epoch_micros,
            1529507596000000LL + 3 * 3600 * 1000000LL + 30 * 60 * 1000000LL);
  EXPECT_FALSE(ParseTimestampTz("2018-06-20 15:13:16"));  // offset missing

  const auto tz = ParseTimeTz("10:00:00.25+05:30");
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->micros, 36000LL * 1000000 + 250000);
  EXPECT_EQ(tz->offset_seconds, 5 * 3600 + 30 * 60);
}

TEST(PgTextTest, IntervalsInPostgresStyle) {
  auto iv = ParseInterval("1 year 2 mons 3 days 04:05:06.78");
  ASSERT_TRUE(iv);
  EXPECT_EQ(iv->years, 1);
  EXPECT_EQ(iv->months, 2);
  EXPECT_EQ(iv->days, 3);
  EXPECT_EQ(iv->hours, 4);
  EXPECT_EQ(iv->minutes, 5);
  EXPECT_EQ(iv->micros, 6780000);
  iv = ParseInterval("-1 years -2 mons +3 days -04:05:06");
  ASSERT_TRUE(iv);
  EXPECT_EQ(iv->years, -1);
  EXPECT_EQ(iv->months, -2);
  EXPECT_EQ(iv->days, 3);
  EXPECT_EQ(iv->hours, -4);
  EXPECT_EQ(iv->minutes, -5);
  EXPECT_EQ(iv->micros, -6000000);
  iv = ParseInterval("00:00:00");
  ASSERT_TRUE(iv);
  EXPECT_EQ(iv->micros, 0);
  EXPECT_FALSE(ParseInterval("3 fortnights"));
  EXPECT_FALSE(ParseInterval(""));
}

TEST(PgTextTest, DecimalsBecomeJavaUnscaledBytes) {
  auto d = ParseDecimal("12.34");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digits, "1234");
  EXPECT_EQ(d->scale, 2);
  std::string b64;
  AppendBase64(UnscaledTwosComplement(*d), &b64);
  EXPECT_EQ(b64, "BNI=");  // 1234 = 0x04D2

  // BigInteger.toByteArray: 128 needs a sign byte, -128 does not, -129 does.
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("128")), std::string("\x00\x80", 2));
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("-128")), std::string("\x80", 1));
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("-129")), std::string("\xff\x7f", 2));
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("-1")), std::string("\xff", 1));
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("0.00")), std::string("\x00", 1));
  EXPECT_EQ(UnscaledTwosComplement(*ParseDecimal("65536")), std::string("\x01\x00\x00", 3));

  // Rescale pads or rounds half up.
  EXPECT_EQ(Rescale(*ParseDecimal("1.5"), 3).digits, "1500");
  EXPECT_EQ(Rescale(*ParseDecimal("1.2345"), 2).digits, "123");
  EXPECT_EQ(Rescale(*ParseDecimal("1.2350"), 2).digits, "124");
  EXPECT_EQ(Rescale(*ParseDecimal("9.999"), 2).digits, "1000");
  EXPECT_FALSE(ParseDecimal("1.2.3"));
  EXPECT_FALSE(ParseDecimal("abc"));
}

TEST(PgTextTest, PlainTextOfDecimals) {
  EXPECT_EQ(PlainText(*ParseDecimal("12.34")), "12.34");
  EXPECT_EQ(PlainText(*ParseDecimal("-0.05")), "-0.05");
  EXPECT_EQ(PlainText(*ParseDecimal("1500")), "1500");
  EXPECT_EQ(PlainText(*ParseMoney("-$1,234.56")), "-1234.56");
}

TEST(PgTextTest, MoneyUnderTheCLocale) {
  auto m = ParseMoney("$1,234.56");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->negative);
  EXPECT_EQ(m->digits, "123456");
  EXPECT_EQ(m->scale, 2);
  m = ParseMoney("-$0.50");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->negative);
  EXPECT_EQ(m->digits, "50");
  EXPECT_FALSE(ParseMoney("€12"));
}

TEST(PgTextTest, ByteaHex) {
  EXPECT_EQ(*ParseByteaHex("\\x00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(*ParseByteaHex("\\x"), "");
  EXPECT_FALSE(ParseByteaHex("\\x0"));
  EXPECT_FALSE(ParseByteaHex("00ff"));
  EXPECT_FALSE(ParseByteaHex("\\xzz"));
}

TEST(PgTextTest, ArrayLiterals) {
  auto a = ParseArray("{1,2,NULL}");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ(*(*a)[0].text, "1");
  EXPECT_FALSE((*a)[2].text);
  a = ParseArray(R"({"a b","c\"d",e,"NULL"})");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 4u);
  EXPECT_EQ(*(*a)[0].text, "a b");
  EXPECT_EQ(*(*a)[1].text, "c\"d");
  EXPECT_EQ(*(*a)[3].text, "NULL");  // quoted: the string, not SQL NULL
  a = ParseArray("{{1,2},{3,4}}");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_TRUE((*a)[1].nested);
  EXPECT_EQ(*(*a)[1].children[1].text, "4");
  a = ParseArray("[0:1]={7,8}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_TRUE(ParseArray("{}")->empty());
  EXPECT_FALSE(ParseArray("{1,2"));
  EXPECT_FALSE(ParseArray("1,2"));
}

TEST(PgTextTest, HstoreText) {
  auto h = ParseHstore(R"("a"=>"1", "k \"q\""=>NULL, "n"=>"NULL", b=>2,c => NULL)");
  ASSERT_TRUE(h.has_value());
  ASSERT_EQ(h->size(), 5u);
  EXPECT_EQ((*h)[0].key, "a");
  EXPECT_EQ((*h)[0].value, "1");
  EXPECT_EQ((*h)[1].key, "k \"q\"");
  EXPECT_FALSE((*h)[1].value.has_value());
  EXPECT_EQ((*h)[2].value, "NULL");  // quoted: a string
  EXPECT_EQ((*h)[3].value, "2");
  EXPECT_FALSE((*h)[4].value.has_value());
  EXPECT_TRUE(ParseHstore("")->empty());
  EXPECT_FALSE(ParseHstore(R"("a"=>)"));
  EXPECT_FALSE(ParseHstore(R"("a"=>"1",)"));
  EXPECT_FALSE(ParseHstore(R"("a"=>"1)"));
  EXPECT_FALSE(ParseHstore(R"("a" "1")"));
}

}  // namespace
}  // namespace walcast::pg
