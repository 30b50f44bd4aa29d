#include "storage/azure_shared_key.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/base64.h"
#include "storage/azure_text.h"

namespace squall {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trimmed, with runs of whitespace outside quoted strings folded into one space ("unfolding").
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool quoted = false;
  bool pending_space = false;
  for (char c : v) {
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space && !quoted) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    if (c == '"') quoted = !quoted;
    out += c;
  }
  return out;
}

std::string HeaderOrEmpty(const HttpRequest& request, std::string_view name) {
  const std::string* v = request.FindHeader(name);
  return v ? *v : std::string();
}

}  // namespace

StatusOr<AzureSharedKey> AzureSharedKey::Create(std::string account, std::string_view base64_key) {
  auto key = Base64Decode(base64_key);
  if (!key || key->empty()) {
    return InvalidArgument("the AccountKey of storage account '" + account +
                           "' is not valid base64");
  }
  return AzureSharedKey(std::move(account), std::move(*key));
}

std::string AzureSharedKey::CanonicalizedHeaders(const HttpRequest& request) {
  // Sorted by lower-case name; a repeated header's values joined with ','.
  std::map<std::string, std::string> headers;
  for (const HttpHeader& h : request.headers) {
    std::string name = Lower(h.name);
    if (name.rfind("x-ms-", 0) != 0) continue;
    std::string value = CanonicalHeaderValue(h.value);
    auto [it, fresh] = headers.emplace(name, value);
    if (!fresh) it->second += "," + value;
  }
  std::string out;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  return out;
}

std::string AzureSharedKey::CanonicalizedResource(std::string_view target,
                                                  std::string_view account) {
  std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string out = "/";
  out += account;
  out += path.empty() ? "/" : path;
  if (q == std::string_view::npos) return out;

  // Parameter names lower-cased and sorted; values decoded, sorted, joined with ','.
  std::map<std::string, std::vector<std::string>> params;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string name = Lower(PercentDecode(pair.substr(0, eq)));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    params[name].push_back(std::move(value));
  }
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += '\n';
    out += name;
    out += ':';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out += ',';
      out += values[i];
    }
  }
  return out;
}

std::string AzureSharedKey::StringToSign(const HttpRequest& request, std::string_view account) {
  // Since version 2015-02-21 a zero Content-Length is signed as the empty string.
  std::string length = request.body.empty() ? "" : std::to_string(request.body.size());
  std::string out;
  out += request.method + '\n';
  out += HeaderOrEmpty(request, "Content-Encoding") + '\n';
  out += HeaderOrEmpty(request, "Content-Language") + '\n';
  out += length + '\n';
  out += HeaderOrEmpty(request, "Content-MD5") + '\n';
  out += HeaderOrEmpty(request, "Content-Type") + '\n';
  out += HeaderOrEmpty(request, "Date") + '\n';
  out += HeaderOrEmpty(request, "If-Modified-Since") + '\n';
  out += HeaderOrEmpty(request, "If-Match") + '\n';
  out += HeaderOrEmpty(request, "If-None-Match") + '\n';
  out += HeaderOrEmpty(request, "If-Unmodified-Since") + '\n';
  out += HeaderOrEmpty(request, "Range") + '\n';
  out += CanonicalizedHeaders(request);
  out += CanonicalizedResource(request.target, account);
  return out;
}

std::string AzureSharedKey::Authorization(const HttpRequest& request) const {
  std::string to_sign = StringToSign(request, account_);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &mac_len);
  return "SharedKey " + account_ + ":" +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

}  // namespace squall
