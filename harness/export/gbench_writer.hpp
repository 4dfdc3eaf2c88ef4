#pragma once
/// The run in Google Benchmark's JSON format, for the tools that read it: google/benchmark's
/// tools/compare.py, and CI benchmark trackers (e.g. github-action-benchmark's "googlecpp").

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wpbench {

/// `context` (machine, date, build type) and one `benchmarks` entry per case that has samples:
/// real_time = mean latency, cpu_time = process CPU time per insert, both in microseconds, with
/// the percentiles, min, max, round trips and throughput as extra counters (microseconds and
/// inserts per second). A case that is not ok (failed, interrupted, not verified) is marked the
/// way Google Benchmark marks one: "error_occurred": true plus an "error_message". Strict JSON: a
/// value that is not finite is written as 0, which the tools that read this format can use.
std::string serialize_gbench(const RunResult& run);

/// Whether a file beginning with `head` is one serialize_gbench wrote (its context names wpbench).
bool is_gbench_file(std::string_view head);

}  // namespace wpbench
