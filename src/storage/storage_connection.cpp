#include "storage/storage_connection.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "core/base64.h"
#include "http/http_message.h"

namespace squall {
namespace {

// Azurite's well-known development account (documented by Microsoft; not a secret).
constexpr std::string_view kDevAccount = "devstoreaccount1";
constexpr std::string_view kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status Problem(std::string what) {
  return InvalidArgument("storage connection string: " + std::move(what));
}

struct Pair {
  std::string key;  // as written
  std::string value;
  std::size_t index = 0;  // 1-based segment number

  // The key for a message: quoted when it looks like a setting's name; otherwise (a pasted
  // key without "AccountKey=" splits at its '=' padding) only where it is.
  std::string Name() const {
    bool plain = key.size() <= 32;
    for (char c : key) plain = plain && std::isalpha(static_cast<unsigned char>(c));
    return plain ? "'" + key + "'" : "the key of segment " + std::to_string(index);
  }
};

// "Key=Value;Key=Value" -> pairs. Values may hold '=' (base64 keys), so only the first splits.
// Messages never quote a segment: a mangled one may be the account key.
StatusOr<std::vector<Pair>> SplitPairs(std::string_view text) {
  std::vector<Pair> pairs;
  std::size_t index = 0;
  while (!text.empty()) {
    std::size_t semi = text.find(';');
    std::string_view segment = Trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    ++index;
    if (segment.empty()) continue;
    std::size_t eq = segment.find('=');
    if (eq == std::string_view::npos) {
      return Problem("segment " + std::to_string(index) +
                     " is not Key=Value (segments are separated by ';')");
    }
    std::string key(Trim(segment.substr(0, eq)));
    if (key.empty()) {
      return Problem("segment " + std::to_string(index) + " has no key before '='");
    }
    for (const Pair& p : pairs) {
      if (EqualsIgnoreCase(p.key, key)) return Problem(p.Name() + " is given twice");
    }
    pairs.push_back({std::move(key), std::string(Trim(segment.substr(eq + 1))), index});
  }
  return pairs;
}

const Pair* Find(const std::vector<Pair>& pairs, std::string_view key) {
  for (const Pair& p : pairs) {
    if (EqualsIgnoreCase(p.key, key)) return &p;
  }
  return nullptr;
}

StatusOr<bool> ParseTrue(const Pair& p) {
  if (EqualsIgnoreCase(p.value, "true")) return true;
  if (EqualsIgnoreCase(p.value, "false")) return false;
  return Problem(p.Name() + " must be true or false, not '" + p.value + "'");
}

// "http://127.0.0.1:10001/devstoreaccount1" -> endpoint. `key` names the setting in errors.
StatusOr<StorageEndpoint> ParseEndpoint(std::string_view url, std::string_view key) {
  auto bad = [&](const std::string& why) {
    return Problem("'" + std::string(key) + "' " + why + " (e.g. " +
                   "http://127.0.0.1:10001/devstoreaccount1 or " +
                   "https://myaccount.queue.core.windows.net)");
  };
  StorageEndpoint ep;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("is not an http(s) URL");
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    return bad("has scheme '" + scheme + "'; only http and https are possible");
  }
  ep.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("has a query or fragment");
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  ep.path_prefix = std::string(path);

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has text after its host");
      port = after.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("has no host");
  if (authority.find('@') != std::string_view::npos) return bad("must not hold user info");
  ep.host = std::string(host);
  if (port.empty()) {
    ep.port = ep.scheme == "https" ? 443 : 80;
  } else {
    int n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
      return bad("has an invalid port");
    }
    ep.port = n;
  }
  return ep;
}

// A SAS token as the portal and the SDKs give it ("sv=...&sig=...", perhaps with a leading
// '?'). Only its shape is checked; the service checks the rest. Never quoted in a message.
StatusOr<std::string> ParseSasToken(std::string_view value) {
  if (!value.empty() && value.front() == '?') value.remove_prefix(1);
  if (value.empty()) return Problem("SharedAccessSignature is empty");
  bool signed_token = false;
  std::string_view rest = value;
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view param = rest.substr(0, amp);
    signed_token = signed_token || (param.size() > 4 && param.substr(0, 4) == "sig=");
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  if (!signed_token) {
    return Problem(
        "SharedAccessSignature has no signature (sig=...); copy the whole SAS token");
  }
  for (char ch : value) {
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '#') {
      return Problem("SharedAccessSignature must be a URL query (no spaces or '#')");
    }
  }
  return std::string(value);
}

// The account a URL is for: its first path segment when path-style (Azurite,
// "http://127.0.0.1:10001/devstoreaccount1"), else the host's first label
// ("https://myaccount.queue.core.windows.net").
std::string AccountFromEndpoint(const StorageEndpoint& ep) {
  if (!ep.path_prefix.empty()) {
    std::string_view path = std::string_view(ep.path_prefix).substr(1);
    return std::string(path.substr(0, path.find('/')));
  }
  return ep.host.substr(0, ep.host.find('.'));
}

StatusOr<StorageConnection> ParseDevelopment(const std::vector<Pair>& pairs) {
  for (const Pair& p : pairs) {
    if (!EqualsIgnoreCase(p.key, "UseDevelopmentStorage")) {
      return Problem(p.Name() +
                     " cannot be combined with UseDevelopmentStorage=true (which means Azurite "
                     "on 127.0.0.1:10000/10001); give the account and endpoints explicitly "
                     "instead");
    }
  }
  StorageConnection c;
  c.kind = StorageConnection::Kind::kAzure;
  c.account_name = std::string(kDevAccount);
  c.account_key = std::string(kDevKey);
  c.blob_endpoint = {"http", "127.0.0.1", 10000, "/" + c.account_name};
  c.queue_endpoint = {"http", "127.0.0.1", 10001, "/" + c.account_name};
  return c;
}

StatusOr<StorageConnection> ParseAccount(const std::vector<Pair>& pairs) {
  static constexpr std::string_view kKnown[] = {
      "DefaultEndpointsProtocol",
      "AccountName",
      "AccountKey",
      "EndpointSuffix",
      "QueueEndpoint",
      "BlobEndpoint",
      "TableEndpoint",
      "FileEndpoint",
      "SharedAccessSignature",
  };
  for (const Pair& p : pairs) {
    if (EqualsIgnoreCase(p.key, "UseDevelopmentStorage") ||
        EqualsIgnoreCase(p.key, "UseEmbeddedStorage")) {
      return Problem(p.Name() + " cannot be combined with an account's settings");
    }
    bool known = false;
    for (std::string_view k : kKnown) known = known || EqualsIgnoreCase(p.key, k);
    if (!known) {
      return Problem("unknown key: " + p.Name() +
                     " (known: DefaultEndpointsProtocol, AccountName, AccountKey, "
                     "SharedAccessSignature, EndpointSuffix, QueueEndpoint, BlobEndpoint)");
    }
  }
  StorageConnection c;
  c.kind = StorageConnection::Kind::kAzure;

  const Pair* sas = Find(pairs, "SharedAccessSignature");
  const Pair* key = Find(pairs, "AccountKey");
  if (sas && key) return Problem("give AccountKey or SharedAccessSignature, not both");
  if (sas) {
    auto token = ParseSasToken(sas->value);
    if (!token.ok()) return token.status();
    c.sas_token = std::move(*token);
  } else {
    if (!key || key->value.empty()) return Problem("AccountKey is missing");
    if (!Base64Decode(key->value)) {
      return Problem(
          "AccountKey is not valid base64 (copy it again from the storage account's "
          "access keys)");
    }
    c.account_key = key->value;
  }

  const Pair* name = Find(pairs, "AccountName");
  if (name && !name->value.empty()) {
    for (char ch : name->value) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) {
        return Problem("AccountName '" + name->value + "' may hold only letters and digits");
      }
    }
    c.account_name = name->value;
  } else if (!sas) {
    return Problem("AccountName is missing");
  } else if (!Find(pairs, "QueueEndpoint") || !Find(pairs, "BlobEndpoint")) {
    return Problem(
        "AccountName is missing (with a SharedAccessSignature, give AccountName or both "
        "QueueEndpoint and BlobEndpoint)");
  }

  std::string protocol = "https";
  if (const Pair* p = Find(pairs, "DefaultEndpointsProtocol")) {
    if (EqualsIgnoreCase(p->value, "http")) {
      protocol = "http";
    } else if (!EqualsIgnoreCase(p->value, "https")) {
      return Problem("DefaultEndpointsProtocol must be http or https, not '" + p->value + "'");
    }
  }
  std::string suffix = "core.windows.net";
  if (const Pair* p = Find(pairs, "EndpointSuffix")) {
    if (p->value.empty() || p->value.find_first_of("/:") != std::string::npos) {
      return Problem("EndpointSuffix must be a domain such as core.windows.net");
    }
    suffix = p->value;
  }

  auto endpoint = [&](std::string_view key_name,
                      std::string_view service) -> StatusOr<StorageEndpoint> {
    if (const Pair* p = Find(pairs, key_name)) return ParseEndpoint(p->value, key_name);
    return StorageEndpoint{protocol, c.account_name + "." + std::string(service) + "." + suffix,
                           protocol == "https" ? 443 : 80, ""};
  };
  auto queue = endpoint("QueueEndpoint", "queue");
  if (!queue.ok()) return queue.status();
  auto blob = endpoint("BlobEndpoint", "blob");
  if (!blob.ok()) return blob.status();
  c.queue_endpoint = std::move(*queue);
  c.blob_endpoint = std::move(*blob);
  if (c.account_name.empty()) c.account_name = AccountFromEndpoint(c.queue_endpoint);
  return c;
}

}  // namespace

std::string StorageEndpoint::ToString() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + (default_port ? "" : ":" + std::to_string(port)) + path_prefix;
}

StatusOr<StorageConnection> ParseStorageConnection(std::string_view text) {
  auto pairs = SplitPairs(text);
  if (!pairs.ok()) return pairs.status();
  if (pairs->empty()) return StorageConnection{};

  if (const Pair* p = Find(*pairs, "UseEmbeddedStorage")) {
    auto on = ParseTrue(*p);
    if (!on.ok()) return on.status();
    if (!*on) {
      return Problem(
          "UseEmbeddedStorage=false names no storage; give an Azure Storage "
          "connection string or leave the setting empty");
    }
    if (pairs->size() > 1) {
      return Problem("UseEmbeddedStorage=true takes no other keys");
    }
    return StorageConnection{};
  }
  if (const Pair* p = Find(*pairs, "UseDevelopmentStorage")) {
    auto on = ParseTrue(*p);
    if (!on.ok()) return on.status();
    if (!*on) {
      return Problem(
          "UseDevelopmentStorage=false names no storage; give an Azure Storage "
          "connection string or leave the setting empty");
    }
    return ParseDevelopment(*pairs);
  }
  return ParseAccount(*pairs);
}

}  // namespace squall
