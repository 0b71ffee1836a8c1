#include "core/sink.h"

namespace walcast {

void Sink::ReportProblem(std::string kind, std::string reason) const {
  if (problems_ == nullptr) return;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  problems_->Add(now_ms, name(), std::move(kind), std::move(reason));
}

}  // namespace walcast
