// The lookup keys as walcast reads them (app/options.cc,
// app/elasticsearch_factory.cc), without a server.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "app/elasticsearch_factory.h"
#include "app/options.h"
#include "sinks/elasticsearch/lookup_store.h"

namespace walcast::app {
namespace {

using Code = Status::Code;

// A config validated against walcast's keys; nothing listens on its URL.
Result<Config> Build(std::map<std::string, std::string> values) {
  values["elasticsearch.url"] = "http://127.0.0.1:1";
  return Config::Build(AllOptions(), values, PassthroughPrefixes());
}

TEST(LookupOptionsTest, PerLookupKeysPassValidationAndGlobalOnesAreChecked) {
  EXPECT_TRUE(Build({{"elasticsearch.lookups", "doc_type_name"},
                     {"elasticsearch.lookup.doc_type_name.table", "master.doc_type"}})
                  .ok());
  EXPECT_EQ(Build({{"elasticsearch.lookup.preset", "debezium"}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Build({{"elasticsearch.lookup.max.rows", "many"}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Build({{"elasticsearch.lookup.max.rows", "0"}}).status().code(),
            Code::kInvalidArgument);
}

TEST(LookupOptionsTest, NoLookupsMeansNoStoreAndNoRequest) {
  const Result<Config> config = Build({});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const Result<std::shared_ptr<sinks::elasticsearch::LookupStore>> store = MakeLookupStore(*config);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store, nullptr);
}

TEST(LookupOptionsTest, BadLookupIsRefusedBeforeAnyRequest) {
  const Result<Config> config = Build({{"elasticsearch.lookups", "doc_type_name"},
                                       {"elasticsearch.lookup.doc_type_name.tabel", "x.y"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const auto store = MakeLookupStore(*config);
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_NE(store.status().message().find("elasticsearch.lookup.doc_type_name.tabel"),
            std::string::npos);
}

TEST(LookupOptionsTest, PresetReadsTheLookupTablesBackAtStart) {
  // Declared lookups read their tables from the index: with no server the
  // store cannot start, and the error names the URL.
  const Result<Config> config = Build({{"elasticsearch.lookup.preset", "mosip"}});
  ASSERT_TRUE(config.ok());
  const auto store = MakeLookupStore(*config);
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_NE(store.status().message().find("http://127.0.0.1:1"), std::string::npos);
}

TEST(LookupOptionsTest, DocumentPresetTurnsTheLookupsOnUnlessTheyAreSetApart) {
  // elasticsearch.preset belongs to the document rules; this test does not
  // depend on its declaration.
  Config with_preset = Config::ForTest({{"elasticsearch.url", "http://127.0.0.1:1"},
                                        {"elasticsearch.preset", "mosip"},
                                        {"elasticsearch.lookup.max.rows", "10"}});
  EXPECT_EQ(MakeLookupStore(with_preset).status().code(), Code::kUnavailable);
  Config lookups_off = Config::ForTest({{"elasticsearch.url", "http://127.0.0.1:1"},
                                        {"elasticsearch.preset", "mosip"},
                                        {"elasticsearch.lookup.preset", "none"}});
  const auto store = MakeLookupStore(lookups_off);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store, nullptr);
}

}  // namespace
}  // namespace walcast::app
