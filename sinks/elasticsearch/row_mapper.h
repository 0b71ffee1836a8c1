#pragma once

#include <memory>
#include <set>
#include <string>

#include "sinks/elasticsearch/es_sink.h"
#include "sinks/elasticsearch/raw_document.h"

namespace walcast::sinks::elasticsearch {

struct RowMapperOptions {
  // Index of a table: "<index_prefix>.<schema>.<table>", lower-cased
  // (RawIndexName).
  std::string index_prefix = "walcast";
  RawDocumentOptions documents;
  // MOSIP's delete-on-supersede: an idrepo update profile deletes the
  // document whose profile.updateId is the update's old side (metrics.md
  // §4.2), so the index holds one document per identity as MOSIP's own
  // sink leaves it.
  bool delete_superseded = true;
};

// The raw-document layout: each row of a table becomes one document of its
// table's index (RawDocumentBuilder), a delete removes it, a truncate
// empties the index. Rows the builder refuses (a profile that does not
// parse, a value that is not UTF-8) are kRejected for the dead-letter
// index. An UPDATE that did not send an unchanged TOASTed column takes it
// from the old row when the table has REPLICA IDENTITY FULL; otherwise it
// becomes a partial update (kUpdate) of the fields that were sent, so the
// stored document keeps the column and whatever was derived from it (the
// profile's fields). Such an UPDATE that also changed the key is refused
// (kRejected, with no id, so nothing is deleted): the old document stays.
// Tables without a primary key (and without a
// replica identity index) have no _id: their rows are skipped, with one
// warning per table. The table's document rules (RawDocumentOptions::rules)
// shape the _id and the document, and may leave deletes and truncates
// out (RemoveMode::kIgnore).
class RowMapper : public DocumentMapper {
 public:
  explicit RowMapper(RowMapperOptions options);
  Status Map(const TransactionInfo& txn, const ChangeEvent& event, DocumentAction* out) override;

 private:
  const std::string& IndexOf(const std::shared_ptr<const Relation>& relation);
  const TableRules& Rules(const Relation& relation) const;

  RowMapperOptions options_;
  RawDocumentBuilder builder_;
  RawDocument document_;
  Tuple merged_;
  std::string previous_id_;
  // The index name of the last relation seen (relations are shared by the
  // events of a table until its schema changes; holding it keeps its
  // address from being reused).
  std::shared_ptr<const Relation> last_relation_;
  std::string last_index_;
  std::set<std::string> keyless_warned_;
};

}  // namespace walcast::sinks::elasticsearch
