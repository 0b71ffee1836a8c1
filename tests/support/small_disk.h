#pragma once

// A small filesystem (tmpfs, mounted for the test; the tests run as root,
// and a mount that fails fails the test) that the test can fill up: the
// full-disk tests of the metric state and the spill files. Thread: the
// test's; every call blocks on a shell command.

#include <string>

#include "tests/support/postgres_cluster.h"

namespace walcast::testing {

class SmallDisk {
 public:
  SmallDisk(std::string dir, int megabytes) : dir_(std::move(dir)) {
    std::string out;
    mounted_ = RunCommand("mkdir -p '" + dir_ + "' && mount -t tmpfs -o size=" +
                              std::to_string(megabytes) + "m walcast-test '" + dir_ + "' 2>&1",
                          &out) == 0;
    error_ = out;
  }
  ~SmallDisk() {
    std::string ignored;
    if (mounted_) RunCommand("umount -l '" + dir_ + "'", &ignored);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_; }
  // Writes a filler file until the filesystem is full.
  void Fill() {
    std::string ignored;
    // Appends: space freed since (a file RocksDB deleted) is taken too.
    RunCommand("dd if=/dev/zero of='" + dir_ + "/filler' bs=4k oflag=append conv=notrunc "
               "2>/dev/null; sync",
               &ignored);
  }
  void Free() {
    std::string ignored;
    RunCommand("rm -f '" + dir_ + "/filler'", &ignored);
  }

 private:
  std::string dir_;
  std::string error_;
  bool mounted_ = false;
};

}  // namespace walcast::testing
