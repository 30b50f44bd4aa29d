// Conversions between Beast messages and squall's plain ones (http_message.h). Only for
// translation units inside src/http.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http_message.h"

namespace squall {

namespace beast_http = boost::beast::http;

HttpRequest FromBeast(beast_http::request<beast_http::string_body>&& req);
beast_http::request<beast_http::string_body> ToBeast(HttpRequest&& req);
HttpResponse FromBeast(beast_http::response<beast_http::string_body>&& res);
beast_http::response<beast_http::string_body> ToBeast(HttpResponse&& res, int version,
                                                      bool keep_alive);

}  // namespace squall
