#pragma once

// The text Kafka Connect's Values.convertToString gives a value: what the
// worker's default SimpleHeaderConverter writes into a header, e.g. the
// __debezium.oldkey/newkey headers of a primary-key change. It differs from
// JsonConverter's JSON: Decimal values are numbers in BigDecimal.toString
// form ("2.50", "1.000E-7"), strings escape only '"' and '\', NaN is bare,
// and Connect's Date/Time/Timestamp are formatted (checked against Kafka
// Connect 4.3.1, docs/debezium-compat.md item 50).

#include <string>
#include <string_view>

#include "core/status.h"
#include "debezium/connect_schema.h"

namespace walcast::debezium {

// Appends the Values.convertToString text of the value whose JsonConverter
// JSON (schemas off) is `json` and whose schema is `schema`. kCorruption
// when `json` does not parse or does not fit `schema`.
Status AppendConnectString(const ConnectSchema& schema, std::string_view json, std::string* out);

// BigDecimal.toString of the number whose unscaled value is the big-endian
// two's-complement `unscaled` and whose scale is `scale`: plain notation
// unless the scale is negative or the exponent below -6 ("1E+20",
// "1.000E-7").
std::string JavaBigDecimalString(std::string_view unscaled, int scale);

}  // namespace walcast::debezium
