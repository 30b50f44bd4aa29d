// Dynamic concurrency snapshots: the levels an app learned, saved so that a new instance starts
// from them instead of from 1. Azure's format (HostConcurrencySnapshot):
//   {"Timestamp":"2024-01-02T03:04:05.678Z","NumberOfCores":4,
//    "FunctionSnapshots":{"Orders":{"Concurrency":12}}}
// Pure: the host reads and writes the text through storage (one instance writes every 10 s when
// the levels changed, see SameLevels).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

struct ConcurrencySnapshot {
  WallTime timestamp{};
  int number_of_cores = 1;
  std::map<std::string, int> levels;  // function name -> Concurrency (>= 1)
};

// Levels of the given functions (callers pass the functions the app has now, so levels of
// removed functions are dropped), taken at `timestamp` on an instance with `cores` cores.
ConcurrencySnapshot TakeSnapshot(const std::map<std::string, int>& levels, int cores,
                                 WallTime timestamp);

// Same cores and levels, timestamps aside (Azure's HostConcurrencySnapshot.Equals): write a new
// snapshot only when this is false.
bool SameLevels(const ConcurrencySnapshot& a, const ConcurrencySnapshot& b);

std::string SerializeSnapshot(const ConcurrencySnapshot& snapshot);

// Member names match case-insensitively (as JSON.NET reads Azure's); unknown members are ignored;
// a missing FunctionSnapshots is none. Errors name the JSON pointer: Timestamp must be
// "YYYY-MM-DDTHH:MM:SS[.fff]Z" between 1970 and 2261, NumberOfCores and each Concurrency integers
// >= 1, function names non-empty and distinct ignoring case.
StatusOr<ConcurrencySnapshot> ParseSnapshot(std::string_view json);

// snapshot_level x cores / snapshot_cores, rounded half up, at least 1: instances with more
// cores start higher. Non-positive core counts count as 1.
int CoreAdjustedLevel(int snapshot_level, int snapshot_cores, int cores);

struct RestoredLevel {
  std::string function;
  int snapshot_level = 0;  // as written in the snapshot
  int from = 0;            // the level before (0 = function not known yet)
  int to = 0;              // the level after: max(from, adjusted), capped by the maximum
  std::string reason;      // "Orders: 12 on 4 cores → 6 on 2 cores (was 1)"
};

struct AppliedSnapshot {
  std::map<std::string, int> levels;
  std::vector<RestoredLevel> restored;  // one entry per function of the snapshot
};

// A new instance starts each function from the snapshot, scaled by its core count, never
// lowering a level it already has. Functions of the snapshot not in `levels` are added (the
// host may not have seen them yet); a name matching an existing one ignoring case updates it.
// maximum_function_concurrency (-1 = unbounded) caps a restored level.
AppliedSnapshot ApplySnapshot(const std::map<std::string, int>& levels,
                              const ConcurrencySnapshot& snapshot, int cores,
                              int maximum_function_concurrency);

}  // namespace squall
