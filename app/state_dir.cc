#include "app/state_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace walcast::app {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

StateDirEnvironment StateDirEnvironment::FromProcess() {
  StateDirEnvironment env;
  env.state_directory = Env("STATE_DIRECTORY");
  env.xdg_state_home = Env("XDG_STATE_HOME");
  env.home = Env("HOME");
  env.root = geteuid() == 0;
  std::error_code ec;
  env.legacy_dir_exists = std::filesystem::is_directory(kLegacyStateDir, ec);
  return env;
}

DefaultStateDir ChooseDefaultStateDir(const StateDirEnvironment& env) {
  // A state directory already in use wins over every new default: moving
  // away from it silently would re-take the snapshot and lose metric state.
  if (env.legacy_dir_exists) return {kLegacyStateDir, "legacy"};
  if (!env.state_directory.empty()) {
    // systemd separates several StateDirectory= entries with ':'.
    return {env.state_directory.substr(0, env.state_directory.find(':')), "STATE_DIRECTORY"};
  }
  if (env.root) return {"/var/lib/walcast", "root"};
  // The XDG Base Directory spec says to ignore a relative value.
  if (!env.xdg_state_home.empty() && env.xdg_state_home.front() == '/') {
    return {env.xdg_state_home + "/walcast", "XDG_STATE_HOME"};
  }
  if (!env.home.empty()) return {env.home + "/.local/state/walcast", "HOME"};
  return {"/var/lib/walcast", "no HOME"};
}

}  // namespace walcast::app
