#pragma once

// How a projection entry looks outside walcast (docs/projections.md,
// "Outputs"):
//  - as an Elasticsearch document: _id from the key (EntryDocumentId), the
//    declared fields as strings, each map as an object of its entries
//    ({"user_locations": {"district_name": "Pune", ...}});
//  - as a row of a virtual table (kafka_table) for the Debezium encoder: a
//    text column per declared field, a jsonb column per map (its entries as
//    a JSON object), the key fields as primary key, so the records carry
//    Debezium's envelope and Connect schemas like any captured table's.
//
// Pure functions; any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "projections/definition.h"
#include "projections/row.h"

namespace walcast::projections {

// The key values, each with '%' and ':' percent-escaped, joined by ':' (one
// value stays as it is unless it holds one of those).
std::string EntryDocumentId(const std::vector<std::string>& key);

// {"<field>": "<value>", ..., "<map>": {"<entry>": "<value>", ...}}; absent
// values are left out.
std::string EntryDocumentJson(const ProjectedRow& row);

// The virtual table of `def` (def.kafka_table): its declared fields in
// definition order, then its maps; primary key the key fields. `oid` tells
// relations apart in the encoder's caches.
std::shared_ptr<const Relation> VirtualRelation(const ProjectionDefinition& def, uint32_t oid);

// `row` as a tuple of VirtualRelation(def): absent fields (and maps without
// entries) are NULL.
Tuple VirtualTuple(const ProjectionDefinition& def, const ProjectedRow& row);

}  // namespace walcast::projections
