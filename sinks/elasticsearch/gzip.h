#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

// `data` as one gzip member (RFC 1952), for request bodies sent with
// "Content-Encoding: gzip". Level 1: bulk NDJSON compresses about 5-10x
// even at the fastest level, and the bulk worker's CPU is worth more than
// the last few percent. kInternal if zlib fails (out of memory).
Result<std::string> GzipCompress(std::string_view data, int level = 1);

// The inverse, for tests and for reading back what was sent. kCorruption if
// `data` is not one complete gzip member.
Result<std::string> GzipDecompress(std::string_view data);

}  // namespace walcast::sinks::elasticsearch
