// ColumnCodec for point, as io.debezium.data.geometry.Point
// (docs/debezium-compat.md item 32).

#include <cstdlib>

#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "debezium/java_number.h"
#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

// The double `text` spells in full; nullopt otherwise.
std::optional<double> ParseDouble(std::string_view text) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool ColumnCodec::MapGeometry(uint32_t oid) {
  if (oid != pg::oid::kPoint) return false;
  Set(Kind::kPoint, ConnectType::kStruct, "io.debezium.data.geometry.Point", 1);
  schema_.doc = "Geometry (POINT)";
  schema_.fields.push_back({"x", ConnectSchema::Of(ConnectType::kFloat64, false)});
  schema_.fields.push_back({"y", ConnectSchema::Of(ConnectType::kFloat64, false)});
  schema_.fields.push_back({"wkb", ConnectSchema::Of(ConnectType::kBytes, true)});
  schema_.fields.push_back({"srid", ConnectSchema::Of(ConnectType::kInt32, true)});
  return true;
}

Status ColumnCodec::WritePointText(std::string_view text, JsonWriter* w,
                                   std::string* scratch) const {
  // "(x,y)"
  if (text.size() < 5 || text.front() != '(' || text.back() != ')') return Bad(text);
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos) return Bad(text);
  const std::optional<double> x = ParseDouble(text.substr(1, comma - 1));
  if (!x) return Bad(text);
  const std::optional<double> y = ParseDouble(text.substr(comma + 1, text.size() - comma - 2));
  if (!y) return Bad(text);
  // WKB of a 2-D point, little endian: byte order 1, type 1, x, y.
  std::string wkb;
  wkb.push_back('\x01');
  wkb.append("\x01\x00\x00\x00", 4);
  wkb.append(reinterpret_cast<const char*>(&*x), sizeof(double));
  wkb.append(reinterpret_cast<const char*>(&*y), sizeof(double));
  w->StartObject();
  json::Key(*w, "x");
  AppendJavaDouble(*x, scratch);
  w->RawValue(scratch->data(), scratch->size(), rapidjson::kNumberType);
  json::Key(*w, "y");
  scratch->clear();
  AppendJavaDouble(*y, scratch);
  w->RawValue(scratch->data(), scratch->size(), rapidjson::kNumberType);
  json::Key(*w, "wkb");
  scratch->clear();
  AppendBase64(wkb, scratch);
  json::String(*w, *scratch);
  json::Key(*w, "srid");
  w->Null();
  w->EndObject();
  return Status::Ok();
}

}  // namespace walcast::debezium
