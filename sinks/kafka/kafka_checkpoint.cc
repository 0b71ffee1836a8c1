#include "sinks/kafka/kafka_checkpoint.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "core/backoff.h"
#include "core/log.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sinks/kafka/rdkafka_handles.h"
#include "sinks/kafka/retry_wait.h"

namespace walcast::sinks::kafka {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCheckpointVersion = 1;

// Errors that mean "no answer yet" rather than "no": worth asking again
// until the deadline.
bool Transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

// Partition count of `topic` as `rk` sees it; 0 with *err set otherwise.
// Asking for one topic may auto-create it on a producer handle, so callers
// that must not create it pass all_topics.
int PartitionCount(rd_kafka_t* rk, const std::string& topic, bool all_topics, int timeout_ms,
                   rd_kafka_resp_err_t* err) {
  TopicPtr rkt;
  if (!all_topics) rkt.reset(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  *err = rd_kafka_metadata(rk, all_topics ? 1 : 0, rkt.get(), &raw, std::max(timeout_ms, 1));
  const MetadataPtr md(raw);
  if (*err != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic) continue;
    *err = md->topics[i].err;
    return *err == RD_KAFKA_RESP_ERR_NO_ERROR ? md->topics[i].partition_cnt : 0;
  }
  *err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  return 0;
}

Status ErrorStatus(rd_kafka_resp_err_t err, const std::string& what) {
  const std::string message = what + ": " + rd_kafka_err2str(err);
  return Transient(err) ? Status::Unavailable(message) : Status::Fatal(message);
}

}  // namespace

std::string EncodeCheckpoint(const KafkaCheckpoint& checkpoint) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("version");
  w.Int(kCheckpointVersion);
  w.Key("slot");
  w.String(checkpoint.slot.data(), static_cast<rapidjson::SizeType>(checkpoint.slot.size()));
  w.Key("end_lsn");
  const std::string lsn = checkpoint.end_lsn.ToString();
  w.String(lsn.data(), static_cast<rapidjson::SizeType>(lsn.size()));
  w.Key("transactional_id");
  w.String(checkpoint.transactional_id.data(),
           static_cast<rapidjson::SizeType>(checkpoint.transactional_id.size()));
  w.Key("ts_ms");
  w.Int64(checkpoint.ts_ms);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<KafkaCheckpoint> DecodeCheckpoint(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("checkpoint is not a JSON object");
  }
  if (!doc.HasMember("version") || !doc["version"].IsInt() ||
      doc["version"].GetInt() != kCheckpointVersion) {
    return Status::Corruption("checkpoint has no version or an unknown one (expected " +
                              std::to_string(kCheckpointVersion) + ")");
  }
  KafkaCheckpoint checkpoint;
  if (!doc.HasMember("slot") || !doc["slot"].IsString()) {
    return Status::Corruption("checkpoint has no slot");
  }
  checkpoint.slot.assign(doc["slot"].GetString(), doc["slot"].GetStringLength());
  if (!doc.HasMember("end_lsn") || !doc["end_lsn"].IsString()) {
    return Status::Corruption("checkpoint has no end_lsn");
  }
  const std::optional<Lsn> lsn =
      Lsn::Parse(std::string_view(doc["end_lsn"].GetString(), doc["end_lsn"].GetStringLength()));
  if (!lsn) return Status::Corruption("checkpoint end_lsn is not an LSN (X/X)");
  checkpoint.end_lsn = *lsn;
  if (doc.HasMember("transactional_id") && doc["transactional_id"].IsString()) {
    checkpoint.transactional_id.assign(doc["transactional_id"].GetString(),
                                       doc["transactional_id"].GetStringLength());
  }
  if (doc.HasMember("ts_ms") && doc["ts_ms"].IsInt64()) checkpoint.ts_ms = doc["ts_ms"].GetInt64();
  return checkpoint;
}

std::vector<std::pair<std::string, std::string>> ClientSettings(
    const std::vector<std::pair<std::string, std::string>>& producer_config) {
  // librdkafka's producer-only properties (CONFIGURATION.md, "P" rows) that
  // a user may plausibly set; a consumer would log a warning for each.
  static constexpr std::array<std::string_view, 21> kProducerOnly = {
      "acks",
      "request.required.acks",
      "enable.idempotence",
      "enable.gapless.guarantee",
      "transactional.id",
      "transaction.timeout.ms",
      "linger.ms",
      "queue.buffering.max.ms",
      "queue.buffering.max.messages",
      "queue.buffering.max.kbytes",
      "queue.buffering.backpressure.threshold",
      "batch.num.messages",
      "batch.size",
      "compression.type",
      "compression.codec",
      "compression.level",
      "partitioner",
      "message.timeout.ms",
      "delivery.timeout.ms",
      "retries",
      "message.send.max.retries",
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : producer_config) {
    if (std::find(kProducerOnly.begin(), kProducerOnly.end(), kv.first) != kProducerOnly.end()) {
      continue;
    }
    if (kv.first.rfind("sticky.", 0) == 0 || kv.first.rfind("max.in.flight", 0) == 0) continue;
    out.push_back(kv);
  }
  return out;
}

namespace {

// Asks the controller to create `new_topic`; RD_KAFKA_RESP_ERR_NO_ERROR when
// it did, else the error with its text in *reason.
rd_kafka_resp_err_t CreateTopic(rd_kafka_t* client, rd_kafka_NewTopic_t* new_topic,
                                Clock::time_point deadline, std::string* reason) {
  char errstr[512];
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  (void)rd_kafka_AdminOptions_set_request_timeout(options.get(), RemainingMs(deadline), errstr,
                                                  sizeof(errstr));
  (void)rd_kafka_AdminOptions_set_operation_timeout(options.get(), RemainingMs(deadline), errstr,
                                                    sizeof(errstr));
  const QueuePtr queue(rd_kafka_queue_new(client));
  rd_kafka_NewTopic_t* topics[] = {new_topic};
  rd_kafka_CreateTopics(client, topics, 1, options.get(), queue.get());
  const EventPtr event(rd_kafka_queue_poll(queue.get(), RemainingMs(deadline) + 1000));
  *reason = "no answer";
  if (!event) return RD_KAFKA_RESP_ERR__TIMED_OUT;
  rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *reason = rd_kafka_event_error_string(event.get());
    return err;
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  if (count != 1) return RD_KAFKA_RESP_ERR_NO_ERROR;
  err = rd_kafka_topic_result_error(results[0]);
  const char* text = rd_kafka_topic_result_error_string(results[0]);
  *reason = text != nullptr ? text : rd_kafka_err2str(err);
  return err;
}

}  // namespace

Status EnsureCheckpointTopic(rd_kafka_s* client, const std::string& topic,
                             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // Listing every topic never creates one (asking for this topic alone may,
  // with the broker's auto.create.topics.enable, and not compacted).
  rd_kafka_resp_err_t lookup = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (PartitionCount(client, topic, /*all_topics=*/true, RemainingMs(deadline), &lookup) > 0) {
    return Status::Ok();
  }
  if (lookup != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return ErrorStatus(lookup, "kafka: metadata for the checkpoint topic '" + topic + "'");
  }
  char errstr[512];
  const NewTopicPtr new_topic(rd_kafka_NewTopic_new(topic.c_str(), 1, -1, errstr, sizeof(errstr)));
  if (!new_topic) return Status::InvalidArgument("checkpoint topic '" + topic + "': " + errstr);
  // Compacted: only the newest checkpoint per slot matters.
  (void)rd_kafka_NewTopic_set_config(new_topic.get(), "cleanup.policy", "compact");
  std::string reason;
  const rd_kafka_resp_err_t err = CreateTopic(client, new_topic.get(), deadline, &reason);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::Info("kafka: created the checkpoint topic", {{"topic", topic}});
    return Status::Ok();
  }
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return Status::Ok();
  // Not created: fine if someone else did meanwhile.
  if (PartitionCount(client, topic, /*all_topics=*/true, RemainingMs(deadline) + 1000, &lookup) >
      0) {
    return Status::Ok();
  }
  return ErrorStatus(err,
                     "kafka: cannot create the checkpoint topic '" + topic + "' (" + reason + ")");
}

namespace {

// Partition -> (low offset, last stable offset).
using PartitionBounds = std::map<int32_t, std::pair<int64_t, int64_t>>;
// Partition -> the newest value of the slot's key found there (nullopt: a
// tombstone).
using SlotRecords = std::map<int32_t, std::optional<std::string>>;

// A read_committed consumer that is assigned partitions, never subscribed,
// and commits nothing.
Result<ConsumerPtr> NewCheckpointConsumer(const ClientSettingList& client_config) {
  ClientSettingList settings = client_config;
  for (const auto& kv : ClientSettingList{
           // librdkafka still wants a group id for consumer_poll.
           {"group.id", "walcast-checkpoint-reader"},
           {"enable.auto.commit", "false"},
           {"enable.auto.offset.store", "false"},
           {"enable.partition.eof", "true"},
           {"isolation.level", "read_committed"},
           // Compaction may have moved a partition's start past an offset.
           {"auto.offset.reset", "earliest"},
           {"allow.auto.create.topics", "false"},
           {"fetch.wait.max.ms", "100"},
       }) {
    settings.push_back(kv);
  }
  WALCAST_ASSIGN_OR_RETURN(ConfPtr conf, NewConf(settings));
  WALCAST_ASSIGN_OR_RETURN(ConsumerPtr rk,
                           NewConsumer(std::move(conf), "kafka checkpoint reader"));
  rd_kafka_poll_set_consumer(rk.get());
  return rk;
}

// The partition count of `topic`, asking again (with backoff) while the
// answer is transient. A topic just created may take a moment to show up in
// metadata: kNotFound only once it has been missing until `missing_deadline`.
Result<int> WaitForPartitions(rd_kafka_t* rk, const std::string& topic,
                              Clock::time_point missing_deadline, Clock::time_point deadline) {
  Backoff backoff(kRetryBackoff);
  // Once the broker said the topic does not exist, a later request that
  // merely timed out does not make it a connection problem.
  bool seen_missing = false;
  while (true) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    const int partitions =
        PartitionCount(rk, topic, false, std::min(RemainingMs(deadline), 2000), &err);
    if (partitions > 0) return partitions;
    seen_missing = seen_missing || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    const bool missing = err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                         (seen_missing && err == RD_KAFKA_RESP_ERR__TIMED_OUT);
    if (Clock::now() >= (missing ? missing_deadline : deadline)) {
      if (missing) {
        return Status::NotFound("kafka: checkpoint topic '" + topic + "' does not exist");
      }
      return ErrorStatus(err, "kafka: metadata of the checkpoint topic '" + topic + "'");
    }
    if (!missing && !Transient(err)) {
      return ErrorStatus(err, "kafka: metadata of the checkpoint topic '" + topic + "'");
    }
    (void)WaitBeforeRetry(&backoff, missing ? missing_deadline : deadline);
  }
}

// Low offset and stable end of each partition (read_committed: ListOffsets
// answers with the last stable offset), asking again while transient.
Result<PartitionBounds> QueryBounds(rd_kafka_t* rk, const std::string& topic, int partitions,
                                    Clock::time_point deadline) {
  PartitionBounds bounds;
  Backoff backoff(kRetryBackoff);
  for (int32_t p = 0; p < partitions; ++p) {
    while (true) {
      int64_t low = 0;
      int64_t high = 0;
      const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          rk, topic.c_str(), p, &low, &high, std::max(1, std::min(RemainingMs(deadline), 5000)));
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        bounds[p] = {low, high};
        backoff.Reset();
        break;
      }
      if (!Transient(err) || !WaitBeforeRetry(&backoff, deadline)) {
        return ErrorStatus(err, "kafka: offsets of the checkpoint topic '" + topic + "'");
      }
    }
  }
  return bounds;
}

// One pass of ReadLastCheckpoint over the partitions in `from` (partition ->
// first offset to read): reads each up to the stable offset that covers the
// high watermark seen when the pass reached its end, and records the newest
// record of `slot` per partition in *found.
Status ReadTail(rd_kafka_t* rk, const std::string& topic, const std::string& slot,
                const std::map<int32_t, int64_t>& from, Clock::time_point deadline,
                SlotRecords* found) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(from.size())));
  for (const auto& [partition, offset] : from) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  }
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk, list.get()); err) {
    return ErrorStatus(err, "kafka: reading the checkpoint topic '" + topic + "'");
  }
  // The stable offset a partition must reach: the high watermark when it
  // first reports its end. A transaction still open there (another
  // producer's) holds the stable offset back, and a checkpoint of ours may
  // lie behind it; wait for it to complete.
  std::map<int32_t, int64_t> target;
  std::map<int32_t, bool> done;
  std::string last_error;
  while (done.size() < from.size()) {
    if (Clock::now() >= deadline) {
      return Status::Unavailable(
          "kafka: the checkpoint topic '" + topic + "' was not read to its end in time" +
          (last_error.empty() ? std::string(" (a transaction of another producer still open?)")
                              : " (" + last_error + ")"));
    }
    // A poll wait: returns as soon as a record, an error or a partition's
    // end arrives.
    const MessagePtr m(rd_kafka_consumer_poll(rk, std::min(RemainingMs(deadline), 100)));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_get_watermark_offsets(rk, topic.c_str(), m->partition, &low, &high) ==
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        target.try_emplace(m->partition, high);
      }
      auto t = target.find(m->partition);
      if (t != target.end() && m->offset >= t->second) done[m->partition] = true;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      last_error = rd_kafka_message_errstr(m.get());
      if (!Transient(m->err)) {
        return ErrorStatus(m->err, "kafka: reading the checkpoint topic '" + topic + "'");
      }
      continue;
    }
    const std::string_view key =
        m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len) : "";
    if (m->key == nullptr || key != slot) continue;
    // A tombstone for the slot clears its checkpoint.
    (*found)[m->partition] =
        m->payload
            ? std::optional<std::string>(std::string(static_cast<const char*>(m->payload), m->len))
            : std::nullopt;
  }
  return Status::Ok();
}

// Each commit adds a checkpoint and a commit marker, so the newest
// checkpoint of a slot is near the end unless many other slots share the
// topic: reads each partition's tail, widening the window until the slot
// turns up or the partition's start is reached.
Result<SlotRecords> ScanTails(rd_kafka_t* rk, const std::string& topic, const std::string& slot,
                              const PartitionBounds& bounds, Clock::time_point deadline) {
  SlotRecords found;
  int64_t window = 256;
  std::map<int32_t, int64_t> pending;
  for (const auto& [p, b] : bounds) {
    if (b.second > b.first) pending[p] = std::max(b.first, b.second - window);
  }
  while (!pending.empty()) {
    WALCAST_RETURN_IF_ERROR(ReadTail(rk, topic, slot, pending, deadline, &found));
    window *= 16;
    std::map<int32_t, int64_t> next;
    for (const auto& [p, from] : pending) {
      const auto& [low, high] = bounds.at(p);
      if (found.count(p) == 0 && from > low) next[p] = std::max(low, high - window);
    }
    pending = std::move(next);
  }
  return found;
}

// The checkpoint with the highest end LSN among the partitions' newest
// records; kCorruption for one that does not decode.
Result<std::optional<KafkaCheckpoint>> Newest(const SlotRecords& found, const std::string& topic,
                                              const std::string& slot) {
  std::optional<KafkaCheckpoint> newest;
  for (const auto& [p, value] : found) {
    if (!value) continue;
    Result<KafkaCheckpoint> decoded = DecodeCheckpoint(*value);
    if (!decoded.ok()) {
      return Status::Corruption("kafka: the newest checkpoint of slot '" + slot + "' in topic '" +
                                topic + "' partition " + std::to_string(p) + ": " +
                                decoded.status().message());
    }
    if (!newest || decoded->end_lsn > newest->end_lsn) newest = std::move(*decoded);
  }
  return newest;
}

}  // namespace

Result<std::optional<KafkaCheckpoint>> ReadLastCheckpoint(const ClientSettingList& client_config,
                                                          const std::string& topic,
                                                          const std::string& slot,
                                                          std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  WALCAST_ASSIGN_OR_RETURN(ConsumerPtr rk, NewCheckpointConsumer(client_config));
  const auto missing_deadline = std::min(deadline, start + std::chrono::seconds(10));
  WALCAST_ASSIGN_OR_RETURN(const int partitions,
                           WaitForPartitions(rk.get(), topic, missing_deadline, deadline));
  WALCAST_ASSIGN_OR_RETURN(const PartitionBounds bounds,
                           QueryBounds(rk.get(), topic, partitions, deadline));
  WALCAST_ASSIGN_OR_RETURN(const SlotRecords found,
                           ScanTails(rk.get(), topic, slot, bounds, deadline));
  return Newest(found, topic, slot);
}

}  // namespace walcast::sinks::kafka
