// main() for test binaries that share one throwaway PostgreSQL cluster and one
// throwaway Elasticsearch or OpenSearch node (WALCAST_ES_FLAVOUR). Both start
// before the first test (PostgreSQL first) and stop after the last; either
// failing to start fails the tests that use it, never skips them.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include "tests/support/es_cluster.h"
#include "tests/support/postgres_cluster.h"

int main(int argc, char** argv) {
  // Once, before any thread: libcurl's global state (STYLE.md, RAII).
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  // GoogleTest owns the environments and tears them down in reverse order.
  ::testing::AddGlobalTestEnvironment(new walcast::testing::PostgresEnvironment);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::EsEnvironment);
  const int rc = RUN_ALL_TESTS();
  curl_global_cleanup();
  return rc;
}
