#include "sinks/elasticsearch/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <array>
#include <new>
#include <utility>

#include "core/log.h"
#include "sinks/elasticsearch/gzip.h"

namespace walcast::sinks::elasticsearch {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// libcurl's write callback. No exception may leave it (a C callback): a
// failed allocation returns 0, which makes libcurl fail the transfer with
// CURLE_WRITE_ERROR.
extern "C" size_t AppendToString(char* data, size_t size, size_t count, void* user) {
  try {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  } catch (const std::bad_alloc&) {
    return 0;
  }
}

const char* MethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kHead:
      return "HEAD";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

// Maps a failed transfer to a code the caller can retry on (HttpTransport).
Status TransferError(CURLcode code, const char* method, std::string_view path, const char* detail) {
  // The query (filter_path and the like) only makes log lines longer.
  path = path.substr(0, path.find('?'));
  std::string message = std::string("elasticsearch: ") + method + " " + std::string(path) + ": " +
                        (detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Timeout(std::move(message));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:  // a handshake cut short, e.g. a restarting node
      return Status::Unavailable(std::move(message));
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CRL_BADFILE:
      return Status::InvalidArgument(std::move(message));
    default:
      // Certificate verification failures, protocol errors, out of memory:
      // retrying does not change them.
      return Status::Fatal(std::move(message));
  }
}

Status CheckReadable(const std::string& path, const char* what) {
  if (!path.empty() && access(path.c_str(), R_OK) != 0) {
    return Status::InvalidArgument(std::string("elasticsearch: ") + what + " " + path +
                                   " cannot be read");
  }
  return Status::Ok();
}

}  // namespace

void HttpClient::CurlDeleter::operator()(CURL* curl) const { curl_easy_cleanup(curl); }

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  std::string& url = options.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!(url.starts_with("http://") || url.starts_with("https://")) ||
      url.find_first_of("?# ") != std::string::npos) {
    return Status::InvalidArgument("elasticsearch: URL must be http(s)://host:port, got '" + url +
                                   "'");
  }
  WALCAST_ASSIGN_OR_RETURN(std::string auth_header, AuthorizationHeader(options.credentials));
  WALCAST_RETURN_IF_ERROR(CheckReadable(options.ca_file, "CA file"));
  WALCAST_RETURN_IF_ERROR(CheckReadable(options.client_cert_file, "client certificate"));
  WALCAST_RETURN_IF_ERROR(CheckReadable(options.client_key_file, "client key"));
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return Status::InvalidArgument(
        "elasticsearch: a client certificate needs its key, and a key its certificate");
  }

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("elasticsearch: curl_easy_init failed");
  CURL* c = curl.get();
  // Settings that hold for every request; Send sets the per-request ones.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: threads
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl can decode
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "walcast");
  // Only HTTP(S), also for redirects a proxy might answer with.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.client_cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, options.client_cert_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, options.client_key_file.c_str());
  }
  if (options.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    log::Warn("elasticsearch TLS verification is off (tests only)", {{"url", url}});
  }
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::move(options), std::move(auth_header), std::move(curl)));
}

HttpClient::~HttpClient() = default;

// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): HttpTransport's order, the HTTP one.
Result<HttpResponse> HttpClient::Send(HttpMethod method, std::string_view path_and_query,
                                      std::string_view body, ContentType type) {
  CURL* c = curl_.get();
  const char* name = MethodName(method);
  const std::string url = options_.base_url + std::string(path_and_query);

  std::string compressed;
  const bool gzip = options_.gzip_min_bytes > 0 && body.size() >= options_.gzip_min_bytes;
  if (gzip) {
    WALCAST_ASSIGN_OR_RETURN(compressed, GzipCompress(body));
    body = compressed;
  }

  // The header list lives until the transfer ends; libcurl copies nothing.
  SlistPtr headers;
  auto add_header = [&headers](const char* line) -> bool {
    curl_slist* next = curl_slist_append(headers.get(), line);
    if (next == nullptr) return false;
    (void)headers.release();  // `next` is the same list, grown
    headers.reset(next);
    return true;
  };
  bool added = add_header(type == ContentType::kNdjson ? "Content-Type: application/x-ndjson"
                                                       : "Content-Type: application/json");
  // No "Expect: 100-continue" round trip before large bodies.
  added = added && add_header("Expect:");
  if (gzip) added = added && add_header("Content-Encoding: gzip");
  if (!auth_header_.empty()) added = added && add_header(auth_header_.c_str());
  if (!added) return Status::Internal("elasticsearch: out of memory building headers");

  std::string response_body;
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error.data());
  // The handle keeps the previous request's method: set every part of it.
  // HTTPGET clears NOBODY, so HEAD sets NOBODY after it.
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, static_cast<char*>(nullptr));
  if (method == HttpMethod::kGet || method == HttpMethod::kHead) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (method == HttpMethod::kHead) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    // POSTFIELDS makes a POST with exactly this body; PUT and DELETE reuse
    // it under another method name. A null POSTFIELDS would make libcurl
    // read the body from stdin, hence "" for an empty body.
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    if (method != HttpMethod::kPost) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, name);
  }

  const CURLcode rc = curl_easy_perform(c);
  // Nothing may point at this call's buffers once it returns.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, static_cast<void*>(nullptr));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, static_cast<char*>(nullptr));
  if (rc != CURLE_OK) return TransferError(rc, name, path_and_query, error.data());

  HttpResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(response_body);
  return response;
}

}  // namespace walcast::sinks::elasticsearch
