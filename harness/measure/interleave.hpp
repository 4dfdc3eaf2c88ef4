#pragma once
/// --interleave sample, the default: one repetition of every case with their samples interleaved.
/// Every case's session is open at once; each round inserts once through every case, in a
/// freshly shuffled order. A slow second then hits every case alike instead of the few whose
/// turn it was, so ratios between cases come out of the same moments of the machine.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "measure/clock.hpp"
#include "measure/runner.hpp"

namespace wpbench {

/// A case with where it writes.
struct CaseTarget {
  Case c;
  Endpoint e;
};

/// An empty query on its own connection taking its turn in every round like a case: the round
/// trip of a connection that sat idle as long as the cases' did, the floor an interleaved sample
/// stands on (a busy connection's round trip does not pay for waking its backend).
struct IdleRoundTrip {
  Transport transport = Transport::unix_socket;
  std::string conninfo;  ///< may hold a password, never printed
  std::vector<std::int64_t> samples_ns;
  std::optional<std::string> error;
};

/// Runs one repetition of `cases` (sessions opened and warmed up in the order given, then
/// cfg.samples rounds, each in an order drawn from `rounds_seed`), then verifies each table the
/// cases share, every case's rows told apart by its decision stream (case_seed). Cases on the
/// same backend must name the same table. Never throws for database trouble: a case whose
/// session fails ends there, with its error, and the others go on. `stop` is polled between
/// inserts; what was measured is kept. Results are in the order of `cases`.
/// `probes`, when given, take their turns in the same rounds and collect their samples.
std::vector<CaseResult> run_interleaved(const std::vector<CaseTarget>& cases, const RunConfig& cfg,
                                        std::uint64_t rounds_seed, Clock& clock,
                                        const std::atomic<bool>& stop,
                                        std::vector<IdleRoundTrip>* probes = nullptr);

}  // namespace wpbench
