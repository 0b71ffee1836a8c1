#include "debezium/column_codec.h"

#include "core/json_writer.h"
#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

// Arrays of these types are left out of Debezium's schema whatever
// include.unknown.datatypes says.
bool DebeziumSkipsArrayOf(uint32_t elem_oid) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (elem_oid) {
    case kMoney:
    case kName:
    case kInterval:
    case kVarbit:
    case kXml:
    case kPoint:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<ColumnCodec> ColumnCodec::For(const Column& column, bool optional,
                                            const ValueOptions& options) {
  const TypeInfo* type = column.type ? &*column.type : nullptr;
  auto codec = ForType(column.name, type, column.type_oid, column.type_modifier, optional, options,
                       0);
  if (codec) {
    codec->placeholder_ = options.unavailable_placeholder;
    // Debezium parses defaults by the declared type's name: a domain or an
    // array never gets one.
    if (type != nullptr && (type->typtype == 'd' || type->elem_oid != 0)) {
      codec->default_parsable_ = false;
    }
    if (column.not_null) codec->not_null_fallback_ = codec->FallbackJson();
  }
  return codec;
}

std::optional<ColumnCodec> ColumnCodec::ForType(const std::string& column, const TypeInfo* type,
                                                uint32_t oid, int32_t typmod, bool optional,
                                                const ValueOptions& options, int depth) {
  ColumnCodec c;
  c.column_ = column;
  c.binary_ = options.binary;
  c.schema_.optional = optional;
  // Built-in types first, by OID; each family knows only its own OIDs.
  if (c.MapNumber(oid) || c.MapDecimal(oid, typmod, options) ||
      c.MapTemporal(oid, typmod, options) || c.MapBinary(oid, typmod, options) ||
      c.MapString(oid) || c.MapGeometry(oid)) {
    return c;
  }
  // Then what the catalog says of the type (the relation cache resolves it
  // once per OID); `depth` bounds domains of arrays of domains.
  if (type != nullptr && depth < 4) {
    if (c.MapEnum(*type)) return c;
    if (type->typtype == 'd' && !type->inner.empty()) {
      return ForType(column, &type->inner.front(), type->base_oid, type->base_typmod, optional,
                     options, depth + 1);
    }
    if (type->elem_oid != 0) {
      if (DebeziumSkipsArrayOf(type->elem_oid)) return std::nullopt;
      if (std::optional<ColumnCodec> array = ForArray(c, *type, typmod, options, depth)) {
        return array;
      }
      if (!options.include_unknown_datatypes) return std::nullopt;
    }
    if (c.MapExtension(*type)) return c;
  }
  if (!options.include_unknown_datatypes) return std::nullopt;
  c.Set(Kind::kUnknownBytes, ConnectType::kBytes);
  return c;
}

void ColumnCodec::Set(Kind kind, ConnectType type, std::string name, std::optional<int> version) {
  kind_ = kind;
  schema_ = ConnectSchema::Of(type, schema_.optional, std::move(name), version);
}

Status ColumnCodec::Bad(std::string_view text) const {
  (void)text;  // never logged: row contents stay out of errors and logs
  return Status::Corruption("column '" + column_ + "': value does not parse as " +
                            std::string(ConnectTypeName(schema_.type)) +
                            (schema_.name.empty() ? "" : " (" + schema_.name + ")"));
}

Status ColumnCodec::Write(const Datum& datum, JsonWriter* w, ValueSource source) const {
  switch (datum.kind) {
    case Datum::Kind::kNull:
      WriteNull(w);
      return Status::Ok();
    case Datum::Kind::kUnchangedToast:
      WriteUnavailable(w);
      return Status::Ok();
    case Datum::Kind::kText: {
      if (always_null_) {
        WriteNull(w);
        return Status::Ok();
      }
      std::string scratch;
      return WriteText(datum.data, w, &scratch, source);
    }
    case Datum::Kind::kBinary:
      return Status::Corruption("column '" + column_ +
                                "': binary-format values are not supported by the Kafka encoder");
  }
  return Status::Ok();
}

std::optional<std::string> ColumnCodec::RenderText(std::string_view text) const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  std::string scratch;
  if (!WriteText(text, &w, &scratch).ok()) return std::nullopt;
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ColumnCodec::WriteText(std::string_view text, JsonWriter* w, std::string* scratch,
                              ValueSource source) const {
  scratch->clear();
  switch (kind_) {
    case Kind::kBoolean:
    case Kind::kInteger:
    case Kind::kFloat32:
    case Kind::kFloat64:
      return WriteNumberText(text, w, scratch);
    case Kind::kDecimalBytes:
    case Kind::kVariableDecimal:
    case Kind::kMoneyBytes:
    case Kind::kDecimalDouble:
    case Kind::kMoneyDouble:
    case Kind::kDecimalString:
    case Kind::kMoneyString:
      return WriteDecimalText(text, w, scratch);
    case Kind::kString:
      json::String(*w, text);
      return Status::Ok();
    case Kind::kHstoreJson:
      return WriteHstoreText(text, w);
    case Kind::kDateDays:
    case Kind::kDateMillis:
      return WriteDateText(text, w, source);
    case Kind::kTimeMillis:
    case Kind::kTimeMicros:
    case Kind::kZonedTime:
      return WriteTimeText(text, w, scratch);
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
    case Kind::kZonedTimestamp:
      return WriteTimestampText(text, w, scratch);
    case Kind::kIntervalMicros:
    case Kind::kIntervalString:
      return WriteIntervalText(text, w, scratch);
    case Kind::kBits:
    case Kind::kBytes:
    case Kind::kUnknownBytes:
      return WriteBinaryText(text, w, scratch);
    case Kind::kPoint:
      return WritePointText(text, w, scratch);
    case Kind::kArray:
      return WriteArrayText(text, w, source);
  }
  return Status::Ok();
}

}  // namespace walcast::debezium
