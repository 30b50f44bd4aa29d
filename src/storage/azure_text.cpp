#include "storage/azure_text.h"

#include <array>
#include <charconv>
#include <chrono>

namespace squall {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void AppendTwo(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

// Reads exactly `digits` decimal digits at `pos`.
bool ReadNumber(std::string_view s, std::size_t& pos, std::size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + digits, out);
  if (ec != std::errc() || end != s.data() + pos + digits) return false;
  pos += digits;
  return true;
}

bool Expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string FormatRfc1123(WallTime t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto day = floor<days>(secs);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{secs - day};
  weekday wd{day};
  std::string out;
  out.reserve(29);
  out += kWeekdays[wd.c_encoding()];
  out += ", ";
  AppendTwo(out, static_cast<unsigned>(ymd.day()));
  out += ' ';
  out += kMonths[static_cast<unsigned>(ymd.month()) - 1];
  out += ' ';
  out += std::to_string(static_cast<int>(ymd.year()));
  out += ' ';
  AppendTwo(out, static_cast<unsigned>(hms.hours().count()));
  out += ':';
  AppendTwo(out, static_cast<unsigned>(hms.minutes().count()));
  out += ':';
  AppendTwo(out, static_cast<unsigned>(hms.seconds().count()));
  out += " GMT";
  return out;
}

std::optional<WallTime> ParseRfc1123(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  if (std::size_t comma = s.find(','); comma != std::string_view::npos) {
    pos = comma + 1;
    while (pos < s.size() && s[pos] == ' ') ++pos;
  }
  int d = 0, y = 0, hh = 0, mm = 0, ss = 0;
  std::size_t day_digits = pos + 1 < s.size() && s[pos + 1] == ' ' ? 1 : 2;
  if (!ReadNumber(s, pos, day_digits, d) || !Expect(s, pos, ' ')) return std::nullopt;
  if (pos + 3 > s.size()) return std::nullopt;
  std::string_view mon = s.substr(pos, 3);
  pos += 3;
  unsigned m = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == mon) m = i + 1;
  }
  if (m == 0 || !Expect(s, pos, ' ') || !ReadNumber(s, pos, 4, y) || !Expect(s, pos, ' ') ||
      !ReadNumber(s, pos, 2, hh) || !Expect(s, pos, ':') || !ReadNumber(s, pos, 2, mm) ||
      !Expect(s, pos, ':') || !ReadNumber(s, pos, 2, ss)) {
    return std::nullopt;
  }
  if (s.substr(pos) != " GMT") return std::nullopt;
  year_month_day ymd{year{y}, month{m}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  sys_seconds t = sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
  return WallTime{duration_cast<Duration>(t.time_since_epoch())};
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlTextProblem(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return "the text has control character " + std::to_string(c) + " at byte " +
             std::to_string(i) + ", which an XML body cannot carry (base64-encode such messages)";
    }
  }
  return "";
}

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace squall
