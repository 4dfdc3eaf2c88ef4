#pragma once
/// The run as Bencher Metric Format (BMF) JSON, for `bencher run --adapter json`.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wpbench {

/// A JSON object keyed by case name, in case order, with two measures each, in nanoseconds:
/// "latency" (Bencher's built-in latency measure) the pooled p50, and "latency-p99" the pooled
/// p99; "lower_value" and "upper_value" are the 95 % interval the result holds for that
/// percentile, left out where it has none. Only cases that are ok (every repetition ran and
/// verified) are written: BMF has no field to mark a figure as partial, and a tracker takes every
/// figure it is given into the history its thresholds learn from. A run that stopped early
/// therefore has fewer benchmarks, never partial figures.
std::string serialize_bmf(const RunResult& run);

/// Whether a file beginning with `head` is one serialize_bmf wrote. BMF has no field naming the
/// tool, so by its shape: its first benchmark a case name (driver/variant/transport) whose first
/// measure is "latency", or the empty object of a run with no complete case yet.
bool is_bmf_file(std::string_view head);

}  // namespace wpbench
