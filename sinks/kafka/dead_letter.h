#pragma once

#include <optional>
#include <string>

#include "core/event.h"
#include "core/lsn.h"
#include "debezium/encoder.h"

namespace walcast::sinks::kafka {

// The dead letters of errors.tolerance=all: what a record Kafka refused for
// good, or an event that could not be encoded, becomes in the dead-letter
// topic. The topic is left empty for the caller to set; the reason and the
// LSN travel in headers (walcast.error.reason, walcast.lsn).

// A dead letter for a record of `topic` Kafka refused with `reason`: its key
// and value, and the reason, topic and LSN in headers. When the value was too
// large (`too_large`) only its size goes along (walcast.error.value.bytes):
// the dead letter would be refused in turn.
debezium::EncodedRecord RefusedRecordDeadLetter(std::optional<std::string> key,
                                                std::optional<std::string> value,
                                                const std::string& topic,
                                                const std::string& reason, Lsn lsn,
                                                bool too_large);

// A dead letter for `event`, which the encoder refused with `reason`: no key
// or value, only the reason, the event's LSN and its table
// (walcast.error.table, when it has one) in headers.
debezium::EncodedRecord UnencodableEventDeadLetter(const ChangeEvent& event,
                                                   const std::string& reason);

// "schema.table" of the event's relation, or "" without one.
std::string TableOf(const ChangeEvent& event);

}  // namespace walcast::sinks::kafka
