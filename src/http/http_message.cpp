#include "http/http_message.h"

#include <algorithm>
#include <cctype>

namespace squall {

namespace {
const std::string* FindIn(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  return nullptr;
}
}  // namespace

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  return FindIn(headers, name);
}
const std::string* HttpResponse::FindHeader(std::string_view name) const {
  return FindIn(headers, name);
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const HttpHeader& h) { return EqualsIgnoreCase(h.name, name); });
  headers.push_back({std::move(name), std::move(value)});
}

const char* HttpReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

HttpResponse JsonResponse(int status, std::string json) {
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  r.body = std::move(json);
  return r;
}

}  // namespace squall
