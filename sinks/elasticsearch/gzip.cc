#include "sinks/elasticsearch/gzip.h"

#include <zlib.h>

#include <array>
#include <limits>

namespace walcast::sinks::elasticsearch {
namespace {

// windowBits 15 plus 16 selects the gzip wrapper instead of zlib's own.
constexpr int kGzipWindowBits = 15 + 16;

}  // namespace

Result<std::string> GzipCompress(std::string_view data, int level) {
  // One deflate call takes at most 4 GiB (uInt); bulk bodies are megabytes.
  if (data.size() > std::numeric_limits<uInt>::max()) {
    return Status::InvalidArgument("gzip: body over 4 GiB");
  }
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())));
  // zlib's API predates const; it never writes through next_in.
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees one Z_FINISH call completes.
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: deflate did not finish");
  return out;
}

Result<std::string> GzipDecompress(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max()) {
    return Status::InvalidArgument("gzip: body over 4 GiB");
  }
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK)
    return Status::Internal("gzip: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 16384> chunk{};
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
  }
  const bool complete = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!complete) return Status::Corruption("gzip: not one complete gzip member");
  return out;
}

}  // namespace walcast::sinks::elasticsearch
