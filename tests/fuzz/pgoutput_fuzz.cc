// libFuzzer target: the pgoutput decoder (wal_reader/pgoutput_decoder.h).
// Input: one option byte, then length-prefixed messages (fuzz_input.h), fed
// to one decoder in order, as the XLogData payloads of one stream. The
// option byte picks proto_version 1 + (b & 3) and, from version 2 on, with
// b & 4 the streaming of in-progress transactions; b & 8 sets a 256-byte
// memory limit so streamed transactions spill to a file. Every decoded byte
// is read back (TouchingHandler).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "tests/fuzz/fuzz_input.h"
#include "wal_reader/pgoutput_decoder.h"
#include "wal_reader/relation_cache.h"

namespace {

// The spill files are unlinked as soon as they are made (StreamBuffer), so
// the directory is empty again at exit and is removed then.
char g_spill_dir[] = "/tmp/walcast-fuzz-spill-XXXXXX";

const char* SpillDir() {
  static const char* dir = [] {
    if (mkdtemp(g_spill_dir) == nullptr) return "/tmp";
    std::atexit([] { rmdir(g_spill_dir); });
    return static_cast<const char*>(g_spill_dir);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using walcast::wal_reader::PgOutputDecoder;
  if (size < 1) return 0;
  walcast::wal_reader::PgOutputOptions options;
  options.proto_version = 1 + (data[0] & 3);
  options.streaming = options.proto_version >= 2 && (data[0] & 4) != 0;
  options.stream_memory_limit_bytes = (data[0] & 8) != 0 ? 256 : 1 << 20;
  options.spill_dir = SpillDir();
  walcast::wal_reader::RelationCache cache(nullptr);
  walcast::fuzz::TouchingHandler handler;
  PgOutputDecoder decoder(options, &cache, &handler);
  const auto input = std::as_bytes(std::span(data + 1, size - 1));
  for (const walcast::fuzz::FuzzMessage& m : walcast::fuzz::SplitMessages(input)) {
    // A malformed message must be refused with a status, never crash; the
    // reader stops at the first error, so the fuzzer does too.
    if (!decoder.Decode(m.lsn, m.bytes).ok()) break;
  }
  (void)decoder.idle();
  (void)decoder.open_streams();
  return 0;
}
