#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <utility>

#include "core/escape.h"

namespace walcast::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{false};

// The calling thread's ScopedField; an empty key means none.
thread_local std::string t_scoped_key;
thread_local std::string t_scoped_value;

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "?";
}

void AppendValue(std::string* out, std::string_view v) {
  const bool quote = v.empty() || v.find_first_of(" \t\"=") != std::string_view::npos;
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out->push_back('\\');
    if (c == '\n') {
      out->append("\\n");
      continue;
    }
    out->push_back(c);
  }
  out->push_back('"');
}

// A JSON string (RFC 8259): quotes, backslashes and control characters
// escaped; other bytes (UTF-8) as they are.
void AppendJsonString(std::string* out, std::string_view v) {
  out->push_back('"');
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (std::string_view e = ShortEscape(u); !e.empty()) {
      out->append(e);
    } else if (u < 0x20) {
      AppendUnicodeEscape(u, false, out);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

const char* LevelNameLower(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "?";
}

std::string JsonLine(const char* stamp, Level level, std::string_view message,
                     std::initializer_list<Field> fields) {
  std::string line = "{\"ts\":\"";
  line.append(stamp).append("\",\"level\":\"").append(LevelNameLower(level)).append("\",\"msg\":");
  AppendJsonString(&line, message);
  auto field = [&line](std::string_view key, std::string_view value) {
    line.push_back(',');
    AppendJsonString(&line, key);
    line.push_back(':');
    AppendJsonString(&line, value);
  };
  if (!t_scoped_key.empty()) field(t_scoped_key, t_scoped_value);
  for (const Field& f : fields) field(f.key, f.value);
  line.append("}\n");
  return line;
}

}  // namespace

void SetFormat(Format format) { g_json.store(format == Format::kJson); }

bool ParseFormat(std::string_view text, Format* out) {
  if (text == "text") *out = Format::kText;
  else if (text == "json") *out = Format::kJson;
  else return false;
  return true;
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(g_level.load()); }

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "info") *out = Level::kInfo;
  else if (text == "warn") *out = Level::kWarn;
  else if (text == "error") *out = Level::kError;
  else return false;
  return true;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long>(ts.tv_nsec / 1000000) % 1000);
  if (g_json.load(std::memory_order_relaxed)) {
    const std::string line = JsonLine(stamp, level, message, fields);
    std::fwrite(line.data(), 1, line.size(), stderr);
    return;
  }
  std::string line;
  line.reserve(128);
  line.append(stamp).append(" ").append(LevelName(level)).append(" ").append(message);
  if (!t_scoped_key.empty()) {
    line.append(" ").append(t_scoped_key).push_back('=');
    AppendValue(&line, t_scoped_value);
  }
  for (const Field& f : fields) {
    line.push_back(' ');
    line.append(f.key).push_back('=');
    AppendValue(&line, f.value);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

ScopedField::ScopedField(std::string key, std::string value)
    : previous_key_(std::exchange(t_scoped_key, std::move(key))),
      previous_value_(std::exchange(t_scoped_value, std::move(value))) {}

ScopedField::~ScopedField() {
  t_scoped_key = std::move(previous_key_);
  t_scoped_value = std::move(previous_value_);
}

bool RateLimiter::Allow(int* suppressed) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (last_.time_since_epoch().count() != 0 && now - last_ < interval_) {
    ++suppressed_;
    return false;
  }
  last_ = now;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace walcast::log
