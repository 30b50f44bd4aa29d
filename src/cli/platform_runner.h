// `squall start APP --plan ...`: the platform (front door, scale controller, instances).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace squall::cli {

// Plan flags as typed; durations are text ("5m", "500ms"), validated with the plan.
struct PlanFlags {
  std::string plan;
  std::optional<std::string> sku;
  std::optional<int> instance_memory;
  std::optional<double> instance_cores;
  std::optional<int> always_ready;
  std::optional<int> prewarmed;
  std::optional<int> max_burst;
  std::optional<int> scale_limit;
  std::optional<int> instances;
  std::map<std::string, std::string> durations;  // flag name ("--idle-timeout") -> text
  std::string prices_file;                       // --prices: a JSON price table
};

int RunPlatform(const StartOptions& start, const PlanFlags& flags);

}  // namespace squall::cli
