// main() for test binaries that share one throwaway PostgreSQL cluster and one
// throwaway Kafka broker. Both start before the first test (PostgreSQL first)
// and stop after the last; either failing to start fails the tests that use
// it, never skips them.

#include <gtest/gtest.h>

#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // GoogleTest owns the environments and tears them down in reverse order.
  ::testing::AddGlobalTestEnvironment(new walcast::testing::PostgresEnvironment);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::KafkaEnvironment);
  return RUN_ALL_TESTS();
}
