#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

namespace walcast::app {

// Which pipeline writes which table's topic, across the pipelines of one
// process. ValidatePipelines compares table.include.list patterns as
// written; this checks the tables each pipeline actually captures once it
// has resolved them, so two patterns that match one table are caught too.
// Thread-safe: each pipeline thread claims its tables at start.
class PipelineTopics {
 public:
  // Records that `pipeline` writes <topic_prefix>.<table> for each table
  // ("schema.table"). Claiming again (a retried attempt) is harmless.
  // kInvalidArgument naming both pipelines and the topic when another
  // pipeline claimed one of them; then nothing is recorded.
  Status Claim(const std::string& pipeline, const std::string& topic_prefix,
               const std::vector<std::string>& tables);

 private:
  std::mutex mu_;
  std::map<std::string, std::string> owner_;  // topic -> pipeline
};

}  // namespace walcast::app
