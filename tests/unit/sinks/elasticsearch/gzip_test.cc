#include "sinks/elasticsearch/gzip.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

TEST(GzipTest, RoundTripsAndWritesAGzipMember) {
  std::string ndjson;
  for (int i = 0; i < 1000; ++i) {
    ndjson += R"({"index":{"_index":"p","_id":")" + std::to_string(i) + "\"}}\n{\"n\":1}\n";
  }
  const Result<std::string> packed = GzipCompress(ndjson);
  ASSERT_TRUE(packed.ok());
  ASSERT_GE(packed->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);  // gzip magic (RFC 1952)
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_LT(packed->size(), ndjson.size() / 5);
  const Result<std::string> unpacked = GzipDecompress(*packed);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(*unpacked, ndjson);
}

TEST(GzipTest, EmptyInputRoundTrips) {
  const Result<std::string> packed = GzipCompress("");
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(*GzipDecompress(*packed), "");
}

TEST(GzipTest, TruncatedOrForeignDataIsCorruption) {
  const std::string packed = *GzipCompress("hello, elasticsearch");
  EXPECT_EQ(GzipDecompress(packed.substr(0, packed.size() - 4)).status().code(),
            Status::Code::kCorruption);
  EXPECT_EQ(GzipDecompress("not gzip at all").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(GzipDecompress(packed + "trailing").status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
