#pragma once

// The Connect schemas of the parts of Debezium's records that do not
// depend on a table's columns: the source and transaction blocks, the
// change envelope around a table's value struct, and the records that are
// not table changes (heartbeats, transaction metadata, logical decoding
// messages). Field lists and versions as Debezium 3.7.0 writes them
// (docs/debezium-compat.md items 1, 2, 18, 39; tests/data/debezium/).

#include <string>

#include "debezium/column_codec.h"
#include "debezium/connect_schema.h"

namespace walcast::debezium {

// io.debezium.connector.postgresql.Source.
ConnectSchema SourceSchema();
// event.block, the optional `transaction` field.
ConnectSchema TransactionBlockSchema();
// `<name>` (e.g. "dbserver1.public.t.Envelope") around `value`, the
// table's optional .Value struct.
ConnectSchema EnvelopeSchema(const std::string& name, const ConnectSchema& value);

// Heartbeats: key {serverName}, value {ts_ms}.
ConnectSchema HeartbeatKeySchema();
ConnectSchema HeartbeatValueSchema();
// Transaction metadata (BEGIN/END): key {id}, value {status, id,
// event_count, data_collections, ts_ms}.
ConnectSchema TransactionKeySchema();
ConnectSchema TransactionValueSchema();
// Logical decoding messages: key {prefix}; value {op, ts_ms, source,
// transaction, message}, the content's type following `binary`.
ConnectSchema MessageKeySchema();
ConnectSchema MessageValueSchema(BinaryMode binary);

}  // namespace walcast::debezium
