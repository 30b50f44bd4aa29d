// Standard base64 (RFC 4648, with padding), as Azure Storage uses for queue messages and keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace squall {

std::string Base64Encode(std::string_view bytes);
// Strict: nullopt unless `text` is canonical padded base64 (length a multiple of 4, alphabet
// A-Z a-z 0-9 + /, '=' only as padding). Whitespace is not allowed.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace squall
