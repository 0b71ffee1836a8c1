#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "sinks/elasticsearch/auth.h"
#include "sinks/elasticsearch/http_transport.h"

// libcurl's handle types, so that this header does not include curl.h.
typedef void CURL;  // NOLINT(modernize-use-using): must match curl.h's typedef

namespace walcast::sinks::elasticsearch {

// Every member has an initializer, so designated initializers may leave any
// out (GCC warns about omitted members without one).
struct HttpClientOptions {
  // "http://host:port" or "https://host:port", optionally with a path
  // prefix (a proxy's); no query. A trailing '/' is dropped.
  std::string base_url{};
  Credentials credentials{};
  // TLS: a PEM bundle of the CAs to trust (default: the system's), and an
  // optional client certificate and key (PEM) for mutual TLS.
  std::string ca_file{};
  std::string client_cert_file{};
  std::string client_key_file{};
  // Skips verification of the server's certificate and name. Only for tests
  // against self-signed servers; Create logs a warning when it is set.
  bool insecure_skip_tls_verify = false;
  std::chrono::milliseconds connect_timeout{10000};
  // Whole request, from connect to the last byte of the answer. A bulk
  // request to a busy cluster can take tens of seconds.
  std::chrono::milliseconds request_timeout{120000};
  // Bodies of at least this many bytes go gzip-compressed
  // ("Content-Encoding: gzip"; Elasticsearch and OpenSearch always accept
  // it). 0 disables compression.
  size_t gzip_min_bytes = 1024;
};

// An HTTP/1.1 client for one Elasticsearch or OpenSearch endpoint over
// libcurl. It owns one easy handle, so consecutive requests reuse one
// keep-alive connection (reconnecting by itself after the server closed
// it). Answers may come gzip-compressed; they are decoded.
//
// Never logs credentials or bodies: the Authorization header is built once
// at Create and only handed to libcurl, and error messages carry the method,
// path and libcurl's reason.
//
// Thread: one caller at a time (a libcurl easy handle is not thread-safe).
// Every call blocks up to request_timeout. curl_global_init must have run
// (main does it once, before any thread starts).
class HttpClient : public HttpTransport {
 public:
  // kInvalidArgument for a malformed base_url or credentials (see
  // AuthorizationHeader), or a TLS file that does not exist or cannot be
  // read; kInternal if libcurl cannot make a handle.
  static Result<std::unique_ptr<HttpClient>> Create(HttpClientOptions options);
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using HttpTransport::Send;
  // See HttpTransport::Send for the error codes. libcurl's TLS setup errors
  // (a bad CA bundle or client certificate) are kInvalidArgument.
  Result<HttpResponse> Send(HttpMethod method, std::string_view path_and_query,
                            std::string_view body, ContentType type) override;

  const std::string& base_url() const { return options_.base_url; }

 private:
  struct CurlDeleter {
    void operator()(CURL* curl) const;
  };

  HttpClient(HttpClientOptions options, std::string auth_header,
             std::unique_ptr<CURL, CurlDeleter> curl)
      : options_(std::move(options)),
        auth_header_(std::move(auth_header)),
        curl_(std::move(curl)) {}

  HttpClientOptions options_;
  std::string auth_header_;  // a secret; "" without credentials
  std::unique_ptr<CURL, CurlDeleter> curl_;
};

}  // namespace walcast::sinks::elasticsearch
