#include "sinks/elasticsearch/row_mapper.h"

#include <utility>

#include "core/log.h"
#include "sinks/elasticsearch/templates.h"

namespace walcast::sinks::elasticsearch {
namespace {

bool HasUnchangedToast(const Tuple& row) {
  for (const Datum& d : row) {
    if (d.kind == Datum::Kind::kUnchangedToast) return true;
  }
  return false;
}

}  // namespace

const TableRules& RowMapper::Rules(const Relation& relation) const {
  return options_.documents.rules.For(relation.schema, relation.name);
}

RowMapper::RowMapper(RowMapperOptions options)
    : options_(std::move(options)), builder_(options_.documents) {}

const std::string& RowMapper::IndexOf(const std::shared_ptr<const Relation>& relation) {
  if (relation != last_relation_) {
    last_index_ = RawIndexName(options_.index_prefix, relation->schema, relation->name);
    last_relation_ = relation;
  }
  return last_index_;
}

Status RowMapper::Map(const TransactionInfo& txn, const ChangeEvent& event, DocumentAction* out) {
  if (!event.relation) return Status::Ok();  // a logical decoding message
  const Relation& relation = *event.relation;
  out->table = relation.schema + "." + relation.name;
  out->index = IndexOf(event.relation);
  std::vector<size_t> scratch;
  if (RawDocumentBuilder::KeyColumns(relation, &scratch).empty()) {
    // No key, no _id: its rows cannot be updated or deleted in the index.
    if (keyless_warned_.insert(out->table).second) {
      log::Warn("elasticsearch: table has no primary key; its rows are not indexed",
                {{"table", out->table}});
    }
    return Status::Ok();
  }

  switch (event.op) {
    case Op::kMessage:
      return Status::Ok();
    case Op::kTruncate:
      if (Rules(relation).truncates == RemoveMode::kIgnore) return Status::Ok();
      out->kind = DocumentAction::Kind::kTruncate;
      return Status::Ok();
    case Op::kDelete: {
      if (!event.before) return Status::Internal("delete without an old row");
      // behavior.on.null.values=IGNORE: the document stays.
      if (Rules(relation).deletes == RemoveMode::kIgnore) return Status::Ok();
      WALCAST_RETURN_IF_ERROR(builder_.BuildChangeId(txn, event, *event.before, &out->id));
      out->key = out->id;
      out->kind = DocumentAction::Kind::kDelete;
      return Status::Ok();
    }
    case Op::kCreate:
    case Op::kRead:
    case Op::kUpdate:
      break;
  }
  if (!event.after) return Status::Internal("change without a new row");
  const Tuple* row = &*event.after;
  bool partial = false;
  if (HasUnchangedToast(*row)) {
    if (event.before && !event.before_is_key_only && event.before->size() == row->size()) {
      // REPLICA IDENTITY FULL: the old row has the value.
      merged_ = *row;
      for (size_t i = 0; i < merged_.size(); ++i) {
        if (merged_[i].kind == Datum::Kind::kUnchangedToast) merged_[i] = (*event.before)[i];
      }
      row = &merged_;
    } else {
      partial = true;
    }
  }

  const Status built = builder_.BuildChange(txn, event, *row, &document_);
  out->id = document_.id;
  out->key = document_.id;
  if (!built.ok()) return built;
  out->kind = partial ? DocumentAction::Kind::kUpdate : DocumentAction::Kind::kIndex;
  out->source.swap(document_.source);

  // A key change moves the document.
  if (event.op == Op::kUpdate && event.before) {
    previous_id_.clear();
    if (builder_.BuildChangeId(txn, event, *event.before, &previous_id_).ok() &&
        previous_id_ != out->id) {
      if (partial) {
        // The new _id has no document to update and the old one holds the
        // values the server did not send: leave it where it is rather than
        // delete it (no id: the dead letter deletes nothing).
        out->kind = DocumentAction::Kind::kSkip;
        out->id.clear();
        return Status::Rejected(
            "the key changed and an unchanged TOASTed column was not sent by the server; the "
            "document stays under its old _id " +
            previous_id_ + " (set REPLICA IDENTITY FULL on " + out->table + " to move such rows)");
      }
      out->previous_id = previous_id_;
    }
  }
  if (options_.delete_superseded && document_.is_profile &&
      !document_.superseded_update_id.empty()) {
    out->supersede_field = "profile.updateId";
    out->supersede_value = document_.superseded_update_id;
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
