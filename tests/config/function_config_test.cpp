#include <gtest/gtest.h>

#include "config/app_config.h"

namespace squall {
namespace {

Binding Make(const std::string& type, const std::string& direction, const std::string& name) {
  Binding b;
  b.type = type;
  b.direction = direction;
  b.name = name;
  return b;
}

FunctionConfig Fn(std::vector<Binding> bindings) {
  FunctionConfig fn;
  fn.name = "f";
  fn.bindings = std::move(bindings);
  return fn;
}

TEST(FunctionConfigTest, TriggerIsTheBindingEndingInTrigger) {
  FunctionConfig fn = Fn({Make("http", "out", "res"), Make("httpTrigger", "in", "req")});
  ASSERT_NE(fn.Trigger(), nullptr);
  EXPECT_EQ(fn.Trigger()->name, "req");
  EXPECT_EQ(fn.Trigger(), &fn.bindings[1]);
  EXPECT_EQ(Fn({Make("http", "out", "res")}).Trigger(), nullptr);
  EXPECT_EQ(Fn({}).Trigger(), nullptr);
}

TEST(FunctionConfigTest, TriggerKind) {
  EXPECT_EQ(Fn({Make("httpTrigger", "in", "r")}).trigger_kind(), TriggerKind::kHttp);
  EXPECT_EQ(Fn({Make("HTTPTRIGGER", "in", "r")}).trigger_kind(), TriggerKind::kHttp);
  EXPECT_EQ(Fn({Make("queueTrigger", "in", "m")}).trigger_kind(), TriggerKind::kQueue);
  EXPECT_EQ(Fn({Make("timertrigger", "in", "t")}).trigger_kind(), TriggerKind::kTimer);
  EXPECT_EQ(Fn({Make("blobTrigger", "in", "b")}).trigger_kind(), TriggerKind::kBlob);
  EXPECT_EQ(Fn({Make("serviceBusTrigger", "in", "m")}).trigger_kind(), TriggerKind::kOther);
  EXPECT_EQ(Fn({Make("http", "out", "r")}).trigger_kind(), TriggerKind::kOther);
}

TEST(FunctionConfigTest, IsHttpOnly) {
  EXPECT_TRUE(Fn({Make("httpTrigger", "in", "req"), Make("http", "out", "res")}).IsHttpOnly());
  EXPECT_TRUE(Fn({Make("httpTrigger", "in", "req"), Make("HTTP", "out", "$return")}).IsHttpOnly());
  EXPECT_TRUE(Fn({Make("httpTrigger", "in", "req")}).IsHttpOnly());
  EXPECT_FALSE(Fn({Make("httpTrigger", "in", "req"), Make("http", "out", "res"),
                   Make("queue", "out", "msg")})
                   .IsHttpOnly());
  EXPECT_FALSE(Fn({Make("httpTrigger", "in", "req"), Make("blob", "in", "doc")}).IsHttpOnly());
  EXPECT_FALSE(Fn({Make("queueTrigger", "in", "m"), Make("http", "out", "res")}).IsHttpOnly());
  EXPECT_FALSE(Fn({Make("http", "out", "res")}).IsHttpOnly());
}

TEST(AuthLevelNameTest, Names) {
  EXPECT_STREQ(AuthLevelName(AuthLevel::kAnonymous), "anonymous");
  EXPECT_STREQ(AuthLevelName(AuthLevel::kFunction), "function");
  EXPECT_STREQ(AuthLevelName(AuthLevel::kAdmin), "admin");
}

}  // namespace
}  // namespace squall
