// Errors the Azure Storage REST API answers with: the error code (x-ms-error-code or the XML
// body's <Code>) and message, and what they mean as a squall Status.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/http_message.h"

namespace squall {

struct AzureError {
  int http_status = 0;
  std::string code;     // "QueueNotFound"; "" when the response named none
  std::string message;  // the first line of <Message> (without RequestId/Time), may be ""
};

AzureError ParseAzureError(const HttpResponse& response);

inline bool IsSuccess(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }
// Whether the response names this error code (header or body), without parsing the body.
bool HasAzureErrorCode(const HttpResponse& response, std::string_view code);

// A failed response as a Status, naming the account and what was being done:
//   403 -> kPermissionDenied ("Azure Storage refused the request for account 'x': ..."),
//   400/413 -> kInvalidArgument, 404 -> kNotFound, 409/412 -> kFailedPrecondition,
//   429/503 -> kUnavailable, anything else -> kInternal. `sas`: requests carry a SAS token
//   (a 403's hint then names it instead of the AccountKey).
Status AzureErrorStatus(const AzureError& error, std::string_view account,
                        std::string_view endpoint, std::string_view what, bool sas = false);

}  // namespace squall
