#include "app/pipeline_topics.h"

namespace walcast::app {

Status PipelineTopics::Claim(const std::string& pipeline, const std::string& topic_prefix,
                             const std::vector<std::string>& tables) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& table : tables) {
    const std::string topic = topic_prefix + "." + table;
    const auto it = owner_.find(topic);
    if (it != owner_.end() && it->second != pipeline) {
      return Status::InvalidArgument("pipelines '" + it->second + "' and '" + pipeline +
                                     "' would both write topic '" + topic +
                                     "' (same topic.prefix, and table '" + table +
                                     "' matches both table.include.list values)");
    }
  }
  for (const std::string& table : tables) owner_.emplace(topic_prefix + "." + table, pipeline);
  return Status::Ok();
}

}  // namespace walcast::app
