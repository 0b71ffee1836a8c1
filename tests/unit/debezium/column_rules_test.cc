#include "debezium/column_rules.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "debezium/encoder.h"
#include "pg/type_oids.h"

// Expected schemas and values follow Debezium 3.7's ColumnMappers and
// column filters; the differential test (column variant) checks the same
// options against a live Debezium.

namespace walcast::debezium {
namespace {

using Keys = std::vector<std::pair<std::string, std::string>>;

Column Col(std::string name, uint32_t oid, int32_t typmod = -1) {
  Column c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_modifier = typmod;
  TypeInfo type;
  type.oid = oid;
  type.name = oid == pg::oid::kVarchar  ? "varchar"
              : oid == pg::oid::kText   ? "text"
              : oid == pg::oid::kBpchar ? "bpchar"
              : oid == pg::oid::kInt4   ? "int4"
              : oid == pg::oid::kNumeric ? "numeric"
              : oid == pg::oid::kBytea  ? "bytea"
                                        : "other";
  c.type = type;
  return c;
}

ColumnRulesOptions Rules(const Keys& keys) {
  Result<ColumnRulesOptions> rules = ParseColumnRules(keys);
  EXPECT_TRUE(rules.ok()) << rules.status().message();
  return rules.ok() ? std::move(*rules) : ColumnRulesOptions{};
}

TEST(ColumnRulesTest, RegexesMatchTheWholeQualifiedNameIgnoringCase) {
  const ColumnRulesOptions rules = Rules({{"column.exclude.list", "public\\.t\\.SECRET,.*\\.pin"}});
  EXPECT_FALSE(MapColumn(rules, "public", "t", Col("secret", pg::oid::kText)).included);
  EXPECT_FALSE(MapColumn(rules, "other", "u", Col("PIN", pg::oid::kText)).included);
  // Anchored: a name that only contains a match is kept.
  EXPECT_TRUE(MapColumn(rules, "public", "t", Col("secret2", pg::oid::kText)).included);
  EXPECT_TRUE(MapColumn(rules, "public", "t", Col("pin_hint", pg::oid::kText)).included);
}

TEST(ColumnRulesTest, IncludeListKeepsOnlyMatchingColumns) {
  const ColumnRulesOptions rules = Rules({{"column.include.list", "public\\.t\\.(id|name)"}});
  EXPECT_TRUE(MapColumn(rules, "public", "t", Col("id", pg::oid::kInt4)).included);
  EXPECT_TRUE(MapColumn(rules, "public", "t", Col("Name", pg::oid::kText)).included);
  EXPECT_FALSE(MapColumn(rules, "public", "t", Col("email", pg::oid::kText)).included);
  EXPECT_FALSE(MapColumn(rules, "public", "u", Col("id", pg::oid::kInt4)).included);
}

TEST(ColumnRulesTest, EscapedCommaStaysInTheExpression) {
  const ColumnRulesOptions rules = Rules({{"column.exclude.list", "public\\.t\\.a{1\\,2}"}});
  EXPECT_FALSE(MapColumn(rules, "public", "t", Col("aa", pg::oid::kText)).included);
}

TEST(ColumnRulesTest, MaskAppliesToCharacterColumnsOnly) {
  const ColumnRulesOptions rules = Rules({{"column.mask.with.5.chars", "public\\.t\\..*"}});
  const ColumnMapping text = MapColumn(rules, "public", "t", Col("name", pg::oid::kText));
  EXPECT_EQ(text.kind, ColumnMapping::Kind::kMask);
  EXPECT_EQ(text.mask, "*****");
  EXPECT_EQ(text.parameters, (std::vector<std::pair<std::string, std::string>>{
                                 {"masked", "true"}}));
  // A number keeps its value but its schema is still marked masked.
  const ColumnMapping number = MapColumn(rules, "public", "t", Col("id", pg::oid::kInt4));
  EXPECT_EQ(number.kind, ColumnMapping::Kind::kNone);
  EXPECT_EQ(number.parameters.size(), 1u);
}

TEST(ColumnRulesTest, HashIsCutToTheColumnLength) {
  const ColumnRulesOptions rules =
      Rules({{"column.mask.hash.SHA-256.with.salt.pepper", "public\\.t\\..*"}});
  const ColumnMapping varchar =
      MapColumn(rules, "public", "t", Col("code", pg::oid::kVarchar, 10 + 4));
  EXPECT_EQ(varchar.kind, ColumnMapping::Kind::kHash);
  EXPECT_EQ(varchar.truncate_chars, 10);
  const ColumnMapping text = MapColumn(rules, "public", "t", Col("name", pg::oid::kText));
  EXPECT_EQ(text.truncate_chars, 2147483647);
}

TEST(ColumnRulesTest, TruncateOnlyWhereTheColumnCanBeLonger) {
  const ColumnRulesOptions rules = Rules({{"column.truncate.to.4.chars", "public\\.t\\..*"}});
  const ColumnMapping text = MapColumn(rules, "public", "t", Col("name", pg::oid::kText));
  EXPECT_EQ(text.kind, ColumnMapping::Kind::kTruncate);
  EXPECT_EQ(text.parameters, (std::vector<std::pair<std::string, std::string>>{
                                 {"truncateLength", "4"}}));
  const ColumnMapping short_code =
      MapColumn(rules, "public", "t", Col("code", pg::oid::kBpchar, 3 + 4));
  EXPECT_EQ(short_code.kind, ColumnMapping::Kind::kNone);
  EXPECT_TRUE(short_code.parameters.empty());
}

TEST(ColumnRulesTest, FirstRuleInDebeziumsOrderWins) {
  // Truncation is registered before masks, masks before hashes.
  const ColumnRulesOptions rules = Rules({{"column.mask.hash.SHA-256.with.salt.s", "public\\.t\\.a"},
                                          {"column.mask.with.3.chars", "public\\.t\\.a"},
                                          {"column.truncate.to.2.chars", "public\\.t\\.a"},
                                          {"column.propagate.source.type", "public\\.t\\.a"}});
  EXPECT_EQ(MapColumn(rules, "public", "t", Col("a", pg::oid::kText)).kind,
            ColumnMapping::Kind::kTruncate);
}

TEST(ColumnRulesTest, PropagatesTheDriversTypeLengthAndScale) {
  const ColumnRulesOptions rules = Rules({{"column.propagate.source.type", "public\\.t\\..*"}});
  using Params = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(MapColumn(rules, "public", "t", Col("price", pg::oid::kNumeric, ((10 << 16) | 2) + 4))
                .parameters,
            (Params{{"__debezium.source.column.type", "NUMERIC"},
                    {"__debezium.source.column.length", "10"},
                    {"__debezium.source.column.scale", "2"},
                    {"__debezium.source.column.name", "price"}}));
  Column serial = Col("id", pg::oid::kInt4);
  serial.default_expr = "nextval('t_id_seq'::regclass)";
  EXPECT_EQ(MapColumn(rules, "public", "t", serial).parameters,
            (Params{{"__debezium.source.column.type", "SERIAL"},
                    {"__debezium.source.column.length", "10"},
                    {"__debezium.source.column.scale", "0"},
                    {"__debezium.source.column.name", "id"}}));
}

TEST(ColumnRulesTest, DatatypeRulesMatchTheTypeName) {
  const ColumnRulesOptions rules =
      Rules({{"datatype.propagate.source.type", ".+\\.VARCHAR"}});
  EXPECT_EQ(MapColumn(rules, "public", "t", Col("v", pg::oid::kVarchar, 24)).parameters.size(), 4u);
  EXPECT_TRUE(MapColumn(rules, "public", "t", Col("v", pg::oid::kText)).parameters.empty());
}

TEST(ColumnRulesTest, RefusesMalformedKeys) {
  for (const Keys& keys : std::vector<Keys>{
           {{"column.mask.with.x.chars", "a"}},
           {{"column.truncate.to.chars", "a"}},
           {{"column.mask.hash.SHA-256.salt.s", "a"}},
           {{"column.mask.hash.NOPE.with.salt.s", "a"}},
           {{"column.mask.unknown", "a"}},
           {{"column.exclude.list", "("}},
           {{"column.include.list", "a"}, {"column.exclude.list", "b"}}}) {
    EXPECT_EQ(ParseColumnRules(keys).status().code(), Status::Code::kInvalidArgument)
        << keys.front().first;
  }
}

TEST(ColumnRulesTest, TruncatesUtf16CodeUnits) {
  EXPECT_EQ(TruncateUtf16("abcdef", 3), "abc");
  EXPECT_EQ(TruncateUtf16("ab", 3), "ab");
  EXPECT_EQ(TruncateUtf16("Grüße", 3), "Grü");
  EXPECT_EQ(TruncateUtf16("日本語です", 2), "日本");
  // A supplementary character is two units.
  EXPECT_EQ(TruncateUtf16("a\xF0\x9F\x98\x80z", 3), "a\xF0\x9F\x98\x80");
}

// The encoder with column rules: the value changes, the key does not.
TEST(ColumnRulesTest, EncoderMapsTheValueButNotTheKey) {
  EncoderOptions options;
  options.topic_prefix = "p";
  options.database = "db";
  options.key_schemas = false;
  options.value_schemas = false;
  options.columns = Rules({{"column.exclude.list", "public\\.t\\.secret"},
                           {"column.mask.with.3.chars", "public\\.t\\.(id|name|nick)"},
                           {"column.truncate.to.2.chars", "public\\.t\\.note"}});
  DebeziumEncoder encoder(std::move(options));
  auto relation = std::make_shared<Relation>();
  relation->schema = "public";
  relation->name = "t";
  relation->columns = {Col("id", pg::oid::kText), Col("name", pg::oid::kText),
                       Col("nick", pg::oid::kText), Col("secret", pg::oid::kText),
                       Col("note", pg::oid::kText)};
  relation->primary_key = {0};
  ChangeEvent event;
  event.op = Op::kCreate;
  event.relation = relation;
  event.after = Tuple{Datum::Text("k1"), Datum::Text("Anne"), Datum::Null(),
                      Datum::Text("pw"), Datum::Text("日本語")};
  std::vector<EncodedRecord> out;
  ASSERT_TRUE(encoder.Encode(TransactionInfo{}, event, 0, nullptr, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0].key, R"({"id":"k1"})");
  EXPECT_NE(out[0].value->find(R"("after":{"id":"***","name":"***","nick":"***","note":"日本"})"),
            std::string::npos)
      << *out[0].value;
}

}  // namespace
}  // namespace walcast::debezium
