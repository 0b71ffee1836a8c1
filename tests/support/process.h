#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace walcast::testing {

// A child process with stdout and stderr redirected to files; for tests that
// run the walcast binary. Kills the child (SIGKILL) on destruction if it is
// still running.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string stdout_path, std::string stderr_path,
               std::vector<std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Waits for exit up to timeout; returns the exit code, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  // Peak resident set size (VmHWM) in KiB while running; 0 if unknown.
  long PeakRssKb() const;
  // Threads of the running child named `name` (their comm, e.g. librdkafka's
  // "rdk:main" or walcast's "es:bulk").
  int ThreadsNamed(const std::string& name) const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// Whole file content ("" if missing).
std::string ReadFile(const std::string& path);
// Lines of a file.
std::vector<std::string> ReadLines(const std::string& path);
// Polls `pred` until it holds or the timeout passes.
bool PollUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
// A loopback TCP port nobody uses right now, picked at random below the
// kernel's ephemeral range (ip_local_port_range), the same rule as
// scripts/lib.sh's free_port: the kernel hands ports in that range to every
// outgoing connection, which could take the port before the caller binds it.
// Another test may still pick the same port, but only by chance.
int FreeLoopbackPort();

}  // namespace walcast::testing
