#include "debezium/connect_string.h"

#include <cstdint>
#include <cstdlib>
#include <optional>

#include "rapidjson/document.h"
#include "pg/text.h"

namespace walcast::debezium {

using pg::CivilDate;
using pg::CivilFromDays;
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

std::optional<std::string> DecodeBase64(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

// Values.dateFormatFor(date).format(date) in UTC: the pattern depends on
// the value, not on the logical type.
std::string FormatConnectDate(int64_t millis) {
  char buf[64];
  const int64_t day =
      millis >= 0 ? millis / kMillisPerDay : (millis - kMillisPerDay + 1) / kMillisPerDay;
  const int64_t ms = millis - day * kMillisPerDay;
  const CivilDate date = CivilFromDays(day);
  const auto h = static_cast<int>(ms / 3'600'000);
  const auto m = static_cast<int>(ms / 60'000 % 60);
  const auto s = static_cast<int>(ms / 1000 % 60);
  const auto f = static_cast<int>(ms % 1000);
  if (millis < kMillisPerDay) {
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03dZ", h, m, s, f);
  } else if (ms == 0) {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(date.year),
                  date.month, date.day);
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(date.year), date.month, date.day, h, m, s, f);
  }
  return buf;
}

// Values.convertToString's quoting of a string: only '"' and '\\' get a
// backslash; it is not JSON (control characters stay as they are).
void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

const std::string* Parameter(const ConnectSchema& schema, std::string_view name) {
  for (const auto& [key, value] : schema.parameters) {
    if (key == name) return &value;
  }
  return nullptr;
}

Status Append(const ConnectSchema& schema, const rapidjson::Value& v, std::string* out) {
  const Status bad = Status::Corruption("header value does not fit its schema");
  if (v.IsNull()) {
    out->append("null");
    return Status::Ok();
  }
  if (schema.name == "org.apache.kafka.connect.data.Decimal") {
    const std::string* scale = Parameter(schema, "scale");
    if (!v.IsString() || scale == nullptr) return bad;
    std::optional<std::string> bytes =
        DecodeBase64(std::string_view(v.GetString(), v.GetStringLength()));
    if (!bytes) return bad;
    out->append(JavaBigDecimalString(*bytes, std::atoi(scale->c_str())));
    return Status::Ok();
  }
  if (schema.name == "org.apache.kafka.connect.data.Date" ||
      schema.name == "org.apache.kafka.connect.data.Time" ||
      schema.name == "org.apache.kafka.connect.data.Timestamp") {
    if (!v.IsString()) return bad;  // a number, kept as text by the parser
    int64_t n = std::strtoll(v.GetString(), nullptr, 10);
    if (schema.name == "org.apache.kafka.connect.data.Date") n *= kMillisPerDay;
    out->append(FormatConnectDate(n));
    return Status::Ok();
  }
  switch (schema.type) {
    case ConnectType::kStruct: {
      if (!v.IsObject()) return bad;
      out->push_back('{');
      for (size_t i = 0; i < schema.fields.size(); ++i) {
        if (i > 0) out->push_back(',');
        const ConnectField& field = schema.fields[i];
        AppendQuoted(field.name, out);
        out->push_back(':');
        const auto member = v.FindMember(field.name.c_str());
        if (member == v.MemberEnd()) return bad;
        WALCAST_RETURN_IF_ERROR(Append(field.schema, member->value, out));
      }
      out->push_back('}');
      return Status::Ok();
    }
    case ConnectType::kArray: {
      if (!v.IsArray() || schema.items.empty()) return bad;
      out->push_back('[');
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (i > 0) out->push_back(',');
        WALCAST_RETURN_IF_ERROR(Append(schema.items.front(), v[i], out));
      }
      out->push_back(']');
      return Status::Ok();
    }
    case ConnectType::kMap:
      return Status::Corruption("map values in headers are not supported");
    case ConnectType::kBoolean:
      if (!v.IsBool()) return bad;
      out->append(v.GetBool() ? "true" : "false");
      return Status::Ok();
    case ConnectType::kString:
    case ConnectType::kBytes:  // JSON has them as base64, as Values does
      if (!v.IsString()) return bad;
      AppendQuoted(std::string_view(v.GetString(), v.GetStringLength()), out);
      return Status::Ok();
    default:
      // Numbers (their text as written, Java's toString); NaN and the
      // infinities, which JSON quotes, are bare here.
      if (!v.IsString()) return bad;
      out->append(v.GetString(), v.GetStringLength());
      return Status::Ok();
  }
}

}  // namespace

std::string JavaBigDecimalString(std::string_view unscaled, int scale) {
  // Magnitude of the two's-complement value, then its decimal digits.
  std::string magnitude(unscaled);
  const bool negative = !magnitude.empty() && (static_cast<unsigned char>(magnitude[0]) & 0x80);
  if (negative) {
    for (char& c : magnitude) c = static_cast<char>(~c);
    for (size_t i = magnitude.size(); i-- > 0;) {
      if (++reinterpret_cast<unsigned char&>(magnitude[i]) != 0) break;
    }
  }
  std::string digits;
  while (true) {
    bool zero = true;
    unsigned remainder = 0;
    for (char& c : magnitude) {
      const unsigned acc = (remainder << 8) | static_cast<unsigned char>(c);
      c = static_cast<char>(acc / 10);
      remainder = acc % 10;
      if (c != 0) zero = false;
    }
    digits.insert(digits.begin(), static_cast<char>('0' + remainder));
    if (zero) break;
  }
  std::string out = negative ? "-" : "";
  const auto length = static_cast<int64_t>(digits.size());
  const int64_t adjusted = length - 1 - scale;
  if (scale == 0) {
    out += digits;
  } else if (scale > 0 && adjusted >= -6) {
    if (length > scale) {
      out += digits.substr(0, static_cast<size_t>(length - scale));
      out += '.';
      out += digits.substr(static_cast<size_t>(length - scale));
    } else {
      out += "0.";
      out.append(static_cast<size_t>(scale - length), '0');
      out += digits;
    }
  } else {
    out += digits[0];
    if (length > 1) out += "." + digits.substr(1);
    out += 'E';
    if (adjusted > 0) out += '+';
    out += std::to_string(adjusted);
  }
  return out;
}

Status AppendConnectString(const ConnectSchema& schema, std::string_view json, std::string* out) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError()) return Status::Corruption("header value is not JSON");
  return Append(schema, doc, out);
}

}  // namespace walcast::debezium
