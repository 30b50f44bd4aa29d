#include "http/beast_convert.h"

namespace squall {

HttpRequest FromBeast(beast_http::request<beast_http::string_body>&& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.version = static_cast<int>(req.version());
  out.headers.reserve(8);
  for (const auto& f : req) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  out.body = std::move(req.body());
  return out;
}

HttpResponse FromBeast(beast_http::response<beast_http::string_body>&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.headers.reserve(8);
  for (const auto& f : res) {
    // Hop-by-hop headers describe the worker connection, not the caller's.
    auto name = f.name();
    if (name == beast_http::field::connection || name == beast_http::field::keep_alive ||
        name == beast_http::field::transfer_encoding || name == beast_http::field::content_length)
      continue;
    out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace squall
