#pragma once

// Free space on the filesystem that holds a directory, for the stores that
// must stop cleanly before their disk fills (the metric state, the spill
// files of streamed transactions). Thread-safe; one statvfs(2) call.

#include <cstdint>
#include <optional>
#include <string>

namespace walcast {

// Bytes an unprivileged writer may still use on the filesystem of `path`
// (statvfs f_bavail × f_frsize), or nullopt when `path` cannot be
// examined (missing, no permission).
std::optional<uint64_t> FreeBytes(const std::string& path);

// "N bytes free in PATH" (or "free space in PATH unknown"), for error
// messages about a full disk.
std::string DescribeFreeSpace(const std::string& path);

}  // namespace walcast
