#pragma once
/// The table a person reads at the end of a run.

#include <string>

#include "core/result.hpp"

namespace wpbench {

/// Context lines, then one row per case: round trips, p50/p99/max in ms, throughput, verified.
std::string console_table(const RunResult& run);

/// The context lines above the table: machine, then server and SQLite settings when used.
std::string context_line(const RunContext& ctx);

}  // namespace wpbench
