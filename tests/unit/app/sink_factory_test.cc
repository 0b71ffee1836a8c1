#include "app/sink_factory.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "app/options.h"
#include "core/config.h"

namespace walcast::app {
namespace {

Result<debezium::EncoderOptions> FromValues(std::map<std::string, std::string> values) {
  Result<Config> config = Config::Build(AllOptions(), values, PassthroughPrefixes());
  if (!config.ok()) return config.status();
  return EncoderOptionsFrom(*config, "db");
}

TEST(SinkFactoryTest, ColumnOptionsReachTheEncoder) {
  Result<debezium::EncoderOptions> options =
      FromValues({{"column.exclude.list", "public\\.t\\.secret"},
                  {"column.mask.with.4.chars", "public\\.t\\.name"},
                  {"column.mask.hash.v2.SHA-256.with.salt.pepper", "public\\.t\\.email"},
                  {"column.truncate.to.3.chars", "public\\.t\\.note"},
                  {"column.propagate.source.type", "public\\.t\\.id"}});
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_FALSE(options->columns.exclude.empty());
  EXPECT_EQ(options->columns.mappers.size(), 4u);
}

TEST(SinkFactoryTest, MalformedColumnOptionNamesTheKey) {
  const Result<debezium::EncoderOptions> options =
      FromValues({{"column.mask.hash.SHA-256.salt.x", "public\\.t\\.name"}});
  ASSERT_EQ(options.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(options.status().message().find("column.mask.hash.SHA-256.salt.x"), std::string::npos);
}

}  // namespace
}  // namespace walcast::app
