// Parsers for the kernel's per-process memory accounting: /proc/<pid>/smaps_rollup (one
// process's totals: what the sampler reads every interval) and /proc/<pid>/smaps (one block per
// mapping: what `squall diag memory` breaks down). Pure: text in, numbers out. Both formats are
// "Key:   N kB" lines (smaps_rollup after one header line that looks like a mapping's); values
// are returned in bytes. Fields the kernel may add later are ignored; a known field that is
// malformed, repeated, or too large for bytes in 63 bits is an error, never a guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace squall {

// /proc/<pid>/smaps_rollup, in bytes. Rss and Pss are required; the others are 0 when the
// kernel does not report them (Pss_Anon/File/Shmem appeared in Linux 5.10).
struct SmapsRollup {
  std::int64_t rss = 0;
  std::int64_t pss = 0;
  std::int64_t pss_anon = 0;
  std::int64_t pss_file = 0;
  std::int64_t pss_shmem = 0;
  std::int64_t shared_clean = 0;
  std::int64_t shared_dirty = 0;
  std::int64_t private_clean = 0;
  std::int64_t private_dirty = 0;
  std::int64_t anonymous = 0;
  std::int64_t swap = 0;
  std::int64_t swap_pss = 0;
};

// InvalidArgument naming the line (1-based) and what is wrong.
StatusOr<SmapsRollup> ParseSmapsRollup(std::string_view text);

// One mapping of /proc/<pid>/smaps.
struct SmapsMapping {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::string perms;      // "r-xp"
  std::string name;       // path, "[heap]", "[stack]", ...; "" for anonymous memory
  std::int64_t size = 0;  // virtual size ("Size:")
  std::int64_t rss = 0;
  std::int64_t pss = 0;
  std::int64_t private_clean = 0;
  std::int64_t private_dirty = 0;
  std::int64_t swap = 0;
};

StatusOr<std::vector<SmapsMapping>> ParseSmaps(std::string_view text);

// Mappings grouped by name ("[anon]" for unnamed ones), largest Pss first (then by name).
struct SmapsGroup {
  std::string name;
  int mappings = 0;
  std::int64_t rss = 0;
  std::int64_t pss = 0;
  std::int64_t private_bytes = 0;  // private clean + private dirty
  std::int64_t swap = 0;
};
std::vector<SmapsGroup> GroupSmaps(const std::vector<SmapsMapping>& mappings);

// What a core dump of the process would hold, about: the virtual size of every readable
// mapping. gdb's gcore writes them whole, resident or not, and (gdb 13, measured) also those
// marked do-not-dump ("dd" in VmFlags), such as a sanitizer's terabytes of shadow. Saturates.
std::int64_t CoreDumpEstimate(const std::vector<SmapsMapping>& mappings);

}  // namespace squall
