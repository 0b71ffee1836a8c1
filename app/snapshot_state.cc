#include "app/snapshot_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace walcast::app {

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      return Status::Unavailable("cannot write " + tmp + ": " + err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::Unavailable("cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

SnapshotState::SnapshotState(std::string dir, std::string slot)
    : dir_(std::move(dir)), slot_(std::move(slot)) {}

std::optional<Lsn> SnapshotState::Completed() const {
  std::ifstream in(marker_path());
  std::string word, lsn;
  if (!(in >> word >> lsn) || word != "completed") return std::nullopt;
  return Lsn::Parse(lsn);
}

Status SnapshotState::MarkCompleted(Lsn lsn) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::Unavailable("cannot create state.dir " + dir_ + ": " + ec.message());
  WALCAST_RETURN_IF_ERROR(WriteFileAtomically(marker_path(), "completed " + lsn.ToString() + "\n"));
  std::filesystem::remove(progress_path(), ec);
  return Status::Ok();
}

Status SnapshotState::Clear() const {
  std::error_code ec;
  std::filesystem::remove(marker_path(), ec);
  if (ec) return Status::Unavailable("cannot remove " + marker_path() + ": " + ec.message());
  return Status::Ok();
}

Status SnapshotState::WriteProgress(uint64_t rows_done, uint64_t rows_estimated,
                                    uint32_t tables_done, uint32_t tables_total) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::ostringstream out;
  out << rows_done << " " << rows_estimated << " " << tables_done << " " << tables_total << "\n";
  return WriteFileAtomically(progress_path(), out.str());
}

SnapshotReport SnapshotState::Report() const {
  SnapshotReport r;
  if (std::optional<Lsn> done = Completed()) {
    r.state = SnapshotReport::State::kCompleted;
    r.completed_at = *done;
    return r;
  }
  std::ifstream in(progress_path());
  if (in >> r.rows_done >> r.rows_estimated >> r.tables_done >> r.tables_total) {
    r.state = SnapshotReport::State::kRunning;
  }
  return r;
}

std::string SnapshotState::Describe() const {
  const SnapshotReport r = Report();
  switch (r.state) {
    case SnapshotReport::State::kCompleted:
      return "completed at " + r.completed_at.ToString();
    case SnapshotReport::State::kRunning: {
      std::ostringstream out;
      out << "running or interrupted: " << r.rows_done << " of ~" << r.rows_estimated
          << " rows, " << r.tables_done << "/" << r.tables_total << " tables";
      return out.str();
    }
    case SnapshotReport::State::kNone:
      break;
  }
  return "none recorded in " + dir_;
}

}  // namespace walcast::app
