// main() for test binaries that share one throwaway PostgreSQL cluster, one
// Kafka broker and one Elasticsearch or OpenSearch node: PostgreSQL, then
// Kafka, then the search node, once for the binary; any of them failing to
// start fails the tests that use it (never a skip).

#include <curl/curl.h>
#include <gtest/gtest.h>

#include "tests/support/es_cluster.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"

int main(int argc, char** argv) {
  // Once, before any thread: libcurl's global state (the node's helpers).
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  // GoogleTest owns the environments and tears them down in reverse order.
  ::testing::AddGlobalTestEnvironment(new walcast::testing::PostgresEnvironment);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::KafkaEnvironment);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::EsEnvironment);
  const int rc = RUN_ALL_TESTS();
  curl_global_cleanup();
  return rc;
}
