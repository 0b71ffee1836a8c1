#include "sinks/kafka/dead_letter.h"

#include <utility>

namespace walcast::sinks::kafka {

debezium::EncodedRecord RefusedRecordDeadLetter(std::optional<std::string> key,
                                                std::optional<std::string> value,
                                                const std::string& topic,
                                                const std::string& reason, Lsn lsn,
                                                bool too_large) {
  debezium::EncodedRecord dlq;
  dlq.key = std::move(key);
  dlq.headers = {{"walcast.error.reason", reason},
                 {"walcast.error.topic", topic},
                 {"walcast.lsn", lsn.ToString()}};
  if (too_large && value) {
    // The value is what was too large; its size says how far off it was.
    dlq.headers.emplace_back("walcast.error.value.bytes", std::to_string(value->size()));
  } else {
    dlq.value = std::move(value);
  }
  return dlq;
}

debezium::EncodedRecord UnencodableEventDeadLetter(const ChangeEvent& event,
                                                   const std::string& reason) {
  debezium::EncodedRecord dlq;
  dlq.headers = {{"walcast.error.reason", reason}, {"walcast.lsn", event.lsn.ToString()}};
  if (event.relation) dlq.headers.emplace_back("walcast.error.table", TableOf(event));
  return dlq;
}

std::string TableOf(const ChangeEvent& event) {
  return event.relation ? event.relation->schema + "." + event.relation->name : std::string();
}

}  // namespace walcast::sinks::kafka
