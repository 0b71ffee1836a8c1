// ColumnCodec for one-dimensional arrays of any mapped element type
// (docs/debezium-compat.md items 19, 31, 46).

#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "pg/text.h"

namespace walcast::debezium {

std::optional<ColumnCodec> ColumnCodec::ForArray(ColumnCodec base, const TypeInfo& type,
                                                 int32_t typmod, const ValueOptions& options,
                                                 int depth) {
  const TypeInfo* elem = type.inner.empty() ? nullptr : &type.inner.front();
  // Debezium has no element converter for a domain.
  if (elem != nullptr && elem->typtype == 'd') return std::nullopt;
  std::optional<ColumnCodec> element =
      ForType(base.column_, elem, type.elem_oid, typmod, true, options, depth + 1);
  if (!element || element->kind_ == Kind::kUnknownBytes) return std::nullopt;
  // Enum elements are required in Debezium's array schema.
  if (elem != nullptr && elem->typtype == 'e') element->schema_.optional = false;
  base.Set(Kind::kArray, ConnectType::kArray);
  base.schema_.items.push_back(element->schema_);
  base.element_.push_back(std::move(*element));
  return base;
}

Status ColumnCodec::WriteArrayText(std::string_view text, JsonWriter* w,
                                   ValueSource source) const {
  const std::optional<std::vector<pg::ArrayElement>> elements = pg::ParseArray(text);
  if (!elements) return Bad(text);
  const ColumnCodec& element = element_.front();
  std::string scratch;
  w->StartArray();
  for (const pg::ArrayElement& e : *elements) {
    if (e.nested || !e.text) {
      // NULL, or an inner dimension Debezium cannot convert: null.
      w->Null();
    } else {
      WALCAST_RETURN_IF_ERROR(element.WriteText(*e.text, w, &scratch, source));
    }
  }
  w->EndArray();
  return Status::Ok();
}

void ColumnCodec::WriteUnavailableArray(JsonWriter* w) const {
  const ColumnCodec& e = element_.front();
  if (e.kind_ == Kind::kString && e.schema_.name != "io.debezium.data.Uuid") {
    w->StartArray();
    json::String(*w, placeholder_);
    w->EndArray();
  } else if (e.kind_ == Kind::kInteger || e.kind_ == Kind::kDateDays) {
    // The placeholder's bytes, one number each.
    w->StartArray();
    for (char c : placeholder_) w->Int(static_cast<unsigned char>(c));
    w->EndArray();
  } else if (e.kind_ == Kind::kBytes && e.binary_ == BinaryMode::kBytes) {
    std::string scratch;
    AppendBase64(placeholder_, &scratch);
    w->StartArray();
    json::String(*w, scratch);
    w->EndArray();
  } else if (e.schema_.name == "io.debezium.data.Uuid" &&
             placeholder_ == "__debezium_unavailable_value") {
    // UUID.nameUUIDFromBytes of the default placeholder.
    w->StartArray();
    json::String(*w, "b68a35a7-17ad-35b3-af2a-ae46edb4545a");
    w->EndArray();
  } else {
    w->Null();
  }
}

}  // namespace walcast::debezium
