#include "app/state_dir.h"

#include <gtest/gtest.h>

namespace walcast::app {
namespace {

StateDirEnvironment User() {
  StateDirEnvironment env;
  env.home = "/home/u";
  return env;
}

TEST(StateDirTest, UserWithoutXdgGetsHomeLocalState) {
  const DefaultStateDir dir = ChooseDefaultStateDir(User());
  EXPECT_EQ(dir.path, "/home/u/.local/state/walcast");
  EXPECT_EQ(dir.origin, "HOME");
  EXPECT_FALSE(dir.legacy());
}

TEST(StateDirTest, AbsoluteXdgStateHomeWinsOverHome) {
  StateDirEnvironment env = User();
  env.xdg_state_home = "/data/state";
  EXPECT_EQ(ChooseDefaultStateDir(env).path, "/data/state/walcast");
  env.xdg_state_home = "relative/state";  // ignored, as the XDG spec says
  EXPECT_EQ(ChooseDefaultStateDir(env).path, "/home/u/.local/state/walcast");
}

TEST(StateDirTest, SystemdStateDirectoryWinsAndOnlyItsFirstEntryCounts) {
  StateDirEnvironment env = User();
  env.xdg_state_home = "/data/state";
  env.root = true;
  env.state_directory = "/var/lib/walcast-a:/var/lib/other";
  const DefaultStateDir dir = ChooseDefaultStateDir(env);
  EXPECT_EQ(dir.path, "/var/lib/walcast-a");
  EXPECT_EQ(dir.origin, "STATE_DIRECTORY");
}

TEST(StateDirTest, RootGetsVarLib) {
  StateDirEnvironment env = User();
  env.xdg_state_home = "/data/state";
  env.root = true;
  EXPECT_EQ(ChooseDefaultStateDir(env).path, "/var/lib/walcast");
}

TEST(StateDirTest, NoHomeGetsVarLib) {
  const DefaultStateDir dir = ChooseDefaultStateDir(StateDirEnvironment{});
  EXPECT_EQ(dir.path, "/var/lib/walcast");
  EXPECT_EQ(dir.origin, "no HOME");
}

TEST(StateDirTest, ExistingWalcastStateInTheWorkingDirectoryIsKept) {
  StateDirEnvironment env = User();
  env.state_directory = "/var/lib/walcast";
  env.legacy_dir_exists = true;
  const DefaultStateDir dir = ChooseDefaultStateDir(env);
  EXPECT_EQ(dir.path, "walcast-state");
  EXPECT_TRUE(dir.legacy());
}

}  // namespace
}  // namespace walcast::app
