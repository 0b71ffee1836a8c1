#include "wal_reader/relation_cache.h"

#include <gtest/gtest.h>

#include <map>

namespace walcast::wal_reader {
namespace {

class MapResolver : public TypeResolver {
 public:
  std::optional<TypeInfo> Resolve(uint32_t oid) override {
    ++calls;
    auto it = types.find(oid);
    if (it == types.end()) return std::nullopt;
    return it->second;
  }
  std::map<uint32_t, TypeInfo> types;
  int calls = 0;
};

Relation MakeRelation(uint32_t oid, std::vector<uint32_t> type_oids) {
  Relation r;
  r.oid = oid;
  r.schema = "public";
  r.name = "t";
  for (size_t i = 0; i < type_oids.size(); ++i) {
    Column c;
    c.name = "c" + std::to_string(i);
    c.type_oid = type_oids[i];
    r.columns.push_back(c);
  }
  return r;
}

TEST(RelationCacheTest, ResolvesTypesOncePerOid) {
  MapResolver resolver;
  TypeInfo int4;
  int4.oid = 23;
  int4.schema = "pg_catalog";
  int4.name = "int4";
  TypeInfo int4_array = int4;
  int4_array.oid = 1007;
  int4_array.name = "_int4";
  int4_array.category = 'A';
  int4_array.elem_oid = 23;
  resolver.types[23] = int4;
  resolver.types[1007] = int4_array;
  RelationCache cache(&resolver);
  auto rel = cache.Put(MakeRelation(100, {23, 1007, 23}));
  ASSERT_TRUE(rel->columns[0].type.has_value());
  EXPECT_EQ(rel->columns[0].type->name, "int4");
  EXPECT_EQ(rel->columns[1].type->elem_oid, 23u);
  EXPECT_EQ(resolver.calls, 2);
}

TEST(RelationCacheTest, NewRelationMessageReplacesEntryButOldEventsKeepTheirs) {
  RelationCache cache(nullptr);
  auto v1 = cache.Put(MakeRelation(100, {23}));
  auto v2 = cache.Put(MakeRelation(100, {23, 25}));
  EXPECT_EQ(cache.Get(100), v2);
  EXPECT_EQ(v1->columns.size(), 1u);
  EXPECT_EQ(cache.Get(100)->columns.size(), 2u);
  EXPECT_EQ(cache.Get(999), nullptr);
}

TEST(RelationCacheTest, TypeMessageNamesUnknownTypes) {
  RelationCache cache(nullptr);
  cache.PutType(16390, "public", "mood");
  auto rel = cache.Put(MakeRelation(7, {16390, 23}));
  ASSERT_TRUE(rel->columns[0].type.has_value());
  EXPECT_EQ(rel->columns[0].type->name, "mood");
  EXPECT_EQ(rel->columns[0].type->schema, "public");
  EXPECT_FALSE(rel->columns[1].type.has_value());
}

// pgoutput sends a Type message before the Relation of a table with a
// domain column; the domain must still carry its base type.
TEST(RelationCacheTest, TypeMessageForADomainKeepsItsBaseType) {
  MapResolver resolver;
  TypeInfo int4;
  int4.oid = 23;
  int4.name = "int4";
  TypeInfo posint;
  posint.oid = 16400;
  posint.name = "posint";
  posint.typtype = 'd';
  posint.base_oid = 23;
  resolver.types[23] = int4;
  resolver.types[16400] = posint;
  RelationCache cache(&resolver);
  cache.PutType(16400, "public", "posint");
  auto rel = cache.Put(MakeRelation(7, {16400}));
  ASSERT_TRUE(rel->columns[0].type.has_value());
  EXPECT_EQ(rel->columns[0].type->schema, "public");
  ASSERT_EQ(rel->columns[0].type->inner.size(), 1u);
  EXPECT_EQ(rel->columns[0].type->inner[0].name, "int4");
}

}  // namespace
}  // namespace walcast::wal_reader
