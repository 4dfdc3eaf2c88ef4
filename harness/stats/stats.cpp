#include "stats/stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wpbench {

std::int64_t percentile_sorted(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile of no samples");
  if (!(p >= 0.0 && p <= 100.0)) throw std::invalid_argument("percentile outside [0, 100]");
  // rank = ceil(p/100 * n) in integers: p as parts per million (p99.9 = 999000 exactly), so no
  // binary rounding of 99.9 can move the rank by one, whatever n is.
  const auto ppm = static_cast<unsigned __int128>(std::llround(p * 10000.0));
  const auto n = static_cast<unsigned __int128>(sorted.size());
  auto rank = static_cast<std::size_t>((ppm * n + 999999) / 1000000);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

LatencySummary summarize(std::vector<std::int64_t> samples_ns) {
  LatencySummary s;
  if (samples_ns.empty()) return s;
  std::sort(samples_ns.begin(), samples_ns.end());
  s.count = samples_ns.size();
  s.min_ns = samples_ns.front();
  s.max_ns = samples_ns.back();

  // Welford's update: one pass, no catastrophic cancellation on large ns values.
  double mean = 0, m2 = 0;
  std::uint64_t k = 0;
  for (const auto v : samples_ns) {
    ++k;
    const double x = static_cast<double>(v);
    const double delta = x - mean;
    mean += delta / static_cast<double>(k);
    m2 += delta * (x - mean);
  }
  s.mean_ns = mean;
  s.stddev_ns = s.count > 1 ? std::sqrt(m2 / static_cast<double>(s.count - 1)) : 0.0;

  s.p50_ns = percentile_sorted(samples_ns, 50);
  s.p90_ns = percentile_sorted(samples_ns, 90);
  s.p99_ns = percentile_sorted(samples_ns, 99);
  s.p999_ns = percentile_sorted(samples_ns, 99.9);
  return s;
}

std::optional<LatencySummary> summary_of(const std::vector<std::int64_t>& samples_ns) {
  if (samples_ns.empty()) return std::nullopt;
  return summarize(samples_ns);
}

double throughput_per_s(std::uint64_t count, std::int64_t elapsed_ns) {
  if (count == 0 || elapsed_ns <= 0) return 0.0;
  return static_cast<double>(count) * 1e9 / static_cast<double>(elapsed_ns);
}

std::optional<MedianInterval> median_interval(std::vector<std::int64_t> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  MedianInterval m;
  m.n = values.size();
  m.median = percentile_sorted(values, 50);
  if (m.n >= 10) {
    // The median lies between the j-th and k-th order statistics (1-based) with probability
    // P(j <= B < k), B ~ binomial(n, 1/2): j = floor(n/2 - 1.96 sqrt(n)/2), k = ceil(1 + n/2 +
    // 1.96 sqrt(n)/2), the usual normal approximation (Conover, Practical Nonparametric
    // Statistics, 3.2); tests/test_stats.cpp checks its coverage.
    const double n = static_cast<double>(m.n);
    const double half = 1.959963984540054 * std::sqrt(n) / 2.0;
    const auto j = static_cast<std::size_t>(std::max(1.0, std::floor(n / 2.0 - half)));
    const auto k = static_cast<std::size_t>(std::min(n, std::ceil(1.0 + n / 2.0 + half)));
    m.ci = std::make_pair(values[j - 1], values[k - 1]);
  }
  return m;
}

}  // namespace wpbench
