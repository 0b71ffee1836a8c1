#pragma once

// Built-in type OIDs (src/include/catalog/pg_type.dat), stable across
// PostgreSQL versions: the one list walcast keeps. Extension types
// (hstore, ltree, PostGIS, pgvector) have OIDs assigned at CREATE EXTENSION
// and are recognised by name (TypeInfo::name), never by number.

#include <cstdint>

namespace walcast::pg {

namespace oid {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kTid = 27;
inline constexpr uint32_t kXid = 28;
inline constexpr uint32_t kCid = 29;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kXml = 142;
inline constexpr uint32_t kJsonArray = 199;
inline constexpr uint32_t kPoint = 600;
inline constexpr uint32_t kLseg = 601;
inline constexpr uint32_t kBox = 603;
inline constexpr uint32_t kLine = 628;
inline constexpr uint32_t kCidr = 650;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kCircle = 718;
inline constexpr uint32_t kMacaddr8 = 774;
inline constexpr uint32_t kMoney = 790;
inline constexpr uint32_t kMacaddr = 829;
inline constexpr uint32_t kInet = 869;
inline constexpr uint32_t kBoolArray = 1000;
inline constexpr uint32_t kByteaArray = 1001;
inline constexpr uint32_t kInt2Array = 1005;
inline constexpr uint32_t kInt4Array = 1007;
inline constexpr uint32_t kTextArray = 1009;
inline constexpr uint32_t kBpcharArray = 1014;
inline constexpr uint32_t kVarcharArray = 1015;
inline constexpr uint32_t kInt8Array = 1016;
inline constexpr uint32_t kFloat4Array = 1021;
inline constexpr uint32_t kFloat8Array = 1022;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestampArray = 1115;
inline constexpr uint32_t kDateArray = 1182;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kTimestamptzArray = 1185;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kNumericArray = 1231;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kBit = 1560;
inline constexpr uint32_t kVarbit = 1562;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kUuidArray = 2951;
inline constexpr uint32_t kPgLsn = 3220;
inline constexpr uint32_t kTsvector = 3614;
inline constexpr uint32_t kJsonb = 3802;
inline constexpr uint32_t kJsonbArray = 3807;
inline constexpr uint32_t kInt4range = 3904;
inline constexpr uint32_t kNumrange = 3906;
inline constexpr uint32_t kTsrange = 3908;
inline constexpr uint32_t kTstzrange = 3910;
inline constexpr uint32_t kDaterange = 3912;
inline constexpr uint32_t kInt8range = 3926;
inline constexpr uint32_t kXid8 = 5069;
}  // namespace oid

// The element type of a common built-in array type, or 0. For columns whose
// type the catalog could not resolve; the relation cache normally says
// (TypeInfo::elem_oid). Arrays of text-like elements (text, varchar, bpchar,
// uuid, date) report text.
uint32_t BuiltinArrayElement(uint32_t array_oid);

// Whether a built-in type has a fixed length, so that a value of it is never
// TOASTed: a column of such a type missing from an UPDATE was dropped, not
// left unchanged.
bool IsFixedLengthType(uint32_t type_oid);

}  // namespace walcast::pg
