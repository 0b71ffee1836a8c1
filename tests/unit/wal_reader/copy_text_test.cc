// COPY ... TO STDOUT text-format rows, as the snapshot reads them.

#include <gtest/gtest.h>

#include "wal_reader/copy_text.h"

namespace walcast::wal_reader {
namespace {

Tuple Parse(std::string_view line, size_t columns) {
  Tuple out;
  Status s = ParseCopyTextRow(line, columns, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(CopyTextTest, SplitsFieldsAndReadsNull) {
  EXPECT_EQ(Parse("1\tabc\t\\N", 3),
            (Tuple{Datum::Text("1"), Datum::Text("abc"), Datum::Null()}));
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

TEST(CopyTextTest, RejectsWrongFieldCountAndBrokenEscape) {
  Tuple out;
  EXPECT_TRUE(ParseCopyTextRow("1\t2", 3, &out).IsCorruption());
  EXPECT_TRUE(ParseCopyTextRow("abc\\", 1, &out).IsCorruption());
}

}  // namespace
}  // namespace walcast::wal_reader
