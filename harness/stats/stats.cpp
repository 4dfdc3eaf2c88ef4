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

}  // namespace wpbench
