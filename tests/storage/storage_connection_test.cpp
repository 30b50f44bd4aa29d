#include "storage/storage_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace squall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
// A made-up key that must never show up in a message.
constexpr char kSecretKey[] = "c2VjcmV0LWtleS1ub3QtdG8tYmUtZWNob2VkLWFueXdoZXJlIQ==";

TEST(StorageConnectionTest, UnsetOrEmptyIsEmbedded) {
  for (const char* text : {"", "   ", ";", " ; ;"}) {
    auto c = ParseStorageConnection(text);
    ASSERT_TRUE(c.ok()) << text << ": " << c.status().ToString();
    EXPECT_EQ(c->kind, StorageConnection::Kind::kEmbedded) << text;
  }
}

TEST(StorageConnectionTest, UseEmbeddedStorageIsEmbedded) {
  auto c = ParseStorageConnection("UseEmbeddedStorage=true");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, StorageConnection::Kind::kEmbedded);
  auto lower = ParseStorageConnection("useembeddedstorage=TRUE;");
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ(lower->kind, StorageConnection::Kind::kEmbedded);
}

TEST(StorageConnectionTest, DevelopmentStorageIsAzuriteOnItsWellKnownPorts) {
  auto c = ParseStorageConnection("UseDevelopmentStorage=true");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, StorageConnection::Kind::kAzure);
  EXPECT_EQ(c->account_name, "devstoreaccount1");
  EXPECT_EQ(c->account_key, kDevKey);
  EXPECT_EQ(c->blob_endpoint.ToString(), "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(c->queue_endpoint.ToString(), "http://127.0.0.1:10001/devstoreaccount1");
  EXPECT_EQ(c->queue_endpoint.scheme, "http");
  EXPECT_EQ(c->queue_endpoint.host, "127.0.0.1");
  EXPECT_EQ(c->queue_endpoint.port, 10001);
  EXPECT_EQ(c->queue_endpoint.path_prefix, "/devstoreaccount1");
}

TEST(StorageConnectionTest, AccountWithDefaultEndpoints) {
  auto c = ParseStorageConnection(std::string("DefaultEndpointsProtocol=https;AccountName=myacct;"
                                              "AccountKey=") +
                                  kSecretKey + ";EndpointSuffix=core.windows.net");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, StorageConnection::Kind::kAzure);
  EXPECT_EQ(c->account_name, "myacct");
  EXPECT_EQ(c->account_key, kSecretKey);
  EXPECT_EQ(c->queue_endpoint.ToString(), "https://myacct.queue.core.windows.net");
  EXPECT_EQ(c->blob_endpoint.ToString(), "https://myacct.blob.core.windows.net");
  EXPECT_EQ(c->queue_endpoint.port, 443);
  EXPECT_EQ(c->queue_endpoint.path_prefix, "");
}

TEST(StorageConnectionTest, SuffixAndProtocolShapeTheDefaultEndpoints) {
  auto c = ParseStorageConnection(std::string("AccountKey=") + kSecretKey +
                                  ";AccountName=acct2;DefaultEndpointsProtocol=http;"
                                  "EndpointSuffix=core.chinacloudapi.cn");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->queue_endpoint.ToString(), "http://acct2.queue.core.chinacloudapi.cn");
  EXPECT_EQ(c->blob_endpoint.port, 80);
  // No protocol given: https.
  auto d = ParseStorageConnection(std::string("AccountName=a3;AccountKey=") + kSecretKey);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->blob_endpoint.ToString(), "https://a3.blob.core.windows.net");
}

TEST(StorageConnectionTest, HttpsWithoutASuffixIsCoreWindowsNet) {
  auto c = ParseStorageConnection(std::string("DefaultEndpointsProtocol=https;AccountName=myacct;"
                                              "AccountKey=") +
                                  kSecretKey);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->queue_endpoint.scheme, "https");
  EXPECT_EQ(c->queue_endpoint.host, "myacct.queue.core.windows.net");
  EXPECT_EQ(c->queue_endpoint.port, 443);
  EXPECT_EQ(c->blob_endpoint.ToString(), "https://myacct.blob.core.windows.net");
  EXPECT_EQ(c->blob_endpoint.host, "myacct.blob.core.windows.net");
  EXPECT_EQ(c->blob_endpoint.path_prefix, "");
}

TEST(StorageConnectionTest, ExplicitHttpsEndpointsByName) {
  auto c = ParseStorageConnection(
      std::string("DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=") +
      kDevKey +
      ";QueueEndpoint=https://localhost:8443/devstoreaccount1;"
      "BlobEndpoint=https://myacct.blob.core.windows.net/");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->queue_endpoint.scheme, "https");
  EXPECT_EQ(c->queue_endpoint.host, "localhost");
  EXPECT_EQ(c->queue_endpoint.port, 8443);
  EXPECT_EQ(c->queue_endpoint.path_prefix, "/devstoreaccount1");
  EXPECT_EQ(c->queue_endpoint.ToString(), "https://localhost:8443/devstoreaccount1");
  EXPECT_EQ(c->blob_endpoint.scheme, "https");
  EXPECT_EQ(c->blob_endpoint.port, 443);
  EXPECT_EQ(c->blob_endpoint.path_prefix, "");
  // An explicit endpoint's scheme wins over DefaultEndpointsProtocol.
  auto mixed = ParseStorageConnection(
      std::string("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=") + kDevKey +
      ";QueueEndpoint=https://q.example:9443/acct");
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->queue_endpoint.scheme, "https");
  EXPECT_EQ(mixed->blob_endpoint.ToString(), "http://acct.blob.core.windows.net");
}

// A made-up SAS token that must never show up in a message either.
constexpr char kSas[] = "sv=2021-08-06&ss=bq&srt=sco&sp=rwdlacup&se=2030-01-01T00%3A00%3A00Z&"
                        "sig=c2FzLXNpZ25hdHVyZS1ub3QtdG8tYmUtZWNob2Vk%3D";

TEST(StorageConnectionTest, SharedAccessSignatureWithAnAccount) {
  auto c = ParseStorageConnection(std::string("AccountName=myacct;SharedAccessSignature=?") +
                                  kSas + ";EndpointSuffix=core.usgovcloudapi.net");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sas_token, kSas);  // the leading '?' dropped
  EXPECT_EQ(c->account_key, "");
  EXPECT_EQ(c->account_name, "myacct");
  EXPECT_EQ(c->queue_endpoint.ToString(), "https://myacct.queue.core.usgovcloudapi.net");
}

TEST(StorageConnectionTest, SharedAccessSignatureWithEndpointsOnly) {
  // As the portal gives it: endpoints and the token, no AccountName.
  auto c = ParseStorageConnection(
      std::string("BlobEndpoint=https://myacct.blob.core.windows.net/;"
                  "QueueEndpoint=https://myacct.queue.core.windows.net/;"
                  "SharedAccessSignature=") +
      kSas);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->account_name, "myacct");  // from the host
  EXPECT_EQ(c->sas_token, kSas);
  auto azurite = ParseStorageConnection(
      std::string("BlobEndpoint=https://localhost:10000/devstoreaccount1;"
                  "QueueEndpoint=https://localhost:10001/devstoreaccount1;"
                  "SharedAccessSignature=") +
      kSas);
  ASSERT_TRUE(azurite.ok()) << azurite.status().ToString();
  EXPECT_EQ(azurite->account_name, "devstoreaccount1");  // path-style: from the path
}

TEST(StorageConnectionTest, ASasTokenIsNeverEchoed) {
  for (const std::string& text :
       {std::string("AccountName=a;AccountKey=") + kDevKey + ";SharedAccessSignature=" + kSas,
        std::string("SharedAccessSignature=") + kSas,
        std::string("AccountName=a-b;SharedAccessSignature=") + kSas,
        std::string("SharedAccessSignature=") + kSas + ";Colour=blue"}) {
    auto c = ParseStorageConnection(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_THAT(c.status().message(), Not(HasSubstr("c2FzLXNp"))) << text;
  }
}

TEST(StorageConnectionTest, ExplicitEndpointsWin) {
  auto c = ParseStorageConnection(
      std::string("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=") +
      kDevKey +
      ";BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;"
      "QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1/;");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->blob_endpoint.port, 41000);
  EXPECT_EQ(c->queue_endpoint.port, 41001);
  EXPECT_EQ(c->queue_endpoint.path_prefix, "/devstoreaccount1");  // trailing '/' dropped
  EXPECT_EQ(c->queue_endpoint.ToString(), "http://127.0.0.1:41001/devstoreaccount1");
}

TEST(StorageConnectionTest, KeysAreCaseInsensitiveAndValuesMayHoldEquals) {
  auto c = ParseStorageConnection(std::string(" accountname = acct ; ACCOUNTKEY=") + kDevKey +
                                  " ;defaultendpointsprotocol=HTTP");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->account_key, kDevKey);  // ends in "==", split at the first '=' only
  EXPECT_EQ(c->queue_endpoint.scheme, "http");
}

TEST(StorageConnectionTest, TableAndFileEndpointsAreIgnored) {
  auto c = ParseStorageConnection(std::string("AccountName=acct;AccountKey=") + kSecretKey +
                                  ";TableEndpoint=https://acct.table.core.windows.net;"
                                  "FileEndpoint=https://acct.file.core.windows.net");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

void ExpectError(const std::string& text, const std::string& names) {
  auto c = ParseStorageConnection(text);
  ASSERT_FALSE(c.ok()) << text;
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_THAT(c.status().message(), HasSubstr(names)) << text;
  EXPECT_THAT(c.status().message(), Not(HasSubstr(kSecretKey))) << text;
  EXPECT_THAT(c.status().message(), Not(HasSubstr("c2VjcmV0"))) << text;
}

TEST(StorageConnectionTest, ErrorsNameTheKeyAndNeverTheAccountKey) {
  std::string key = std::string("AccountKey=") + kSecretKey;
  ExpectError(key, "AccountName");
  ExpectError("AccountName=acct", "AccountKey");
  ExpectError("AccountName=acct;AccountKey=", "AccountKey");
  ExpectError("AccountName=acct;AccountKey=not*base64", "AccountKey");
  ExpectError("AccountName=acct;" + key + ";DefaultEndpointsProtocol=ftp",
              "DefaultEndpointsProtocol");
  ExpectError("AccountName=acct;" + key + ";QueueEndpoint=127.0.0.1:10001", "QueueEndpoint");
  ExpectError("AccountName=acct;" + key + ";BlobEndpoint=ftp://host/x", "BlobEndpoint");
  ExpectError("AccountName=acct;" + key + ";BlobEndpoint=http://host:99999/x", "BlobEndpoint");
  ExpectError("AccountName=acct;" + key + ";EndpointSuffix=", "EndpointSuffix");
  ExpectError("AccountName=acct;" + key + ";Colour=blue", "Colour");
  ExpectError("AccountName=acct;" + key + ";AccountName=other", "AccountName");
  ExpectError("AccountName=acct;SharedAccessSignature=sv=2020&sp=r", "SharedAccessSignature");
  ExpectError("AccountName=acct;SharedAccessSignature=", "SharedAccessSignature");
  ExpectError("AccountName=acct;SharedAccessSignature=sv=2020&sig=a b", "SharedAccessSignature");
  ExpectError("AccountName=acct;" + key + ";SharedAccessSignature=sv=2020&sig=x",
              "AccountKey or SharedAccessSignature");
  ExpectError("SharedAccessSignature=sv=2020&sig=x;QueueEndpoint=https://a.queue.x.net",
              "AccountName");
  ExpectError("AccountName=my-acct;" + key, "AccountName");
  ExpectError("UseDevelopmentStorage=yes", "UseDevelopmentStorage");
  ExpectError("UseDevelopmentStorage=false", "UseDevelopmentStorage");
  ExpectError("UseDevelopmentStorage=true;AccountName=x", "AccountName");
  ExpectError("UseEmbeddedStorage=maybe", "UseEmbeddedStorage");
  ExpectError("UseEmbeddedStorage=true;" + key, "UseEmbeddedStorage");
}

TEST(StorageConnectionTest, AMangledSegmentIsNotEchoed) {
  // A key pasted without "AccountKey=" must not end up in a log line.
  ExpectError(std::string("AccountName=acct;") + kSecretKey, "segment 2");
}

TEST(StorageEndpointTest, ToStringOmitsDefaultPortsAndBracketsIpv6) {
  EXPECT_EQ((StorageEndpoint{"https", "a.queue.core.windows.net", 443, ""}).ToString(),
            "https://a.queue.core.windows.net");
  EXPECT_EQ((StorageEndpoint{"http", "a.blob.local", 80, "/x"}).ToString(),
            "http://a.blob.local/x");
  EXPECT_EQ((StorageEndpoint{"http", "::1", 10001, "/devstoreaccount1"}).ToString(),
            "http://[::1]:10001/devstoreaccount1");
  auto c = ParseStorageConnection(std::string("AccountName=acct;AccountKey=") + kDevKey +
                                  ";QueueEndpoint=http://[::1]:10001/devstoreaccount1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->queue_endpoint.host, "::1");
  EXPECT_EQ(c->queue_endpoint.port, 10001);
}

}  // namespace
}  // namespace squall
