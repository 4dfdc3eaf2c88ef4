#pragma once
/// The table a person reads at the end of a run.

#include <string>

#include "core/result.hpp"
#include "stats/repstats.hpp"

namespace wpbench {

/// Context lines, then one row per case: round trips, p50/p99/max in ms, throughput, verified.
std::string console_table(const RunResult& run);

/// The context lines above the table: machine, then server and SQLite settings when used.
std::string context_line(const RunContext& ctx);

/// "2.41 ± 0.05 ×", the "x fastest" cell: the ratio and the larger half-width of its interval
/// (hi - ratio, ratio - lo), 2 decimals. An asymmetric interval loses its shape here, so exports
/// carry the Interval itself. Throws std::invalid_argument for non-finite input.
std::string format_ratio(double ratio, Interval ci);

}  // namespace wpbench
