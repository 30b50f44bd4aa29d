// Beast's parsed messages -> squall's plain ones (http_message.h); writing is wire_format.h.
// Only for translation units inside src/http.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http_message.h"

namespace squall {

namespace beast_http = boost::beast::http;

HttpRequest FromBeast(beast_http::request<beast_http::string_body>&& req);
HttpResponse FromBeast(beast_http::response<beast_http::string_body>&& res);

}  // namespace squall
