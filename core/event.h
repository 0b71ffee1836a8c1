#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"

namespace walcast {

// What pg_type says about a column's type, resolved from its OID. For an
// array, elem_oid names the element type; for a domain, base_oid the base
// type; for an enum, enum_labels lists the labels in enumsortorder.
struct TypeInfo {
  uint32_t oid = 0;
  std::string schema;     // e.g. "pg_catalog"
  std::string name;       // e.g. "int4", "_text", "mood"
  char typtype = 'b';     // b base, c composite, d domain, e enum, p pseudo, r range, m multirange
  char category = 'U';    // pg_type.typcategory: A array, B bool, D datetime, N numeric, S string ...
  uint32_t elem_oid = 0;  // element type of an array, else 0
  uint32_t base_oid = 0;  // base type of a domain, else 0
  int32_t base_typmod = -1;
  std::vector<std::string> enum_labels;
  // Resolved recursively by the relation cache: for an array its element
  // type, for a domain its base type; empty otherwise or when unknown.
  std::vector<TypeInfo> inner;

  bool operator==(const TypeInfo&) const = default;
};

enum class ReplicaIdentity : char {
  kDefault = 'd',
  kNothing = 'n',
  kFull = 'f',
  kIndex = 'i',
};

struct Column {
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;  // atttypmod; -1 when none
  bool is_key = false;         // part of the replica identity (pgoutput flag 1)
  // Resolved from type_oid by the relation cache when a resolver is available;
  // nullopt when the type is unknown (encoders then treat the value as text).
  std::optional<TypeInfo> type;
  // From the catalog (pg_attribute, pg_attrdef) when the relation cache
  // could read it; pgoutput does not send these.
  bool not_null = false;
  std::optional<std::string> default_expr;  // pg_get_expr of the default

  bool operator==(const Column&) const = default;
};

// A published table as the last Relation message described it. Immutable
// once built; events share it so a later schema change never alters the
// meaning of an event already decoded.
struct Relation {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  std::vector<Column> columns;
  // Indexes into `columns` of the key: the primary key, or without one the
  // first unique index by name, in key order; empty when the table has
  // neither (or the catalog could not be read).
  std::vector<size_t> primary_key;

  bool operator==(const Relation&) const = default;
};

// One column value of a tuple, as the server sent it.
struct Datum {
  enum class Kind : uint8_t {
    kNull,            // SQL NULL
    kUnchangedToast,  // an unchanged TOASTed value the server did not send ('u')
    kText,            // text output of the type ('t')
    kBinary,          // binary send format ('b'), only with the binary option
  };
  Kind kind = Kind::kNull;
  std::string data;

  static Datum Null() { return {Kind::kNull, {}}; }
  static Datum UnchangedToast() { return {Kind::kUnchangedToast, {}}; }
  static Datum Text(std::string s) { return {Kind::kText, std::move(s)}; }
  bool operator==(const Datum&) const = default;
};

using Tuple = std::vector<Datum>;

enum class Op : char {
  kCreate = 'c',
  kUpdate = 'u',
  kDelete = 'd',
  kRead = 'r',  // snapshot read
  kTruncate = 't',
  kMessage = 'm',  // pg_logical_emit_message
};

// Where a snapshot row (kRead) stands in the snapshot: Debezium's
// source.snapshot values. kNone for streamed changes.
enum class SnapshotMark : uint8_t {
  kNone,
  kFirst,              // first row of the first table
  kFirstInCollection,  // first row of a table
  kTrue,               // any other row
  kLastInCollection,   // last row of a table
  kLast,               // last row of the last table
};

// One change inside a transaction. For kTruncate there is one event per
// truncated table. For kMessage relation is null and the message_* fields
// are set.
struct ChangeEvent {
  Op op = Op::kCreate;
  Lsn lsn;  // WAL position of this change (XLogData start)
  std::shared_ptr<const Relation> relation;
  // Old tuple: for kUpdate only when the server sent one ('K' key-only or
  // 'O' full old row); for kDelete always ('K' or 'O').
  std::optional<Tuple> before;
  bool before_is_key_only = false;  // 'K': only replica identity columns are meaningful
  std::optional<Tuple> after;       // kCreate, kUpdate, kRead
  SnapshotMark snapshot = SnapshotMark::kNone;  // kRead

  // kTruncate: pgoutput option bits (1 = CASCADE, 2 = RESTART IDENTITY).
  uint8_t truncate_options = 0;

  // kMessage
  bool message_transactional = false;
  std::string message_prefix;
  std::string message_content;

  bool operator==(const ChangeEvent& other) const;
};

// What is known about a transaction. begin() fills xid, commit_lsn and
// commit_time_us; commit() adds end_lsn. Sinks acknowledge by end_lsn: it
// is what the server compares against confirmed_flush_lsn on restart.
struct TransactionInfo {
  // The 32-bit xid the stream carries; for the snapshot, the snapshot
  // transaction's 64-bit txid_current().
  uint64_t xid = 0;
  Lsn commit_lsn;           // LSN of the commit record
  Lsn end_lsn;              // end of the commit record; the acknowledgement key
  int64_t commit_time_us = 0;  // commit time, microseconds since the Unix epoch
  Lsn begin_lsn;            // WAL position of the Begin message (first change for streamed ones)
  std::string origin;       // replication origin name, if the server sent one
  Lsn origin_lsn;           // commit LSN on the origin server, with `origin`
  bool snapshot = false;    // rows read by the initial snapshot

  bool operator==(const TransactionInfo&) const = default;
};

// Seconds between the Unix epoch and PostgreSQL's epoch (2000-01-01).
inline constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;

// The wall clock in microseconds since the Unix epoch (processing times such
// as the envelope's ts_ms/ts_us/ts_ns).
inline int64_t UnixMicrosNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace walcast
