#include "debezium/connect_string.h"

#include <gtest/gtest.h>

#include <string>

// Expected texts are what Kafka Connect 4.3.1's SimpleHeaderConverter
// printed for the same struct (built with Connect's API and run on the
// test machine's JVM), except the float, which JDK 17 prints as
// 8.5899735E9 (docs/differential-test.md).

namespace walcast::debezium {
namespace {

ConnectSchema Decimal(int scale) {
  ConnectSchema s =
      ConnectSchema::Of(ConnectType::kBytes, false, "org.apache.kafka.connect.data.Decimal", 1);
  s.parameters.emplace_back("scale", std::to_string(scale));
  return s;
}

TEST(ConnectStringTest, StructAsSimpleHeaderConverterPrintsIt) {
  ConnectSchema vsd =
      ConnectSchema::Of(ConnectType::kStruct, false, "io.debezium.data.VariableScaleDecimal", 1);
  vsd.fields.push_back({"scale", ConnectSchema::Of(ConnectType::kInt32, false)});
  vsd.fields.push_back({"value", ConnectSchema::Of(ConnectType::kBytes, false)});
  ConnectSchema array = ConnectSchema::Of(ConnectType::kArray, false);
  array.items.push_back(ConnectSchema::Of(ConnectType::kInt32, false));
  ConnectSchema key = ConnectSchema::Of(ConnectType::kStruct, false, "k");
  key.fields = {
      {"d2", Decimal(2)},
      {"d10", Decimal(10)},
      {"d0", Decimal(0)},
      {"v", vsd},
      {"s", ConnectSchema::Of(ConnectType::kString, false)},
      {"f", ConnectSchema::Of(ConnectType::kFloat32, false)},
      {"b", ConnectSchema::Of(ConnectType::kBoolean, false)},
      {"bytes", ConnectSchema::Of(ConnectType::kBytes, false)},
      {"arr", array},
      {"date",
       ConnectSchema::Of(ConnectType::kInt32, false, "org.apache.kafka.connect.data.Date", 1)},
      {"ts",
       ConnectSchema::Of(ConnectType::kInt64, false, "org.apache.kafka.connect.data.Timestamp", 1)},
      {"t", ConnectSchema::Of(ConnectType::kInt32, false, "org.apache.kafka.connect.data.Time", 1)},
      {"big", Decimal(0)},
  };
  const std::string json =
      R"({"d2":"APo=","d10":"A+g=","d0":"/h3A","v":{"scale":3,"value":"MDk="},)"
      R"("s":"q\"uo\\te\ttab é","f":8.589974E9,"b":true,"bytes":"AP8=","arr":[1,2],)"
      R"("date":19782,"ts":1709212455500,"t":45296789,"big":"BWvHXi1jEAAA"})";
  std::string out;
  ASSERT_TRUE(AppendConnectString(key, json, &out).ok());
  EXPECT_EQ(out,
            "{\"d2\":2.50,\"d10\":1.000E-7,\"d0\":-123456,\"v\":{\"scale\":3,\"value\":\"MDk=\"},"
            "\"s\":\"q\\\"uo\\\\te\ttab é\",\"f\":8.589974E9,\"b\":true,\"bytes\":\"AP8=\","
            "\"arr\":[1,2],\"date\":2024-02-29,\"ts\":2024-02-29T13:14:15.500Z,"
            "\"t\":12:34:56.789Z,\"big\":100000000000000000000}");
}

TEST(ConnectStringTest, BadInputIsCorruption) {
  ConnectSchema key = ConnectSchema::Of(ConnectType::kStruct, false, "k");
  key.fields = {{"d", Decimal(2)}};
  std::string out;
  EXPECT_EQ(AppendConnectString(key, "{", &out).code(), Status::Code::kCorruption);
  EXPECT_EQ(AppendConnectString(key, R"({"d":"!!"})", &out).code(), Status::Code::kCorruption);
  EXPECT_EQ(AppendConnectString(key, R"({"x":1})", &out).code(), Status::Code::kCorruption);
}

// BigDecimal.toString (values printed by the same JVM).
TEST(ConnectStringTest, JavaBigDecimalString) {
  EXPECT_EQ(JavaBigDecimalString(std::string("\x00", 1), 2), "0.00");
  EXPECT_EQ(JavaBigDecimalString("\xff", 2), "-0.01");
  EXPECT_EQ(JavaBigDecimalString("\x01", 20), "1E-20");
  EXPECT_EQ(JavaBigDecimalString("\x30\x39", -3), "1.2345E+7");
  EXPECT_EQ(JavaBigDecimalString("\xfb", 7), "-5E-7");
  EXPECT_EQ(JavaBigDecimalString("\xfb", 6), "-0.000005");
  EXPECT_EQ(JavaBigDecimalString(std::string("\x80\x00", 2), 0), "-32768");
}

}  // namespace
}  // namespace walcast::debezium
