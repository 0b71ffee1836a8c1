#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace walcast::testing {

// A throwaway single-node Elasticsearch or OpenSearch
// (scripts/elasticsearch.sh) in a temp dir on free loopback ports; removed
// at the end. The flavour (es7, es8, opensearch) comes from
// WALCAST_ES_FLAVOUR, else the script's default (opensearch). Security is off:
// plain HTTP, no credentials. Started once per test binary by
// EsEnvironment.
//
// The inspection calls (Refresh, Count, Get, Search, DeleteIndex, Request)
// are plain libcurl, independent of the sink's client under test; each
// uses its own connection, so they may run on any thread. Every call
// blocks (Stop and Start run the script).
class EsCluster {
 public:
  // Starts a node; on failure returns nullptr and fills *error with the
  // reason and the node's log tail.
  static std::unique_ptr<EsCluster> Start(std::string* error);
  // Stops the node and removes its directory.
  ~EsCluster();
  EsCluster(const EsCluster&) = delete;
  EsCluster& operator=(const EsCluster&) = delete;

  // "http://127.0.0.1:PORT"; the same across Stop()/Start().
  const std::string& url() const { return url_; }
  // "es7", "es8" or "opensearch".
  const std::string& flavour() const { return flavour_; }
  const std::string& dir() const { return dir_; }
  // The node's log, for failure messages.
  std::string LogPath() const { return dir_ + "/logs/server.log"; }

  // Stops the node (it flushes and closes); data and ports are kept.
  // Clients see connection refused until Start().
  ::testing::AssertionResult Stop();
  // Starts the stopped node again with the same data, flavour and port;
  // returns once its health is yellow.
  ::testing::AssertionResult Start();

  // One HTTP exchange. `status` is 0 and `body` libcurl's error when no
  // answer came.
  struct Answer {
    long status = 0;
    std::string body;
  };
  // `method` GET, POST, PUT, DELETE or HEAD; `path` starts with '/' and is
  // sent as given (escape ids with EscapePath). A body goes as JSON.
  Answer Request(const std::string& method, const std::string& path,
                 const std::string& body = "") const;
  // Percent-encodes `segment` for use as one path segment.
  static std::string EscapePath(const std::string& segment);

  // Makes what was indexed into `index` visible to Count and Search.
  ::testing::AssertionResult Refresh(const std::string& index) const;
  // Documents in `index` (0 if it does not exist; refresh first). Fails
  // the current test and returns -1 on any other error.
  int64_t Count(const std::string& index) const;
  // GET /INDEX/_doc/ID as the server answers it: {"found":true,"_version":…,
  // "_source":{…},…}, or {"found":false,…} for a missing document. Fails
  // the current test and returns "" if no answer came or the index is
  // missing.
  std::string Get(const std::string& index, const std::string& id) const;
  // POST /INDEX/_search with `query_json` as the body; the raw answer.
  // Fails the current test and returns "" unless the answer is 200.
  std::string Search(const std::string& index, const std::string& query_json) const;
  // Every hit of `query_json` (a query object, e.g. {"match_all":{}}) in
  // `index`, through a scroll (one consistent view): its _id and its
  // _source as JSON text. Fails the current test on an error.
  struct Hit {
    std::string id;
    std::string source;
  };
  std::vector<Hit> Scroll(const std::string& index, const std::string& query_json) const;
  // Deletes `index`; a missing index is not an error.
  ::testing::AssertionResult DeleteIndex(const std::string& index) const;

 private:
  EsCluster(std::string dir, std::string url, std::string flavour)
      : dir_(std::move(dir)), url_(std::move(url)), flavour_(std::move(flavour)) {}

  std::string dir_;
  std::string url_;
  std::string flavour_;
};

// GoogleTest environment owning the node for a whole test binary. If the
// node cannot start, every test that uses it fails with the reason (never
// a skip).
class EsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  // The running node, or nullptr if it did not start (see StartError()).
  static EsCluster* Get();
  static const std::string& StartError();
};

}  // namespace walcast::testing

// Fails the current test unless the node is up; declares `es`.
#define WALCAST_REQUIRE_ES(es)                                                  \
  ::walcast::testing::EsCluster* es = ::walcast::testing::EsEnvironment::Get(); \
  ASSERT_NE(es, nullptr) << "Elasticsearch did not start: "                     \
                         << ::walcast::testing::EsEnvironment::StartError()
