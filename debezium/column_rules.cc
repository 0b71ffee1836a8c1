#include "debezium/column_rules.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

// pgjdbc's default for lengths it cannot tell (its unknownLength setting).
constexpr int kUnknownLength = INT_MAX;

// pgjdbc's TypeInfoCache.getDisplaySize, for the types it knows.
int DisplaySize(uint32_t oid, int typmod) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kInt2:
      return 6;
    case kInt4:
      return 11;
    case kOid:
      return 10;
    case kInt8:
      return 20;
    case kFloat4:
      return 15;
    case kFloat8:
      return 25;
    case kChar:
    case kBool:
      return 1;
    case kDate:
      return 13;
    case kTime:
    case kTimetz:
    case kTimestamp:
    case kTimestamptz: {
      const int seconds = typmod == -1 ? 7 : typmod == 0 ? 0 : typmod == 1 ? 3 : typmod + 1;
      if (oid == kTime) return 8 + seconds;
      if (oid == kTimetz) return 8 + seconds + 6;
      if (oid == kTimestamp) return 13 + 1 + 8 + seconds;
      return 13 + 1 + 8 + seconds + 6;
    }
    case kInterval:
      return 49;
    case kVarchar:
    case kBpchar:
      return typmod == -1 ? kUnknownLength : typmod - 4;
    case kNumeric: {
      if (typmod == -1) return 131089;
      const int precision = ((typmod - 4) >> 16) & 0xffff;
      const int scale = (typmod - 4) & 0xffff;
      return 1 + precision + (scale != 0 ? 1 : 0);
    }
    case kBit:
      return typmod;
    case kVarbit:
      return typmod == -1 ? kUnknownLength : typmod;
    default:
      return kUnknownLength;
  }
}

// pgjdbc's TypeInfoCache.getPrecision: the display size, but for numbers.
int Precision(uint32_t oid, int typmod) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kInt2:
      return 5;
    case kOid:
    case kInt4:
      return 10;
    case kInt8:
      return 19;
    case kFloat4:
      return 8;
    case kFloat8:
      return 17;
    case kNumeric:
      return typmod == -1
                 ? 0
                 : static_cast<int>((static_cast<unsigned>(typmod - 4) & 0xFFFF0000u) >> 16);
    default:
      // "char", bool, the character and bit types, dates and times and
      // unknown types: the same as getDisplaySize.
      return DisplaySize(oid, typmod);
  }
}

// pgjdbc's TypeInfoCache.getScale.
int Scale(uint32_t oid, int typmod) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kFloat4:
      return 8;
    case kFloat8:
      return 17;
    case kNumeric:
      return typmod == -1 ? 0 : (typmod - 4) & 0xFFFF;
    case kTime:
    case kTimetz:
    case kTimestamp:
    case kTimestamptz:
      return typmod == -1 ? 6 : typmod;
    case kInterval:
      return typmod == -1 ? 6 : typmod & 0xFFFF;
    default:
      return 0;
  }
}

bool CharacterOid(uint32_t oid) {
  return oid == pg::oid::kText || oid == pg::oid::kVarchar || oid == pg::oid::kBpchar ||
         oid == pg::oid::kChar || oid == pg::oid::kName;
}

std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Splits on commas that a backslash does not escape; "\," becomes ",".
std::vector<std::string> SplitRegexList(std::string_view list) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == '\\' && i + 1 < list.size() && list[i + 1] == ',') {
      current.push_back(',');
      ++i;
    } else if (list[i] == ',') {
      out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(list[i]);
    }
  }
  out.push_back(std::move(current));
  std::vector<std::string> trimmed;
  for (std::string& item : out) {
    const size_t first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const size_t last = item.find_last_not_of(" \t");
    trimmed.push_back(item.substr(first, last - first + 1));
  }
  return trimmed;
}

// The decimal N of "<prefix>N<suffix>", or nullopt.
std::optional<int> NumberBetween(std::string_view key, std::string_view prefix,
                                 std::string_view suffix) {
  if (!key.starts_with(prefix) || !key.ends_with(suffix)) return std::nullopt;
  if (key.size() <= prefix.size() + suffix.size()) return std::nullopt;
  const std::string_view digits =
      key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
  long long n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > INT_MAX) return std::nullopt;
  }
  return static_cast<int>(n);
}

Status BadKey(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config key '" + key + "': " + why);
}

// column.mask.hash.[v2.]<algorithm>.with.salt.<salt>
Status AddHashRule(const std::string& key, const std::string& value, bool v2,
                   std::vector<ColumnMapperRule>* rules) {
  const std::string_view rest =
      std::string_view(key).substr(std::string_view(v2 ? "column.mask.hash.v2." : "column.mask.hash.").size());
  constexpr std::string_view kWithSalt = ".with.salt.";
  const size_t at = rest.find(kWithSalt);
  if (at == std::string_view::npos || at == 0 || rest.substr(0, at).find('.') != std::string_view::npos ||
      at + kWithSalt.size() >= rest.size()) {
    return BadKey(key, "expected column.mask.hash." + std::string(v2 ? "v2." : "") +
                           "<algorithm>.with.salt.<salt>");
  }
  WALCAST_ASSIGN_OR_RETURN(
      ColumnHasher hasher,
      ColumnHasher::Create(rest.substr(0, at), std::string(rest.substr(at + kWithSalt.size())),
                           v2 ? HashVersion::kV2 : HashVersion::kV1));
  ColumnMapperRule rule;
  rule.kind = MapperKind::kHash;
  WALCAST_ASSIGN_OR_RETURN(rule.columns, RegexList::Parse(key, value));
  rule.hasher = std::make_shared<const ColumnHasher>(std::move(hasher));
  rules->push_back(std::move(rule));
  return Status::Ok();
}

}  // namespace

Result<RegexList> RegexList::Parse(std::string_view key, std::string_view list) {
  RegexList out;
  for (const std::string& text : SplitRegexList(list)) {
    try {
      out.regexes_.emplace_back(text, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("config key '" + std::string(key) +
                                     "': bad regular expression '" + text + "': " + e.what());
    }
  }
  return out;
}

bool RegexList::Matches(const std::string& text) const {
  return std::any_of(regexes_.begin(), regexes_.end(),
                     [&](const std::regex& re) { return std::regex_match(text, re); });
}

Result<ColumnRulesOptions> ParseColumnRules(
    const std::vector<std::pair<std::string, std::string>>& keys) {
  ColumnRulesOptions out;
  // Within one kind the rules go in key order; across kinds in Debezium's.
  std::vector<std::pair<std::string, std::string>> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  std::vector<ColumnMapperRule> truncate, mask, propagate, by_datatype, hash_v1, hash_v2;
  for (const auto& [key, value] : sorted) {
    if (key == "column.include.list") {
      WALCAST_ASSIGN_OR_RETURN(out.include, RegexList::Parse(key, value));
    } else if (key == "column.exclude.list") {
      WALCAST_ASSIGN_OR_RETURN(out.exclude, RegexList::Parse(key, value));
    } else if (key == "column.propagate.source.type" || key == "datatype.propagate.source.type") {
      ColumnMapperRule rule;
      rule.kind = MapperKind::kPropagateSourceType;
      rule.by_datatype = key.starts_with("datatype.");
      WALCAST_ASSIGN_OR_RETURN(rule.columns, RegexList::Parse(key, value));
      (rule.by_datatype ? by_datatype : propagate).push_back(std::move(rule));
    } else if (key.starts_with("column.truncate.to.") || key.starts_with("column.mask.with.")) {
      const bool is_truncate = key.starts_with("column.truncate.to.");
      const std::optional<int> n =
          NumberBetween(key, is_truncate ? "column.truncate.to." : "column.mask.with.", ".chars");
      if (!n) {
        return BadKey(key, is_truncate ? "expected column.truncate.to.<N>.chars"
                                       : "expected column.mask.with.<N>.chars");
      }
      ColumnMapperRule rule;
      rule.kind = is_truncate ? MapperKind::kTruncate : MapperKind::kMask;
      rule.chars = *n;
      WALCAST_ASSIGN_OR_RETURN(rule.columns, RegexList::Parse(key, value));
      (is_truncate ? truncate : mask).push_back(std::move(rule));
    } else if (key.starts_with("column.mask.hash.v2.")) {
      WALCAST_RETURN_IF_ERROR(AddHashRule(key, value, true, &hash_v2));
    } else if (key.starts_with("column.mask.hash.")) {
      WALCAST_RETURN_IF_ERROR(AddHashRule(key, value, false, &hash_v1));
    } else if (key.starts_with("column.")) {
      return BadKey(key, "unknown column option");
    }
  }
  if (!out.include.empty() && !out.exclude.empty()) {
    return Status::InvalidArgument(
        "config keys 'column.include.list' and 'column.exclude.list' cannot both be set");
  }
  for (auto* group : {&truncate, &mask, &propagate, &by_datatype, &hash_v1, &hash_v2}) {
    for (ColumnMapperRule& rule : *group) {
      if (!rule.columns.empty()) out.mappers.push_back(std::move(rule));
    }
  }
  return out;
}

SourceColumnType SourceTypeOf(const Column& column) {
  SourceColumnType out;
  uint32_t oid = column.type_oid;
  int typmod = column.type_modifier;
  char typtype = 'b';
  if (column.type) {
    out.name = column.type->name;
    typtype = column.type->typtype;
    if (typtype == 'd' && column.type->base_oid != 0) {
      oid = column.type->base_oid;
      typmod = column.type->base_typmod;
      if (!column.type->inner.empty()) typtype = column.type->inner.front().typtype;
    }
    // An array's length and scale are its element type's.
    if (column.type->category == 'A' && column.type->elem_oid != 0) {
      oid = column.type->elem_oid;
      typtype = 'b';
    }
  }
  // The driver names an integer column whose default draws from a
  // sequence after the serial type it was declared with.
  if (column.default_expr && column.default_expr->find("nextval(") != std::string::npos) {
    if (out.name == "int4") out.name = "serial";
    if (out.name == "int8") out.name = "bigserial";
    if (out.name == "int2") out.name = "smallserial";
  }
  out.length = Precision(oid, typmod);
  if (out.length == 0) out.length = DisplaySize(oid, typmod);
  out.scale = Scale(oid, typmod);
  const bool is_array = column.type && column.type->category == 'A';
  out.character = !is_array && (CharacterOid(oid) || typtype == 'e');
  return out;
}

ColumnMapping MapColumn(const ColumnRulesOptions& options, const std::string& schema,
                        const std::string& table, const Column& column) {
  ColumnMapping out;
  const std::string prefix = schema + "." + table + ".";
  const std::string qualified = prefix + column.name;
  out.included = (options.include.empty() || options.include.Matches(qualified)) &&
                 !options.exclude.Matches(qualified);
  if (!out.included || options.mappers.empty()) return out;
  const SourceColumnType source = SourceTypeOf(column);
  const std::string by_type = prefix + source.name;
  const auto rule = std::find_if(
      options.mappers.begin(), options.mappers.end(), [&](const ColumnMapperRule& r) {
        return r.columns.Matches(r.by_datatype ? by_type : qualified);
      });
  if (rule == options.mappers.end()) return out;
  switch (rule->kind) {
    case MapperKind::kTruncate:
      // Only a column that can be longer than N gets truncated.
      if (source.length < 0 || source.length > rule->chars) {
        out.kind = ColumnMapping::Kind::kTruncate;
        out.truncate_chars = rule->chars;
        out.parameters.emplace_back("truncateLength", std::to_string(rule->chars));
      }
      break;
    case MapperKind::kMask:
      out.parameters.emplace_back("masked", "true");
      if (source.character) {
        out.kind = ColumnMapping::Kind::kMask;
        out.mask.assign(static_cast<size_t>(rule->chars), '*');
      }
      break;
    case MapperKind::kHash:
      out.parameters.emplace_back("masked", "true");
      if (source.character) {
        out.kind = ColumnMapping::Kind::kHash;
        out.hasher = rule->hasher;
        out.truncate_chars = source.length > 0 ? source.length : 0;
      }
      break;
    case MapperKind::kPropagateSourceType:
      out.parameters.emplace_back("__debezium.source.column.type", UpperAscii(source.name));
      if (source.length != -1) {
        out.parameters.emplace_back("__debezium.source.column.length",
                                    std::to_string(source.length));
      }
      out.parameters.emplace_back("__debezium.source.column.scale", std::to_string(source.scale));
      out.parameters.emplace_back("__debezium.source.column.name", column.name);
      break;
  }
  return out;
}

Datum MapDatum(const ColumnMapping& mapping, const Column& column, const Datum& datum) {
  if (mapping.kind == ColumnMapping::Kind::kMask) return Datum::Text(mapping.mask);
  if (mapping.kind == ColumnMapping::Kind::kNone || datum.kind != Datum::Kind::kText) return datum;
  const auto chars = static_cast<size_t>(mapping.truncate_chars);
  if (mapping.kind == ColumnMapping::Kind::kHash) {
    std::string hash = mapping.hasher->Hash(datum.data);
    if (chars > 0 && hash.size() > chars) hash.resize(chars);
    return Datum::Text(std::move(hash));
  }
  const uint32_t oid = column.type && column.type->typtype == 'd' && column.type->base_oid != 0
                           ? column.type->base_oid
                           : column.type_oid;
  if (oid == pg::oid::kBytea) {
    // bytea's text is \x and two hex digits per byte.
    if (datum.data.starts_with("\\x") && datum.data.size() > 2 + 2 * chars) {
      return Datum::Text(datum.data.substr(0, 2 + 2 * chars));
    }
    return datum;
  }
  if (SourceTypeOf(column).character || oid == pg::oid::kJson || oid == pg::oid::kJsonb ||
      oid == pg::oid::kXml) {
    return Datum::Text(TruncateUtf16(datum.data, chars));
  }
  return datum;
}

std::string TruncateUtf16(std::string_view s, size_t chars) {
  size_t units = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    const size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
    const size_t width = len == 4 ? 2 : 1;  // a supplementary character is two units
    if (units + width > chars) break;
    units += width;
    i = std::min(s.size(), i + len);
  }
  return std::string(s.substr(0, i));
}

}  // namespace walcast::debezium
