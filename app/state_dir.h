#pragma once

// Where walcast keeps its own state (snapshot records, slot ownership,
// metric state) when `state.dir` is not configured. The default must not
// depend on the directory walcast happens to be started in: a daemon
// restarted by systemd, cron or a container runtime from another working
// directory would otherwise take a fresh snapshot and lose its metric state.
//
// The order follows what a daemon's users expect (README, configuration):
//   1. $STATE_DIRECTORY: systemd sets it for a unit with StateDirectory=
//      (its first entry when there are several);
//   2. /var/lib/walcast when running as root (the FHS place of a system
//      daemon's state; what StateDirectory=walcast gives too);
//   3. $XDG_STATE_HOME/walcast, when set to an absolute path;
//   4. $HOME/.local/state/walcast (XDG's default for XDG_STATE_HOME);
//   5. /var/lib/walcast (no HOME: a system account).
// Existing users: if ./walcast-state (the default before this one) exists in
// the working directory, it is used as before, with a warning asking to set
// state.dir. The container image sets state.dir=/var/lib/walcast itself.
//
// Pure functions over an explicit environment, so that tests need not touch
// the process's environment; StateDirEnvironment::FromProcess reads it.

#include <string>

namespace walcast::app {

// The name of the old default, relative to the working directory.
inline constexpr const char* kLegacyStateDir = "walcast-state";

struct StateDirEnvironment {
  std::string state_directory;     // $STATE_DIRECTORY ("" when unset)
  std::string xdg_state_home;      // $XDG_STATE_HOME
  std::string home;                // $HOME
  bool root = false;               // effective uid 0
  bool legacy_dir_exists = false;  // ./walcast-state is a directory

  // Reads the variables above, geteuid() and whether ./walcast-state exists.
  static StateDirEnvironment FromProcess();
};

struct DefaultStateDir {
  std::string path;
  // Where the path came from, for the start-up log: "STATE_DIRECTORY",
  // "root", "XDG_STATE_HOME", "HOME", "no HOME" or "legacy".
  std::string origin;
  bool legacy() const { return origin == "legacy"; }
};

// The state.dir to use when none is configured (see above).
DefaultStateDir ChooseDefaultStateDir(const StateDirEnvironment& env);

}  // namespace walcast::app
