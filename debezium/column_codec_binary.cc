// ColumnCodec for bytea, bit and varbit, and for the raw text of unknown
// types (include.unknown.datatypes), under each binary.handling.mode
// (docs/debezium-compat.md item 27).

#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

// Bit i of the PostgreSQL string (most significant first) becomes bit
// (n-1-i) of a little-endian bit set, as java.util.BitSet stores it;
// BitSet.toByteArray drops trailing zero bytes. nullopt for a character
// other than '0' and '1'.
std::optional<std::string> BitSetBytes(std::string_view text) {
  const size_t n = text.size();
  std::string bytes((n + 7) / 8, '\0');
  for (size_t i = 0; i < n; ++i) {
    if (text[i] != '0' && text[i] != '1') return std::nullopt;
    if (text[i] == '1') {
      const size_t bit = n - 1 - i;
      bytes[bit / 8] = static_cast<char>(bytes[bit / 8] | (1 << (bit % 8)));
    }
  }
  while (!bytes.empty() && bytes.back() == '\0') bytes.pop_back();
  return bytes;
}

}  // namespace

bool ColumnCodec::MapBinary(uint32_t oid, int32_t typmod, const ValueOptions& options) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kBit:
    case kVarbit: {
      // bit without a length is bit(1); varbit without one is unbounded.
      const int32_t length = typmod >= 0 ? typmod : (oid == kBit ? 1 : 2147483647);
      placeholder_default_ = oid == kBit ? "00" : "0";
      if (length <= 1) {
        Set(Kind::kBoolean, ConnectType::kBoolean);
        return true;
      }
      Set(Kind::kBits, ConnectType::kBytes, "io.debezium.data.Bits", 1);
      schema_.parameters.emplace_back("length", std::to_string(length));
      return true;
    }
    case kBytea:
      Set(Kind::kBytes,
          options.binary == BinaryMode::kBytes ? ConnectType::kBytes : ConnectType::kString);
      return true;
    default:
      return false;
  }
}

Status ColumnCodec::WriteBinaryText(std::string_view text, JsonWriter* w,
                                    std::string* scratch) const {
  if (kind_ == Kind::kBits) {
    const std::optional<std::string> bytes = BitSetBytes(text);
    if (!bytes) return Bad(text);
    AppendBase64(*bytes, scratch);
    json::String(*w, *scratch);
    return Status::Ok();
  }
  if (kind_ == Kind::kBytes) {
    const std::optional<std::string> bytes = pg::ParseByteaHex(text);
    if (!bytes) return Bad(text);
    AppendBinary(*bytes, binary_, scratch);
  } else {
    AppendBinary(text, binary_, scratch);
  }
  json::String(*w, *scratch);
  return Status::Ok();
}

void AppendBinary(std::string_view bytes, BinaryMode mode, std::string* out) {
  switch (mode) {
    case BinaryMode::kBytes:  // JsonConverter writes bytes as base64
    case BinaryMode::kBase64:
      AppendBase64(bytes, out);
      return;
    case BinaryMode::kBase64UrlSafe:
      AppendBase64(bytes, out, true);
      return;
    case BinaryMode::kHex:
      AppendHex(bytes, out);
      return;
  }
}

}  // namespace walcast::debezium
