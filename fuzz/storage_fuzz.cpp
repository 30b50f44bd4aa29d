// Fuzz target "storage": the text formats the storage backends read from outside — connection
// strings (app settings), Azure Storage XML bodies and error responses, RFC 1123 dates. The
// first byte picks the parser; the rest is its input. Invariants besides "no crash, no sanitizer
// report": a connection-string error never repeats the account key or a SAS token's signature;
// a parsed date formats back
// to a date that parses to the same instant.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/http_message.h"
#include "storage/azure_error.h"
#include "storage/azure_text.h"
#include "storage/azure_xml.h"
#include "storage/storage_connection.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "storage fuzz: invariant failed: %s\n", what);
  std::abort();
}

// The value of `name`... in a connection string, if any (up to `end`).
std::string_view ValueAfter(std::string_view text, std::string_view name, std::string_view end) {
  auto pos = text.find(name);
  if (pos == std::string_view::npos) return {};
  std::string_view rest = text.substr(pos + name.size());
  return rest.substr(0, rest.find_first_of(end));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto parsed = squall::ParseStorageConnection(input);
      std::string_view key = ValueAfter(input, "AccountKey=", ";");
      if (!parsed.ok() && key.size() >= 8) {
        Check(parsed.status().message().find(key) == std::string::npos,
              "a connection-string error repeats the account key");
      }
      std::string_view sig = ValueAfter(input, "sig=", ";&");
      if (!parsed.ok() && sig.size() >= 8) {
        Check(parsed.status().message().find(sig) == std::string::npos,
              "a connection-string error repeats a SAS signature");
      }
      if (parsed.ok() && parsed->kind == squall::StorageConnection::Kind::kAzure) {
        (void)parsed->queue_endpoint.ToString();
        (void)parsed->blob_endpoint.ToString();
      }
      break;
    }
    case 1: {
      auto tree = squall::ParseXml(input);
      if (tree) (void)squall::XmlText(*tree, "QueueMessagesList.QueueMessage.MessageText");
      break;
    }
    case 2: {
      squall::HttpResponse r;
      r.status = 403;
      r.body = std::string(input);
      r.headers.push_back({"Content-Type", "application/xml"});
      squall::AzureError e = squall::ParseAzureError(r);
      (void)squall::AzureErrorStatus(e, "account", "http://127.0.0.1:1", "Get Messages");
      break;
    }
    case 3: {
      auto t = squall::ParseRfc1123(input);
      if (t) {
        auto again = squall::ParseRfc1123(squall::FormatRfc1123(*t));
        Check(again.has_value(), "a formatted date does not parse");
        Check(std::chrono::floor<std::chrono::seconds>(*again) ==
                  std::chrono::floor<std::chrono::seconds>(*t),
              "a date does not round-trip");
      }
      break;
    }
  }
  return 0;
}
