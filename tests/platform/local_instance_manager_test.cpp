// The parts of the local backend that need no processes: instance ids and command lines. The
// processes themselves are exercised by tests/integration/test_instances.py.
#include "platform/local_instance_manager.h"

#include <gtest/gtest.h>

#include <map>

namespace squall {
namespace {

TEST(InstanceId, Valid) {
  EXPECT_TRUE(IsValidInstanceId("i-1"));
  EXPECT_TRUE(IsValidInstanceId("http.7_b"));
  EXPECT_TRUE(IsValidInstanceId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidInstanceId(""));
  EXPECT_FALSE(IsValidInstanceId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidInstanceId("-i"));
  EXPECT_FALSE(IsValidInstanceId(".."));
  EXPECT_FALSE(IsValidInstanceId("a/b"));
  EXPECT_FALSE(IsValidInstanceId("a b"));
  EXPECT_FALSE(IsValidInstanceId("a\"b"));
  EXPECT_FALSE(IsValidInstanceId("a%b"));
}

TEST(InstanceInfoTest, Endpoint) {
  InstanceInfo info;
  info.host = "127.0.0.1";
  info.port = 40123;
  EXPECT_EQ(info.endpoint(), "127.0.0.1:40123");
}

TEST(HostArguments, WholeApp) {
  InstanceSpec spec;
  spec.id = "i-1";
  EXPECT_EQ(LocalInstanceManager::HostArguments("/apps/hello", spec, 40001, {}),
            (std::vector<std::string>{"host", "/apps/hello", "--port", "40001", "--instance-id",
                                      "i-1"}));
}

TEST(HostArguments, GroupFunctionsAndExtra) {
  InstanceSpec spec;
  spec.id = "i-2";
  spec.group = "http";
  spec.functions = {"hello", "health"};
  EXPECT_EQ(LocalInstanceManager::HostArguments("/apps/hello", spec, 40002,
                                                {"--log-format", "json"}),
            (std::vector<std::string>{"host", "/apps/hello", "--port", "40002", "--instance-id",
                                      "i-2", "--group", "http", "--functions", "hello,health",
                                      "--log-format", "json"}));
}

TEST(HostArguments, ThePlansLimitsForTheThrottles) {
  InstanceSpec spec;
  spec.id = "i-3";
  spec.limits.cpu_cores = 1;
  spec.limits.memory_bytes = std::int64_t{1536} << 20;
  // In the environment, not as flags: an older pinned build knows no such flags.
  EXPECT_EQ(LocalInstanceManager::HostArguments("/apps/hello", spec, 40003, {}),
            (std::vector<std::string>{"host", "/apps/hello", "--port", "40003", "--instance-id",
                                      "i-3"}));
  spec.limits.http_concurrency = 16;
  EXPECT_EQ(LocalInstanceManager::HostEnvironment(spec),
            (std::map<std::string, std::string>{{"SQUALL_INSTANCE_CPUS", "1"},
                                                {"SQUALL_INSTANCE_HTTP_CONCURRENCY", "16"},
                                                {"SQUALL_INSTANCE_MEMORY_MB", "1536"}}));
  EXPECT_TRUE(LocalInstanceManager::HostEnvironment(InstanceSpec{}).empty());
}

}  // namespace
}  // namespace squall
