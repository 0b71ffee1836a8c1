#include "app/slot_ownership.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace walcast::app {
namespace {

std::string FreshDir() {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("walcast_slot_ownership_" + std::to_string(::getpid())))
                              .string();
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(SlotOwnershipTest, RecordsCreationAndForgetsIt) {
  const std::string dir = FreshDir() + "/state";  // created on demand
  const SlotOwnership ownership(dir, "walcast");
  EXPECT_FALSE(ownership.Recorded());
  ASSERT_TRUE(ownership.MarkCreated("pgoutput").ok());
  EXPECT_TRUE(ownership.Recorded());
  EXPECT_TRUE(SlotOwnership(dir, "walcast").Recorded());
  EXPECT_FALSE(SlotOwnership(dir, "debezium").Recorded());  // per slot name
  ASSERT_TRUE(ownership.Clear().ok());
  EXPECT_FALSE(ownership.Recorded());
  EXPECT_TRUE(ownership.Clear().ok());  // nothing to remove is fine
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(SlotOwnershipTest, AnUnreadableRecordIsNotOwnership) {
  const std::string dir = FreshDir();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/walcast.slot") << "garbage\n";
  EXPECT_FALSE(SlotOwnership(dir, "walcast").Recorded());
  std::filesystem::remove_all(dir);
}

TEST(SlotOwnershipTest, UnwritableStateDirIsUnavailable) {
  const std::string dir = FreshDir();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/file") << "x";
  // A directory cannot be made under a regular file.
  EXPECT_EQ(SlotOwnership(dir + "/file/state", "walcast").MarkCreated("pgoutput").code(),
            Status::Code::kUnavailable);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace walcast::app
