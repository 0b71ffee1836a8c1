#pragma once

// The comparator of the differential test (docs/differential-test.md): the
// Kafka records real Debezium wrote and the ones walcast wrote for the same
// database and workload, topic by topic, partition by partition, record by
// record in offset order. Keys and values are compared as parsed JSON —
// member names and their order, value types, the exact text of every number
// — and then as bytes; headers by name, order and value.
//
// Only what must differ between two processes is masked, each with its
// reason in record_diff.cc:
//   - the envelope's ts_ms/ts_us/ts_ns (processing time) and source.version;
//   - for snapshot reads (op "r"): source.ts_*, txId, lsn and sequence (each
//     tool takes its own snapshot from its own slot), after checking that
//     every read of one connector shares one txId and one lsn and that
//     sequence is [null,"<lsn>"] on both sides;
//   - the value of the __debezium.context.runId header (a random UUID per
//     start; both must be UUIDs);
//   - the Java identity hash in the data_collection name Debezium gives
//     logical decoding messages in transaction END records, and with it the
//     order of that list (a HashMap keyed by that identity);
//   - float and double texts that differ only because JDK 17's
//     Double.toString/Float.toString is not the shortest representation
//     (same value, same notation, walcast's digits no more than Debezium's).
// Commit times (source.ts_* of streamed events, ts_ms of transaction
// records) come from the WAL and are compared.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "tests/support/kafka_cluster.h"

namespace walcast::testing {

// One place where the two outputs differ (or, in DiffReport::normalised,
// differ in a way a masking rule accepts).
struct RecordDifference {
  std::string topic;
  int32_t partition = 0;
  // Offset of the record in Debezium's partition (walcast's when Debezium
  // has no record there); -1 for a whole topic or partition.
  int64_t offset = -1;
  // "key", "value" or "headers" followed by a JSON-pointer-like path
  // ("value/payload/after/c_date"), with a note in parentheses for order,
  // length and byte differences; "record" for a record only one side has;
  // "topic"/"partition" for ones only one side has.
  std::string path;
  std::string debezium;  // "<missing>" when absent
  std::string walcast;
  std::string rule;  // normalised entries only: the rule that accepted it

  bool operator==(const RecordDifference&) const = default;
};

std::ostream& operator<<(std::ostream& os, const RecordDifference& d);

struct DiffReport {
  std::vector<RecordDifference> differences;
  std::vector<RecordDifference> normalised;
  int64_t records_compared = 0;
};

// Records of one broker by topic, each topic's records sorted by
// (partition, offset).
using TopicRecords = std::map<std::string, std::vector<KafkaRecord>>;

// Compares every topic either side has.
DiffReport DiffTopics(const TopicRecords& debezium, const TopicRecords& walcast);

}  // namespace walcast::testing
