#include "debezium/connect_schema.h"

#include "core/escape.h"

namespace walcast::debezium {

const char* ConnectTypeName(ConnectType type) {
  switch (type) {
    case ConnectType::kInt8:
      return "int8";
    case ConnectType::kInt16:
      return "int16";
    case ConnectType::kInt32:
      return "int32";
    case ConnectType::kInt64:
      return "int64";
    case ConnectType::kFloat32:
      return "float";
    case ConnectType::kFloat64:
      return "double";
    case ConnectType::kBoolean:
      return "boolean";
    case ConnectType::kString:
      return "string";
    case ConnectType::kBytes:
      return "bytes";
    case ConnectType::kArray:
      return "array";
    case ConnectType::kMap:
      return "map";
    case ConnectType::kStruct:
      return "struct";
  }
  return "string";
}

ConnectSchema ConnectSchema::Of(ConnectType type, bool optional, std::string name,
                                std::optional<int> version) {
  ConnectSchema s;
  s.type = type;
  s.optional = optional;
  s.name = std::move(name);
  s.version = version;
  return s;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0xF0 && i + 3 < s.size()) {
      // Outside the BMP: the UTF-16 surrogate pair, each half escaped.
      const uint32_t cp = ((c & 0x07u) << 18) | ((static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 12) |
                          ((static_cast<uint8_t>(s[i + 2]) & 0x3Fu) << 6) |
                          (static_cast<uint8_t>(s[i + 3]) & 0x3Fu);
      AppendUnicodeEscape(0xD800 + ((cp - 0x10000) >> 10), /*upper_case=*/true, out);
      AppendUnicodeEscape(0xDC00 + ((cp - 0x10000) & 0x3FF), /*upper_case=*/true, out);
      i += 3;
    } else if (c == '"') {
      out->append("\\\"");
    } else if (const std::string_view e = ShortEscape(c); !e.empty()) {
      out->append(e);
    } else if (c < 0x20) {
      AppendUnicodeEscape(c, /*upper_case=*/true, out);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

namespace {

void AppendSchemaBody(const ConnectSchema& schema, std::string* out) {
  out->append("\"type\":\"");
  out->append(ConnectTypeName(schema.type));
  out->push_back('"');
  if (schema.type == ConnectType::kStruct) {
    out->append(",\"fields\":[");
    bool first = true;
    for (const ConnectField& f : schema.fields) {
      if (!first) out->push_back(',');
      first = false;
      out->push_back('{');
      AppendSchemaBody(f.schema, out);
      out->append(",\"field\":");
      AppendJsonString(f.name, out);
      out->push_back('}');
    }
    out->push_back(']');
  } else if (schema.type == ConnectType::kArray && !schema.items.empty()) {
    out->append(",\"items\":");
    AppendSchemaJson(schema.items.front(), out);
  }
  out->append(schema.optional ? ",\"optional\":true" : ",\"optional\":false");
  if (!schema.name.empty()) {
    out->append(",\"name\":");
    AppendJsonString(schema.name, out);
  }
  if (schema.version) {
    out->append(",\"version\":");
    out->append(std::to_string(*schema.version));
  }
  if (!schema.doc.empty()) {
    out->append(",\"doc\":");
    AppendJsonString(schema.doc, out);
  }
  if (!schema.parameters.empty()) {
    out->append(",\"parameters\":{");
    bool first = true;
    for (const auto& [k, v] : schema.parameters) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(k, out);
      out->push_back(':');
      AppendJsonString(v, out);
    }
    out->push_back('}');
  }
  if (schema.default_json) {
    out->append(",\"default\":");
    out->append(*schema.default_json);
  }
}

}  // namespace

void AppendSchemaJson(const ConnectSchema& schema, std::string* out) {
  out->push_back('{');
  AppendSchemaBody(schema, out);
  out->push_back('}');
}

}  // namespace walcast::debezium
