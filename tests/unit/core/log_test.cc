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

TEST(LogFormatTest, JsonIsOneObjectPerLineWithEscapedValues) {
  const std::string out = Captured([] {
    SetFormat(Format::kJson);
    ScopedField field("pipeline", "mosip_master");
    Warn("bulk \"retry\"", {{"reason", "line1\nline2\ttab\x01"}, {"attempt", 3}});
    SetFormat(Format::kText);
  });
  ASSERT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;  // one line
  EXPECT_EQ(out.rfind("{\"ts\":\"", 0), 0u) << out;
  EXPECT_NE(out.find("\"level\":\"warn\",\"msg\":\"bulk \\\"retry\\\"\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"pipeline\":\"mosip_master\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"reason\":\"line1\\nline2\\ttab\\u0001\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"attempt\":\"3\"}"), std::string::npos) << out;
}

TEST(LogFormatTest, ParseFormatKnowsTextAndJson) {
  Format f = Format::kJson;
  EXPECT_TRUE(ParseFormat("text", &f));
  EXPECT_EQ(f, Format::kText);
  EXPECT_TRUE(ParseFormat("json", &f));
  EXPECT_EQ(f, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &f));
}

}  // namespace
}  // namespace walcast::log
