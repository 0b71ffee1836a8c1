#pragma once

#include <string>
#include <vector>

#include "privacy/rules.h"

namespace walcast::privacy {

// How one field reaches the outputs, after every rule.
struct FieldTreatment {
  std::string table;
  std::string column;
  std::string path;       // empty: the whole column
  std::string treatment;  // clear, masked, hashed, encrypted, removed
  std::string detail;     // e.g. "per-subject key (forgettable)", "derived from a, b"

  bool operator==(const FieldTreatment&) const = default;
};

// What `walcast privacy report` is made of: the configuration alone (no
// connection), so it can be kept with a GDPR Article 30 register.
struct ProcessingReport {
  std::vector<std::string> sinks;   // outputs: stdout, kafka, elasticsearch
  std::vector<std::string> tables;  // table.include.list (empty: every published table)
  bool metrics = false;             // metrics.definitions.file set
  std::vector<FieldTreatment> fields;
};

// Folds the rules, in order, into one treatment per field every output
// receives (the same for each: the transform runs once, before all sinks).
ProcessingReport BuildReport(const RuleSet& rules, std::vector<std::string> sinks,
                             std::vector<std::string> tables, bool metrics);

std::string ReportMarkdown(const ProcessingReport& report);
std::string ReportJson(const ProcessingReport& report);

}  // namespace walcast::privacy
