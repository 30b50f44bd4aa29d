#include "monitor/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace squall {
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;             // 2^53
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when the byte there does not start one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto continuation = [&](std::size_t k, unsigned char lo, unsigned char hi) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return continuation(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    unsigned char lo = b == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    unsigned char hi = b == 0xED ? 0x9F : 0xBF;  // no surrogates
    return continuation(i + 1, lo, hi) && continuation(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    unsigned char lo = b == 0xF0 ? 0x90 : 0x80;  // no overlong forms
    unsigned char hi = b == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return continuation(i + 1, lo, hi) && continuation(i + 2, 0x80, 0xBF) &&
                   continuation(i + 3, 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

void AppendEscaped(std::string& out, std::string_view s, bool escape_quote) {
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      std::size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out += kReplacementCharacter;
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
  }
}

void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) <= kMaxExactInteger) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));  // -0 prints 0
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip
  }
  out.append(buf, r.ptr);
}

void AppendCount(std::string& out, std::uint64_t v) {
  char buf[32];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// {a="x",b="y"} (nothing when there are no labels), with an optional extra label last (le).
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const LabelValues& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    if (i < values.size()) AppendEscaped(out, values[i], /*escape_quote=*/true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const MetricFamilySnapshot& family, const MetricSeries& series) {
  out += name;
  out += suffix;
  AppendLabels(out, family.label_names, series.label_values);
  out += ' ';
}

void AppendFamily(std::string& out, const MetricFamilySnapshot& family) {
  out += "# HELP ";
  out += family.name;
  out += ' ';
  AppendEscaped(out, family.help, /*escape_quote=*/false);
  out += "\n# TYPE ";
  out += family.name;
  out += ' ';
  out += MetricTypeName(family.type);
  out += '\n';
  for (const MetricSeries& series : family.series) {
    if (family.type != MetricType::kHistogram) {
      AppendSample(out, family.name, "", family, series);
      AppendValue(out, series.value);
      out += '\n';
      continue;
    }
    const HistogramValue& h = series.histogram;
    for (std::size_t i = 0; i < h.cumulative_counts.size(); ++i) {
      std::string le = i < family.bucket_bounds.size() ? FormatMetricValue(family.bucket_bounds[i])
                                                       : std::string("+Inf");
      out += family.name;
      out += "_bucket";
      AppendLabels(out, family.label_names, series.label_values, "le", le);
      out += ' ';
      AppendCount(out, h.cumulative_counts[i]);
      out += '\n';
    }
    AppendSample(out, family.name, "_sum", family, series);
    AppendValue(out, h.sum);
    out += '\n';
    AppendSample(out, family.name, "_count", family, series);
    AppendCount(out, h.count);
    out += '\n';
  }
}

}  // namespace

std::string FormatMetricValue(double v) {
  std::string out;
  AppendValue(out, v);
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  AppendEscaped(out, value, /*escape_quote=*/true);
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  AppendEscaped(out, help, /*escape_quote=*/false);
  return out;
}

std::string RenderPrometheusText(const std::vector<MetricFamilySnapshot>& families) {
  std::string out;
  for (const MetricFamilySnapshot& family : families) {
    if (family.series.empty()) continue;
    AppendFamily(out, family);
  }
  return out;
}

std::string RenderPrometheusText(const MetricsRegistry& registry) {
  return RenderPrometheusText(registry.Collect());
}

}  // namespace squall
