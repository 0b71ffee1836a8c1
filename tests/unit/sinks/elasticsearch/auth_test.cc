#include "sinks/elasticsearch/auth.h"

#include <gtest/gtest.h>

namespace walcast::sinks::elasticsearch {
namespace {

TEST(AuthTest, NoCredentialsNoHeader) {
  const Result<std::string> header = AuthorizationHeader({});
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, "");
}

TEST(AuthTest, BasicEncodesUserAndPassword) {
  Credentials c;
  c.username = "elastic";
  c.password = "changeme";
  EXPECT_EQ(*AuthorizationHeader(c), "Authorization: Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
  c.password.clear();  // an empty password is allowed
  EXPECT_EQ(*AuthorizationHeader(c), "Authorization: Basic ZWxhc3RpYzo=");
}

TEST(AuthTest, ApiKeyEncodedOrIdAndKey) {
  Credentials encoded;
  encoded.api_key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
  EXPECT_EQ(*AuthorizationHeader(encoded),
            "Authorization: ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  // The same key given as id and secret (Elasticsearch's documented example).
  Credentials pair;
  pair.api_key_id = "VuaCfGcBCdbkQm-e5aOx";
  pair.api_key = "ui2lp2axTNmsyakw9tvNnw";
  EXPECT_EQ(*AuthorizationHeader(pair), *AuthorizationHeader(encoded));
}

TEST(AuthTest, BearerTokenAsGiven) {
  Credentials c;
  c.bearer_token = "dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu";
  EXPECT_EQ(*AuthorizationHeader(c), "Authorization: Bearer dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu");
}

TEST(AuthTest, ConflictingOrIncompleteCredentialsAreInvalid) {
  Credentials two;
  two.username = "u";
  two.bearer_token = "t";
  EXPECT_EQ(AuthorizationHeader(two).status().code(), Status::Code::kInvalidArgument);

  Credentials password_only;
  password_only.password = "p";
  EXPECT_EQ(AuthorizationHeader(password_only).status().code(), Status::Code::kInvalidArgument);

  Credentials id_only;
  id_only.api_key_id = "id";
  EXPECT_EQ(AuthorizationHeader(id_only).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
