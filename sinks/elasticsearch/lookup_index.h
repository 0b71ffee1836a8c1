#pragma once

// The lookups' traffic with the index: reading the lookup tables back at
// start (LoadLookupTables) and correcting documents written before their
// lookup row arrived or changed (CorrectLookupFields).
// docs/elasticsearch.md "Lookups and joins".

#include <string>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "sinks/elasticsearch/http_transport.h"
#include "sinks/elasticsearch/lookup_store.h"

namespace walcast::sinks::elasticsearch {

// Fills `store` with the rows of every lookup table as the sink indexed
// them (index <index_prefix>.<schema>.<table>, each document's _id being
// the row id), so a restart starts from the tables as they were, not from
// nothing: streaming resumes at the slot's confirmed position and only
// changes after it come again, which the store then applies on top. A
// missing index (nothing indexed yet) loads nothing. Column values are
// read back as the text of their JSON value.
//
// Errors: StatusFromHttp's code for a refused search (kUnavailable and
// kTimeout: retry), kCorruption for an answer without hits, and the
// store's kFatal when it is full. Blocks on HTTP; call before streaming.
Status LoadLookupTables(HttpTransport& transport, const std::string& index_prefix,
                        LookupStore* store);

// For each changed key: finds the documents of the lookup's target indices
// (<index_prefix>.<target pattern>, lower-cased, '*' spanning indices) whose
// target keys may hold it (a lenient match on each key field; a key equal
// to its default also matches documents without the field), recomputes the
// lookup field from each document's stored _source with `store`'s current
// rows (ResolveLookup, as a document built now would get it), and writes
// back the documents whose field differs, whole, with their own stored
// version (external_gte). So a correction never moves a document back in
// time: a document rewritten meanwhile by a newer change keeps that
// change (its write is refused as superseded, and it was built with the
// store as it is now). Documents are searched over a refreshed view. A
// write the server refuses for good (a mapping conflict) leaves the
// document as it was, with a warning naming the lookup, index and error
// type.
//
// Errors: as LoadLookupTables, plus `send`'s. Runs on the worker thread (a
// BulkJob task; retried while it returns kUnavailable or kTimeout).
Status CorrectLookupFields(HttpTransport& transport, const BulkSend& send, const LookupStore& store,
                           const std::string& index_prefix,
                           const std::vector<LookupChange>& changes);

}  // namespace walcast::sinks::elasticsearch
