#include "pg/type_oids.h"

namespace walcast::pg {

uint32_t BuiltinArrayElement(uint32_t array_oid) {
  switch (array_oid) {
    case oid::kBoolArray:
      return oid::kBool;
    case oid::kByteaArray:
      return oid::kBytea;
    case oid::kInt2Array:
      return oid::kInt2;
    case oid::kInt4Array:
      return oid::kInt4;
    case oid::kInt8Array:
      return oid::kInt8;
    case oid::kFloat4Array:
      return oid::kFloat4;
    case oid::kFloat8Array:
      return oid::kFloat8;
    case oid::kTimestampArray:
      return oid::kTimestamp;
    case oid::kTimestamptzArray:
      return oid::kTimestamptz;
    case oid::kNumericArray:
      return oid::kNumeric;
    case oid::kJsonArray:
      return oid::kJson;
    case oid::kJsonbArray:
      return oid::kJsonb;
    case oid::kTextArray:
    case oid::kVarcharArray:
    case oid::kBpcharArray:
    case oid::kUuidArray:
    case oid::kDateArray:
      return oid::kText;
    default:
      return 0;
  }
}

bool IsFixedLengthType(uint32_t type_oid) {
  switch (type_oid) {
    case oid::kBool:
    case oid::kChar:
    case oid::kName:
    case oid::kInt8:
    case oid::kInt2:
    case oid::kInt4:
    case oid::kOid:
    case oid::kTid:
    case oid::kXid:
    case oid::kCid:
    case oid::kPoint:
    case oid::kLseg:
    case oid::kBox:
    case oid::kLine:
    case oid::kFloat4:
    case oid::kFloat8:
    case oid::kCircle:
    case oid::kMacaddr8:
    case oid::kMoney:
    case oid::kMacaddr:
    case oid::kDate:
    case oid::kTime:
    case oid::kTimestamp:
    case oid::kTimestamptz:
    case oid::kInterval:
    case oid::kTimetz:
    case oid::kUuid:
    case oid::kPgLsn:
    case oid::kXid8:
      return true;
    default:
      return false;
  }
}

}  // namespace walcast::pg
