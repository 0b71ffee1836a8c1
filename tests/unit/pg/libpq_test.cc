#include "pg/libpq.h"

#include <gtest/gtest.h>

namespace walcast::pg {
namespace {

// The texts are libpq 15's and the server's, as PQerrorMessage returns them.
TEST(ClassifyConnectMessageTest, WrongPasswordIsNotRetried) {
  const Status s = ClassifyConnectMessage(
      "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
      "authentication failed for user \"walcast\"\n");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST(ClassifyConnectMessageTest, CertificateThatDoesNotVerifyIsNotRetried) {
  EXPECT_EQ(ClassifyConnectMessage("connection to server at \"127.0.0.1\", port 5432 failed: "
                                   "SSL error: certificate verify failed")
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ClassifyConnectMessage("connection to server at \"127.0.0.1\", port 5432 failed: "
                                   "server certificate for \"localhost\" does not match host "
                                   "name \"127.0.0.2\"")
                .code(),
            Status::Code::kInvalidArgument);
}

TEST(ClassifyConnectMessageTest, MissingCertificateFilesAreNotRetried) {
  EXPECT_EQ(ClassifyConnectMessage("root certificate file \"/x/ca.crt\" does not exist\nEither "
                                   "provide the file or change sslmode to disable server "
                                   "certificate verification.")
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ClassifyConnectMessage("could not open certificate file \"/x/c.crt\": No such file")
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ClassifyConnectMessage("could not load private key file \"/x/c.key\": bad decrypt")
                .code(),
            Status::Code::kInvalidArgument);
}

TEST(ClassifyConnectMessageTest, RefusedClientCertificateIsNotRetried) {
  EXPECT_EQ(ClassifyConnectMessage("FATAL:  certificate authentication failed for user \"u\"")
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ClassifyConnectMessage("SSL error: tlsv1 alert unknown ca").code(),
            Status::Code::kInvalidArgument);
}

TEST(ClassifyConnectMessageTest, ServerWithoutTlsUnderRequireIsNotRetried) {
  EXPECT_EQ(ClassifyConnectMessage("server does not support SSL, but SSL was required").code(),
            Status::Code::kInvalidArgument);
}

TEST(ClassifyConnectMessageTest, MissingDatabaseIsNotFound) {
  EXPECT_EQ(ClassifyConnectMessage("FATAL:  database \"nope\" does not exist").code(),
            Status::Code::kNotFound);
}

TEST(ClassifyConnectMessageTest, UnreachableServerIsRetried) {
  EXPECT_EQ(ClassifyConnectMessage("connection to server at \"127.0.0.1\", port 1 failed: "
                                   "Connection refused")
                .code(),
            Status::Code::kUnavailable);
}

}  // namespace
}  // namespace walcast::pg
