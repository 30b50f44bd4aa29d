#include "timer/ncrontab.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace squall {

namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // max - min + 1 English names, or nullptr
  const char* names_hint;
};

constexpr const char* kMonthNames[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
constexpr const char* kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

// In the order of a 6-field expression; a 5-field one starts at "minute".
constexpr FieldSpec kFields[] = {
    {"second", 0, 59, nullptr, nullptr},
    {"minute", 0, 59, nullptr, nullptr},
    {"hour", 0, 23, nullptr, nullptr},
    {"day", 1, 31, nullptr, nullptr},
    {"month", 1, 12, kMonthNames, "a month name (January..December, or a prefix such as Jan)"},
    {"day-of-week", 0, 6, kDayNames, "a day name (Sunday..Saturday, or a prefix such as Mon)"},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// NCrontab matches a name when the text is a case-insensitive prefix of it.
bool IsNamePrefix(std::string_view text, std::string_view name) {
  if (text.size() > name.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (Lower(text[i]) != Lower(name[i])) return false;
  }
  return true;
}

// Digits to a number, saturating: anything past 9 digits is out of every range anyway.
long long ToNumber(std::string_view digits) {
  long long v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > 999'999'999) return 1'000'000'000;
  }
  return v;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, int field_index, CronError* error)
      : spec_(spec), field_index_(field_index), error_(error) {}

  // token starts at offset in the whole expression.
  bool Parse(std::string_view token, std::size_t offset, CronField* out) {
    for (std::size_t i = 0; i < token.size(); ++i) {
      const char c = token[i];
      if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        return Fail(offset + i, "fields are separated by spaces only (found a tab or line break)");
      }
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = token.find(',', start);
      const std::size_t end = comma == std::string_view::npos ? token.size() : comma;
      if (!ParseItem(token.substr(start, end - start), offset + start, out)) return false;
      if (comma == std::string_view::npos) return true;
      start = comma + 1;
    }
  }

 private:
  bool Fail(std::size_t position, std::string message) {
    error_->field_index = field_index_;
    error_->field_name = spec_.name;
    error_->position = position;
    error_->message = std::move(message);
    return false;
  }

  void Set(int first, int last, int step, CronField* out) {
    for (long long v = first; v <= last; v += step) out->bits |= std::uint64_t{1} << v;
  }

  bool ParseItem(std::string_view item, std::size_t pos, CronField* out) {
    if (item.empty()) return Fail(pos, "empty list item (a ',' at the start, the end or twice)");
    int step = 1;
    bool has_step = false;
    const std::size_t slash = item.find('/');
    if (slash != std::string_view::npos) {
      if (slash == 0) return Fail(pos, "a step needs a start before '/', e.g. */5 or 0/5");
      const std::string_view step_text = item.substr(slash + 1);
      const std::size_t step_pos = pos + slash + 1;
      if (step_text.empty()) return Fail(step_pos, "the step after '/' is missing");
      if (!AllDigits(step_text))
        return Fail(step_pos, "step " + Quote(step_text) + " is not a number");
      // NCrontab treats a step of 0 as 1; kept so a schedule means what it means on Azure.
      step = static_cast<int>(std::max<long long>(1, ToNumber(step_text)));
      has_step = true;
      item = item.substr(0, slash);
    }
    if (item == "*") {
      Set(spec_.min, spec_.max, step, out);
      return true;
    }
    const std::size_t dash = item.find('-');
    if (dash != std::string_view::npos && dash > 0) {
      int first = 0;
      int last = 0;
      if (!ParseValue(item.substr(0, dash), pos, &first) ||
          !ParseValue(item.substr(dash + 1), pos + dash + 1, &last)) {
        return false;
      }
      // NCrontab swaps a reversed range (5-2 is 2-5) instead of wrapping around.
      if (first > last) std::swap(first, last);
      Set(first, last, step, out);
      return true;
    }
    int value = 0;
    if (!ParseValue(item, pos, &value)) return false;
    Set(value, has_step ? spec_.max : value, step, out);
    return true;
  }

  bool ParseValue(std::string_view text, std::size_t pos, int* out) {
    if (text.empty()) return Fail(pos, "a value is missing (after '-')");
    if (IsDigit(text[0])) {
      if (!AllDigits(text)) return Fail(pos, Quote(text) + " is not a number");
      const long long v = ToNumber(text);
      if (v < spec_.min || v > spec_.max) {
        return Fail(pos, Quote(text) + " is out of range " + std::to_string(spec_.min) + "-" +
                             std::to_string(spec_.max));
      }
      *out = static_cast<int>(v);
      return true;
    }
    if (text == "*") return Fail(pos, "'*' cannot be one end of a range");
    if (spec_.names == nullptr) return Fail(pos, Quote(text) + " is not a number");
    for (int i = 0; i <= spec_.max - spec_.min; ++i) {
      if (IsNamePrefix(text, spec_.names[i])) {
        *out = spec_.min + i;
        return true;
      }
    }
    return Fail(pos, Quote(text) + " is not a number or " + spec_.names_hint);
  }

  const FieldSpec& spec_;
  int field_index_;
  CronError* error_;
};

}  // namespace

std::string CronError::ToString() const {
  if (field_index == 0) return message;
  return "field " + std::to_string(field_index) + " (" + field_name + ") at position " +
         std::to_string(position) + ": " + message;
}

int CronField::NextFrom(int from) const {
  if (from < 0) from = 0;
  if (from >= 64) return -1;
  const std::uint64_t rest = bits >> from;
  if (rest == 0) return -1;
  return from + std::countr_zero(rest);
}

int CronField::Count() const { return std::popcount(bits); }

StatusOr<CronSchedule> CronSchedule::Parse(std::string_view text, CronError* error) {
  CronError local;
  CronError* err = error != nullptr ? error : &local;
  *err = CronError{};

  // Fields are separated by one or more spaces (NCrontab splits on ' ' only).
  struct Token {
    std::string_view text;
    std::size_t offset;
  };
  Token tokens[7];
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (count < 7) tokens[count] = {text.substr(start, i - start), start};
    ++count;
  }
  if (count != 5 && count != 6) {
    err->message = count == 0 ? "the schedule is empty"
                              : "expected 6 fields ({second} {minute} {hour} {day} {month} "
                                "{day-of-week}) or 5 (without {second}), found " +
                                    std::to_string(count);
    return InvalidArgument(err->ToString());
  }

  CronSchedule s;
  s.text_ = std::string(text);
  s.has_seconds_ = count == 6;
  CronField* fields[] = {&s.second_, &s.minute_, &s.hour_, &s.day_, &s.month_, &s.day_of_week_};
  const std::size_t skip = s.has_seconds_ ? 0 : 1;
  if (!s.has_seconds_) s.second_.bits = 1;  // second 0
  for (std::size_t i = 0; i < count; ++i) {
    FieldParser parser(kFields[i + skip], static_cast<int>(i + 1), err);
    if (!parser.Parse(tokens[i].text, tokens[i].offset, fields[i + skip])) {
      return InvalidArgument(err->ToString());
    }
  }
  return s;
}

bool CronSchedule::Matches(const CivilTime& c) const {
  return second_.Contains(c.second) && minute_.Contains(c.minute) && hour_.Contains(c.hour) &&
         day_.Contains(c.day) && month_.Contains(c.month) &&
         day_of_week_.Contains(DayOfWeek(c.year, c.month, c.day));
}

bool CronSchedule::is_interval() const {
  auto adjacent = [](const CronField& f) { return (f.bits & (f.bits >> 1)) != 0; };
  return adjacent(second_) || adjacent(minute_) || adjacent(hour_);
}

std::optional<CivilTime> CronSchedule::FirstTimeOfDay(int year, int month, int day, int hour,
                                                      int minute, int second) const {
  for (int h = hour_.NextFrom(hour); h != -1; h = hour_.NextFrom(h + 1)) {
    for (int m = minute_.NextFrom(h == hour ? minute : 0); m != -1; m = minute_.NextFrom(m + 1)) {
      const int s = second_.NextFrom(h == hour && m == minute ? second : 0);
      if (s != -1) return CivilTime{year, month, day, h, m, s};
    }
  }
  return std::nullopt;
}

std::optional<CivilTime> CronSchedule::FirstAtOrAfter(const CivilTime& from, int last_year) const {
  for (int y = from.year; y <= last_year; ++y) {
    for (int m = month_.NextFrom(y == from.year ? from.month : 1); m != -1;
         m = month_.NextFrom(m + 1)) {
      const bool first_month = y == from.year && m == from.month;
      const int days = DaysInMonth(y, m);
      // Days past the month's end (Feb 30, Apr 31) are skipped, as NCrontab does.
      for (int d = day_.NextFrom(first_month ? from.day : 1); d != -1 && d <= days;
           d = day_.NextFrom(d + 1)) {
        if (!day_of_week_.Contains(DayOfWeek(y, m, d))) continue;
        const bool first_day = first_month && d == from.day;
        std::optional<CivilTime> t =
            first_day ? FirstTimeOfDay(y, m, d, from.hour, from.minute, from.second)
                      : FirstTimeOfDay(y, m, d, 0, 0, 0);
        if (t) return t;
      }
    }
  }
  return std::nullopt;
}

}  // namespace squall
