#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace walcast::log {
namespace {

// Lines written while `write` runs, as stderr received them.
template <typename F>
std::string Captured(F write) {
  ::testing::internal::CaptureStderr();
  write();
  return ::testing::internal::GetCapturedStderr();
}

TEST(ScopedFieldTest, AddsItsFieldAfterTheMessageWhileItLives) {
  const std::string out = Captured([] {
    Info("before", {{"k", "1"}});
    {
      ScopedField field("pipeline", "mosip_master");
      Info("inside", {{"k", "2"}});
    }
    Info("after");
  });
  EXPECT_NE(out.find("INFO before k=1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("INFO inside pipeline=mosip_master k=2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("INFO after\n"), std::string::npos) << out;
}

TEST(ScopedFieldTest, InnerScopeWinsAndRestoresTheOuter) {
  const std::string out = Captured([] {
    ScopedField outer("pipeline", "a");
    {
      ScopedField inner("pipeline", "b c");  // quoted: it has a space
      Info("inner");
    }
    Info("outer");
  });
  EXPECT_NE(out.find("INFO inner pipeline=\"b c\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("INFO outer pipeline=a\n"), std::string::npos) << out;
}

TEST(ScopedFieldTest, OtherThreadsDoNotSeeIt) {
  const std::string out = Captured([] {
    ScopedField field("pipeline", "a");
    std::thread([] { Info("elsewhere"); }).join();
  });
  EXPECT_NE(out.find("INFO elsewhere\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace walcast::log
