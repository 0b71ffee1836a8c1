// ColumnCodec for numeric and money under each decimal.handling.mode
// (docs/debezium-compat.md items 25, 26).

#include <cstdlib>

#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "debezium/java_number.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

bool IsSpecial(std::string_view text) {
  return text == "NaN" || text == "Infinity" || text == "-Infinity";
}

}  // namespace

bool ColumnCodec::MapDecimal(uint32_t oid, int32_t typmod, const ValueOptions& options) {
  if (oid != pg::oid::kNumeric && oid != pg::oid::kMoney) return false;
  const bool money = oid == pg::oid::kMoney;
  default_parsable_ = !money;
  if (options.decimal == DecimalMode::kDouble) {
    Set(money ? Kind::kMoneyDouble : Kind::kDecimalDouble, ConnectType::kFloat64);
    return true;
  }
  if (options.decimal == DecimalMode::kString) {
    Set(money ? Kind::kMoneyString : Kind::kDecimalString, ConnectType::kString);
    return true;
  }
  if (money) {
    Set(Kind::kMoneyBytes, ConnectType::kBytes, "org.apache.kafka.connect.data.Decimal", 1);
    scale_ = options.money_fraction_digits;
    schema_.parameters.emplace_back("scale", std::to_string(scale_));
    return true;
  }
  if (typmod < 0) {
    Set(Kind::kVariableDecimal, ConnectType::kStruct, "io.debezium.data.VariableScaleDecimal", 1);
    default_parsable_ = false;  // a struct default is dropped (KAFKA-12694)
    schema_.doc = "Variable scaled decimal";
    schema_.fields.push_back({"scale", ConnectSchema::Of(ConnectType::kInt32, false)});
    schema_.fields.push_back({"value", ConnectSchema::Of(ConnectType::kBytes, false)});
    return true;
  }
  const int32_t precision = ((typmod - 4) >> 16) & 0xffff;
  scale_ = (typmod - 4) & 0xffff;
  Set(Kind::kDecimalBytes, ConnectType::kBytes, "org.apache.kafka.connect.data.Decimal", 1);
  schema_.parameters.emplace_back("scale", std::to_string(scale_));
  schema_.parameters.emplace_back("connect.decimal.precision", std::to_string(precision));
  return true;
}

Status ColumnCodec::WriteDecimalText(std::string_view text, JsonWriter* w,
                                     std::string* scratch) const {
  const bool money =
      kind_ == Kind::kMoneyBytes || kind_ == Kind::kMoneyDouble || kind_ == Kind::kMoneyString;
  if (kind_ == Kind::kDecimalString) {
    // Special values print as the names of Debezium's enum.
    if (text == "NaN") {
      json::String(*w, "NAN");
    } else if (text == "Infinity") {
      json::String(*w, "POSITIVE_INFINITY");
    } else if (text == "-Infinity") {
      json::String(*w, "NEGATIVE_INFINITY");
    } else {
      json::String(*w, text);
    }
    return Status::Ok();
  }
  if (IsSpecial(text) && kind_ != Kind::kMoneyString) {
    if (kind_ == Kind::kDecimalDouble || kind_ == Kind::kMoneyDouble) {
      json::String(*w, text);  // Jackson quotes non-finite doubles
    } else {
      // No Decimal can carry these; the conversion fails and Debezium
      // leaves the field unset.
      WriteNull(w);
    }
    return Status::Ok();
  }
  std::optional<pg::PgDecimal> d = money ? pg::ParseMoney(text) : pg::ParseDecimal(text);
  if (!d) return Bad(text);
  switch (kind_) {
    case Kind::kDecimalDouble:
    case Kind::kMoneyDouble:
      AppendJavaDouble(std::strtod(pg::PlainText(*d).c_str(), nullptr), scratch);
      w->RawValue(scratch->data(), scratch->size(), rapidjson::kNumberType);
      return Status::Ok();
    case Kind::kMoneyString:
      json::String(*w, pg::PlainText(*d));
      return Status::Ok();
    case Kind::kVariableDecimal:
      // BigDecimal.stripTrailingZeros, and no negative scale.
      while (d->scale > 0 && d->digits.size() > 1 && d->digits.back() == '0') {
        d->digits.pop_back();
        --d->scale;
      }
      if (d->digits == "0") d->scale = 0;
      AppendBase64(pg::UnscaledTwosComplement(*d), scratch);
      w->StartObject();
      json::Key(*w, "scale");
      w->Int(d->scale);
      json::Key(*w, "value");
      json::String(*w, *scratch);
      w->EndObject();
      return Status::Ok();
    default:  // kDecimalBytes, kMoneyBytes: the column's fixed scale
      AppendBase64(pg::UnscaledTwosComplement(pg::Rescale(*d, scale_)), scratch);
      json::String(*w, *scratch);
      return Status::Ok();
  }
}

}  // namespace walcast::debezium
