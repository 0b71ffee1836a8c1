#pragma once

#include <string>

#include "core/encoding.h"

namespace walcast::privacy::testing {

// A key ring text with two master keys (k1, k2) and `current`.
inline std::string KeyRingText(const std::string& current) {
  std::string k1, k2;
  AppendBase64(std::string(32, '\x01'), &k1);
  AppendBase64(std::string(32, '\x02'), &k2);
  return "# test keys\ncurrent=" + current + "\nk1=" + k1 + "\nk2=" + k2 + "\n";
}

}  // namespace walcast::privacy::testing
