#include "wal_reader/stream_buffer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

#include "core/disk_space.h"

namespace walcast::wal_reader {
namespace {

// Read-back chunk for the spill file; a record larger than this grows the
// buffer for that record only.
constexpr size_t kReadChunkBytes = 256 * 1024;

std::string ErrnoText(int err) { return std::system_category().message(err); }

}  // namespace

StreamBuffer::StreamBuffer(size_t memory_limit_bytes, std::string spill_dir)
    : memory_limit_bytes_(memory_limit_bytes), spill_dir_(std::move(spill_dir)) {}

StreamBuffer::~StreamBuffer() { CloseSpillFile(); }

void StreamBuffer::CloseSpillFile() {
  if (spill_fd_ >= 0) {
    // The file was unlinked at creation; closing frees its blocks. A close
    // error cannot lose data we still need, so it is ignored.
    (void)::close(spill_fd_);
    spill_fd_ = -1;
  }
  spill_file_bytes_ = 0;
}

Status StreamBuffer::EnsureSpillFile() {
  if (spill_fd_ >= 0) return Status::Ok();
  std::string path = spill_dir_ + "/walcast-stream-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string message = "cannot create a spill file in " + spill_dir_ + ": " + ErrnoText(err);
    if (err == ENOSPC || err == EDQUOT) {
      return Status::Unavailable(message + " (" + DescribeFreeSpace(spill_dir_) + ")");
    }
    if (err == ENOENT || err == ENOTDIR || err == EACCES || err == EROFS || err == EPERM) {
      return Status::InvalidArgument(std::move(message));
    }
    return Status::Fatal(std::move(message));
  }
  // Unlink at once: the open descriptor keeps the data, and nothing is left
  // behind if the process dies.
  if (::unlink(path.c_str()) != 0) {
    const int err = errno;
    (void)::close(fd);
    return Status::Fatal("cannot unlink spill file " + path + ": " + ErrnoText(err));
  }
  spill_fd_ = fd;
  spill_file_bytes_ = 0;
  return Status::Ok();
}

Status StreamBuffer::WriteToSpill(std::span<const std::byte> data) {
  WALCAST_RETURN_IF_ERROR(EnsureSpillFile());
  while (!data.empty()) {
    const ssize_t n = ::write(spill_fd_, data.data(), data.size());
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      std::string message = "spill file write failed in " + spill_dir_ + ": " + ErrnoText(err);
      if (err == ENOSPC || err == EDQUOT) {
        return Status::Unavailable(message + " (" + DescribeFreeSpace(spill_dir_) + ")");
      }
      return Status::Fatal(std::move(message));
    }
    data = data.subspan(static_cast<size_t>(n));
    spill_file_bytes_ += static_cast<uint64_t>(n);
    spilled_bytes_total_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status StreamBuffer::Spill() {
  if (memory_.empty()) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(WriteToSpill(memory_));
  for (size_t offset = 0; offset < memory_.size();) {
    RecordHeader header;
    std::memcpy(&header, memory_.data() + offset, kHeaderSize);
    ++spilled_count_by_subxid_[header.subxid];
    offset += kHeaderSize + header.size;
  }
  memory_.clear();  // keeps the capacity for the next block
  return Status::Ok();
}

Status StreamBuffer::Append(Lsn wal_start, uint32_t subxid, std::span<const std::byte> message) {
  if (message.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("streamed message larger than 4 GiB");
  }
  const RecordHeader header{wal_start.value(), subxid, static_cast<uint32_t>(message.size())};
  const size_t record_bytes = kHeaderSize + message.size();

  if (memory_.size() + record_bytes > memory_limit_bytes_) {
    WALCAST_RETURN_IF_ERROR(Spill());
    if (record_bytes > memory_limit_bytes_) {
      // Too big to hold even alone: straight to the file, after the block
      // just spilled, so order is kept.
      std::byte raw[kHeaderSize];
      std::memcpy(raw, &header, kHeaderSize);
      WALCAST_RETURN_IF_ERROR(WriteToSpill(raw));
      WALCAST_RETURN_IF_ERROR(WriteToSpill(message));
      ++spilled_count_by_subxid_[subxid];
      ++message_count_;
      return Status::Ok();
    }
  }

  const size_t old_size = memory_.size();
  const size_t needed = old_size + record_bytes;
  if (needed > memory_.capacity()) {
    // Grow geometrically but never past the limit, so a buffer holds at
    // most memory_limit_bytes of capacity.
    memory_.reserve(
        std::min(std::max(needed, memory_.capacity() * 2), std::max(needed, memory_limit_bytes_)));
  }
  memory_.resize(needed);
  std::memcpy(memory_.data() + old_size, &header, kHeaderSize);
  if (!message.empty()) {
    std::memcpy(memory_.data() + old_size + kHeaderSize, message.data(), message.size());
  }
  ++message_count_;
  return Status::Ok();
}

void StreamBuffer::DiscardSubxact(uint32_t subxid) {
  // Memory: compact in place, keeping order.
  size_t out = 0;
  for (size_t in = 0; in < memory_.size();) {
    RecordHeader header;
    std::memcpy(&header, memory_.data() + in, kHeaderSize);
    const size_t record_bytes = kHeaderSize + header.size;
    if (header.subxid == subxid) {
      --message_count_;
    } else {
      if (out != in) std::memmove(memory_.data() + out, memory_.data() + in, record_bytes);
      out += record_bytes;
    }
    in += record_bytes;
  }
  memory_.resize(out);

  // Spill file: records cannot be removed cheaply, so remember that every
  // record of subxid written so far is gone. A subtransaction that aborted
  // writes nothing more, but bounding by offset keeps the rule exact anyway.
  auto it = spilled_count_by_subxid_.find(subxid);
  if (it != spilled_count_by_subxid_.end() && it->second > 0) {
    message_count_ -= it->second;
    it->second = 0;
    discarded_before_offset_[subxid] = spill_file_bytes_;
  }
}

void StreamBuffer::DiscardAll() {
  std::vector<std::byte>().swap(memory_);
  CloseSpillFile();
  message_count_ = 0;
  spilled_count_by_subxid_.clear();
  discarded_before_offset_.clear();
}

Status StreamBuffer::ReplaySpillFile(const ReplayFn& fn) const {
  std::vector<std::byte> buf(static_cast<size_t>(
      std::min<uint64_t>(kReadChunkBytes, std::max<uint64_t>(spill_file_bytes_, kHeaderSize))));
  size_t begin = 0;          // first unconsumed byte in buf
  size_t end = 0;            // one past the last valid byte in buf
  uint64_t read_offset = 0;  // file offset of buf[end]

  // Makes at least `need` bytes available at buf[begin].
  auto fill = [&](size_t need) -> Status {
    if (end - begin >= need) return Status::Ok();
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (buf.size() < need) buf.resize(need);
    while (end < need) {
      const uint64_t left_in_file = spill_file_bytes_ - read_offset;
      if (left_in_file == 0) return Status::Fatal("spill file ends inside a record");
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size() - end, left_in_file));
      const ssize_t n = ::pread(spill_fd_, buf.data() + end, want, static_cast<off_t>(read_offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::Fatal("spill file read failed: " + ErrnoText(errno));
      }
      if (n == 0) return Status::Fatal("spill file shorter than written");
      end += static_cast<size_t>(n);
      read_offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  };

  uint64_t record_offset = 0;
  while (record_offset < spill_file_bytes_) {
    WALCAST_RETURN_IF_ERROR(fill(kHeaderSize));
    RecordHeader header;
    std::memcpy(&header, buf.data() + begin, kHeaderSize);
    const size_t record_bytes = kHeaderSize + header.size;
    WALCAST_RETURN_IF_ERROR(fill(record_bytes));
    auto discarded = discarded_before_offset_.find(header.subxid);
    const bool skip =
        discarded != discarded_before_offset_.end() && record_offset < discarded->second;
    if (!skip) {
      WALCAST_RETURN_IF_ERROR(
          fn(Lsn(header.wal_start), header.subxid,
             std::span<const std::byte>(buf.data() + begin + kHeaderSize, header.size)));
    }
    begin += record_bytes;
    record_offset += record_bytes;
  }
  return Status::Ok();
}

Status StreamBuffer::Replay(const ReplayFn& fn) const {
  if (spill_fd_ >= 0 && spill_file_bytes_ > 0) WALCAST_RETURN_IF_ERROR(ReplaySpillFile(fn));
  for (size_t offset = 0; offset < memory_.size();) {
    RecordHeader header;
    std::memcpy(&header, memory_.data() + offset, kHeaderSize);
    WALCAST_RETURN_IF_ERROR(
        fn(Lsn(header.wal_start), header.subxid,
           std::span<const std::byte>(memory_.data() + offset + kHeaderSize, header.size)));
    offset += kHeaderSize + header.size;
  }
  return Status::Ok();
}

}  // namespace walcast::wal_reader
