#include "core/escape.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast {
namespace {

TEST(EscapeTest, ShortEscapesOfTheSharedControlCharacters) {
  EXPECT_EQ(ShortEscape('\\'), "\\\\");
  EXPECT_EQ(ShortEscape('\b'), "\\b");
  EXPECT_EQ(ShortEscape('\t'), "\\t");
  EXPECT_EQ(ShortEscape('\n'), "\\n");
  EXPECT_EQ(ShortEscape('\f'), "\\f");
  EXPECT_EQ(ShortEscape('\r'), "\\r");
  // Quotes are each format's own choice; other characters have none.
  EXPECT_TRUE(ShortEscape('"').empty());
  EXPECT_TRUE(ShortEscape('\v').empty());
  EXPECT_TRUE(ShortEscape('a').empty());
  EXPECT_TRUE(ShortEscape(0x2028).empty());
}

TEST(EscapeTest, UnicodeEscapeInEitherCase) {
  std::string out;
  AppendUnicodeEscape(0x1f, /*upper_case=*/true, &out);
  AppendUnicodeEscape(0x20ac, /*upper_case=*/true, &out);
  AppendUnicodeEscape(0x20ac, /*upper_case=*/false, &out);
  EXPECT_EQ(out, "\\u001F\\u20AC\\u20ac");
}

}  // namespace
}  // namespace walcast
