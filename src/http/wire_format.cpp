#include "http/wire_format.h"

#include <charconv>

namespace squall {

namespace {

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
         EqualsIgnoreCase(name, "Transfer-Encoding") || EqualsIgnoreCase(name, "Keep-Alive");
}

void AppendNumber(std::string& out, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, end);
}

void AppendHeaders(std::string& out, const std::vector<HttpHeader>& headers) {
  for (const auto& h : headers) {
    if (!IsSafeHeader(h) || IsFramingHeader(h.name)) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
}

}  // namespace

bool IsSafeHeader(const HttpHeader& h) {
  if (h.name.empty()) return false;
  for (char c : h.name) {
    // RFC 9110 token characters only.
    if (c <= 32 || c >= 127 || c == ':' || c == '(' || c == ')' || c == ',' || c == '/' ||
        c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' ||
        c == '\\' || c == ']' || c == '{' || c == '}' || c == '"')
      return false;
  }
  for (char c : h.value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string SerializeResponseHead(const HttpResponse& response, int version, bool keep_alive) {
  std::string out;
  out.reserve(128 + response.headers.size() * 48);
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  AppendNumber(out, static_cast<std::size_t>(status));
  out += ' ';
  out += HttpReasonPhrase(status);
  out += "\r\n";
  AppendHeaders(out, response.headers);
  // 1xx, 204 and 304 carry no body and no Content-Length.
  if (status >= 200 && status != 204 && status != 304) {
    out += "Content-Length: ";
    AppendNumber(out, response.body.size());
    out += "\r\n";
  }
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string SerializeRequestHead(const HttpRequest& request) {
  std::string out;
  out.reserve(128 + request.headers.size() * 48);
  out += request.method;
  out += ' ';
  out += request.target;
  out += " HTTP/1.1\r\n";
  AppendHeaders(out, request.headers);
  out += "Content-Length: ";
  AppendNumber(out, request.body.size());
  out += "\r\n\r\n";
  return out;
}

}  // namespace squall
