// Hosting plans (Azure Functions' consumption, flex, premium and dedicated) as data: the options a
// user gives (PlanOptions, every field optional), the validated settings with every default
// filled in (PlanConfig), and the per-plan defaults table. Pure: no I/O, no clock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

enum class PlanKind { kConsumption, kFlex, kPremium, kDedicated };
const char* PlanKindName(PlanKind kind);  // "consumption" | "flex" | "premium" | "dedicated"
// Whether instances a scale-out adds on this plan run the app's warmupTrigger function: not on
// Consumption (Azure), not yet on Flex (docs/architecture.md); Dedicated never scales out.
bool PlanRunsWarmup(PlanKind kind);
std::optional<PlanKind> ParsePlanKind(std::string_view text);  // case-insensitive

enum class PremiumSku { kEP1, kEP2, kEP3 };
const char* PremiumSkuName(PremiumSku sku);  // "EP1" | "EP2" | "EP3"

struct InstanceSize {
  double cores = 1;
  int memory_mb = 1536;
  double memory_gb() const { return memory_mb / 1024.0; }
};

// The documented limits and defaults of one plan.
struct PlanLimits {
  int max_instances;             // the plan maximum (consumption 200, flex 1000, premium 100)
  int default_max_instances;     // when no scale limit is given (flex 100; others = maximum)
  Duration default_drain_grace;  // consumption 10 min, flex/premium/dedicated 60 min
  std::optional<Duration> max_drain_grace;  // nullopt = no documented maximum (dedicated)
  bool scales_to_zero;                      // consumption, flex
};
const PlanLimits& LimitsOf(PlanKind kind);

inline constexpr int kPremiumMaxAlwaysReady = 20;
inline constexpr int kPremiumDefaultMaxBurst = 20;  // the portal's default "maximum burst"
inline constexpr int kDefaultPrewarmed = 1;

// What the user asked for (CLI flags, app settings). Unset = the plan's default. Validation
// rejects options that do not belong to the chosen plan, naming the flag.
struct PlanOptions {
  std::string plan = "consumption";       // --plan
  std::optional<std::string> sku;         // --sku EP1|EP2|EP3 (premium)
  std::optional<int> instance_memory_mb;  // --instance-memory 2048|4096 (flex); any (dedicated)
  std::optional<double> instance_cores;   // --instance-cores (dedicated)
  std::optional<int> always_ready;        // --always-ready (premium; flex: the "http" group)
  std::map<std::string, int> always_ready_groups;  // flex only: {"http": 2, "function:orders": 1}
  std::optional<int> prewarmed;                    // --prewarmed (premium, default 1)
  std::optional<int> max_burst;                    // --max-burst (premium, default 20)
  std::optional<int> scale_limit;  // --scale-limit (functionAppScaleLimit); 0 = none
  // The app setting WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT, as text (it comes from
  // local.settings.json). When both it and --scale-limit are given, the stricter one wins.
  std::optional<std::string> max_scale_out_setting;
  std::optional<int> instances;               // --instances (dedicated, default 1)
  std::optional<Duration> idle_timeout;       // --idle-timeout (consumption, flex; 5 min)
  std::optional<Duration> decision_interval;  // --decision-interval (1 s)
  std::optional<Duration> scale_in_delay;     // --scale-in-delay (60 s)
  std::optional<Duration> http_rate_limit;    // --http-rate-limit (1 new instance per 1 s)
  std::optional<Duration> other_rate_limit;   // --other-rate-limit (1 new instance per 30 s)
  std::optional<Duration> drain_grace;        // --drain-grace (10 min consumption, else 60 min)
};

// Validated settings; every field has its final value.
struct PlanConfig {
  PlanKind kind = PlanKind::kConsumption;
  std::optional<PremiumSku> sku;  // premium only
  InstanceSize instance;
  // Premium: the app's always-ready count (the ready floor is max(1, this)).
  // Flex: per scale group (see scale_groups.h); groups not listed have 0.
  int always_ready = 0;
  std::map<std::string, int> always_ready_groups;
  int prewarmed = 0;        // premium buffer size (0 elsewhere)
  int max_burst = 0;        // premium only (0 elsewhere)
  int scale_limit = 0;      // 0 = none given
  int fixed_instances = 0;  // dedicated only
  // The cap on live instances of the app: min(plan maximum, max burst, scale limit), and the
  // rule that sets it, for reasons ("scale limit 3", "max burst 20", "plan maximum 200").
  int max_instances = 0;
  std::string max_instances_rule;
  Duration idle_timeout{};
  Duration decision_interval{};
  Duration scale_in_delay{};
  Duration http_rate_limit{};   // 0 = no limit
  Duration other_rate_limit{};  // 0 = no limit
  Duration drain_grace{};

  // The ready-instance floor of a group: premium max(1, always_ready), flex the group's
  // always-ready count, dedicated the fixed count, consumption 0.
  int ReadyFloor(const std::string& group) const;
};

// Checks the options against the plan and fills the defaults. On error the message names every
// offending flag, e.g. "--sku applies to the premium plan only (plan is consumption)"; several
// problems are joined with "; ".
StatusOr<PlanConfig> ValidatePlan(const PlanOptions& options);

// "http=2,blob=1,function:orders=1" -> {"http":2,...} for --always-ready on flex. A bare "2" is
// returned as {"http": 2}.
StatusOr<std::map<std::string, int>> ParseAlwaysReadyGroups(std::string_view text);

}  // namespace squall
