#include "sinks/kafka/producer_settings.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace walcast::sinks::kafka {

std::vector<std::pair<std::string, std::string>> ProducerSettings(const KafkaSinkOptions& options) {
  int64_t queue_kbytes = kDefaultQueueMaxKbytes;
  for (const auto& [key, value] : options.producer_config) {
    if (key != "message.max.bytes") continue;
    // librdkafka checks a record against message.max.bytes before it
    // queues it, and a record larger than the whole queue would wait for
    // room forever. A malformed value is librdkafka's to refuse.
    char* end = nullptr;
    const long long max_bytes = std::strtoll(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0' && max_bytes > 0) {
      queue_kbytes = std::max<int64_t>(queue_kbytes, 2 * max_bytes / 1024 + 1);
    }
  }
  std::vector<std::pair<std::string, std::string>> settings = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"linger.ms", "5"},
      {"client.id", "walcast"},
      {"queue.buffering.max.messages", std::to_string(kDefaultQueueMaxMessages)},
      {"queue.buffering.max.kbytes", std::to_string(queue_kbytes)},
  };
  if (options.exactly_once.enabled) {
    // A transactional producer's records time out with their transaction
    // (transaction.timeout.ms); a broker outage then aborts and replays.
    // Its client.id is its transactional.id, unique per pipeline.
    settings.emplace_back("transactional.id", options.exactly_once.transactional_id);
    for (auto& [key, value] : settings) {
      if (key == "client.id") value = options.exactly_once.transactional_id;
    }
  } else {
    settings.emplace_back("message.timeout.ms", "0");
  }
  for (const auto& kv : options.producer_config) {
    auto it = std::find_if(settings.begin(), settings.end(),
                           [&](const auto& d) { return d.first == kv.first; });
    if (it != settings.end()) {
      it->second = kv.second;
    } else {
      settings.push_back(kv);
    }
  }
  return settings;
}

}  // namespace walcast::sinks::kafka
