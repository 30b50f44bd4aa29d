// Plain HTTP messages: what crosses between the HTTP layer (Beast, kept inside src/http) and
// the rest of squall, so that most translation units never include Beast or Asio.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.h"  // EqualsIgnoreCase: header names

namespace squall {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // upper-case, e.g. "GET"
  std::string target;  // as received: path plus "?query"
  std::vector<HttpHeader> headers;
  std::string body;
  int version = 11;  // 10 or 11

  std::string_view path() const;   // target before '?', still percent-encoded
  std::string_view query() const;  // after '?', without it; "" when none
  // First header with this name (case-insensitive), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  const std::string* FindHeader(std::string_view name) const;
  void SetHeader(std::string name, std::string value);  // replaces any with that name
};

const char* HttpReasonPhrase(int status);

// A response with a small JSON/text body, content-type set.
HttpResponse TextResponse(int status, std::string body);
HttpResponse JsonResponse(int status, std::string json);

// Called exactly once with the response to a request.
using Responder = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest request, Responder respond) = 0;
};

}  // namespace squall
