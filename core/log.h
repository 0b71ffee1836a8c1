#pragma once

#include <chrono>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace walcast::log {

// One line per event on stderr: "<UTC time> <LEVEL> <message> key=value ...".
// Values with spaces or quotes are quoted. Never pass secrets or row
// contents. Thread-safe: each line is written with one call.
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename T>
    requires std::is_arithmetic_v<T>
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  std::string_view key;
  std::string value;
};

// The process-wide threshold (set once by main). Logging is the one piece of
// shared state besides the stop flag: every module writes to the same stderr.
// text: `<time> <LEVEL> <message> key=value ...`; json: one JSON object per
// line, {"ts":..,"level":..,"msg":..,"<key>":"<value>",...} (log.format).
enum class Format { kText, kJson };
void SetFormat(Format format);
bool ParseFormat(std::string_view text, Format* out);

void SetLevel(Level level);
Level GetLevel();
bool ParseLevel(std::string_view text, Level* out);

void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Adds one key=value field (e.g. pipeline=mosip_master) to every line the
// calling thread writes while this object lives, so that the lines of one
// of several pipelines in a process can be told apart. Thread-local: threads
// the pipeline starts (sink callbacks, snapshot workers) do not inherit it.
// Nested scopes restore the outer field when they end.
class ScopedField {
 public:
  ScopedField(std::string key, std::string value);
  ~ScopedField();
  ScopedField(const ScopedField&) = delete;
  ScopedField& operator=(const ScopedField&) = delete;

 private:
  std::string previous_key_;
  std::string previous_value_;
};

// Lets one warning through per interval and counts what it suppressed, so a
// retry loop does not flood the log. Used from one thread.
class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::milliseconds interval) : interval_(interval) {}
  // True if a line may be written now; *suppressed gets how many were held
  // back. Thread-safe.
  bool Allow(int* suppressed);

 private:
  std::mutex mu_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  int suppressed_ = 0;
};

}  // namespace walcast::log
