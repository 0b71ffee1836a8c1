#include "tests/support/record_diff.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

// The differential test's comparator must find what differs; these cases
// feed it records that differ in one known way each.

namespace walcast::testing {
namespace {

constexpr char kTopic[] = "dbserver1.public.t";

// A change event (schemas off) with the given after image, source and
// envelope times.
std::string Event(
    const std::string& after, const std::string& op = "c",
    const std::string& source_extra = R"("txId":770,"lsn":100,"sequence":"[null,\"100\"]")",
    int64_t now_ms = 1700000000200, const std::string& version = "3.7.0.Final") {
  return R"({"before":null,"after":)" + after + R"(,"source":{"version":")" + version +
         R"(","connector":"postgresql","name":"dbserver1","ts_ms":1700000000123,)" + source_extra +
         R"(},"transaction":null,"op":")" + op + R"(","ts_ms":)" + std::to_string(now_ms) +
         R"(,"ts_us":)" + std::to_string(now_ms * 1000) + "}";
}

KafkaRecord Record(int64_t offset, std::optional<std::string> key, std::optional<std::string> value,
                   const std::string& run_id = "01a20968-bd2e-7916-84c9-0fbb48e77217") {
  KafkaRecord r;
  r.topic = kTopic;
  r.offset = offset;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = {{"__debezium.context.connectorLogicalName", "dbserver1"},
               {"__debezium.context.runId", run_id}};
  return r;
}

DiffReport Diff(std::vector<KafkaRecord> debezium, std::vector<KafkaRecord> walcast) {
  return DiffTopics({{kTopic, std::move(debezium)}}, {{kTopic, std::move(walcast)}});
}

TEST(RecordDiffTest, OnlyMaskedValuesDifferMeansNoDifference) {
  const DiffReport r = Diff({Record(0, R"({"id":1})", Event(R"({"id":1,"v":1.5})"))},
                            {Record(0, R"({"id":1})",
                                    Event(R"({"id":1,"v":1.5})", "c",
                                          R"("txId":770,"lsn":100,"sequence":"[null,\"100\"]")",
                                          1700000009999, "walcast-0.1"),
                                    "8b7e0f4c-2c1d-4a3e-9f00-123456789abc")});
  EXPECT_TRUE(r.differences.empty()) << r.differences.front();
  EXPECT_EQ(r.records_compared, 1);
}

TEST(RecordDiffTest, ValueDifferenceNamesThePathAndBothValues) {
  const DiffReport r = Diff({Record(3, R"({"id":1})", Event(R"({"id":1,"c_date":19782})"))},
                            {Record(3, R"({"id":1})", Event(R"({"id":1,"c_date":19783})"))});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].topic, kTopic);
  EXPECT_EQ(r.differences[0].offset, 3);
  EXPECT_EQ(r.differences[0].path, "value/after/c_date");
  EXPECT_EQ(r.differences[0].debezium, "19782");
  EXPECT_EQ(r.differences[0].walcast, "19783");
}

TEST(RecordDiffTest, FieldOrderIsADifference) {
  const DiffReport r = Diff({Record(0, R"({"id":1,"tenant":2})", std::nullopt)},
                            {Record(0, R"({"tenant":2,"id":1})", std::nullopt)});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "key (field order)");
  EXPECT_EQ(r.differences[0].debezium, "id,tenant");
  EXPECT_EQ(r.differences[0].walcast, "tenant,id");
}

TEST(RecordDiffTest, NumberTextAndTypeMatter) {
  const DiffReport r = Diff(
      {Record(0, R"({"a":1.0,"b":1.0E10,"c":1,"d":"1","e":0.1})", std::nullopt)},
      {Record(0, R"({"a":1,"b":1.0e10,"c":"1","d":1,"e":0.10000000149011612})", std::nullopt)});
  std::vector<std::string> paths;
  for (const RecordDifference& d : r.differences) paths.push_back(d.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"key/a", "key/b", "key/c", "key/d", "key/e"}));
  EXPECT_TRUE(r.normalised.empty());
}

TEST(RecordDiffTest, LongerJdk17FloatTextIsNormalisedNotIgnored) {
  const DiffReport r = Diff({Record(0, R"({"x":1.9999999999999998E23})", std::nullopt)},
                            {Record(0, R"({"x":2.0E23})", std::nullopt)});
  EXPECT_TRUE(r.differences.empty()) << r.differences.front();
  ASSERT_EQ(r.normalised.size(), 1u);
  EXPECT_EQ(r.normalised[0].rule, "JDK 17 float text");
  // The other way round (walcast longer than Debezium) is a difference.
  EXPECT_EQ(Diff({Record(0, R"({"x":2.0E23})", std::nullopt)},
                 {Record(0, R"({"x":1.9999999999999998E23})", std::nullopt)})
                .differences.size(),
            1u);
}

// A float field's JDK 17 text can name another double than walcast's
// shortest float text; the schema says to compare them as floats.
TEST(RecordDiffTest, FloatFieldsCompareAsFloatsWhenTheSchemaSaysSo) {
  const auto doc = [](const std::string& type, const std::string& number) {
    return R"({"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":")" + type +
           R"(","optional":true,"field":"r"}],"optional":true,"field":"after"}],)"
           R"("optional":false},"payload":{"after":{"r":)" +
           number + "}}}";
  };
  EXPECT_TRUE(Diff({Record(0, std::nullopt, doc("float", "8.5899735E9"))},
                   {Record(0, std::nullopt, doc("float", "8.589974E9"))})
                  .differences.empty());
  EXPECT_EQ(Diff({Record(0, std::nullopt, doc("double", "8.5899735E9"))},
                 {Record(0, std::nullopt, doc("double", "8.589974E9"))})
                .differences.size(),
            1u);
}

TEST(RecordDiffTest, MissingAndExtraFieldsRecordsAndTopics) {
  KafkaRecord extra = Record(1, R"({"id":2})", std::nullopt);
  const DiffReport r = DiffTopics({{kTopic, {Record(0, R"({"id":1,"x":1})", std::nullopt)}}},
                                  {{kTopic, {Record(0, R"({"id":1,"y":1})", std::nullopt), extra}},
                                   {"walcast.only", {Record(0, R"({"id":1})", std::nullopt)}}});
  std::vector<std::string> paths;
  for (const RecordDifference& d : r.differences) paths.push_back(d.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"key/x", "key/y", "record", "topic", "record"}));
  EXPECT_EQ(r.differences[2].debezium, "<missing>");
  EXPECT_EQ(r.differences[3].topic, "walcast.only");
}

TEST(RecordDiffTest, EscapesAreComparedAsBytes) {
  const DiffReport r = Diff({Record(0, R"({"s":"é\t"})", std::nullopt)},
                            {Record(0, R"({"s":"\u00e9\t"})", std::nullopt)});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "key (bytes from offset 6)");
}

TEST(RecordDiffTest, TombstoneAgainstValueAndNullKeys) {
  const DiffReport r =
      Diff({Record(0, std::nullopt, std::nullopt)}, {Record(0, std::nullopt, R"({"op":"d"})")});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "value");
  EXPECT_EQ(r.differences[0].debezium, "<null>");
}

TEST(RecordDiffTest, HeadersByNameOrderAndValueRunIdMustBeAUuid) {
  KafkaRecord d = Record(0, R"({"id":1})", std::nullopt);
  KafkaRecord w = Record(0, R"({"id":1})", std::nullopt, "not-a-uuid");
  w.headers[0].value = "walcast";
  d.headers.insert(d.headers.begin(), KafkaHeader{"__debezium.newkey", R"({"id":2})"});
  const DiffReport r = Diff({d}, {w});
  std::vector<std::string> paths;
  for (const RecordDifference& diff : r.differences) paths.push_back(diff.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"headers (names)", "headers/0/name", "headers/1/name"}));
  w.headers.insert(w.headers.begin(), KafkaHeader{"__debezium.newkey", R"({"id":2})"});
  paths.clear();
  for (const RecordDifference& diff : Diff({d}, {w}).differences) paths.push_back(diff.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"headers/1 __debezium.context.connectorLogicalName",
                                             "headers/2 __debezium.context.runId (a UUID)"}));
}

TEST(RecordDiffTest, SnapshotPositionIsCheckedPerSideNotCompared) {
  const auto read = [](int64_t offset, const std::string& tx, const std::string& lsn,
                       const std::string& sequence_lsn) {
    return Record(offset, R"({"id":1})",
                  Event(R"({"id":1})", "r",
                        R"("txId":)" + tx + R"(,"lsn":)" + lsn + R"(,"sequence":"[null,\")" +
                            sequence_lsn + R"(\"]")"));
  };
  // Different snapshots on the two sides, each consistent: fine.
  EXPECT_TRUE(Diff({read(0, "772", "500", "500"), read(1, "772", "500", "500")},
                   {read(0, "790", "900", "900"), read(1, "790", "900", "900")})
                  .differences.empty());
  // walcast's second read names another transaction, its first a wrong
  // sequence.
  const DiffReport r = Diff({read(0, "772", "500", "500"), read(1, "772", "500", "500")},
                            {read(0, "790", "900", "899"), read(1, "791", "900", "900")});
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_EQ(r.differences[0].path, "value/source/sequence (walcast's snapshot reads)");
  EXPECT_EQ(r.differences[0].walcast, R"([null,"899"])");
  EXPECT_EQ(r.differences[1].path, "value/source/txId,lsn (walcast's snapshot reads)");
  EXPECT_EQ(r.differences[1].offset, 1);
}

TEST(RecordDiffTest, StreamedCommitTimeIsCompared) {
  const std::string later = Event(R"({"id":1})");
  std::string changed = later;
  changed.replace(changed.find("1700000000123"), 13, "1700000000124");
  const DiffReport r = Diff({Record(0, R"({"id":1})", later)}, {Record(0, R"({"id":1})", changed)});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "value/source/ts_ms");
}

TEST(RecordDiffTest, MessageCollectionsCompareWithoutIdentityHashAndOrder) {
  const std::string id =
      "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$"
      "LogicalDecodingMessageId@";
  const auto end = [&](const std::string& first, const std::string& second) {
    return R"({"status":"END","id":"807:1","event_count":2,"data_collections":[)" + first + "," +
           second + R"(],"ts_ms":1})";
  };
  const std::string table = R"({"data_collection":"public.ri_default","event_count":1})";
  const DiffReport same =
      Diff({Record(0, R"({"id":"807:1"})",
                   end(table, R"({"data_collection":")" + id + R"(45e88ff3","event_count":1})"))},
           {Record(0, R"({"id":"807:1"})",
                   end(R"({"data_collection":")" + id + R"(1","event_count":1})", table))});
  EXPECT_TRUE(same.differences.empty()) << same.differences.front();
  EXPECT_EQ(same.normalised.size(), 1u);
  const DiffReport counted =
      Diff({Record(0, R"({"id":"807:1"})",
                   end(table, R"({"data_collection":")" + id + R"(45e88ff3","event_count":1})"))},
           {Record(0, R"({"id":"807:1"})",
                   end(table, R"({"data_collection":")" + id + R"(1","event_count":2})"))});
  ASSERT_EQ(counted.differences.size(), 1u);
  EXPECT_EQ(counted.differences[0].path, "value/data_collections (as a set, message ids aside)");
}

}  // namespace
}  // namespace walcast::testing
