#include "storage/azure_shared_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace squall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr char kDate[] = "Wed, 01 Jan 2025 00:00:00 GMT";

HttpRequest Request(std::string method, std::string target, std::vector<HttpHeader> headers,
                    std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.headers.push_back({"x-ms-date", kDate});
  r.headers.push_back({"x-ms-version", "2021-08-06"});
  r.body = std::move(body);
  return r;
}

AzureSharedKey DevKey() {
  auto key = AzureSharedKey::Create("devstoreaccount1", kDevKey);
  EXPECT_TRUE(key.ok());
  return *key;
}

// Known answers: these signatures were computed by the Azure SDK for JavaScript
// (@azure/storage-common's StorageSharedKeyCredentialPolicy, an implementation independent of
// ours) for the same requests, with x-ms-date pinned.
TEST(AzureSharedKeyTest, MatchesTheAzureSdkForPutMessage) {
  HttpRequest r =
      Request("POST", "/devstoreaccount1/orders/messages?visibilitytimeout=0&messagettl=604800",
              {{"Content-Type", "application/xml; charset=utf-8"}},
              "<QueueMessage><MessageText>hello</MessageText></QueueMessage>");
  EXPECT_EQ(DevKey().Authorization(r),
            "SharedKey devstoreaccount1:+UG4oc47wVqQ3CSU/f1HA2lhANtYw17kkPiVMTEBVIs=");
}

TEST(AzureSharedKeyTest, MatchesTheAzureSdkForLeaseAcquire) {
  HttpRequest r = Request("PUT", "/devstoreaccount1/azure-webjobs-hosts/locks/app/Timer?comp=lease",
                          {{"x-ms-lease-action", "acquire"},
                           {"x-ms-lease-duration", "30"},
                           {"x-ms-proposed-lease-id", "0f6b4c8e-2a1d-8e3f-9a4b-5c6d7e8f9a0b"}});
  EXPECT_EQ(DevKey().Authorization(r),
            "SharedKey devstoreaccount1:ckQZOOoOspUKPWtkokUf+NIREEjLaNIcGmKBss2CE+s=");
}

TEST(AzureSharedKeyTest, MatchesTheAzureSdkWithEncodedQueryValues) {
  HttpRequest r = Request(
      "DELETE", "/devstoreaccount1/orders/messages/5a1b?popreceipt=AgAAAAMAAAAAAAAA%2Bx%2F%3D", {});
  EXPECT_EQ(DevKey().Authorization(r),
            "SharedKey devstoreaccount1:4bzx0s6E/Vg+RycNapA7hRzbdPfvgJ9hFqgZXupgUQk=");
  HttpRequest list = Request("GET", "/devstoreaccount1?comp=list&maxresults=5000&prefix=a%20b", {});
  EXPECT_EQ(DevKey().Authorization(list),
            "SharedKey devstoreaccount1:8FxNE2r2wbneXFu1WQJ9dzNe0SY3RRBqQxdyvoOosfs=");
}

TEST(AzureSharedKeyTest, StringToSignHasTheDocumentedShape) {
  HttpRequest r = Request("PUT", "/devstoreaccount1/c/b?comp=lease",
                          {{"Content-Type", "text/plain"}, {"If-Match", "\"0x1\""}}, "abc");
  EXPECT_EQ(AzureSharedKey::StringToSign(r, "devstoreaccount1"),
            "PUT\n"
            "\n"            // Content-Encoding
            "\n"            // Content-Language
            "3\n"           // Content-Length
            "\n"            // Content-MD5
            "text/plain\n"  // Content-Type
            "\n"            // Date (x-ms-date is used)
            "\n"            // If-Modified-Since
            "\"0x1\"\n"     // If-Match
            "\n"            // If-None-Match
            "\n"            // If-Unmodified-Since
            "\n"            // Range
            "x-ms-date:Wed, 01 Jan 2025 00:00:00 GMT\n"
            "x-ms-version:2021-08-06\n"
            "/devstoreaccount1/devstoreaccount1/c/b\ncomp:lease");
}

TEST(AzureSharedKeyTest, EmptyBodySignsAnEmptyContentLength) {
  HttpRequest r = Request("GET", "/acct/q/messages", {});
  std::string s = AzureSharedKey::StringToSign(r, "acct");
  EXPECT_THAT(s, HasSubstr("GET\n\n\n\n\n"));
  EXPECT_THAT(s, Not(HasSubstr("\n0\n")));
}

TEST(AzureSharedKeyTest, CanonicalizedHeadersAreLowerSortedTrimmedAndUnfolded) {
  HttpRequest r;
  r.headers = {{"X-MS-Version", "2021-08-06"},
               {"x-ms-meta-b", "  two   words  "},
               {"Content-Type", "ignored"},
               {"x-ms-meta-a", "\"keep   this\"  x"},
               {"x-ms-meta-b", "second"}};
  EXPECT_EQ(AzureSharedKey::CanonicalizedHeaders(r),
            "x-ms-meta-a:\"keep   this\" x\n"
            "x-ms-meta-b:two words,second\n"
            "x-ms-version:2021-08-06\n");
}

TEST(AzureSharedKeyTest, CanonicalizedResourceFollowsTheDocs) {
  // The docs' example, and the account in the path for path-style (Azurite) URLs.
  EXPECT_EQ(AzureSharedKey::CanonicalizedResource("/mycontainer?restype=container&comp=metadata",
                                                  "myaccount"),
            "/myaccount/mycontainer\ncomp:metadata\nrestype:container");
  EXPECT_EQ(AzureSharedKey::CanonicalizedResource(
                "/mycontainer?restype=container&comp=list&include=snapshots&include=metadata"
                "&include=uncommittedblobs",
                "myaccount"),
            "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\n"
            "restype:container");
  EXPECT_EQ(
      AzureSharedKey::CanonicalizedResource("/devstoreaccount1/q/messages", "devstoreaccount1"),
      "/devstoreaccount1/devstoreaccount1/q/messages");
  EXPECT_EQ(AzureSharedKey::CanonicalizedResource("", "acct"), "/acct/");
  EXPECT_EQ(AzureSharedKey::CanonicalizedResource("/?COMP=list&x=a%2Bb", "acct"),
            "/acct/\ncomp:list\nx:a+b");
}

TEST(AzureSharedKeyTest, ABadKeyIsRefusedWithoutEchoingIt) {
  auto key = AzureSharedKey::Create("acct", "not base64!");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("acct"));
  EXPECT_THAT(key.status().message(), Not(HasSubstr("not base64!")));
}

TEST(AzureSharedKeyTest, AnotherKeySignsDifferently) {
  auto other = AzureSharedKey::Create("devstoreaccount1", "AAAAAAAAAAAAAAAAAAAAAA==");
  ASSERT_TRUE(other.ok());
  HttpRequest r = Request("GET", "/devstoreaccount1/q/messages", {});
  EXPECT_NE(other->Authorization(r), DevKey().Authorization(r));
  EXPECT_THAT(other->Authorization(r), HasSubstr("SharedKey devstoreaccount1:"));
}

}  // namespace
}  // namespace squall
