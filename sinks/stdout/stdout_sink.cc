#include "sinks/stdout/stdout_sink.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

#include "rapidjson/writer.h"

namespace walcast::sinks {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

bool IsIntegerType(const Column& c) {
  if (!c.type) return false;
  const std::string& n = c.type->name;
  return c.type->schema == "pg_catalog" &&
         (n == "int2" || n == "int4" || n == "int8" || n == "oid");
}

bool IsFloatType(const Column& c) {
  return c.type && c.type->schema == "pg_catalog" &&
         (c.type->name == "float4" || c.type->name == "float8");
}

bool IsBoolType(const Column& c) {
  return c.type && c.type->schema == "pg_catalog" && c.type->name == "bool";
}

// Until the Debezium encoder lands (issue #4) values are written by type
// family: integers and finite floats as numbers, booleans as true/false,
// everything else as the server's text.
void WriteValue(JsonWriter& w, const Column& col, const Datum& d, const std::string& placeholder) {
  switch (d.kind) {
    case Datum::Kind::kNull:
      w.Null();
      return;
    case Datum::Kind::kUnchangedToast:
      w.String(placeholder.data(), static_cast<rapidjson::SizeType>(placeholder.size()));
      return;
    case Datum::Kind::kBinary:
    case Datum::Kind::kText:
      break;
  }
  const std::string& t = d.data;
  if (IsBoolType(col)) {
    w.Bool(t == "t" || t == "true");
    return;
  }
  if ((IsIntegerType(col) || IsFloatType(col)) && !t.empty() &&
      t.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
    return;
  }
  w.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
}

void WriteTuple(JsonWriter& w, const Relation& rel, const Tuple& tuple, bool key_only,
                const std::string& placeholder) {
  w.StartObject();
  for (size_t i = 0; i < rel.columns.size(); ++i) {
    const Column& col = rel.columns[i];
    w.Key(col.name.data(), static_cast<rapidjson::SizeType>(col.name.size()));
    if (i >= tuple.size() || (key_only && !col.is_key)) {
      w.Null();
    } else {
      WriteValue(w, col, tuple[i], placeholder);
    }
  }
  w.EndObject();
}

void WriteString(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StdoutSink::StdoutSink(StdoutSinkOptions options, std::FILE* out)
    : options_(std::move(options)), out_(out) {}

Status StdoutSink::OnBegin(const TransactionInfo&) { return Status::Ok(); }

Status StdoutSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  JsonWriter w(buffer_);
  w.StartObject();
  const Relation* rel = event.relation.get();
  w.Key("before");
  if (event.before && rel != nullptr) {
    WriteTuple(w, *rel, *event.before, event.before_is_key_only, options_.unavailable_placeholder);
  } else {
    w.Null();
  }
  w.Key("after");
  if (event.after && rel != nullptr) {
    WriteTuple(w, *rel, *event.after, false, options_.unavailable_placeholder);
  } else {
    w.Null();
  }
  w.Key("source");
  w.StartObject();
  w.Key("connector");
  w.String("postgresql");
  w.Key("name");
  WriteString(w, options_.topic_prefix);
  w.Key("ts_ms");
  w.Int64(txn.commit_time_us / 1000);
  w.Key("snapshot");
  w.String(txn.snapshot ? "true" : "false");
  w.Key("db");
  WriteString(w, options_.database);
  w.Key("schema");
  WriteString(w, rel ? std::string_view(rel->schema) : std::string_view());
  w.Key("table");
  WriteString(w, rel ? std::string_view(rel->name) : std::string_view());
  w.Key("txId");
  if (txn.xid != 0) {
    w.Int64(txn.xid);
  } else {
    w.Null();
  }
  w.Key("lsn");
  w.Int64(static_cast<int64_t>(event.lsn.value()));
  w.EndObject();
  w.Key("op");
  const char op = static_cast<char>(event.op);
  w.String(&op, 1);
  if (event.op == Op::kMessage) {
    w.Key("message");
    w.StartObject();
    w.Key("prefix");
    WriteString(w, event.message_prefix);
    w.Key("content");
    WriteString(w, event.message_content);
    w.EndObject();
  }
  w.Key("ts_ms");
  w.Int64(NowMs());
  w.EndObject();
  buffer_.Put('\n');
  ++events_written_;
  // Bounded memory: write out as the buffer grows, not once per transaction.
  if (buffer_.GetSize() >= (1 << 16)) return WriteBuffer();
  return Status::Ok();
}

Status StdoutSink::WriteBuffer() {
  if (buffer_.GetSize() == 0) return Status::Ok();
  const size_t n = std::fwrite(buffer_.GetString(), 1, buffer_.GetSize(), out_);
  buffer_.Clear();
  if (n == 0 || std::ferror(out_)) {
    return Status::Fatal(std::string("writing to stdout failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status StdoutSink::OnCommit(const TransactionInfo& txn) {
  WALCAST_RETURN_IF_ERROR(WriteBuffer());
  if (std::fflush(out_) != 0) {
    return Status::Fatal(std::string("flushing stdout failed: ") + std::strerror(errno));
  }
  acker().Ack(txn.end_lsn);
  return Status::Ok();
}

Status StdoutSink::Flush(std::chrono::milliseconds) {
  // Everything committed was written and acknowledged in OnCommit; what
  // remains belongs to an unfinished transaction and must not be acked.
  return Status::Ok();
}

void StdoutSink::OnReset() { buffer_.Clear(); }

Status StdoutSink::Close(std::chrono::milliseconds timeout) { return Flush(timeout); }

}  // namespace walcast::sinks
