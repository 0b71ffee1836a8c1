#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace walcast {

// Status is the outcome of an operation that can fail in an expected way.
// An OK status carries no message and costs one small string move.
// Callers branch on code(), never on message(). Not thread-safe to mutate;
// immutable values may be shared between threads.
class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad configuration or input supplied by the user
    kNotFound,         // a slot, publication, table or file does not exist
    kCorruption,       // a malformed protocol frame or stored state
    kUnavailable,      // a server is unreachable; retrying may help
    kTimeout,          // a deadline passed; retrying may help
    kRejected,         // one record was refused; it belongs in a dead letter
    kFatal,            // unrecoverable; the pipeline must stop
    kInternal,         // a bug in walcast
    kPermissionDenied, // the role lacks a privilege; the message names it
    kReplay,           // a sink lost work it had accepted but not made durable;
                       // streaming must restart from the watermark
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Rejected(std::string m) { return {Code::kRejected, std::move(m)}; }
  static Status Fatal(std::string m) { return {Code::kFatal, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {Code::kPermissionDenied, std::move(m)};
  }
  static Status Replay(std::string m) { return {Code::kReplay, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsReplay() const { return code_ == Code::kReplay; }
  bool IsRetryable() const { return code_ == Code::kUnavailable || code_ == Code::kTimeout; }

  // "<code name>: <message>", for logs and error lines.
  std::string ToString() const;

  bool operator==(const Status& other) const = default;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// Result<T> holds either a value or a non-OK Status, like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor): like expected
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an OK status carries no value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace walcast

#define WALCAST_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::walcast::Status walcast_status_ = (expr); \
    if (!walcast_status_.ok()) return walcast_status_; \
  } while (0)

#define WALCAST_CONCAT_INNER(a, b) a##b
#define WALCAST_CONCAT(a, b) WALCAST_CONCAT_INNER(a, b)
// WALCAST_ASSIGN_OR_RETURN(auto x, MakeX()) declares x from a Result or returns its status.
#define WALCAST_ASSIGN_OR_RETURN(lhs, rexpr)                                   \
  auto WALCAST_CONCAT(walcast_result_, __LINE__) = (rexpr);                   \
  if (!WALCAST_CONCAT(walcast_result_, __LINE__).ok())                         \
    return WALCAST_CONCAT(walcast_result_, __LINE__).status();                 \
  lhs = std::move(WALCAST_CONCAT(walcast_result_, __LINE__)).value()

// WALCAST_CHECK aborts on a broken invariant (a bug), never on bad input.
#define WALCAST_CHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) ::walcast::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace walcast::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace walcast::internal
