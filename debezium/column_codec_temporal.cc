// ColumnCodec for date, time, timetz, timestamp, timestamptz and interval
// under each time.precision.mode and interval.handling.mode
// (docs/debezium-compat.md items 20-23, 28, 41, 48). Built with
// -ffp-contract=off: see IntervalMicros.

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::debezium {
namespace {

using pg::kMicrosPerDay;
using pg::kMicrosPerSecond;

// Debezium's sentinels for ±infinity timestamps (epoch milliseconds of
// PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY).
constexpr int64_t kPositiveInfinity = 9223372036825200000LL;
constexpr int64_t kNegativeInfinity = -9223372036832400000LL;

// date 'infinity' and '-infinity' as Debezium 3.7.0 writes them.
// Streaming: its stand-in LocalDates +5877611-06-21 and -5877611-06-22,
// whose epoch days are cast to int (the first wraps around).
constexpr int64_t kStreamedPositiveInfinityDay = 2146033979;
constexpr int64_t kStreamedNegativeInfinityDay = -2147472691;
// Snapshot: the JDBC driver returns java.sql.Date(±PGStatement infinity
// millis), which Debezium turns into a LocalDate in the JVM's time zone
// (UTC for Kafka Connect here) and casts its epoch day to int.
constexpr int64_t kSnapshotPositiveInfinityDay = -622191234;
constexpr int64_t kSnapshotNegativeInfinityDay = -625821272;

// The epoch day Debezium writes for a date its snapshot read over JDBC,
// which goes through java.sql.Date and so through java.util's Julian/
// Gregorian calendar: the infinities above; a BC date loses its era
// (toLocalDate keeps the year of era: '0001-01-01 BC' reads as 0001-01-01);
// and the ten days the calendar skips (1582-10-05 to 1582-10-14) are taken
// as Julian dates, ten days later. Other dates keep their year, month and
// day.
int64_t JdbcEpochDay(const pg::PgDate& date, std::string_view text) {
  if (date.infinity != 0) {
    return date.infinity > 0 ? kSnapshotPositiveInfinityDay : kSnapshotNegativeInfinityDay;
  }
  constexpr std::string_view kBc = " BC";
  if (text.size() > kBc.size() && text.substr(text.size() - kBc.size()) == kBc) {
    if (std::optional<pg::PgDate> ad = pg::ParseDate(text.substr(0, text.size() - kBc.size()))) {
      return ad->epoch_day;
    }
  }
  const int64_t gap_start = pg::DaysFromCivil(1582, 10, 5);
  if (date.epoch_day >= gap_start && date.epoch_day < gap_start + 10) return date.epoch_day + 10;
  return date.epoch_day;
}

// Fractional-second digits of time/timestamp(p); -1 means the default 6.
int TimePrecision(int32_t typmod) { return typmod < 0 ? 6 : std::min(typmod, 6); }

// The six fraction digits of `micros` (0 <= micros < 1e6) with trailing
// zeros stripped; empty for 0.
std::string StrippedFraction(int64_t micros) {
  char digits[8];
  std::snprintf(digits, sizeof(digits), "%06lld", static_cast<long long>(micros));
  std::string f(digits);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return f;
}

// "2018-06-20T13:13:16.945104Z" from epoch micros, with the fraction padded
// to `precision` digits (none when 0).
void AppendIsoInstant(int64_t epoch_micros, int precision, std::string* out) {
  const int64_t days = pg::FloorDiv(epoch_micros, kMicrosPerDay);
  const int64_t rem = epoch_micros - days * kMicrosPerDay;
  const pg::CivilDate date = pg::CivilFromDays(days);
  const int64_t y = date.year;
  char buf[64];
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t micros = rem % kMicrosPerSecond;
  // java.time prints years outside 0000-9999 with a sign.
  const char* format = y >= 0 && y <= 9999 ? "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld"
                                           : "%+05lld-%02lld-%02lldT%02lld:%02lld:%02lld";
  const int n = std::snprintf(buf, sizeof(buf), format, static_cast<long long>(y),
                              static_cast<long long>(date.month), static_cast<long long>(date.day),
                              static_cast<long long>(secs / 3600),
                              static_cast<long long>(secs / 60 % 60),
                              static_cast<long long>(secs % 60));
  out->append(buf, static_cast<size_t>(n));
  if (precision > 0) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), "%06lld", static_cast<long long>(micros));
    out->push_back('.');
    out->append(frac, static_cast<size_t>(precision));
  }
  out->push_back('Z');
}

// ISO_OFFSET_TIME in UTC: "HH:MM:SS", a fraction only when non-zero with
// its trailing zeros stripped, then "Z".
void AppendIsoTime(int64_t micros, std::string* out) {
  char buf[32];
  const int64_t secs = micros / kMicrosPerSecond;
  const int n = std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld",
                              static_cast<long long>(secs / 3600 % 24),
                              static_cast<long long>(secs / 60 % 60),
                              static_cast<long long>(secs % 60));
  out->append(buf, static_cast<size_t>(n));
  if (const int64_t frac = micros % kMicrosPerSecond; frac != 0) {
    out->push_back('.');
    out->append(StrippedFraction(frac));
  }
  out->push_back('Z');
}

// ISO-8601 duration as io.debezium.time.Interval writes it:
// "P1Y2M3DT4H5M6.78S", zero components kept.
void AppendIsoInterval(const pg::PgInterval& iv, std::string* out) {
  char buf[160];
  const int64_t total_micros = iv.micros;
  const int64_t whole = total_micros / kMicrosPerSecond;
  const int64_t frac = std::llabs(total_micros % kMicrosPerSecond);
  int n = std::snprintf(buf, sizeof(buf), "P%dY%dM%dDT%lldH%dM", iv.years, iv.months, iv.days,
                        static_cast<long long>(iv.hours), iv.minutes);
  out->append(buf, static_cast<size_t>(n));
  if (frac == 0) {
    n = std::snprintf(buf, sizeof(buf), "%lldS", static_cast<long long>(whole));
  } else {
    n = std::snprintf(buf, sizeof(buf), "%s%lld.%sS", total_micros < 0 && whole == 0 ? "-" : "",
                      static_cast<long long>(whole), StrippedFraction(frac).c_str());
  }
  out->append(buf, static_cast<size_t>(n));
}

// io.debezium.time.MicroDuration: months count as 365.25 / 12 days, and the
// sum is taken in doubles in this order and truncated, exactly as Debezium
// computes it (this file is built with -ffp-contract=off so no fused
// multiply-add changes a rounding).
int64_t IntervalMicros(const pg::PgInterval& iv) {
  constexpr double kDaysPerMonth = 30.4375;
  const double seconds = static_cast<double>(iv.micros / kMicrosPerSecond) +
                         static_cast<double>(iv.micros % kMicrosPerSecond) / 1e6;
  const double days =
      static_cast<double>(iv.years * 12 + iv.months) * kDaysPerMonth + static_cast<double>(iv.days);
  const double secs =
      (((days * 24 + static_cast<double>(iv.hours)) * 60) + static_cast<double>(iv.minutes)) * 60 +
      seconds;
  return static_cast<int64_t>(secs * 1e6 + 0);
}

}  // namespace

bool ColumnCodec::MapTemporal(uint32_t oid, int32_t typmod, const ValueOptions& options) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  const bool connect_time = options.time == TimePrecisionMode::kConnect;
  switch (oid) {
    case kDate:
      Set(Kind::kDateDays, ConnectType::kInt32,
          connect_time ? "org.apache.kafka.connect.data.Date" : "io.debezium.time.Date", 1);
      return true;
    case kTime:
      precision_ = TimePrecision(typmod);
      if (connect_time) {
        Set(Kind::kTimeMillis, ConnectType::kInt32, "org.apache.kafka.connect.data.Time", 1);
      } else if (options.time == TimePrecisionMode::kAdaptive && precision_ <= 3) {
        Set(Kind::kTimeMillis, ConnectType::kInt32, "io.debezium.time.Time", 1);
      } else {
        Set(Kind::kTimeMicros, ConnectType::kInt64, "io.debezium.time.MicroTime", 1);
      }
      return true;
    case kTimestamp:
      precision_ = TimePrecision(typmod);
      if (connect_time) {
        Set(Kind::kTimestampMillis, ConnectType::kInt64, "org.apache.kafka.connect.data.Timestamp",
            1);
      } else if (precision_ <= 3) {
        Set(Kind::kTimestampMillis, ConnectType::kInt64, "io.debezium.time.Timestamp", 1);
      } else {
        Set(Kind::kTimestampMicros, ConnectType::kInt64, "io.debezium.time.MicroTimestamp", 1);
      }
      return true;
    case kTimestamptz:
      precision_ = TimePrecision(typmod);
      Set(Kind::kZonedTimestamp, ConnectType::kString, "io.debezium.time.ZonedTimestamp", 1);
      return true;
    case kTimetz:
      precision_ = TimePrecision(typmod);
      Set(Kind::kZonedTime, ConnectType::kString, "io.debezium.time.ZonedTime", 1);
      default_parsable_ = false;
      return true;
    case kInterval:
      if (options.interval == IntervalMode::kString) {
        Set(Kind::kIntervalString, ConnectType::kString, "io.debezium.time.Interval", 1);
      } else {
        Set(Kind::kIntervalMicros, ConnectType::kInt64, "io.debezium.time.MicroDuration", 1);
      }
      return true;
    default:
      return false;
  }
}

Status ColumnCodec::WriteDateText(std::string_view text, JsonWriter* w, ValueSource source) const {
  const std::optional<pg::PgDate> d = pg::ParseDate(text);
  if (!d) return Bad(text);
  if (kind_ == Kind::kDateMillis) {
    w->Int64(d->epoch_day * 86'400'000);
  } else if (source == ValueSource::kSnapshot) {
    w->Int64(JdbcEpochDay(*d, text));
  } else if (d->infinity != 0) {
    w->Int64(d->infinity > 0 ? kStreamedPositiveInfinityDay : kStreamedNegativeInfinityDay);
  } else {
    w->Int64(d->epoch_day);
  }
  return Status::Ok();
}

Status ColumnCodec::WriteTimeText(std::string_view text, JsonWriter* w,
                                  std::string* scratch) const {
  if (kind_ != Kind::kZonedTime) {
    const std::optional<int64_t> micros = pg::ParseTimeMicros(text);
    if (!micros) return Bad(text);
    w->Int64(kind_ == Kind::kTimeMillis ? *micros / 1000 : *micros);
    return Status::Ok();
  }
  const std::optional<pg::PgTimeTz> t = pg::ParseTimeTz(text);
  if (!t) return Bad(text);
  if (t->micros == kMicrosPerDay && t->offset_seconds == 0) {
    json::String(*w, "24:00:00Z");
    return Status::Ok();
  }
  int64_t utc = t->micros - static_cast<int64_t>(t->offset_seconds) * kMicrosPerSecond;
  utc = ((utc % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  AppendIsoTime(utc, scratch);
  json::String(*w, *scratch);
  return Status::Ok();
}

Status ColumnCodec::WriteTimestampText(std::string_view text, JsonWriter* w,
                                       std::string* scratch) const {
  if (kind_ == Kind::kZonedTimestamp) {
    const std::optional<pg::PgTimestamp> ts = pg::ParseTimestampTz(text);
    if (!ts) return Bad(text);
    if (ts->infinity != 0) {
      json::String(*w, ts->infinity > 0 ? "infinity" : "-infinity");
      return Status::Ok();
    }
    AppendIsoInstant(ts->epoch_micros, precision_, scratch);
    json::String(*w, *scratch);
    return Status::Ok();
  }
  const std::optional<pg::PgTimestamp> ts = pg::ParseTimestamp(text);
  if (!ts) return Bad(text);
  if (ts->infinity != 0) {
    // The same number for Timestamp (ms) and MicroTimestamp (µs).
    w->Int64(ts->infinity > 0 ? kPositiveInfinity : kNegativeInfinity);
  } else if (kind_ == Kind::kTimestampMillis) {
    w->Int64(pg::FloorDiv(ts->epoch_micros, 1000));
  } else {
    w->Int64(ts->epoch_micros);
  }
  return Status::Ok();
}

Status ColumnCodec::WriteIntervalText(std::string_view text, JsonWriter* w,
                                      std::string* scratch) const {
  const std::optional<pg::PgInterval> iv = pg::ParseInterval(text);
  if (!iv) return Bad(text);
  if (kind_ == Kind::kIntervalMicros) {
    w->Int64(IntervalMicros(*iv));
  } else {
    AppendIsoInterval(*iv, scratch);
    json::String(*w, *scratch);
  }
  return Status::Ok();
}

}  // namespace walcast::debezium
