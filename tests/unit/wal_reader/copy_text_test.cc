// COPY ... TO STDOUT text-format rows, as the snapshot reads them.

#include "wal_reader/copy_text.h"

#include <gtest/gtest.h>

namespace walcast::wal_reader {
namespace {

Tuple Parse(std::string_view line, size_t columns) {
  Tuple out;
  Status s = ParseCopyTextRow(line, columns, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(CopyTextTest, SplitsFieldsAndReadsNull) {
  EXPECT_EQ(Parse("1\tabc\t\\N", 3), (Tuple{Datum::Text("1"), Datum::Text("abc"), Datum::Null()}));
  EXPECT_EQ(Parse("\\N", 1), (Tuple{Datum::Null()}));
  // An empty string is not NULL.
  EXPECT_EQ(Parse("\t", 2), (Tuple{Datum::Text(""), Datum::Text("")}));
}

TEST(CopyTextTest, UndoesEscapes) {
  EXPECT_EQ(Parse("a\\tb\\nc\\\\d\\re", 1), (Tuple{Datum::Text("a\tb\nc\\d\re")}));
  EXPECT_EQ(Parse("\\b\\f\\v", 1), (Tuple{Datum::Text("\b\f\v")}));
  EXPECT_EQ(Parse("\\101\\x42\\7", 1), (Tuple{Datum::Text("AB\x07")}));
  // "\N" inside a longer value is text.
  EXPECT_EQ(Parse("\\\\N", 1), (Tuple{Datum::Text("\\N")}));
  // UTF-8 passes through.
  EXPECT_EQ(Parse("é漢", 1), (Tuple{Datum::Text("é漢")}));
}

TEST(CopyTextTest, MixesPlainAndEscapedFields) {
  // Fields without a backslash are copied whole, the others unescaped: both
  // kinds in one row, escapes at a field's start, middle and end, an empty
  // field and NULL between them.
  EXPECT_EQ(
      Parse("plain\t\\\\start\tend\\\\\t\tmid\\\\dle\t\\N\ta\\tb", 7),
      (Tuple{Datum::Text("plain"), Datum::Text(R"(\start)"), Datum::Text(R"(end\)"),
             Datum::Text(""), Datum::Text(R"(mid\dle)"), Datum::Null(), Datum::Text("a\tb")}));
  // A long value with one escape near its end.
  const std::string long_value(100000, 'x');
  EXPECT_EQ(Parse(long_value + R"(\n)" + "\t1", 2),
            (Tuple{Datum::Text(long_value + "\n"), Datum::Text("1")}));
}

TEST(CopyTextTest, RejectsWrongFieldCountAndBrokenEscape) {
  Tuple out;
  EXPECT_TRUE(ParseCopyTextRow("1\t2", 3, &out).IsCorruption());
  EXPECT_TRUE(ParseCopyTextRow("abc\\", 1, &out).IsCorruption());
}

}  // namespace
}  // namespace walcast::wal_reader
