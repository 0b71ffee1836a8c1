#include "core/disk_space.h"

#include <sys/statvfs.h>

namespace walcast {

std::optional<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs fs{};
  if (::statvfs(path.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
}

std::string DescribeFreeSpace(const std::string& path) {
  const std::optional<uint64_t> free = FreeBytes(path);
  if (!free) return "free space in " + path + " unknown";
  return std::to_string(*free) + " bytes free in " + path;
}

}  // namespace walcast
