#include "storage/azure_error.h"

#include "storage/azure_xml.h"

namespace squall {

AzureError ParseAzureError(const HttpResponse& response) {
  AzureError error;
  error.http_status = response.status;
  if (const std::string* code = response.FindHeader("x-ms-error-code")) error.code = *code;
  if (auto tree = ParseXml(response.body)) {
    if (error.code.empty()) error.code = XmlText(*tree, "Error.Code");
    error.message = XmlText(*tree, "Error.Message");
    // Azure appends "\nRequestId:...\nTime:..."; the first line is the message.
    if (std::size_t nl = error.message.find('\n'); nl != std::string::npos) {
      error.message.resize(nl);
    }
    while (!error.message.empty() &&
           (error.message.back() == '\r' || error.message.back() == ' ')) {
      error.message.pop_back();
    }
  }
  return error;
}

bool HasAzureErrorCode(const HttpResponse& response, std::string_view code) {
  if (const std::string* h = response.FindHeader("x-ms-error-code")) return *h == code;
  return response.body.find("<Code>" + std::string(code) + "</Code>") != std::string::npos;
}

Status AzureErrorStatus(const AzureError& error, std::string_view account,
                        std::string_view endpoint, std::string_view what, bool sas) {
  std::string detail = "HTTP " + std::to_string(error.http_status);
  if (!error.code.empty()) detail += " " + error.code;
  if (!error.message.empty()) detail += ": " + error.message;
  std::string acct(account);
  if (error.http_status == 403) {
    // A bad signature: AuthenticationFailed from Azure, AuthorizationFailure from Azurite's
    // Blob service (with "failed to authenticate" in its message).
    bool signature = error.code == "AuthenticationFailed" || error.code.empty() ||
                     error.message.find("authenticate") != std::string::npos;
    std::string hint =
        sas ? " (check the SharedAccessSignature in the connection string: its signature, "
              "permissions, services, resource types and expiry)"
        : signature ? " (check the AccountKey in the connection string)"
                    : " (check the AccountKey and the account's permissions and network rules)";
    return {StatusCode::kPermissionDenied, "Azure Storage refused the request for account '" +
                                               acct + "' (" + std::string(what) + "): " + detail +
                                               hint};
  }
  std::string message = "Azure Storage account '" + acct + "' (" + std::string(endpoint) +
                        "): " + std::string(what) + " failed: " + detail;
  switch (error.http_status) {
    case 400:
    case 413:
      return InvalidArgument(std::move(message));
    case 404:
      return NotFound(std::move(message));
    case 409:
    case 412:
      return FailedPrecondition(std::move(message));
    case 429:
    case 503:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

}  // namespace squall
