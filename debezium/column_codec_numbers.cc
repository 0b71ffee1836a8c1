// ColumnCodec for boolean, the integers and the floating-point types
// (docs/debezium-compat.md items 24, 33, 47).

#include <charconv>
#include <cstdlib>

#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "debezium/java_number.h"
#include "pg/type_oids.h"

namespace walcast::debezium {

bool ColumnCodec::MapNumber(uint32_t oid) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kBool:
      Set(Kind::kBoolean, ConnectType::kBoolean);
      return true;
    case kInt2:
      Set(Kind::kInteger, ConnectType::kInt16);
      return true;
    case kInt4:
      Set(Kind::kInteger, ConnectType::kInt32);
      return true;
    case kInt8:
    case kOid:
      Set(Kind::kInteger, ConnectType::kInt64);
      return true;
    case kFloat4:
      Set(Kind::kFloat32, ConnectType::kFloat32);
      return true;
    case kFloat8:
      Set(Kind::kFloat64, ConnectType::kFloat64);
      return true;
    default:
      return false;
  }
}

Status ColumnCodec::WriteNumberText(std::string_view text, JsonWriter* w,
                                    std::string* scratch) const {
  if (kind_ == Kind::kBoolean) {
    if (text == "t" || text == "1" || text == "true") {
      w->Bool(true);
    } else if (text == "f" || text == "0" || text == "false") {
      w->Bool(false);
    } else {
      return Bad(text);
    }
    return Status::Ok();
  }
  if (kind_ == Kind::kInteger) {
    int64_t v;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      // oid is unsigned 32-bit and always fits; anything else is bad input.
      return Bad(text);
    }
    w->Int64(v);
    return Status::Ok();
  }
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
    json::String(*w, text);  // Jackson quotes non-finite numbers
    return Status::Ok();
  }
  const std::string s(text);
  char* end = nullptr;
  if (kind_ == Kind::kFloat32) {
    const float v = std::strtof(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return Bad(text);
    AppendJavaFloat(v, scratch);
  } else {
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return Bad(text);
    AppendJavaDouble(v, scratch);
  }
  w->RawValue(scratch->data(), scratch->size(), rapidjson::kNumberType);
  return Status::Ok();
}

}  // namespace walcast::debezium
