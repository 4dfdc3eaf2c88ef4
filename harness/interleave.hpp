#pragma once
/// --interleave sample, the default: one repetition of every case with their samples interleaved.
/// Every case's session is open at once; each round inserts once through every case, in a
/// freshly shuffled order. A slow second then hits every case alike instead of the few whose
/// turn it was, so ratios between cases come out of the same moments of the machine.

#include <atomic>
#include <cstdint>
#include <vector>

#include "clock.hpp"
#include "driver.hpp"
#include "runner.hpp"

namespace wpbench {

/// A case with where it writes.
struct CaseTarget {
  Case c;
  Endpoint e;
};

/// Runs one repetition of `cases` (sessions opened and warmed up in the order given, then
/// cfg.samples rounds, each in an order drawn from `rounds_seed`), then verifies each table the
/// cases share, every case's rows told apart by its decision stream (case_seed). Cases on the
/// same backend must name the same table. Never throws for database trouble: a case whose
/// session fails ends there, with its error, and the others go on. `stop` is polled between
/// inserts; what was measured is kept. Results are in the order of `cases`.
std::vector<CaseResult> run_interleaved(const std::vector<CaseTarget>& cases, const RunConfig& cfg,
                                        std::uint64_t rounds_seed, Clock& clock,
                                        const std::atomic<bool>& stop);

}  // namespace wpbench
