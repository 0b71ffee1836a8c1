#pragma once

// A fresh scratch directory for the running test: <tmp>/walcast_<suite>_<pid>_
// <test>. The process id keeps two runs of the same test apart (the ASan and
// the normal tree, or two checkouts testing at once), which a name made of
// the test's name alone did not.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace walcast::testing {

// Removes whatever an earlier run left there and creates the directory.
inline std::filesystem::path FreshTestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("walcast_" + std::string(info->test_suite_name()) + "_" +
                                     std::to_string(::getpid()) + "_" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace walcast::testing
