#pragma once

// A fresh directory per test for the config files the test writes, removed
// afterwards.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/test_dir.h"

namespace walcast::app {

class ConfigDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = walcast::testing::FreshTestDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to <dir>/<name>; returns the path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

}  // namespace walcast::app
