#include "scale/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <vector>

#include "scale/duration_flag.h"
#include "scale/scale_groups.h"

namespace squall {

using std::chrono::minutes;
using std::chrono::seconds;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int> ParseInt(std::string_view s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Collects problems; ValidatePlan reports all of them at once.
class Problems {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  Status ToStatus() const {
    std::string joined;
    for (const auto& m : messages_) {
      if (!joined.empty()) joined += "; ";
      joined += m;
    }
    return InvalidArgument(joined);
  }

 private:
  std::vector<std::string> messages_;
};

// "--sku applies to the premium plan only (plan is consumption)"
std::string NotForPlan(std::string_view flag, std::string_view plans, PlanKind kind) {
  return fmt::format("{} applies to the {} only (plan is {})", flag, plans, PlanKindName(kind));
}

}  // namespace

bool PlanRunsWarmup(PlanKind kind) {
  return kind == PlanKind::kPremium || kind == PlanKind::kDedicated;
}

const char* PlanKindName(PlanKind kind) {
  switch (kind) {
    case PlanKind::kConsumption:
      return "consumption";
    case PlanKind::kFlex:
      return "flex";
    case PlanKind::kPremium:
      return "premium";
    case PlanKind::kDedicated:
      return "dedicated";
  }
  return "unknown";
}

std::optional<PlanKind> ParsePlanKind(std::string_view text) {
  const std::string t = Lower(text);
  for (PlanKind k :
       {PlanKind::kConsumption, PlanKind::kFlex, PlanKind::kPremium, PlanKind::kDedicated}) {
    if (t == PlanKindName(k)) return k;
  }
  return std::nullopt;
}

const char* PremiumSkuName(PremiumSku sku) {
  switch (sku) {
    case PremiumSku::kEP1:
      return "EP1";
    case PremiumSku::kEP2:
      return "EP2";
    case PremiumSku::kEP3:
      return "EP3";
  }
  return "unknown";
}

const PlanLimits& LimitsOf(PlanKind kind) {
  static const PlanLimits kConsumption{200, 200, minutes(10), minutes(10), true};
  static const PlanLimits kFlex{1000, 100, minutes(60), minutes(60), true};
  static const PlanLimits kPremium{100, kPremiumDefaultMaxBurst, minutes(60), minutes(60), false};
  // Dedicated never scales; max_instances only bounds --instances.
  static const PlanLimits kDedicated{100, 100, minutes(60), std::nullopt, false};
  switch (kind) {
    case PlanKind::kConsumption:
      return kConsumption;
    case PlanKind::kFlex:
      return kFlex;
    case PlanKind::kPremium:
      return kPremium;
    case PlanKind::kDedicated:
      return kDedicated;
  }
  return kConsumption;
}

int PlanConfig::ReadyFloor(const std::string& group) const {
  switch (kind) {
    case PlanKind::kConsumption:
      return 0;
    case PlanKind::kPremium:
      return std::max(1, always_ready);
    case PlanKind::kDedicated:
      return fixed_instances;
    case PlanKind::kFlex: {
      auto it = always_ready_groups.find(group);
      return it == always_ready_groups.end() ? 0 : it->second;
    }
  }
  return 0;
}

StatusOr<std::map<std::string, int>> ParseAlwaysReadyGroups(std::string_view text) {
  std::map<std::string, int> out;
  if (auto bare = ParseInt(text)) {
    if (*bare < 0) return InvalidArgument(fmt::format("--always-ready: {} is negative", *bare));
    out[std::string(kHttpGroup)] = *bare;
    return out;
  }
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.rfind('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument(fmt::format(
          "--always-ready: expected group=count pairs such as \"http=2,function:orders=1\", got "
          "\"{}\"",
          text));
    }
    std::string group(item.substr(0, eq));
    std::optional<int> count = ParseInt(item.substr(eq + 1));
    if (!IsFlexGroupName(group)) {
      return InvalidArgument(
          fmt::format("--always-ready: unknown scale group \"{}\" (expected http, blob, durable or "
                      "function:<name>)",
                      group));
    }
    if (!count || *count < 0) {
      return InvalidArgument(
          fmt::format("--always-ready: \"{}\" needs a count of 0 or more", group));
    }
    if (out.count(group) != 0) {
      return InvalidArgument(fmt::format("--always-ready: group \"{}\" given twice", group));
    }
    out[group] = *count;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

StatusOr<PlanConfig> ValidatePlan(const PlanOptions& o) {
  const std::optional<PlanKind> parsed_kind = ParsePlanKind(o.plan);
  if (!parsed_kind) {
    return InvalidArgument(fmt::format(
        "--plan: unknown plan \"{}\" (expected consumption, flex, premium or dedicated)", o.plan));
  }
  const PlanKind kind = *parsed_kind;
  const PlanLimits& limits = LimitsOf(kind);
  const bool premium = kind == PlanKind::kPremium;
  const bool flex = kind == PlanKind::kFlex;
  const bool dedicated = kind == PlanKind::kDedicated;
  Problems p;
  PlanConfig c;
  c.kind = kind;

  // Instance size.
  switch (kind) {
    case PlanKind::kConsumption:
      c.instance = {1, 1536};
      break;
    case PlanKind::kFlex:
      c.instance = {1, 2048};
      break;  // 4096 MB instances have 2 vCPU
    case PlanKind::kPremium:
      c.instance = {1, 3584};
      break;
    case PlanKind::kDedicated:
      c.instance = {1, 1792};
      break;  // a B1 unless told otherwise
  }
  if (o.sku) {
    if (!premium) {
      p.Add(NotForPlan("--sku", "premium plan", kind));
    } else {
      const std::string sku = Lower(*o.sku);
      if (sku == "ep1") {
        c.sku = PremiumSku::kEP1;
      } else if (sku == "ep2") {
        c.sku = PremiumSku::kEP2;
        c.instance = {2, 7168};
      } else if (sku == "ep3") {
        c.sku = PremiumSku::kEP3;
        c.instance = {4, 14336};
      } else {
        p.Add(fmt::format("--sku: expected EP1, EP2 or EP3, got \"{}\"", *o.sku));
      }
    }
  } else if (premium) {
    c.sku = PremiumSku::kEP1;
  }
  if (o.instance_memory_mb) {
    const int mb = *o.instance_memory_mb;
    if (flex) {
      if (mb != 2048 && mb != 4096) {
        p.Add(fmt::format("--instance-memory: flex instances have 2048 or 4096 MB, got {}", mb));
      } else {
        c.instance = {mb == 4096 ? 2.0 : 1.0, mb};
      }
    } else if (dedicated) {
      if (mb < 128) {
        p.Add(fmt::format("--instance-memory: {} MB is too small (at least 128)", mb));
      } else {
        c.instance.memory_mb = mb;
      }
    } else {
      p.Add(NotForPlan("--instance-memory", "flex and dedicated plans", kind) +
            (premium ? "; premium sizes come from --sku" : ""));
    }
  }
  if (o.instance_cores) {
    if (!dedicated) {
      p.Add(NotForPlan("--instance-cores", "dedicated plan", kind));
    } else if (!(*o.instance_cores > 0)) {
      p.Add(fmt::format("--instance-cores: must be more than 0, got {}", *o.instance_cores));
    } else {
      c.instance.cores = *o.instance_cores;
    }
  }

  // Fixed count (dedicated).
  if (o.instances) {
    if (!dedicated) {
      p.Add(NotForPlan("--instances", "dedicated plan", kind) + "; the other plans scale by load");
    } else if (*o.instances < 1 || *o.instances > limits.max_instances) {
      p.Add(fmt::format("--instances: must be 1..{}, got {}", limits.max_instances, *o.instances));
    }
  }
  if (dedicated) c.fixed_instances = o.instances.value_or(1);

  // Premium burst and buffer.
  if (o.max_burst) {
    if (!premium) {
      p.Add(NotForPlan("--max-burst", "premium plan", kind) +
            (flex ? "; use --scale-limit for flex" : ""));
    } else if (*o.max_burst < 1 || *o.max_burst > limits.max_instances) {
      p.Add(fmt::format("--max-burst: must be 1..{} on premium, got {}", limits.max_instances,
                        *o.max_burst));
    }
  }
  if (premium) c.max_burst = o.max_burst.value_or(kPremiumDefaultMaxBurst);
  if (o.prewarmed) {
    if (!premium) {
      p.Add(NotForPlan("--prewarmed", "premium plan", kind));
    } else if (*o.prewarmed < 0) {
      p.Add(fmt::format("--prewarmed: must be 0 or more, got {}", *o.prewarmed));
    }
  }
  if (premium) c.prewarmed = std::max(0, o.prewarmed.value_or(kDefaultPrewarmed));

  // Always ready.
  if (o.always_ready) {
    if (!premium && !flex) {
      p.Add(NotForPlan("--always-ready", "premium and flex plans", kind));
    } else if (*o.always_ready < 0) {
      p.Add(fmt::format("--always-ready: must be 0 or more, got {}", *o.always_ready));
    } else if (premium && *o.always_ready > kPremiumMaxAlwaysReady) {
      p.Add(fmt::format("--always-ready: at most {} always-ready instances on premium, got {}",
                        kPremiumMaxAlwaysReady, *o.always_ready));
    } else if (premium) {
      c.always_ready = *o.always_ready;
    }
  }
  if (!o.always_ready_groups.empty()) {
    if (!flex) {
      p.Add(NotForPlan("--always-ready per group (http=N,...)", "flex plan", kind));
    } else {
      for (const auto& [group, count] : o.always_ready_groups) {
        if (!IsFlexGroupName(group)) {
          p.Add(fmt::format(
              "--always-ready: unknown scale group \"{}\" (expected http, blob, durable or "
              "function:<name>)",
              group));
        } else if (count < 0) {
          p.Add(fmt::format("--always-ready: group \"{}\" has a negative count {}", group, count));
        } else if (count > 0) {
          c.always_ready_groups[group] = count;
        }
      }
    }
  }
  if (flex && o.always_ready && *o.always_ready >= 0) {
    if (o.always_ready_groups.count(std::string(kHttpGroup)) != 0) {
      p.Add("--always-ready: a bare count is the \"http\" group's, which is also given by name");
    } else if (*o.always_ready > 0) {
      c.always_ready_groups[std::string(kHttpGroup)] = *o.always_ready;
    }
  }
  if (premium && o.max_burst && o.always_ready && *o.always_ready >= 0 &&
      *o.max_burst < std::max(1, *o.always_ready)) {
    p.Add(fmt::format(
        "--max-burst {} is below --always-ready {} (always-ready instances count toward the "
        "maximum burst)",
        *o.max_burst, *o.always_ready));
  }

  // Scale limit: functionAppScaleLimit or WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT.
  std::optional<int> limit;  // the stricter of the two, 0 = none
  auto take_limit = [&](int value, std::string_view name) {
    if (dedicated) {
      p.Add(fmt::format(
          "{} does not apply to the dedicated plan (it never scales; use --instances)", name));
      return;
    }
    if (value < 0 || value > limits.max_instances) {
      p.Add(fmt::format("{}: must be 0 (no limit) or 1..{} on {}, got {}", name,
                        limits.max_instances, PlanKindName(kind), value));
      return;
    }
    if (value == 0) {
      if (!limit) limit = 0;
    } else if (!limit || *limit == 0 || value < *limit) {
      limit = value;
    }
  };
  if (o.scale_limit) take_limit(*o.scale_limit, "--scale-limit");
  if (o.max_scale_out_setting) {
    if (auto v = ParseInt(*o.max_scale_out_setting)) {
      take_limit(*v, "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT");
    } else {
      p.Add(
          fmt::format("WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT: expected a whole number, got "
                      "\"{}\"",
                      *o.max_scale_out_setting));
    }
  }
  c.scale_limit = limit.value_or(0);

  // The cap on live instances.
  if (dedicated) {
    c.max_instances = c.fixed_instances;
    c.max_instances_rule = fmt::format("dedicated: fixed at {}", c.fixed_instances);
  } else {
    int cap = limits.max_instances;
    std::string rule = fmt::format("plan maximum {}", cap);
    if (flex && !limit) {  // unset: the flex default maximum (0 = "no limit" = the plan maximum)
      cap = limits.default_max_instances;
      rule = fmt::format("flex default maximum {}", cap);
    }
    if (premium && c.max_burst > 0 && c.max_burst < cap) {
      cap = c.max_burst;
      rule = fmt::format("max burst {}", cap);
    }
    if (c.scale_limit > 0 && c.scale_limit <= cap) {
      cap = c.scale_limit;
      rule = fmt::format("scale limit {}", cap);
    } else if (premium && c.scale_limit > cap) {
      p.Add(
          fmt::format("--scale-limit {} exceeds the plan's --max-burst {} (the app scale limit "
                      "must be at most the maximum burst)",
                      c.scale_limit, c.max_burst));
    }
    c.max_instances = cap;
    c.max_instances_rule = rule;
  }
  if (premium && c.always_ready > 0 && c.scale_limit > 0 && c.scale_limit < c.always_ready) {
    p.Add(
        fmt::format("--scale-limit {} is below --always-ready {}", c.scale_limit, c.always_ready));
  }
  if (flex) {
    int sum = 0;
    for (const auto& [group, count] : c.always_ready_groups) sum += count;
    if (sum > c.max_instances) {
      p.Add(
          fmt::format("--always-ready: {} instances in all groups exceed the app's maximum {} ({})",
                      sum, c.max_instances, c.max_instances_rule));
    }
  }

  // Durations.
  if (o.idle_timeout && !limits.scales_to_zero) {
    p.Add(NotForPlan("--idle-timeout", "consumption and flex plans", kind) +
          "; premium and dedicated never scale to zero");
  }
  auto duration = [&](const std::optional<Duration>& value, Duration fallback,
                      std::string_view flag, bool allow_zero) {
    if (!value) return fallback;
    if (*value < Duration::zero() || (!allow_zero && *value == Duration::zero())) {
      p.Add(fmt::format("{}: must be {} 0, got {}", flag, allow_zero ? "at least" : "more than",
                        FormatDurationFlag(*value)));
      return fallback;
    }
    return *value;
  };
  c.idle_timeout = limits.scales_to_zero
                       ? duration(o.idle_timeout, minutes(5), "--idle-timeout", true)
                       : Duration::zero();
  c.decision_interval = duration(o.decision_interval, seconds(1), "--decision-interval", false);
  c.scale_in_delay = duration(o.scale_in_delay, seconds(60), "--scale-in-delay", true);
  c.http_rate_limit = duration(o.http_rate_limit, seconds(1), "--http-rate-limit", true);
  c.other_rate_limit = duration(o.other_rate_limit, seconds(30), "--other-rate-limit", true);
  c.drain_grace = duration(o.drain_grace, limits.default_drain_grace, "--drain-grace", true);
  if (o.drain_grace && limits.max_drain_grace && *o.drain_grace > *limits.max_drain_grace) {
    p.Add(fmt::format("--drain-grace: at most {} on {}, got {}",
                      FormatDurationFlag(*limits.max_drain_grace), PlanKindName(kind),
                      FormatDurationFlag(*o.drain_grace)));
  }

  if (!p.empty()) return p.ToStatus();
  return c;
}

}  // namespace squall
