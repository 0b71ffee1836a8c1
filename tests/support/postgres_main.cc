// main() for test binaries that share one throwaway PostgreSQL cluster.

#include <gtest/gtest.h>

#include "tests/support/postgres_cluster.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::PostgresEnvironment);
  return RUN_ALL_TESTS();
}
