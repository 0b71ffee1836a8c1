#pragma once

// Floating-point text as Java's Double.toString / Float.toString write it
// (Jackson, and so Kafka's JsonConverter, use them) since JDK 19: the
// shortest digits that round-trip (two when one would do and a closer
// two-digit decimal exists: "4.9E-324"), plain notation with at least one
// fractional digit for 1e-3 <= |x| < 1e7 ("1.5", "100.0"), otherwise
// computerized scientific notation ("1.0E10", "1.0E-4"). JDK 17 sometimes
// prints more digits (docs/differential-test.md). NaN and infinities are
// not handled here.

#include <string>

namespace walcast::debezium {

void AppendJavaDouble(double value, std::string* out);
void AppendJavaFloat(float value, std::string* out);

}  // namespace walcast::debezium
