#include "stats/repstats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

namespace wpbench {
namespace {

// For normal data MAD = 0.6745 sigma and the mean absolute deviation = sigma / 1.253314 (i.e.
// sqrt(2 / pi) sigma), so both spreads below estimate sigma and the scores are comparable.
constexpr double kMadToSigma = 0.6745;
constexpr double kMeanAdToSigma = 1.253314;

void check_finite(const std::vector<double>& xs, const char* what) {
  for (const double x : xs) {
    if (!std::isfinite(x)) throw std::invalid_argument(std::string(what) + ": non-finite value");
  }
}

void check_bootstrap_args(int resamples, double confidence) {
  if (resamples < 1) throw std::invalid_argument("bootstrap: resamples must be at least 1");
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("bootstrap: confidence must be inside (0, 1)");
  }
}

double checked(double v) {
  if (!std::isfinite(v)) {
    throw std::invalid_argument("bootstrap: the statistic returned a non-finite value");
  }
  return v;
}

// std::uniform_int_distribution's algorithm differs between standard libraries; rejection
// sampling on the raw 64-bit stream is the same everywhere, so a seed gives the same interval on
// every platform. The accepted range [0, limit) is a multiple of n, so there is no modulo bias.
std::size_t uniform_index(std::mt19937_64& rng, std::size_t n) {
  const std::uint64_t range = n;
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % range;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return static_cast<std::size_t>(x % range);
}

// Linear interpolation between order statistics: numpy's default quantile, as scripts/wpstats.py.
double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto i = static_cast<std::size_t>(std::floor(h));
  const std::size_t j = std::min(i + 1, sorted.size() - 1);
  return sorted[i] + (h - static_cast<double>(i)) * (sorted[j] - sorted[i]);
}

Interval percentile_interval(std::vector<double> values, double confidence) {
  std::sort(values.begin(), values.end());
  const double alpha = 1.0 - confidence;
  return {quantile_sorted(values, alpha / 2), quantile_sorted(values, 1 - alpha / 2)};
}

double mean_of(const std::vector<double>& xs) {
  double mean = 0;
  std::size_t k = 0;
  for (const double x : xs) mean += (x - mean) / static_cast<double>(++k);
  return mean;
}

double median_of_finite(std::vector<double> xs) {
  const std::size_t mid = xs.size() / 2;
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(mid), xs.end());
  const double upper = xs[mid];
  if (xs.size() % 2 == 1) return upper;
  const double lower = *std::max_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(mid));
  return lower + (upper - lower) / 2;
}

// Robust location and an estimate of sigma; sigma is 0 only when all values are equal.
struct Spread {
  double median = 0, sigma = 0;
};

Spread robust_spread(const std::vector<double>& xs) {
  Spread s;
  s.median = median_of_finite(xs);
  std::vector<double> dev(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) dev[i] = std::abs(xs[i] - s.median);
  const double m = median_of_finite(dev);
  if (m > 0) {
    s.sigma = m / kMadToSigma;
  } else {
    s.sigma = kMeanAdToSigma * mean_of(dev);  // 0 only when every value equals the median
  }
  return s;
}

double z_of(double x, const Spread& s) { return s.sigma > 0 ? (x - s.median) / s.sigma : 0.0; }

// A relative floor, so that repetitions agreeing to 0.1 % do not make a 0.5 % one an outlier.
bool far_from(double x, double reference) {
  return std::abs(x - reference) > kMinOutlierDeviation * std::abs(reference);
}

}  // namespace

Interval block_bootstrap(const std::vector<std::int64_t>& samples, const SampleStat& stat,
                         std::uint64_t seed, int resamples, double confidence) {
  return block_bootstrap(samples, std::vector<SampleStat>{stat}, seed, resamples, confidence)[0];
}

std::vector<Interval> block_bootstrap(const std::vector<std::int64_t>& samples,
                                      const std::vector<SampleStat>& stats, std::uint64_t seed,
                                      int resamples, double confidence) {
  const std::size_t n = samples.size();
  if (n < 2 * kMinBlockSamples) {
    throw std::invalid_argument("block bootstrap needs at least " +
                                std::to_string(2 * kMinBlockSamples) + " samples, got " +
                                std::to_string(n));
  }
  check_bootstrap_args(resamples, confidence);
  // scripts/wpstats.py's _block_resamples: size = max(MIN_BLOCK, n // BLOCKS), k = n // size.
  const std::size_t size = std::max(kMinBlockSamples, n / kBootstrapBlocks);
  const std::size_t k = n / size;
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> resample(k * size);
  std::vector<std::vector<double>> values(stats.size());
  for (auto& v : values) v.reserve(static_cast<std::size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    // Rewritten in full each time: a stat may have reordered it.
    for (std::size_t b = 0; b < k; ++b) {
      const auto from = samples.begin() + static_cast<std::ptrdiff_t>(uniform_index(rng, k) * size);
      std::copy(from, from + static_cast<std::ptrdiff_t>(size),
                resample.begin() + static_cast<std::ptrdiff_t>(b * size));
    }
    for (std::size_t i = 0; i < stats.size(); ++i) values[i].push_back(checked(stats[i](resample)));
  }
  std::vector<Interval> out;
  out.reserve(stats.size());
  for (auto& v : values) out.push_back(percentile_interval(std::move(v), confidence));
  return out;
}

std::size_t bootstrap_min_samples(double p) {
  // Checked after rounding too: a p within half a ppm of 100 has no tail left to count.
  const auto beyond = p >= 0.0 && p < 100.0 ? 1000000 - std::llround(p * 10000.0) : 0;
  if (beyond <= 0) throw std::invalid_argument("percentile outside [0, 100)");
  // ceil(10 / (beyond / 1e6)): ten samples expected beyond p.
  const auto tail = static_cast<std::size_t>((10LL * 1000000 + beyond - 1) / beyond);
  return std::max(2 * kMinBlockSamples, tail);
}

SampleStat percentile_stat(double p) {
  if (!(p >= 0.0 && p <= 100.0)) throw std::invalid_argument("percentile outside [0, 100]");
  // The rank of percentile_sorted (stats.cpp): p in parts per million, ceil(ppm * n / 1e6) in
  // integers, so p99.9 lands on the same rank as in the result file.
  const auto ppm = static_cast<unsigned __int128>(std::llround(p * 10000.0));
  return [ppm](std::vector<std::int64_t>& v) -> double {
    if (v.empty()) throw std::invalid_argument("percentile of no samples");
    const auto n = static_cast<unsigned __int128>(v.size());
    auto rank = static_cast<std::size_t>((ppm * n + 999999) / 1000000);
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    const auto nth = v.begin() + static_cast<std::ptrdiff_t>(rank - 1);
    std::nth_element(v.begin(), nth, v.end());
    return static_cast<double>(*nth);
  };
}

SampleStat mean_stat() {
  return [](std::vector<std::int64_t>& v) -> double {
    if (v.empty()) throw std::invalid_argument("mean of no samples");
    long double sum = 0;
    for (const auto x : v) sum += static_cast<long double>(x);
    return static_cast<double>(sum / static_cast<long double>(v.size()));
  };
}

MeanStddev mean_and_stddev(const std::vector<double>& xs) {
  double mean = 0, m2 = 0;
  std::size_t k = 0;
  for (const double x : xs) {
    const double delta = x - mean;
    mean += delta / static_cast<double>(++k);
    m2 += delta * (x - mean);
  }
  return {mean, xs.size() < 2 ? 0.0 : std::sqrt(m2 / static_cast<double>(xs.size() - 1))};
}

double coefficient_of_variation(const std::vector<double>& xs) {
  check_finite(xs, "coefficient of variation");
  if (xs.size() < 2) return 0.0;
  const MeanStddev m = mean_and_stddev(xs);
  return m.mean == 0.0 ? 0.0 : m.stddev / std::abs(m.mean);
}

double median(std::vector<double> xs) {
  if (xs.empty()) throw std::invalid_argument("median of no values");
  check_finite(xs, "median");
  return median_of_finite(std::move(xs));
}

double mad(const std::vector<double>& xs) {
  const double m = median(xs);
  std::vector<double> dev(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) dev[i] = std::abs(xs[i] - m);
  return median_of_finite(std::move(dev));
}

std::vector<double> modified_z_scores(const std::vector<double>& xs) {
  if (xs.empty()) return {};
  check_finite(xs, "modified z-scores");
  const Spread s = robust_spread(xs);
  std::vector<double> z(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) z[i] = z_of(xs[i], s);
  return z;
}

double sample_outlier_fraction(const std::vector<std::int64_t>& samples) {
  if (samples.empty()) return 0.0;
  const std::vector<double> xs(samples.begin(), samples.end());
  const Spread s = robust_spread(xs);
  const auto slow =
      std::count_if(xs.begin(), xs.end(), [&](double x) { return z_of(x, s) > kOutlierZ; });
  return static_cast<double>(slow) / static_cast<double>(xs.size());
}

NoiseReport noise_report(const std::vector<double>& rep_p50_ns,
                         const std::vector<double>& rep_mean_ns, double sample_outliers) {
  if (rep_p50_ns.empty()) throw std::invalid_argument("noise report of no repetitions");
  if (rep_mean_ns.size() != rep_p50_ns.size()) {
    throw std::invalid_argument("noise report: " + std::to_string(rep_p50_ns.size()) +
                                " p50s but " + std::to_string(rep_mean_ns.size()) + " means");
  }
  check_finite(rep_p50_ns, "noise report");
  check_finite(rep_mean_ns, "noise report");
  if (!(sample_outliers >= 0.0 && sample_outliers <= 1.0)) {
    throw std::invalid_argument("noise report: sample outlier fraction outside [0, 1]");
  }

  NoiseReport report;
  const std::size_t reps = rep_p50_ns.size();
  report.cv = coefficient_of_variation(rep_p50_ns);
  report.sample_outlier_fraction = sample_outliers;

  const Spread p50 = robust_spread(rep_p50_ns);
  for (std::size_t i = 0; i < reps; ++i) {
    if (std::abs(z_of(rep_p50_ns[i], p50)) > kOutlierZ && far_from(rep_p50_ns[i], p50.median)) {
      report.outlier_repetitions.push_back(i);
    }
  }

  // Against the others, as hyperfine's "first run significantly slower": warm-up effects make
  // the first repetition slow, and including it in its own reference would soften the score.
  double others_median = 0;
  if (reps >= 3) {
    const std::vector<double> others(rep_p50_ns.begin() + 1, rep_p50_ns.end());
    const Spread o = robust_spread(others);
    others_median = o.median;
    const double first = rep_p50_ns[0];
    const bool largest = first >= *std::max_element(others.begin(), others.end());
    // Others all equal (sigma 0, e.g. p50s quantised by a histogram): any slowdown beyond the
    // relative floor stands out.
    const bool significant = o.sigma > 0 ? z_of(first, o) > kOutlierZ : first > o.median;
    report.slow_first = largest && significant && far_from(first, o.median);
  }

  const Spread mean = robust_spread(rep_mean_ns);
  for (std::size_t i = 0; i < reps; ++i) {
    const bool p50_outlier =
        std::find(report.outlier_repetitions.begin(), report.outlier_repetitions.end(), i) !=
        report.outlier_repetitions.end();
    if (!p50_outlier && z_of(rep_mean_ns[i], mean) > kOutlierZ &&
        far_from(rep_mean_ns[i], mean.median)) {
      report.mean_outlier_repetitions.push_back(i);
    }
  }

  using Kind = NoiseFinding::Kind;
  auto& f = report.findings;
  if (report.slow_first) f.push_back({Kind::slow_first, 0, reps, rep_p50_ns[0], others_median});
  for (const std::size_t i : report.outlier_repetitions) {
    if (i == 0 && report.slow_first) continue;
    f.push_back({Kind::outlier_repetition, i, reps, rep_p50_ns[i], p50.median});
  }
  for (const std::size_t i : report.mean_outlier_repetitions) {
    f.push_back({Kind::mean_outlier_repetition, i, reps, rep_mean_ns[i], mean.median});
  }
  if (report.cv > kCvWarning) f.push_back({Kind::high_cv, 0, reps, report.cv, 0});
  if (sample_outliers > kSampleOutlierWarning) {
    f.push_back({Kind::sample_outliers, 0, reps, sample_outliers, 0});
  }
  return report;
}

std::optional<LevelShift> level_shift(const std::vector<double>& xs, double min_ratio) {
  if (!(min_ratio > 1)) throw std::invalid_argument("level_shift: min_ratio must exceed 1");
  const std::size_t n = xs.size();
  if (n < 4) return std::nullopt;
  std::vector<double> lx;
  for (const double x : xs) {
    if (!(x > 0) || !std::isfinite(x)) return std::nullopt;
    lx.push_back(std::log(x));
  }
  std::optional<LevelShift> best;
  double best_gap = 0;
  for (std::size_t at = 2; at + 2 <= n; ++at) {
    const auto lo_hi = [&](std::size_t b, std::size_t e) {
      return std::make_pair(*std::min_element(lx.begin() + b, lx.begin() + e),
                            *std::max_element(lx.begin() + b, lx.begin() + e));
    };
    const auto [b_lo, b_hi] = lo_hi(0, at);
    const auto [a_lo, a_hi] = lo_hi(at, n);
    // The two sides must not overlap at all: a lasting step, not a wide scatter.
    const double gap = std::max(a_lo - b_hi, b_lo - a_hi);
    const double before = median(std::vector<double>(xs.begin(), xs.begin() + at));
    const double after = median(std::vector<double>(xs.begin() + at, xs.end()));
    const double ratio = std::max(before, after) / std::min(before, after);
    if (gap > 0 && ratio >= min_ratio && gap > best_gap) {
      best_gap = gap;
      best = LevelShift{at, before, after};
    }
  }
  return best;
}

double t_quantile_975(int df) {
  static constexpr double kTable[] = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df < 1) throw std::invalid_argument("t quantile: df must be at least 1");
  if (df <= 30) return kTable[df - 1];
  const double z = 1.959964, n = df;
  return z + (z * z * z + z) / (4 * n) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

Interval t_interval(const std::vector<double>& values, double center, bool log_scale) {
  if (values.size() < 2) throw std::invalid_argument("t interval: needs at least 2 values");
  std::vector<double> x = values;
  double c = center;
  if (log_scale) {
    if (c <= 0 || std::any_of(x.begin(), x.end(), [](double v) { return !(v > 0); })) {
      throw std::invalid_argument("t interval: a log scale needs positive values");
    }
    for (auto& v : x) v = std::log(v);
    c = std::log(c);
  }
  const double half = t_quantile_975(static_cast<int>(x.size()) - 1) * mean_and_stddev(x).stddev /
                      std::sqrt(static_cast<double>(x.size()));
  if (log_scale) return {std::exp(c - half), std::exp(c + half)};
  return {c - half, c + half};
}

}  // namespace wpbench
