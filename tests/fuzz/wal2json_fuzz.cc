// libFuzzer target: the wal2json format-version 2 decoder
// (wal_reader/wal2json_decoder.h). Input: length-prefixed messages
// (fuzz_input.h), fed to one decoder in order as the XLogData payloads of
// one stream. Every decoded byte is read back (TouchingHandler).

#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_input.h"
#include "wal_reader/relation_cache.h"
#include "wal_reader/wal2json_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  walcast::wal_reader::RelationCache cache(nullptr);
  walcast::fuzz::TouchingHandler handler;
  walcast::wal_reader::Wal2JsonDecoder decoder(&cache, &handler);
  for (const walcast::fuzz::FuzzMessage& m :
       walcast::fuzz::SplitMessages(std::as_bytes(std::span(data, size)))) {
    if (!decoder.Decode(m.lsn, m.bytes).ok()) break;
  }
  (void)decoder.idle();
  return 0;
}
