#pragma once

#include <memory>

#include "core/event_handler.h"
#include "wal_reader/decoder.h"
#include "wal_reader/relation_cache.h"

namespace walcast::wal_reader {

// Decodes wal2json format-version 2 messages (one JSON object per message,
// options include-xids, include-lsn, include-timestamp, include-pk,
// include-type-oids, include-transaction) into the same core events as
// PgOutputDecoder: values are converted to PostgreSQL's text output form
// (booleans "t"/"f", numbers as sent), columns absent from an UPDATE become
// Datum::kUnchangedToast, and relations are synthesized per schema.table
// (with stable synthetic OIDs when type OIDs for the relation are unknown).
//
// Borrows the cache and the handler; both must outlive the decoder.
class Wal2JsonDecoder : public Decoder {
 public:
  Wal2JsonDecoder(RelationCache* cache, EventHandler* handler);
  ~Wal2JsonDecoder() override;

  Status Decode(Lsn wal_start, std::span<const std::byte> message) override;
  bool idle() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walcast::wal_reader
