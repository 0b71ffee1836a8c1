#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/log.h"
#include "core/sink.h"
#include "core/status.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "sinks/elasticsearch/http_transport.h"
#include "sinks/elasticsearch/lookup_store.h"
#include "sinks/elasticsearch/search_delete.h"

namespace walcast::sinks::elasticsearch {

// What one change becomes in Elasticsearch.
struct DocumentAction {
  enum class Kind {
    kSkip,      // nothing (a table or operation the sink does not index)
    kIndex,     // create or replace `id` in `index` with `source`
    kDelete,    // remove `id` from `index`
    // Change the fields of `id` in `index` that `source` holds and keep the
    // others (an UPDATE whose unchanged TOASTed values the server did not
    // send); never creates the document.
    kUpdate,
    kTruncate,  // remove every document of `index`
  };
  Kind kind = Kind::kSkip;
  std::string index;
  std::string id;
  std::string source;  // kIndex, kUpdate: one JSON object
  // kIndex: the row's previous _id when the change moved it to a new key;
  // that document is deleted first.
  std::string previous_id;
  // kIndex: once the document is durable, delete every other document of
  // `index` whose `supersede_field` (a keyword field) equals
  // `supersede_value` (MOSIP's delete-on-supersede of profile.updateId).
  std::string supersede_field;
  std::string supersede_value;
  // For dead letters: "schema.table" and the key as text.
  std::string table;
  std::string key;

  void Clear() {
    kind = Kind::kSkip;
    index.clear();
    id.clear();
    source.clear();
    previous_id.clear();
    supersede_field.clear();
    supersede_value.clear();
    table.clear();
    key.clear();
  }
};

// Turns changes into document actions (the raw-document layout lives
// behind this). Called on the reader thread only.
class DocumentMapper {
 public:
  virtual ~DocumentMapper() = default;
  // Fills *out (cleared by the caller). kRejected: the change cannot become
  // a document (e.g. a profile that does not parse); *out's index, id,
  // table and key say where it was going, and the sink writes a dead letter
  // with the status message as the reason, then deletes `id` from `index`
  // when both are set, so no earlier version of the row lingers there. Any
  // other error stops the sink.
  virtual Status Map(const TransactionInfo& txn, const ChangeEvent& event,
                     DocumentAction* out) = 0;
};

struct ElasticsearchSinkOptions {
  BulkWorkerOptions worker;
  BulkLimits limits;
  // Lookups and joins (lookup_store.h): the sink applies every change of a
  // lookup table to `lookups`, and rewrites the lookup fields of documents
  // already in <lookup_index_prefix>.* when a lookup row they need arrives
  // or changes. Shared: the sinks of several pipelines (databases) of one
  // process use one store, and each may close at its own time; the
  // document builder borrows it from the sink. Null: no lookups.
  std::shared_ptr<LookupStore> lookups;
  std::string lookup_index_prefix;
};

// The Elasticsearch sink: streams document actions into _bulk requests
// (by size, count or age: `limits`) sent by a BulkWorker, several at once
// when its client has several connections, and acknowledges a transaction
// once every action of it and of every earlier transaction is durable in
// Elasticsearch or in the dead-letter index (the worker runs the requests'
// `done`s in order, whatever order they finish in).
//
// Versions. Every action carries version = the commit LSN of its
// transaction (for the initial snapshot's rows, the snapshot's LSN minus
// one, so that every streamed change, which commits at or after it, wins)
// with version_type=external_gte: a replay after a restart rewrites what is
// there with the same content, an older change never overwrites a newer
// one, and several changes of one row in one transaction land in order.
// A partial update (kUpdate) goes in a bulk request of its own, after
// everything before it: the worker reads the stored document, merges the
// update's fields in and writes it with the same external version
// (ResolvePartialUpdates), so it is ordered like every other write.
// A transaction is never buffered whole: a huge one is cut into several
// bulk requests, in bounded memory.
//
// A truncate waits for everything before it, then deletes every document
// of the index that no later change wrote (versioned deletes of what a
// scroll finds). A snapshot replaces what an index held: at the flush that
// ends it (Flush, not from Close), the sink deletes the same way every
// document of each index it wrote rows to that is older than the
// snapshot. Otherwise the documents an interrupted earlier snapshot (or an
// earlier slot) wrote for rows deleted before this snapshot began would
// stay, as no delete of them is ever streamed. Supersede deletes (see
// DocumentAction) run the same way after the bulk request that wrote the
// superseding documents; a replay runs them again.
class ElasticsearchSink : public Sink {
 public:
  // A sink with a connection of its own (`transport`), one request in
  // flight at a time.
  ElasticsearchSink(std::unique_ptr<HttpTransport> transport, std::unique_ptr<DocumentMapper> mapper,
                    ElasticsearchSinkOptions options);
  // A sink sending through `client`, maybe shared with the sinks and metric
  // writers of other pipelines (each a lane of its own: BulkWorker), with
  // up to client->connections() requests in flight.
  ElasticsearchSink(std::shared_ptr<SharedBulkClient> client,
                    std::unique_ptr<DocumentMapper> mapper, ElasticsearchSinkOptions options);
  ~ElasticsearchSink() override;

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  void OnRewind() override;
  Status OnTick(std::chrono::steady_clock::time_point now) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  BulkWorkerStats stats() const { return worker_.stats(); }
  // Items durable and dead-lettered, bulk requests finished (any thread).
  // A request retrying for 5 s or more makes the sink unhealthy (/readyz).
  SinkCounters counters() const override;

  // The version of every action of `txn` (see above).
  static int64_t VersionOf(const TransactionInfo& txn);

 private:
  // `options` with the worker's problems (dead letters, retries, the
  // failure that stops it) reported to the pipeline (Sink::ReportProblem).
  BulkWorkerOptions WithProblemReports(BulkWorkerOptions options);
  Status AppendDeadLetter(const TransactionInfo& txn, const DocumentAction& action,
                          const Status& reason);
  // Hands the batch so far, and the acknowledgement of every transaction
  // committed into it, to the worker.
  Status Dispatch();
  Status Truncate(const std::string& index, int64_t version);
  // Remembers that snapshot `txn` wrote to `index`; SweepBeforeSnapshot
  // then Truncates every such index below the snapshot's version (see the
  // class comment).
  void NoteSnapshotIndex(const TransactionInfo& txn, const std::string& index);
  Status SweepBeforeSnapshot();
  Status Append(const DocumentAction& action, int64_t version, Lsn lsn);
  // Lookups: applies a lookup table's change to the store, and collects
  // the keys whose documents need their fields rewritten.
  Status ApplyLookups(const ChangeEvent& event);
  void TakeLookupChanges();
  // Submits `job`, then the corrections collected so far (if any), which
  // take over its acknowledgement: a transaction counts as durable only
  // once the documents its lookup changes correct are rewritten too.
  Status SubmitWithCorrections(BulkJob job);

  std::string name_ = "elasticsearch";
  ElasticsearchSinkOptions options_;
  std::unique_ptr<DocumentMapper> mapper_;
  BulkWorker worker_;
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};
  BulkRequestBuilder builder_;
  std::vector<ItemOrigin> origins_;  // one per action in builder_
  std::vector<SupersedeDelete> supersedes_;  // of the documents in builder_
  DocumentAction action_;            // reused
  Lsn committed_through_;            // end LSN of the last transaction committed into builder_
  Lsn dispatched_through_;           // the last one handed to the worker
  bool closed_ = false;
  int lookup_subscriber_ = -1;
  // The snapshot whose rows are being indexed, and the indices it wrote
  // to that are not swept yet.
  Lsn snapshot_lsn_;
  std::set<std::string> snapshot_indices_;
  std::set<LookupChange> corrections_;  // not yet handed to the worker
};

}  // namespace walcast::sinks::elasticsearch
