#include "metrics/document.h"

#include <openssl/sha.h>

#include <cinttypes>
#include <cstdio>

#include "core/encoding.h"
#include "core/json_writer.h"
#include "metrics/codec.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::metrics {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string HexId(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  // The first 128 bits.
  std::string out;
  AppendHex(std::string_view(reinterpret_cast<const char*>(digest), 16), &out);
  return out;
}

using json::Key;
using json::String;

// Micro-units as an exact decimal ("12.5", "-0.000001").
void Micros(Writer& w, int64_t micros) {
  const bool negative = micros < 0;
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%06" PRIu64, negative ? "-" : "",
                        abs / kMicrosPerUnit, abs % kMicrosPerUnit);
  while (n > 0 && buf[n - 1] == '0') --n;
  if (n > 0 && buf[n - 1] == '.') --n;
  w.RawValue(buf, static_cast<size_t>(n), rapidjson::kNumberType);
}

// Opens a metric document with the fields every one starts with.
void StartDocument(Writer& w, std::string_view instance, std::string_view metric,
                   std::string_view mode) {
  w.StartObject();
  Key(w, "instance");
  String(w, instance);
  Key(w, "metric");
  String(w, metric);
  Key(w, "mode");
  String(w, mode);
}

}  // namespace

std::string FormatTimestamp(int64_t unix_us) {
  const int64_t ms = unix_us >= 0 ? unix_us / 1000 : -((-unix_us + 999) / 1000);
  int64_t days = ms / 86400000;
  int64_t in_day = ms % 86400000;
  if (in_day < 0) {
    in_day += 86400000;
    --days;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%sT%02d:%02d:%02d.%03dZ",
                FormatDays(static_cast<int32_t>(days)).c_str(), static_cast<int>(in_day / 3600000),
                static_cast<int>(in_day / 60000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return buf;
}

std::string MetricDocumentId(std::string_view instance, const AggregateKey& key) {
  std::string bytes;
  PutBytes(instance, &bytes);
  bytes.append(key.Encode());
  return HexId(bytes);
}

MetricDocument BuildMetricDocument(std::string_view instance, const MetricDefinition* def,
                                   const AggregateValue& v, int64_t now_us) {
  MetricDocument doc;
  doc.kind = MetricDocument::Kind::kMetric;
  doc.id = MetricDocumentId(instance, v.key);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  StartDocument(w, instance, v.key.metric, v.key.mode == 's' ? "state" : "event");
  const MeasureKind measure = def != nullptr ? def->measure.kind : MeasureKind::kCount;
  if (def != nullptr) {
    Key(w, "source");
    String(w, def->SourceNames());
    Key(w, "measure");
    String(w, MeasureName(measure));
    Key(w, "time");
    String(w, TimeBucketName(def->time));
  }
  Key(w, "keys");
  w.StartObject();
  for (const auto& [name, value] : v.key.keys) {
    Key(w, name);
    String(w, value);
  }
  // top_k: the value ranked here, beside its "rank" key (an empty rank has
  // none and count 0).
  if (measure == MeasureKind::kTopK && !v.label.empty()) {
    Key(w, def->measure.value_key);
    String(w, v.label);
  }
  w.EndObject();
  if (measure == MeasureKind::kTopK && !v.key.keys.empty() && v.key.keys.back().first == "rank") {
    // Also as a number, for sorting (keys are keywords).
    Key(w, "rank");
    w.Int64(std::stoll(v.key.keys.back().second));
  }
  Key(w, "bucket_start");
  if (v.key.bucket) {
    String(w, FormatDays(*v.key.bucket));
  } else {
    w.Null();
  }
  // metrics.md §2: a count below 0 (an update whose New was never seen, a
  // deleted New) is shown as 0; the exact figure stays in the state.
  const int64_t count = v.count > 0 ? v.count : 0;
  const int64_t sum = v.count > 0 ? v.sum : 0;
  Key(w, "value");
  switch (measure) {
    case MeasureKind::kCount:
    case MeasureKind::kCountDistinct:
    case MeasureKind::kTopK:
      w.Int64(count);
      break;
    case MeasureKind::kSum:
      Micros(w, sum);
      break;
    case MeasureKind::kAvg:
      if (count == 0) {
        w.Null();
      } else {
        w.Double(static_cast<double>(sum) / static_cast<double>(kMicrosPerUnit) /
                 static_cast<double>(count));
      }
      break;
  }
  Key(w, "count");
  w.Int64(count);
  Key(w, "sum");
  Micros(w, sum);
  Key(w, "updated_at");
  String(w, FormatTimestamp(now_us));
  w.EndObject();
  doc.json.assign(buf.GetString(), buf.GetSize());
  return doc;
}

MetricDocument BuildBadProfilesDocument(std::string_view instance, uint64_t bad_profiles,
                                        int64_t now_us) {
  MetricDocument doc;
  doc.kind = MetricDocument::Kind::kMetric;
  std::string id_bytes;
  PutBytes(instance, &id_bytes);
  PutBytes(kBadProfilesMetric, &id_bytes);
  doc.id = HexId(id_bytes);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  StartDocument(w, instance, kBadProfilesMetric, "status");
  Key(w, "measure");
  String(w, "count");
  Key(w, "keys");
  w.StartObject();
  w.EndObject();
  Key(w, "bucket_start");
  w.Null();
  Key(w, "value");
  w.Uint64(bad_profiles);
  Key(w, "count");
  w.Uint64(bad_profiles);
  Key(w, "updated_at");
  String(w, FormatTimestamp(now_us));
  w.EndObject();
  doc.json.assign(buf.GetString(), buf.GetSize());
  return doc;
}

MetricDocument BuildDeadLetterDocument(std::string_view instance, const DeadLetter& item,
                                       int64_t now_us) {
  MetricDocument doc;
  doc.kind = MetricDocument::Kind::kDeadLetter;
  std::string id_bytes;
  PutBytes(instance, &id_bytes);
  PutBytes(item.table, &id_bytes);
  for (const auto& [column, value] : item.key) {
    PutBytes(column, &id_bytes);
    PutBytes(value, &id_bytes);
  }
  PutFixed64(item.lsn.value(), &id_bytes);
  doc.id = HexId(id_bytes);
  // The shape of the shared dead-letter index (sinks/elasticsearch
  // templates.h): `key` is a keyword there, so a one-column key is its
  // value and a longer one the JSON text of its columns.
  std::string key;
  if (item.key.size() == 1) {
    key = item.key.front().second;
  } else {
    rapidjson::StringBuffer key_buf;
    Writer k(key_buf);
    k.StartObject();
    for (const auto& [column, value] : item.key) {
      Key(k, column);
      String(k, value);
    }
    k.EndObject();
    key.assign(key_buf.GetString(), key_buf.GetSize());
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Key(w, "@timestamp");
  w.Int64(now_us / 1000);
  Key(w, "source");
  String(w, "metrics");
  Key(w, "instance");
  String(w, instance);
  Key(w, "table");
  String(w, item.table);
  Key(w, "key");
  String(w, key);
  Key(w, "lsn");
  String(w, item.lsn.ToString());
  Key(w, "operation");
  String(w, std::string(1, item.op));
  Key(w, "error_type");
  String(w, item.error);
  Key(w, "reason");
  String(w, item.reason);
  w.EndObject();
  doc.json.assign(buf.GetString(), buf.GetSize());
  return doc;
}

}  // namespace walcast::metrics
