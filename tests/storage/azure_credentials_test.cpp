#include "storage/azure_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace squall {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

HttpRequest Request(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = {{"x-ms-date", "Wed, 01 Jan 2025 00:00:00 GMT"}, {"x-ms-version", "2021-08-06"}};
  return r;
}

TEST(AzureCredentialsTest, ASasGoesAtTheEndOfTheQueryAndNothingIsSigned) {
  auto sas = AzureCredentials::Sas("acct", "sv=2021-08-06&sig=abc%3D");
  EXPECT_TRUE(sas.is_sas());
  EXPECT_EQ(sas.account(), "acct");
  HttpRequest with_query = Request("/acct/q/messages?numofmessages=32");
  sas.Authorize(with_query);
  EXPECT_EQ(with_query.target, "/acct/q/messages?numofmessages=32&sv=2021-08-06&sig=abc%3D");
  HttpRequest bare = Request("/acct/q");
  sas.Authorize(bare);
  EXPECT_EQ(bare.target, "/acct/q?sv=2021-08-06&sig=abc%3D");
  EXPECT_EQ(bare.FindHeader("Authorization"), nullptr);
}

TEST(AzureCredentialsTest, SharedKeySignsWhatIsSent) {
  auto key = AzureSharedKey::Create("devstoreaccount1", kDevKey);
  ASSERT_TRUE(key.ok());
  AzureCredentials credentials(*key);
  EXPECT_FALSE(credentials.is_sas());
  HttpRequest r = Request("/devstoreaccount1/q?comp=metadata");
  std::string expected = key->Authorization(r);
  credentials.Authorize(r);
  EXPECT_EQ(r.target, "/devstoreaccount1/q?comp=metadata");  // unchanged
  ASSERT_NE(r.FindHeader("Authorization"), nullptr);
  EXPECT_EQ(*r.FindHeader("Authorization"), expected);
  EXPECT_THAT(expected, StartsWith("SharedKey devstoreaccount1:"));
}

TEST(AzureCredentialsTest, FromAConnectionString) {
  auto sas = ParseStorageConnection(
      "QueueEndpoint=https://localhost:10001/devstoreaccount1;"
      "BlobEndpoint=https://localhost:10000/devstoreaccount1;SharedAccessSignature=sv=1&sig=s");
  ASSERT_TRUE(sas.ok()) << sas.status().ToString();
  auto from_sas = AzureCredentials::FromConnection(*sas);
  ASSERT_TRUE(from_sas.ok());
  EXPECT_TRUE(from_sas->is_sas());
  EXPECT_EQ(from_sas->account(), "devstoreaccount1");

  auto keyed = ParseStorageConnection("UseDevelopmentStorage=true");
  ASSERT_TRUE(keyed.ok());
  auto from_key = AzureCredentials::FromConnection(*keyed);
  ASSERT_TRUE(from_key.ok());
  EXPECT_FALSE(from_key->is_sas());
  EXPECT_EQ(from_key->account(), "devstoreaccount1");

  StorageConnection broken = *keyed;
  broken.account_key = "not base64!";
  auto bad = AzureCredentials::FromConnection(broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("AccountKey"));
}

}  // namespace
}  // namespace squall
