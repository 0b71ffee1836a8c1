#include "core/status.h"

#include <cstdio>
#include <cstdlib>

namespace walcast {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "ok";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kNotFound: return "not found";
    case Status::Code::kCorruption: return "corruption";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kTimeout: return "timeout";
    case Status::Code::kRejected: return "rejected";
    case Status::Code::kFatal: return "fatal";
    case Status::Code::kInternal: return "internal";
    case Status::Code::kPermissionDenied: return "permission denied";
    case Status::Code::kReplay: return "replay";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

namespace internal {
void CheckFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "walcast: internal check failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace internal

}  // namespace walcast
