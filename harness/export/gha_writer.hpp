#pragma once
/// The run as github-action-benchmark's "customSmallerIsBetter" JSON, for the charts and alerts
/// that action keeps on GitHub Pages.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wpbench {

/// A JSON array of {"name", "unit", "value", "range", "extra"}, two entries per case that has
/// samples, in case order: "<case> p50" and "<case> p99", the pooled percentile in
/// milliseconds ("unit": "ms"). "range" is its 95 % interval as the result holds it,
/// "95% CI [lo, hi]" in ms, and is left out where the result has none. "extra" (the tooltip)
/// names the run and its status, the case's status and samples, and how the interval was drawn:
/// a run that is not complete, or a case that is not ok (failed, interrupted, pending, not
/// verified), says so on its first two lines, and a setting that is not durable on the last.
/// Strict JSON, every number finite.
std::string serialize_gha(const RunResult& run);

/// Whether a file beginning with `head` is one serialize_gha wrote: its first entry's "extra"
/// names a wpbench run, or it is the empty array of a run with no samples yet.
bool is_gha_file(std::string_view head);

}  // namespace wpbench
