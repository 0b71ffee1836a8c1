#pragma once

// Loader for the frame files captured by tests/data/wal_reader/capture.sh:
// one "<LSN> <hex payload>" line per XLogData frame, '#' starts a comment.

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/lsn.h"

namespace walcast::wal_reader::testing {

struct CapturedFrame {
  Lsn lsn;
  std::string payload;
};

// `relative_path` is below tests/data/wal_reader/. Records a test failure
// (and returns what it could read) for a missing file or a malformed line.
inline std::vector<CapturedFrame> LoadCapturedFrames(const std::string& relative_path) {
  const std::string path = std::string(WALCAST_TEST_DATA_DIR) + "/wal_reader/" + relative_path;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<CapturedFrame> frames;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string lsn_text;
    std::string hex;
    fields >> lsn_text >> hex;
    const std::optional<Lsn> lsn = Lsn::Parse(lsn_text);
    EXPECT_TRUE(lsn.has_value()) << line;
    EXPECT_EQ(hex.size() % 2, 0u) << line;
    CapturedFrame frame{lsn.value_or(Lsn()), {}};
    frame.payload.reserve(hex.size() / 2);
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      frame.payload.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    frames.push_back(std::move(frame));
  }
  EXPECT_FALSE(frames.empty()) << path;
  return frames;
}

}  // namespace walcast::wal_reader::testing
