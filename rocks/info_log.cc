#include "rocks/info_log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace walcast::rocks {
namespace {

class AppendOnlyLogger : public rocksdb::Logger {
 public:
  explicit AppendOnlyLogger(int fd) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), fd_(fd) {}
  ~AppendOnlyLogger() override {
    if (fd_ >= 0) ::close(fd_);
  }
  AppendOnlyLogger(const AppendOnlyLogger&) = delete;
  AppendOnlyLogger& operator=(const AppendOnlyLogger&) = delete;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    // The same line shape as RocksDB's own LOG: time, thread, message.
    std::array<char, 1024> line{};
    timeval now{};
    ::gettimeofday(&now, nullptr);
    tm t{};
    ::localtime_r(&now.tv_sec, &t);
    int n = std::snprintf(line.data(), line.size(), "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %lx ",
                          t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                          static_cast<long>(now.tv_usec), static_cast<unsigned long>(::gettid()));
    if (n < 0) return;
    va_list copy;
    va_copy(copy, ap);
    const int m =
        std::vsnprintf(line.data() + n, line.size() - static_cast<size_t>(n), format, copy);
    va_end(copy);
    if (m < 0) return;
    // Longer lines (RocksDB's options dump has a few) are cut.
    size_t size = std::min(static_cast<size_t>(n) + static_cast<size_t>(m), line.size() - 2);
    if (size == 0 || line[size - 1] != '\n') line[size++] = '\n';
    // One write per line: O_APPEND keeps concurrent lines whole. A line
    // that cannot be written (full disk) is dropped; nothing else is
    // affected and the next line tries again.
    (void)!::write(fd_, line.data(), size);
  }

 private:
  const int fd_;  // owned; -1 when the file could not be opened
};

}  // namespace

std::shared_ptr<rocksdb::Logger> OpenInfoLog(const std::string& dir) {
  const std::string path = dir + "/LOG";
  // A failed rename only means the old lines are appended to.
  (void)std::rename(path.c_str(), (path + ".old").c_str());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  return std::make_shared<AppendOnlyLogger>(fd);
}

}  // namespace walcast::rocks
