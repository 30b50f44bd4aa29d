// OpenAzureStorage's configuration errors (no Azurite needed: nothing is contacted).
#include "storage/azure_storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/event_loop.h"
#include "core/real_clock.h"

namespace squall {
namespace {


constexpr char kKey[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

StatusOr<Storage> Open(const std::string& connection_string) {
  static EventLoop loop;
  static std::unique_ptr<Clock> clock = MakeRealClock(loop);
  auto c = ParseStorageConnection(connection_string);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return c.status();
  return OpenAzureStorage(*c, loop, *clock);
}

TEST(OpenAzureStorageTest, OpensBothStoresWithoutContactingAnything) {
  auto s = Open("UseDevelopmentStorage=true");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_NE(s->queues, nullptr);
  ASSERT_NE(s->locks, nullptr);
  EXPECT_EQ(s->queues->Describe(),
            "Azure Storage account 'devstoreaccount1' (http://127.0.0.1:10001/devstoreaccount1)");
}

TEST(OpenAzureStorageTest, LocalhostIsLoopback) {
  auto s =
      Open(std::string("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=") + kKey +
           ";QueueEndpoint=http://localhost:10001/acct;BlobEndpoint=http://localhost:10000/acct");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
}

TEST(OpenAzureStorageTest, HttpsAndHostNamesOpenWithoutContactingAnything) {
  // Real accounts: https by name (resolved and verified on the first call, not here).
  auto s = Open(std::string("AccountName=acct;AccountKey=") + kKey);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->queues->Describe(),
            "Azure Storage account 'acct' (https://acct.queue.core.windows.net)");
  auto named =
      Open(std::string("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=") + kKey +
           ";QueueEndpoint=http://azurite:10001/acct;BlobEndpoint=https://azurite:10000/acct");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->queues->Describe(),
            "Azure Storage account 'acct' (http://azurite:10001/acct)");
}

TEST(OpenAzureStorageTest, EmbeddedIsNotAzure) {
  EventLoop loop;
  auto clock = MakeRealClock(loop);
  auto s = OpenAzureStorage(StorageConnection{}, loop, *clock);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace squall
