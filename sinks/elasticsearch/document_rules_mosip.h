#pragma once

// MOSIP's 14 Elasticsearch sink connectors (mosip/reporting,
// kafka-connect/ref_connector_api_calls/*.api) as document rules: what
// elasticsearch.preset=mosip sets (document_rules.h, MosipPresetKeys).

#include <string>
#include <utility>
#include <vector>

namespace walcast::sinks::elasticsearch {

struct MosipSinkConnector {
  std::string file;                 // e.g. "10.master_doc_type.api"
  std::vector<std::string> tables;  // its topics, as "schema.table"
  // The chain starts with ExtractNewRecordState (add.fields
  // source.ts_ms:ts_ms,table,lsn with prefix source_, converted to text by
  // a TimestampConverterAdv on source_ts_ms); else with ExtractField
  // payload / after, which adds nothing.
  bool extract_new_record_state = true;
  // key.converter=StringConverter: the _id is Debezium's key JSON. False
  // for 60.idrepo_anon_profile, which extracts the key's `id`.
  bool key_json = true;
  std::string timestamp_gen = "upd_dtimes,cr_dtimes";  // TimestampSelector ts.order
  // TimestampConverterAdv field -> output.format, in chain order.
  std::vector<std::pair<std::string, std::string>> conversions;
  // Transforms the preset does not reproduce here: lookups in other indices
  // (DynamicNewField) and the profile transforms (done by the profile
  // writer, docs/elasticsearch.md §4.3).
  std::string not_covered;
};

// The 14 connectors, in file order.
const std::vector<MosipSinkConnector>& MosipSinkConnectors();

}  // namespace walcast::sinks::elasticsearch
