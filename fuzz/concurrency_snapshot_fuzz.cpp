// Fuzz target "concurrency_snapshot": the input is a dynamic concurrency snapshot as read from
// storage (any bytes: another instance, an older version or a person may have written it).
// Besides "no crash, no sanitizer report": errors are InvalidArgument; a parsed snapshot
// serializes to text that parses to the same snapshot (timestamps to the millisecond); applying
// it on any core count gives levels between 1 and the maximum, never lowering an existing one.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "concurrency/snapshot.h"

namespace {

using squall::ConcurrencySnapshot;
using squall::StatusOr;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "concurrency_snapshot fuzz: invariant failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  StatusOr<ConcurrencySnapshot> parsed = squall::ParseSnapshot(input);
  if (!parsed.ok()) {
    Check(parsed.status().code() == squall::StatusCode::kInvalidArgument, "error code");
    return 0;
  }
  const std::string text = squall::SerializeSnapshot(*parsed);
  StatusOr<ConcurrencySnapshot> again = squall::ParseSnapshot(text);
  Check(again.ok(), "serialized snapshot parses");
  Check(squall::SameLevels(*parsed, *again), "same levels after a round trip");
  Check(std::chrono::floor<std::chrono::milliseconds>(parsed->timestamp) == again->timestamp,
        "same timestamp to the millisecond");
  Check(squall::SerializeSnapshot(*again) == text, "stable serialization");

  const std::map<std::string, int> existing = {{"a", 3}, {"B", 700}};
  for (int cores : {1, 3, 64}) {
    for (int max : {-1, 1, 500}) {
      const squall::AppliedSnapshot applied = squall::ApplySnapshot(existing, *parsed, cores, max);
      for (const auto& [name, level] : applied.levels) {
        Check(level >= 1, "level >= 1");
        auto before = existing.find(name);
        if (before != existing.end()) {
          Check(level >= before->second, "never lowered");
        } else {
          Check(max == -1 || level <= max, "capped by the maximum");
        }
      }
      Check(applied.restored.size() == parsed->levels.size(), "one entry per function");
    }
  }
  return 0;
}
