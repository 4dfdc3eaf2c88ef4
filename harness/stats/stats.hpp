#pragma once
/// Statistics over latency samples: pure functions, no I/O, no clock.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace wpbench {

/// Summary of one case's latencies, all in nanoseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  std::int64_t min_ns = 0;
  double mean_ns = 0;
  double stddev_ns = 0;  ///< sample standard deviation (n - 1); 0 for fewer than two samples
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t p999_ns = 0;
  std::int64_t max_ns = 0;
};

/// Nearest-rank percentile (the smallest sample with at least p % of samples at or below it), the
/// definition HdrHistogram uses, so exact and histogram percentiles are comparable.
/// `sorted` must be ascending and non-empty; p is in [0, 100], resolved to 0.0001.
std::int64_t percentile_sorted(const std::vector<std::int64_t>& sorted, double p);

/// Summarises samples (any order). An empty input gives an all-zero summary with count 0.
LatencySummary summarize(std::vector<std::int64_t> samples_ns);

/// Summary of raw samples; nullopt when there are none.
std::optional<LatencySummary> summary_of(const std::vector<std::int64_t>& samples_ns);

/// A median with its distribution-free 95 % interval.
struct MedianInterval {
  std::int64_t median = 0;
  /// The order statistics around the median that hold it with 95 % (binomial(n, 1/2) ranks,
  /// normal approximation: n/2 -+ 0.98 sqrt(n)); nullopt under 10 values, where the ranks run
  /// off the ends.
  std::optional<std::pair<std::int64_t, std::int64_t>> ci;
  std::size_t n = 0;
};

/// The median of `values` (nearest rank, as percentile_sorted) and its 95 % interval, assuming the
/// values are independent draws of one distribution (paired differences, which cancel the drift
/// two paired samples share). nullopt for no values.
std::optional<MedianInterval> median_interval(std::vector<std::int64_t> values);

/// Operations per second for `count` operations over `elapsed_ns` of wall time; 0 when undefined.
double throughput_per_s(std::uint64_t count, std::int64_t elapsed_ns);

}  // namespace wpbench
