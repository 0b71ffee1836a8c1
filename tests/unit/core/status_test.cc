#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast {
namespace {

using Code = Status::Code;

TEST(StatusTest, DefaultIsOk) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, FactoriesSetTheirCodeAndMessage) {
  const std::vector<std::pair<Status, Code>> cases = {
      {Status::InvalidArgument("m"), Code::kInvalidArgument},
      {Status::NotFound("m"), Code::kNotFound},
      {Status::Corruption("m"), Code::kCorruption},
      {Status::Unavailable("m"), Code::kUnavailable},
      {Status::Timeout("m"), Code::kTimeout},
      {Status::Rejected("m"), Code::kRejected},
      {Status::Fatal("m"), Code::kFatal},
      {Status::Internal("m"), Code::kInternal},
      {Status::PermissionDenied("m"), Code::kPermissionDenied},
  };
  for (const auto& [status, code] : cases) {
    EXPECT_EQ(status.code(), code) << CodeName(code);
    EXPECT_FALSE(status.ok()) << CodeName(code);
    EXPECT_EQ(status.message(), "m") << CodeName(code);
  }
}

TEST(StatusTest, PredicatesMatchOnlyTheirCode) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_FALSE(Status::Corruption("x").IsNotFound());
  EXPECT_TRUE(Status::Corruption("x").IsCorruption());
  EXPECT_FALSE(Status::NotFound("x").IsCorruption());
  EXPECT_TRUE(Status::Unavailable("x").IsUnavailable());
  EXPECT_FALSE(Status::Timeout("x").IsUnavailable());
  EXPECT_FALSE(Status::Ok().IsNotFound());
  EXPECT_FALSE(Status::Ok().IsCorruption());
  EXPECT_FALSE(Status::Ok().IsUnavailable());
}

TEST(StatusTest, OnlyUnavailableAndTimeoutAreRetryable) {
  EXPECT_TRUE(Status::Unavailable("x").IsRetryable());
  EXPECT_TRUE(Status::Timeout("x").IsRetryable());
  EXPECT_FALSE(Status::Ok().IsRetryable());
  EXPECT_FALSE(Status::InvalidArgument("x").IsRetryable());
  EXPECT_FALSE(Status::NotFound("x").IsRetryable());
  EXPECT_FALSE(Status::Corruption("x").IsRetryable());
  EXPECT_FALSE(Status::Rejected("x").IsRetryable());
  EXPECT_FALSE(Status::Fatal("x").IsRetryable());
  EXPECT_FALSE(Status::Internal("x").IsRetryable());
  EXPECT_FALSE(Status::PermissionDenied("x").IsRetryable());
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("a"), Status::NotFound("a"));
  EXPECT_NE(Status::NotFound("a"), Status::NotFound("b"));
  EXPECT_NE(Status::NotFound("a"), Status::Corruption("a"));
  EXPECT_EQ(Status(Code::kTimeout, "t"), Status::Timeout("t"));
}

TEST(StatusTest, ToStringJoinsCodeNameAndMessage) {
  EXPECT_EQ(Status::Ok().ToString(), "ok");
  EXPECT_EQ(Status::InvalidArgument("bad key").ToString(), "invalid argument: bad key");
  EXPECT_EQ(Status::Unavailable("down").ToString(), "unavailable: down");
  EXPECT_EQ(Status::PermissionDenied("REPLICATION").ToString(), "permission denied: REPLICATION");
}

TEST(StatusTest, EveryCodeHasADistinctName) {
  const Code codes[] = {
      Code::kOk,          Code::kInvalidArgument, Code::kNotFound, Code::kCorruption,
      Code::kUnavailable, Code::kTimeout,         Code::kRejected, Code::kFatal,
      Code::kInternal,    Code::kPermissionDenied};
  std::set<std::string_view> names;
  for (const Code code : codes) {
    const std::string_view name = CodeName(code);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(codes));
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(ResultTest, HoldsError) {
  const Result<int> r = Status::NotFound("slot");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "slot");
}

TEST(ResultTest, ArrowReachesMembers) {
  const Result<std::string> r = std::string("abc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
}

TEST(ResultTest, MoveOnlyValueCanBeMovedOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

// Helpers for the macro tests. `calls` counts evaluations of the argument.
Status Step(bool fail, int* calls) {
  ++*calls;
  return fail ? Status::Unavailable("step") : Status::Ok();
}

Result<int> Number(bool fail, int value, int* calls) {
  ++*calls;
  if (fail) return Status::Corruption("number");
  return value;
}

Result<std::unique_ptr<int>> Boxed(bool fail) {
  if (fail) return Status::Timeout("boxed");
  return std::make_unique<int>(9);
}

Status TwoSteps(bool fail_first, bool fail_second, int* calls, bool* reached_end) {
  WALCAST_RETURN_IF_ERROR(Step(fail_first, calls));
  WALCAST_RETURN_IF_ERROR(Step(fail_second, calls));
  *reached_end = true;
  return Status::Ok();
}

Result<int> StepThenValue(bool fail, int* calls) {
  WALCAST_RETURN_IF_ERROR(Step(fail, calls));
  return 11;
}

Result<int> Sum(bool fail_a, bool fail_b, int* calls) {
  WALCAST_ASSIGN_OR_RETURN(const int a, Number(fail_a, 2, calls));
  WALCAST_ASSIGN_OR_RETURN(const int b, Number(fail_b, 3, calls));
  return a + b;
}

Status AssignToExisting(bool fail, int* out, int* calls) {
  WALCAST_ASSIGN_OR_RETURN(*out, Number(fail, 21, calls));
  return Status::Ok();
}

Result<int> Unbox(bool fail) {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<int> p, Boxed(fail));
  return *p;
}

TEST(StatusMacroTest, ReturnIfErrorContinuesOnOk) {
  int calls = 0;
  bool reached_end = false;
  const Status s = TwoSteps(false, false, &calls, &reached_end);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(reached_end);
}

TEST(StatusMacroTest, ReturnIfErrorReturnsFirstError) {
  int calls = 0;
  bool reached_end = false;
  const Status s = TwoSteps(true, false, &calls, &reached_end);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(calls, 1);  // evaluated once, and the second step never ran
  EXPECT_FALSE(reached_end);
}

TEST(StatusMacroTest, ReturnIfErrorStopsAtLaterError) {
  int calls = 0;
  bool reached_end = false;
  const Status s = TwoSteps(false, true, &calls, &reached_end);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(reached_end);
}

TEST(StatusMacroTest, ReturnIfErrorWorksInResultFunction) {
  int calls = 0;
  const Result<int> good = StepThenValue(false, &calls);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 11);

  const Result<int> bad = StepThenValue(true, &calls);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacroTest, AssignOrReturnBindsValues) {
  int calls = 0;
  const Result<int> r = Sum(false, false, &calls);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacroTest, AssignOrReturnPropagatesFirstError) {
  int calls = 0;
  const Result<int> r = Sum(true, false, &calls);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(calls, 1);
}

TEST(StatusMacroTest, AssignOrReturnPropagatesLaterError) {
  int calls = 0;
  const Result<int> r = Sum(false, true, &calls);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacroTest, AssignOrReturnAssignsExistingVariable) {
  int calls = 0;
  int out = -1;
  EXPECT_TRUE(AssignToExisting(false, &out, &calls).ok());
  EXPECT_EQ(out, 21);
  EXPECT_EQ(calls, 1);

  out = -1;
  const Status s = AssignToExisting(true, &out, &calls);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_EQ(out, -1);  // untouched on error
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacroTest, AssignOrReturnMovesMoveOnlyValues) {
  const Result<int> good = Unbox(false);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 9);

  const Result<int> bad = Unbox(true);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kTimeout);
}

}  // namespace
}  // namespace walcast
