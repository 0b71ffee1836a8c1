#pragma once

#include <string>
#include <vector>

#include "debezium/encoder.h"
#include "mosip/profile.h"
#include "sinks/elasticsearch/document_rules.h"

namespace walcast::sinks::elasticsearch {

class LookupStore;

struct RawDocumentOptions {
  // Tables whose `profile_column` holds an anonymous profile, as
  // "schema.table" patterns where '*' matches any run of characters.
  std::vector<std::string> profile_tables{"*.anonymous_profile"};
  std::string profile_column = "profile";
  // Age buckets and the rule for unknown years of birth (§4.1). The event
  // year is the profile's `date`; without one, the year of the row's
  // cr_dtimes (kRecommended only; kMosipParity then writes no ageGroup).
  mosip::AgeGroups age_groups = mosip::AgeGroups::MosipDefault();
  mosip::AgeGroupRule age_group_rule = mosip::AgeGroupRule::kRecommended;
  // Leave biometric records that match an exception out of the per-modality
  // averages and device (§4.5's recommendation; MOSIP keeps them).
  bool skip_exception_biometrics = true;
  // Lookups and joins (lookup_config.h), e.g. `documents_names` and
  // `registrationCenterGeoLocation` of profile rows: fields filled from the
  // rows of other tables. Borrowed, shared with other builders; outlives
  // the builder. Null: no lookup fields.
  const LookupStore* lookups = nullptr;
  mosip::ProfileParserOptions parser;
  // Per-table document rules (document_rules.h): the _id, source fields,
  // @timestamp_gen, conversions. The default is walcast's own shape.
  DocumentRules rules;
  // Debezium's record settings (topic.prefix for the key schema's name,
  // key.converter.schemas.enable, message.key.columns, the value handling
  // modes, database.dbname for source.db), for the rules that write what
  // Debezium writes: IdMode::kConnectKeyJson and ValueMode::kDebezium.
  debezium::EncoderOptions debezium;
};

}  // namespace walcast::sinks::elasticsearch
