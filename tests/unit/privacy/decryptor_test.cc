#include "privacy/decryptor.h"

#include <gtest/gtest.h>

#include "privacy/cipher.h"
#include "tests/unit/privacy/test_keys.h"

namespace walcast::privacy {
namespace {

TEST(DecryptorTest, DecryptsInsideDebeziumJsonStrings) {
  KeyRing ring = KeyRing::Parse(testing::KeyRingText("k1"), "t").value();
  const std::string key(32, '\x01');
  const std::string email = Seal(key, "k1", "sjane@example.com").value();
  const std::string cell = Seal(key, "k1", "j5550101").value();
  const std::string column = Seal(key, "k1", "tJane \"Q\" Doe").value();
  // A Debezium value: the json column is a string holding JSON.
  const std::string record = R"({"payload":{"after":{"id":1,"name":")" + column +
                             R"(","profile":"{\"email\":\")" + email + R"(\",\"cell\":\")" + cell +
                             R"(\"}"}}})";
  Decryptor decryptor(&ring, nullptr);
  Decryptor::Outcome outcome;
  Result<std::string> clear = decryptor.DecryptDocument(record, &outcome);
  ASSERT_TRUE(clear.ok());
  EXPECT_EQ(outcome.decrypted, 3);
  EXPECT_TRUE(outcome.failures.empty());
  EXPECT_EQ(*clear, R"({"payload":{"after":{"id":1,"name":"Jane \"Q\" Doe","profile":)"
                    R"("{\"email\":\"jane@example.com\",\"cell\":5550101}"}}})");
}

TEST(DecryptorTest, FailuresStayEncryptedAndAreListed) {
  KeyRing ring = KeyRing::Parse(testing::KeyRingText("k1"), "t").value();
  const std::string good = Seal(std::string(32, '\x01'), "k1", "sok").value();
  const std::string wrong = Seal(std::string(32, '\x07'), "k1", "ssecret").value();
  const std::string unknown = Seal(std::string(32, '\x07'), "k9", "ssecret").value();
  const std::string doc =
      R"({"a":")" + good + R"(","b":")" + wrong + R"(","c":[")" + unknown + R"("]})";
  Decryptor decryptor(&ring, nullptr);
  Decryptor::Outcome outcome;
  Result<std::string> clear = decryptor.DecryptDocument(doc, &outcome);
  ASSERT_TRUE(clear.ok());
  EXPECT_EQ(outcome.decrypted, 1);
  ASSERT_EQ(outcome.failures.size(), 2u);
  EXPECT_EQ(outcome.failures[0].rfind("/b: ", 0), 0u);
  EXPECT_EQ(outcome.failures[1].rfind("/c/0: ", 0), 0u);
  EXPECT_NE(clear->find(wrong), std::string::npos);
  EXPECT_EQ(clear->find("secret"), std::string::npos);
  EXPECT_EQ(decryptor.DecryptDocument("not json", &outcome).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::privacy
