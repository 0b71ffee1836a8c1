#include "sinks/elasticsearch/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

// A loopback port nobody listens on: bound, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) close(fd);
  return ok ? ntohs(addr.sin_port) : 1;
}

TEST(HttpClientTest, CreateRejectsBadUrls) {
  for (const char* url :
       {"", "localhost:9200", "ftp://h:1", "http://h:1/?x=1", "http://h:1/#f", "http://h :1"}) {
    EXPECT_EQ(HttpClient::Create({.base_url = url}).status().code(), Status::Code::kInvalidArgument)
        << url;
  }
  const Result<std::unique_ptr<HttpClient>> ok =
      HttpClient::Create({.base_url = "https://h:9200//"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->base_url(), "https://h:9200");
}

TEST(HttpClientTest, CreateRejectsUnreadableTlsFilesAndHalfPairs) {
  EXPECT_EQ(HttpClient::Create({.base_url = "https://h:1", .ca_file = "/nonexistent/ca.pem"})
                .status()
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create({.base_url = "https://h:1", .client_cert_file = "/dev/null"})
                .status()
                .code(),
            Status::Code::kInvalidArgument);
  Credentials both;
  both.username = "u";
  both.api_key = "k";
  EXPECT_EQ(HttpClient::Create({.base_url = "http://h:1", .credentials = both}).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(HttpClientTest, RefusedConnectionIsUnavailable) {
  Result<std::unique_ptr<HttpClient>> client =
      HttpClient::Create({.base_url = "http://127.0.0.1:" + std::to_string(ClosedPort()),
                          .connect_timeout = std::chrono::milliseconds(2000)});
  ASSERT_TRUE(client.ok());
  const Result<HttpResponse> answer = (*client)->Get("/");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), Status::Code::kUnavailable) << answer.status().ToString();
  EXPECT_NE(answer.status().message().find("GET /"), std::string::npos);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
