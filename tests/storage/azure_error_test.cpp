#include "storage/azure_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace squall {
namespace {

using ::testing::HasSubstr;

HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message,
                           bool header = true) {
  HttpResponse r;
  r.status = status;
  if (header) r.headers.push_back({"x-ms-error-code", code});
  r.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" +
           message + "\nRequestId:6f0c\nTime:2025-01-01T00:00:00.0000000Z</Message></Error>";
  return r;
}

TEST(AzureErrorTest, ParsesCodeAndFirstLineOfMessage) {
  AzureError e = ParseAzureError(
      ErrorResponse(404, "QueueNotFound", "The specified queue does not exist.", false));
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.code, "QueueNotFound");
  EXPECT_EQ(e.message, "The specified queue does not exist.");
  EXPECT_TRUE(HasAzureErrorCode(ErrorResponse(404, "QueueNotFound", "x"), "QueueNotFound"));
  EXPECT_FALSE(HasAzureErrorCode(ErrorResponse(404, "QueueNotFound", "x"), "BlobNotFound"));
}

TEST(AzureErrorTest, AnEmptyBodyStillHasTheHeaderCode) {
  HttpResponse r;
  r.status = 404;
  r.headers.push_back({"x-ms-error-code", "QueueNotFound"});
  EXPECT_EQ(ParseAzureError(r).code, "QueueNotFound");
  EXPECT_EQ(ParseAzureError(r).message, "");
}

TEST(AzureErrorTest, ForbiddenNamesTheAccountAndTheKey) {
  Status s =
      AzureErrorStatus(ParseAzureError(ErrorResponse(403, "AuthenticationFailed",
                                                     "Server failed to authenticate the request.")),
                       "acct", "http://127.0.0.1:10001/acct", "Put Message to queue 'q'");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("Azure Storage refused the request for account 'acct'"));
  EXPECT_THAT(s.message(), HasSubstr("AuthenticationFailed"));
  EXPECT_THAT(s.message(), HasSubstr("check the AccountKey"));
}

TEST(AzureErrorTest, StatusCodesMap) {
  auto code = [](int http) {
    return AzureErrorStatus(ParseAzureError(ErrorResponse(http, "X", "m")), "a", "e", "w").code();
  };
  EXPECT_EQ(code(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(404), StatusCode::kNotFound);
  EXPECT_EQ(code(409), StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(412), StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(413), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(503), StatusCode::kUnavailable);
  EXPECT_EQ(code(500), StatusCode::kInternal);
  Status s = AzureErrorStatus(ParseAzureError(ErrorResponse(409, "QueueBeingDeleted", "soon")),
                              "acct", "http://h:1/acct", "Create Queue 'q'");
  EXPECT_THAT(s.message(), HasSubstr("account 'acct'"));
  EXPECT_THAT(s.message(), HasSubstr("http://h:1/acct"));
  EXPECT_THAT(s.message(), HasSubstr("Create Queue 'q' failed: HTTP 409 QueueBeingDeleted: soon"));
}

}  // namespace
}  // namespace squall
