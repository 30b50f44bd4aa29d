// HTTP/1.1 message heads written by hand: Beast's generic serializer was a measurable share of
// the per-request CPU (BENCHMARKS.md). Parsing stays with Beast.
#pragma once

#include <string>

#include "http/http_message.h"

namespace squall {

// True when a header name/value can be written as is (no CR, LF or NUL: no response splitting).
bool IsSafeHeader(const HttpHeader& h);

// "HTTP/1.1 200 OK\r\n...Content-Length: n\r\n\r\n". Content-Length, Connection and
// Transfer-Encoding from `response` are replaced by squall's own; unsafe headers are dropped.
std::string SerializeResponseHead(const HttpResponse& response, int version, bool keep_alive);
// "METHOD target HTTP/1.1\r\n...Content-Length: n\r\n\r\n" (keep-alive).
std::string SerializeRequestHead(const HttpRequest& request);

}  // namespace squall
