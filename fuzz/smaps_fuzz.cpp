// Fuzz target "smaps": the input is the text of /proc/<pid>/smaps_rollup or /proc/<pid>/smaps
// (the kernel writes it, but a future kernel may add fields, and a process may end mid-read).
// Besides "no crash, no sanitizer report": errors are InvalidArgument; parsed values are bytes
// (multiples of 1024, never negative); a parsed rollup printed back in the kernel's format parses
// to the same values; grouping the mappings keeps every mapping and sums without overflow.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "memory/smaps.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "smaps fuzz: invariant failed: %s\n", what);
  std::abort();
}

bool Bytes(std::int64_t v) { return v >= 0 && v % 1024 == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto rollup = squall::ParseSmapsRollup(input);
  if (!rollup.ok()) {
    Check(rollup.status().code() == squall::StatusCode::kInvalidArgument, "rollup error code");
  } else {
    const squall::SmapsRollup& r = *rollup;
    for (std::int64_t v :
         {r.rss, r.pss, r.pss_anon, r.pss_file, r.pss_shmem, r.shared_clean, r.shared_dirty,
          r.private_clean, r.private_dirty, r.anonymous, r.swap, r.swap_pss}) {
      Check(Bytes(v), "rollup values are whole kilobytes in bytes");
    }
    std::string text = "Rss: " + std::to_string(r.rss / 1024) +
                       " kB\nPss: " + std::to_string(r.pss / 1024) +
                       " kB\nSwap: " + std::to_string(r.swap / 1024) + " kB\n";
    auto again = squall::ParseSmapsRollup(text);
    Check(again.ok(), "printed rollup parses");
    Check(again->rss == r.rss && again->pss == r.pss && again->swap == r.swap,
          "printed rollup round-trips");
  }

  auto maps = squall::ParseSmaps(input);
  if (!maps.ok()) {
    Check(maps.status().code() == squall::StatusCode::kInvalidArgument, "smaps error code");
    return 0;
  }
  int total = 0;
  for (const auto& m : *maps) {
    Check(m.start <= m.end, "mapping range ordered");
    Check(m.perms.size() == 4, "perms are four characters");
    Check(Bytes(m.size) && Bytes(m.rss) && Bytes(m.pss) && Bytes(m.private_clean) &&
              Bytes(m.private_dirty) && Bytes(m.swap),
          "mapping values are bytes");
  }
  auto groups = squall::GroupSmaps(*maps);
  for (std::size_t k = 0; k < groups.size(); ++k) {
    total += groups[k].mappings;
    Check(groups[k].pss >= 0 && groups[k].rss >= 0 && groups[k].private_bytes >= 0,
          "group sums stay non-negative");
    if (k > 0) Check(groups[k - 1].pss >= groups[k].pss, "groups largest Pss first");
  }
  Check(total == static_cast<int>(maps->size()), "every mapping in one group");
  Check(squall::CoreDumpEstimate(*maps) >= 0, "core estimate non-negative");
  return 0;
}
