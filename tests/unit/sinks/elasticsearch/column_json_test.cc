#include "sinks/elasticsearch/column_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "tests/unit/sinks/elasticsearch/raw_document_test_util.h"

namespace walcast::sinks::elasticsearch {
namespace {

using walcast::testing::MosipRow;
using walcast::testing::Text;

TEST(ColumnJsonTest, GenericColumnsAreTypedByTheirPostgresType) {
  Relation r;
  r.schema = "public";
  r.name = "types";
  TypeInfo domain;  // CREATE DOMAIN year AS int4
  domain.oid = 70001;
  domain.typtype = 'd';
  domain.base_oid = 23;
  TypeInfo int4;
  int4.oid = 23;
  int4.name = "int4";
  int4.category = 'N';
  domain.inner.push_back(int4);
  TypeInfo mood;  // CREATE TYPE mood AS ENUM
  mood.oid = 70002;
  mood.typtype = 'e';
  mood.category = 'E';
  TypeInfo int_array;
  int_array.oid = 1007;
  int_array.category = 'A';
  int_array.elem_oid = 23;
  r.columns = {Typed("id", 20),
               Typed("i2", 21),
               Typed("f8", 701),
               Typed("nan", 701),
               Typed("num", 1700),
               Typed("big", 1700),
               Typed("ok", 16),
               Typed("ts", 1114),
               Typed("tstz", 1184),
               Typed("old", 1114),
               Typed("inf", 1114),
               Typed("day", 1082),
               Typed("doc", 3802),
               Typed("js", 114),
               Typed("bin", 17),
               Typed("ints", 1007, int_array),
               Typed("texts", 1009),
               Typed("grid", 1007),
               Typed("yr", 70001, domain),
               Typed("feel", 70002, mood),
               Typed("u", 2950),
               Typed("gap", 25)};
  r.primary_key = {0};
  const Tuple row = {Text("42"),
                     Text("-7"),
                     Text("1.5e+30"),
                     Text("NaN"),
                     Text("12345678901234567890.000123"),
                     Text("Infinity"),
                     Text("t"),
                     Text("2024-02-29 23:59:59.999999"),
                     Text("2024-03-01 01:30:00.5+02"),
                     Text("1969-12-31 23:59:59.9995"),
                     Text("infinity"),
                     Text("2024-02-29"),
                     Text(R"({"a": [1, 2], "b": {"c": null}})"),
                     Text("{\"x\":\n 1}"),
                     Text("\\x00ff10"),
                     Text("{1,NULL,3}"),
                     Text(R"({"a b",NULL,"c\"d"})"),
                     Text("{{1,2},{3,4}}"),
                     Text("1988"),
                     Text("happy"),
                     Text("0e5f1c9a-1111-4222-8333-944455556666"),
                     Datum::Null()};
  RawDocumentBuilder builder;
  RawDocument doc;
  ASSERT_TRUE(builder.Build(r, row, 0, &doc).ok());
  EXPECT_EQ(doc.id, "42");
  EXPECT_FALSE(doc.is_profile);
  rapidjson::Document d;
  d.Parse(doc.source.c_str());
  ASSERT_FALSE(d.HasParseError()) << doc.source;
  EXPECT_EQ(d["id"].GetInt(), 42);
  EXPECT_EQ(d["i2"].GetInt(), -7);
  EXPECT_DOUBLE_EQ(d["f8"].GetDouble(), 1.5e30);
  EXPECT_EQ(Str(d["nan"]), "NaN") << "no JSON number for NaN";
  EXPECT_TRUE(d["num"].IsNumber());
  EXPECT_NE(doc.source.find("12345678901234567890.000123"), std::string::npos)
      << "numeric digits as sent";
  EXPECT_EQ(Str(d["big"]), "Infinity");
  EXPECT_TRUE(d["ok"].IsTrue());
  EXPECT_EQ(Str(d["ts"]), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(Str(d["tstz"]), "2024-02-29T23:30:00.500Z") << "to UTC";
  EXPECT_EQ(Str(d["old"]), "1969-12-31T23:59:59.999Z") << "rounded down before 1970 too";
  EXPECT_EQ(Str(d["inf"]), "infinity");
  EXPECT_EQ(Str(d["day"]), "2024-02-29");
  ASSERT_TRUE(d["doc"].IsObject());
  EXPECT_EQ(d["doc"]["a"][1].GetInt(), 2);
  EXPECT_TRUE(d["doc"]["b"]["c"].IsNull());
  EXPECT_EQ(d["js"]["x"].GetInt(), 1);
  EXPECT_EQ(doc.source.find('\n'), std::string::npos) << "json is re-written on one line";
  EXPECT_EQ(Str(d["bin"]), "AP8Q");  // base64 of 00 ff 10
  ASSERT_TRUE(d["ints"].IsArray());
  EXPECT_EQ(d["ints"][0].GetInt(), 1);
  EXPECT_TRUE(d["ints"][1].IsNull());
  EXPECT_EQ(d["ints"][2].GetInt(), 3);
  EXPECT_EQ(Str(d["texts"][0]), "a b");
  EXPECT_TRUE(d["texts"][1].IsNull());
  EXPECT_EQ(Str(d["texts"][2]), "c\"d");
  ASSERT_TRUE(d["grid"].IsArray()) << "int4[] resolved without a catalog entry";
  EXPECT_EQ(d["grid"][1][0].GetInt(), 3);
  EXPECT_EQ(d["yr"].GetInt(), 1988) << "a domain is its base type";
  EXPECT_EQ(Str(d["feel"]), "happy");
  EXPECT_EQ(Str(d["u"]), "0e5f1c9a-1111-4222-8333-944455556666");
  EXPECT_TRUE(d["gap"].IsNull());
  EXPECT_FALSE(d.HasMember("@timestamp_gen")) << "no cr_dtimes/upd_dtimes columns";
}

TEST(ColumnJsonTest, ChannelInfoIsAPlainRowWithANumericCount) {
  RawDocumentBuilder builder;
  RawDocument raw;
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("channel_info"), &raw);
  EXPECT_EQ(raw.id, "9F2C4B0A5D0E6C1B7A3F8E2D4C6B1A09F8E7D6C5B4A3928170F6E5D4C3B2A190");
  EXPECT_FALSE(raw.is_profile);
  EXPECT_EQ(doc["no_of_records"].GetInt(), 3);
  EXPECT_EQ(Str(doc["@timestamp_gen"]), "2025-06-02T10:15:00.000Z") << "upd_dtimes wins";
  EXPECT_EQ(Str(doc["cr_dtimes"]), "2025-03-14T08:01:30.500Z");
  EXPECT_TRUE(doc["del_dtimes"].IsNull());
  EXPECT_FALSE(doc.HasMember("documents_names"));
}

TEST(ColumnJsonTest, InvalidUtf8IsRejectedNamingTheColumn) {
  MosipRow row = GoldenRow("channel_info");
  row.row[3] = Text(std::string("svc\xff\xfe", 5));
  RawDocumentBuilder builder;
  RawDocument doc;
  const Status s = builder.Build(*row.relation, row.row, 0, &doc);
  EXPECT_EQ(s.code(), Status::Code::kRejected);
  EXPECT_NE(s.message().find("cr_by"), std::string::npos) << s.message();
  EXPECT_TRUE(doc.source.empty());
  // Overlong forms, surrogates and truncated sequences too; real text passes.
  for (const std::string& bad :
       {std::string("\xc0\xaf"), std::string("\xed\xa0\x80"), std::string("abcdefgh\xe2\x82"),
        std::string("\xf4\x90\x80\x80")}) {
    row.row[3] = Text(bad);
    EXPECT_EQ(builder.Build(*row.relation, row.row, 0, &doc).code(), Status::Code::kRejected);
  }
  row.row[3] = Text("s\xc3\xa9rvice \xf0\x9f\x98\x80 \xe2\x82\xac long ascii run here");
  ASSERT_TRUE(builder.Build(*row.relation, row.row, 0, &doc).ok());
  rapidjson::Document parsed;
  parsed.Parse(doc.source.c_str());
  EXPECT_EQ(Str(parsed["cr_by"]),
            "s\xc3\xa9rvice \xf0\x9f\x98\x80 \xe2\x82\xac long ascii run here");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
