#include "core/disk_space.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast {
namespace {

TEST(DiskSpaceTest, AnExistingDirectoryHasAFigure) {
  ASSERT_TRUE(FreeBytes("/").has_value());
  // The figure itself moves with whatever else writes to the disk.
  const std::string text = DescribeFreeSpace("/");
  EXPECT_TRUE(text.ends_with(" bytes free in /")) << text;
  EXPECT_NE(text.find_first_of("0123456789"), std::string::npos) << text;
  EXPECT_EQ(text.find_first_not_of("0123456789"), text.find(' ')) << text;
}

TEST(DiskSpaceTest, AMissingDirectoryHasNone) {
  EXPECT_FALSE(FreeBytes("/nonexistent/walcast").has_value());
  EXPECT_EQ(DescribeFreeSpace("/nonexistent/walcast"),
            "free space in /nonexistent/walcast unknown");
}

}  // namespace
}  // namespace walcast
