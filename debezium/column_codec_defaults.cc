// What a ColumnCodec writes when the column has no value to convert: a
// NULL (the schema default, else the NOT NULL fallback), an unchanged
// TOAST value (the unavailable placeholder), and the schema default taken
// from the column's default expression (docs/debezium-compat.md items 11,
// 19, 34, 35).

#include <cctype>

#include "core/config.h"
#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/column_codec.h"

namespace walcast::debezium {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

// A function call (nextval(...), now(), gen_random_uuid()) or a CURRENT_*
// keyword, which Debezium cannot evaluate.
bool IsFunctionDefault(std::string_view expr) {
  size_t i = expr.empty() || expr[0] != '(' ? 0 : 1;
  const size_t name_start = i;
  while (i < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[i])) || expr[i] == '_' ||
                             expr[i] == '.')) {
    ++i;
  }
  const bool call = i > name_start && i < expr.size() && expr[i] == '(';
  const std::string lower = LowerAscii(expr);
  return call || lower == "current_timestamp" || lower == "current_time" ||
         lower == "current_date" || lower == "localtime" || lower == "localtimestamp";
}

// The first quoted literal of `expr` ('' un-doubled); nullopt when it is
// not closed.
std::optional<std::string> QuotedLiteral(std::string_view expr) {
  std::string literal;
  for (size_t j = expr.find('\'') + 1; j < expr.size(); ++j) {
    if (expr[j] == '\'') {
      if (j + 1 < expr.size() && expr[j + 1] == '\'') {
        literal.push_back('\'');
        ++j;
        continue;
      }
      return literal;
    }
    literal.push_back(expr[j]);
  }
  return std::nullopt;
}

// A bare literal: outer parentheses and a ::cast removed ("(-1)::integer").
std::string BareLiteral(std::string_view expr) {
  std::string literal(expr);
  while (!literal.empty() && literal.front() == '(' && literal.back() == ')') {
    literal = literal.substr(1, literal.size() - 2);
  }
  const size_t cast = literal.find("::");
  if (cast != std::string::npos) literal.resize(cast);
  return literal;
}

}  // namespace

void ColumnCodec::WriteNull(JsonWriter* w) const {
  if (schema_.default_json) {
    w->RawValue(schema_.default_json->data(), schema_.default_json->size(), rapidjson::kStringType);
  } else if (not_null_fallback_) {
    w->RawValue(not_null_fallback_->data(), not_null_fallback_->size(), rapidjson::kStringType);
  } else {
    w->Null();
  }
}

void ColumnCodec::WriteUnavailable(JsonWriter* w) const {
  switch (kind_) {
    case Kind::kString:
    case Kind::kHstoreJson:
    case Kind::kDecimalString:
    case Kind::kMoneyString:
      json::String(*w, placeholder_);
      return;
    case Kind::kBytes:
      if (binary_ == BinaryMode::kBytes) {
        std::string scratch;
        AppendBase64(placeholder_, &scratch);
        json::String(*w, scratch);
      } else if (binary_ == BinaryMode::kHex) {
        json::String(*w, placeholder_);
      } else {
        w->Null();  // Debezium's base64 converters drop the marker
      }
      return;
    case Kind::kArray:
      WriteUnavailableArray(w);
      return;
    default:
      // The placeholder does not fit the schema; Debezium ends with null.
      WriteNull(w);
      return;
  }
}

std::optional<std::string> ColumnCodec::FallbackJson() const {
  switch (kind_) {
    case Kind::kBoolean:
      return "false";
    case Kind::kInteger:
    case Kind::kDateDays:
    case Kind::kDateMillis:
    case Kind::kTimeMillis:
    case Kind::kTimeMicros:
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
    case Kind::kIntervalMicros:
      return "0";
    case Kind::kFloat32:
    case Kind::kFloat64:
    case Kind::kDecimalDouble:
    case Kind::kMoneyDouble:
      return "0.0";
    case Kind::kString:
    case Kind::kBits:
    case Kind::kBytes:
    case Kind::kUnknownBytes:
      return "\"\"";
    case Kind::kHstoreJson:
      return "\"{}\"";  // Debezium's fallback for an hstore
    case Kind::kZonedTimestamp:
      return "\"1970-01-01T00:00:00Z\"";
    case Kind::kZonedTime:
      return "\"00:00:00Z\"";
    case Kind::kIntervalString:
      return "\"P0Y0M0DT0H0M0S\"";
    case Kind::kDecimalBytes:
    case Kind::kMoneyBytes:
      return "\"AA==\"";
    case Kind::kVariableDecimal:
      return "{\"scale\":0,\"value\":\"AA==\"}";
    case Kind::kDecimalString:
      return RenderText("0");
    case Kind::kMoneyString:
      return "\"0.00\"";
    case Kind::kArray:
      return "[]";
    case Kind::kPoint:
      return "{\"x\":0.0,\"y\":0.0,\"wkb\":\"AQEAAAAAAAAAAAAAAAAAAAAAAAAA\",\"srid\":null}";
  }
  return std::nullopt;
}

void ColumnCodec::ApplyDefaultExpression(std::string_view expr) {
  if (!default_parsable_) return;
  switch (kind_) {
    case Kind::kZonedTime:
    case Kind::kBytes:
    case Kind::kPoint:
    case Kind::kArray:
    case Kind::kUnknownBytes:
    case Kind::kVariableDecimal:
    case Kind::kMoneyBytes:
    case Kind::kMoneyDouble:
    case Kind::kMoneyString:
      return;  // no default parser in Debezium
    default:
      break;
  }
  const std::optional<std::string> literal = DefaultLiteral(Trim(expr));
  if (!literal) return;
  if (std::optional<std::string> json = RenderText(Trim(*literal))) {
    schema_.default_json = std::move(*json);
  }
}

std::optional<std::string> ColumnCodec::DefaultLiteral(std::string_view expr) const {
  std::string literal;
  if (IsFunctionDefault(expr)) {
    literal = PlaceholderLiteral();
  } else if (expr.find('\'') != std::string_view::npos) {
    std::optional<std::string> quoted = QuotedLiteral(expr);
    if (!quoted) return std::nullopt;
    literal = std::move(*quoted);
  } else {
    if (LowerAscii(expr).rfind("null", 0) == 0) return std::nullopt;  // NULL::type: no default
    literal = BareLiteral(expr);
  }
  if (kind_ != Kind::kBoolean) return literal;
  const std::string b = LowerAscii(literal);
  if (b == "true" || b == "t" || b == "1") return "t";
  if (b == "false" || b == "f" || b == "0" || b == "00") return "f";
  return std::nullopt;
}

std::string ColumnCodec::PlaceholderLiteral() const {
  if (!placeholder_default_.empty()) return placeholder_default_;
  switch (kind_) {
    case Kind::kBoolean:
      return "f";
    case Kind::kInteger:
      return "0";
    case Kind::kFloat32:
    case Kind::kFloat64:
    case Kind::kDecimalBytes:
    case Kind::kDecimalDouble:
    case Kind::kDecimalString:
      return "0.0";
    case Kind::kDateDays:
    case Kind::kDateMillis:
      return "1970-01-01";
    case Kind::kTimeMillis:
    case Kind::kTimeMicros:
    case Kind::kIntervalMicros:
    case Kind::kIntervalString:
      return "00:00:00";
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
      return "1970-01-01 00:00:00";
    case Kind::kZonedTimestamp:
      return "1970-01-01 00:00:00+00";
    default:
      return "";  // strings
  }
}

}  // namespace walcast::debezium
