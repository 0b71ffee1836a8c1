#include "projections/entry_record.h"

#include <gtest/gtest.h>

#include "pg/type_oids.h"

namespace walcast::projections {
namespace {

ProjectionDefinition Enrolments() {
  Result<ProjectionSet> set = ParseProjectionDefinitions(R"({"format": 1, "projections": [
    {"name": "program_enrollment", "table": "s.t", "document": "doc",
     "key": ["program_id", "user_id"],
     "fields": {"program_id": "$.programId", "user_id": "$.userId", "name": "$.name"},
     "maps": {"user_locations": {"path": "$.loc[*]", "type": "type", "values": ["name"]}},
     "outputs": {"elasticsearch_index": "enrolments",
                 "kafka_table": "projections.program_enrollment"}}]})");
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return set->projections.at(0);
}

ProjectedRow Row() {
  ProjectedRow row;
  row.Set("program_id", "p1");
  row.Set("user_id", "u1");
  row.Set("user_locations.district_name", "Pune");
  row.Set("user_locations.block_name", "Haveli \"B\"");
  return row;
}

TEST(EntryRecordTest, DocumentIdEscapesTheSeparator) {
  EXPECT_EQ(EntryDocumentId({"p1"}), "p1");
  EXPECT_EQ(EntryDocumentId({"p1", "u1"}), "p1:u1");
  EXPECT_EQ(EntryDocumentId({"a:b", "c"}), "a%3Ab:c");
  EXPECT_EQ(EntryDocumentId({"a", "b:c"}), "a:b%3Ac");
  EXPECT_EQ(EntryDocumentId({"50%"}), "50%25");
}

TEST(EntryRecordTest, DocumentNestsMaps) {
  EXPECT_EQ(EntryDocumentJson(Row()), R"({"program_id":"p1","user_id":"u1","user_locations":)"
                                      R"({"block_name":"Haveli \"B\"","district_name":"Pune"}})");
  EXPECT_EQ(EntryDocumentJson(ProjectedRow()), "{}");
}

TEST(EntryRecordTest, DefinitionReadsOutputs) {
  const ProjectionDefinition d = Enrolments();
  EXPECT_EQ(d.elasticsearch_index, "enrolments");
  EXPECT_EQ(d.kafka_table, "projections.program_enrollment");
  EXPECT_TRUE(d.HasOutput());
  Result<ProjectionSet> bad = ParseProjectionDefinitions(R"({"format": 1, "projections": [
    {"name": "x", "table": "s.t", "key": ["a"], "fields": {"a": "a"},
     "outputs": {"kafka_table": "no_schema"}}]})");
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  Result<ProjectionSet> unknown = ParseProjectionDefinitions(R"({"format": 1, "projections": [
    {"name": "x", "table": "s.t", "key": ["a"], "fields": {"a": "a"},
     "outputs": {"index": "i"}}]})");
  EXPECT_EQ(unknown.status().code(), Status::Code::kInvalidArgument);
}

TEST(EntryRecordTest, VirtualTableHasTheDeclaredFieldsAndKey) {
  const ProjectionDefinition d = Enrolments();
  const std::shared_ptr<const Relation> r = VirtualRelation(d, 7);
  EXPECT_EQ(r->schema, "projections");
  EXPECT_EQ(r->name, "program_enrollment");
  ASSERT_EQ(r->columns.size(), 4u);
  std::vector<std::string> names;
  for (const Column& c : r->columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"program_id", "user_id", "name", "user_locations"}));
  EXPECT_EQ(r->columns[0].type_oid, pg::oid::kText);
  EXPECT_EQ(r->columns[3].type_oid, pg::oid::kJsonb);
  EXPECT_EQ(r->primary_key, (std::vector<size_t>{0, 1}));

  const Tuple t = VirtualTuple(d, Row());
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0], Datum::Text("p1"));
  EXPECT_EQ(t[2], Datum::Null());
  EXPECT_EQ(t[3], Datum::Text(R"({"block_name":"Haveli \"B\"","district_name":"Pune"})"));
}

}  // namespace
}  // namespace walcast::projections
