// Statistics over repetitions, on synthetic data whose truth is known: interval coverage, the t
// quantiles, pairing, the block rule, robust scores and the noise findings (their wording:
// test_wording.cpp). Everything is seeded; nothing is timed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/pooling.hpp"
#include "stats/repstats.hpp"
#include "stats/stats.hpp"

namespace wpbench {
namespace {

double width(Interval i) { return i.hi - i.lo; }
bool covers(Interval i, double truth) { return i.lo <= truth && truth <= i.hi; }

// One trial of R repetitions of a write path: each repetition has its own drift factor
// d ~ lognormal(0, sigma) (the machine's speed during that repetition), and its samples are
// d * (base + Exp(tail)) ns.
struct DriftModel {
  double sigma = 0.1, base = 300000, tail = 50000;
  std::size_t per_rep = 50;

  std::vector<std::vector<std::int64_t>> draw(std::size_t reps, std::mt19937_64& rng) const {
    std::normal_distribution<double> z(0.0, 1.0);
    std::exponential_distribution<double> e(1.0 / tail);
    std::vector<std::vector<std::int64_t>> out(reps);
    for (auto& rep : out) {
      const double d = std::exp(sigma * z(rng));
      for (std::size_t i = 0; i < per_rep; ++i) {
        rep.push_back(static_cast<std::int64_t>(std::llround(d * (base + e(rng)))));
      }
    }
    return out;
  }

  double true_mean() const { return std::exp(sigma * sigma / 2) * (base + tail); }

  // The median of the mixture over drift: solves E_d[P(d (base + E) <= t)] = 1/2 by bisection,
  // the expectation over d = exp(sigma Z) by the trapezoid rule on Z in [-8, 8].
  double true_median() const {
    const auto cdf = [&](double t) {
      const int steps = 4000;
      const double lo = -8, h = 16.0 / steps;
      double sum = 0;
      for (int i = 0; i <= steps; ++i) {
        const double zz = lo + h * i;
        const double d = std::exp(sigma * zz);
        const double x = t / d - base;
        const double p = x > 0 ? 1 - std::exp(-x / tail) : 0.0;
        const double w = (i == 0 || i == steps) ? 0.5 : 1.0;
        sum += w * p * std::exp(-zz * zz / 2) / std::sqrt(2 * M_PI);
      }
      return sum * h;
    };
    double lo = base * 0.5, hi = base * 3;
    for (int i = 0; i < 100; ++i) {
      const double mid = (lo + hi) / 2;
      (cdf(mid) < 0.5 ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
  }
};

TEST(RepStats, TIntervalOverRepetitionsCoversTheTruthAtSmallR) {
  // 400 trials of R = 5 repetitions, each with its own drift. A percentile bootstrap over so few
  // units under-covers (it only ever draws the 5 observed drifts: about 85-90 % here); the t
  // interval on the repetitions' p50 and mean keeps close to its nominal 95 %. Too few means the
  // spread is underestimated, 400/400 that the intervals are needlessly wide.
  const DriftModel model;
  const double truth_p50 = model.true_median(), truth_mean = model.true_mean();
  std::mt19937_64 rng(20261124);
  int covered_p50 = 0, covered_mean = 0;
  const int trials = 400;
  const auto median_of = percentile_stat(50);
  for (int t = 0; t < trials; ++t) {
    const auto reps = model.draw(5, rng);
    std::vector<double> p50s, means;
    std::vector<std::int64_t> all;
    for (auto rep : reps) {
      all.insert(all.end(), rep.begin(), rep.end());
      means.push_back(std::accumulate(rep.begin(), rep.end(), 0.0) /
                      static_cast<double>(rep.size()));
      p50s.push_back(median_of(rep));
    }
    const double pooled_p50 = median_of(all);
    const double pooled_mean = std::accumulate(all.begin(), all.end(), 0.0) / all.size();
    covered_p50 += covers(t_interval(p50s, pooled_p50), truth_p50);
    covered_mean += covers(t_interval(means, pooled_mean), truth_mean);
  }
  EXPECT_GE(covered_p50, 368);  // 92 %
  EXPECT_LT(covered_p50, trials);
  EXPECT_GE(covered_mean, 368);
  EXPECT_LT(covered_mean, trials);
}

TEST(RepStats, TQuantileMatchesTheTable) {
  EXPECT_NEAR(t_quantile_975(1), 12.706, 0.001);
  EXPECT_NEAR(t_quantile_975(4), 2.776, 0.001);
  EXPECT_NEAR(t_quantile_975(30), 2.042, 0.001);
  EXPECT_NEAR(t_quantile_975(40), 2.021, 0.001);   // expansion, against the published 2.0211
  EXPECT_NEAR(t_quantile_975(120), 1.980, 0.001);  // 1.9799
  EXPECT_THROW(t_quantile_975(0), std::invalid_argument);
}

TEST(RepStats, TIntervalArithmeticAndBadInput) {
  // values 1..5: mean 3, sd 1.5811, se 0.7071, t(4) 2.7764: half-width 1.9632 around the center.
  const Interval i = t_interval({1, 2, 3, 4, 5}, 3.0);
  EXPECT_NEAR(i.lo, 3.0 - 1.9632, 1e-3);
  EXPECT_NEAR(i.hi, 3.0 + 1.9632, 1e-3);
  const Interval shifted = t_interval({1, 2, 3, 4, 5}, 10.0);  // centred on the pooled value
  EXPECT_NEAR(shifted.hi - shifted.lo, 2 * 1.9632, 1e-3);
  const Interval log = t_interval({1.9, 2.0, 2.1}, 2.0, true);
  EXPECT_LT(log.lo, 2.0);
  EXPECT_GT(log.hi, 2.0);
  EXPECT_NEAR(log.lo * log.hi, 4.0, 1e-9);  // symmetric on the log scale
  EXPECT_THROW(t_interval({1.0}, 1.0), std::invalid_argument);
  EXPECT_THROW(t_interval({1.0, -1.0}, 1.0, true), std::invalid_argument);
}

TEST(RepStats, PairingByRepetitionCancelsSharedDrift) {
  // Two cases measured in the same 10 interleaved repetitions: A is twice B, both scaled by the
  // repetition's drift (sd 10 %), each with 0.5 % noise of its own. The repetitions' own ratios
  // barely move, so their interval is narrow; the two cases' own intervals are wide.
  std::mt19937_64 rng(42);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> a, b, ratio;
  for (int r = 0; r < 10; ++r) {
    const double drift = std::exp(0.1 * z(rng));
    a.push_back(2.0 * drift * (1 + 0.005 * z(rng)));
    b.push_back(1.0 * drift * (1 + 0.005 * z(rng)));
    ratio.push_back(a.back() / b.back());
  }
  const Interval paired = t_interval(ratio, 2.0, true);
  EXPECT_TRUE(covers(paired, 2.0));
  EXPECT_LT(width(paired), 0.04);
  EXPECT_GT(width(t_interval(a, 2.0)), 10 * width(paired));
}

TEST(RepStats, BlockBootstrapUsesTheBlockRuleOfWpstats) {
  // samples[i] = i, so a resample shows which blocks it was made of.
  struct Case {
    std::size_t n, size, blocks;
  };
  for (const Case c : {Case{100, 50, 2}, Case{120, 50, 2}, Case{2600, 52, 50}, Case{10049, 200, 50},
                       Case{10050, 201, 50}}) {
    std::vector<std::int64_t> samples(c.n);
    std::iota(samples.begin(), samples.end(), 0);
    std::vector<std::int64_t> seen_starts;
    const auto stat = [&](std::vector<std::int64_t>& v) -> double {
      EXPECT_EQ(v.size(), c.size * c.blocks) << "n=" << c.n;
      for (std::size_t b = 0; b < c.blocks; ++b) {
        const std::int64_t start = v[b * c.size];
        EXPECT_EQ(start % static_cast<std::int64_t>(c.size), 0) << "n=" << c.n;
        bool consecutive = true;
        for (std::size_t i = 1; i < c.size; ++i) {
          consecutive &= v[b * c.size + i] == start + static_cast<std::int64_t>(i);
        }
        EXPECT_TRUE(consecutive) << "n=" << c.n << " block at " << start;
        seen_starts.push_back(start);
      }
      std::reverse(v.begin(), v.end());  // a stat may reorder its resample
      return 0.0;
    };
    block_bootstrap(samples, stat, 1, 50);
    // Every block, and only whole blocks before the trailing remainder, get drawn.
    std::sort(seen_starts.begin(), seen_starts.end());
    seen_starts.erase(std::unique(seen_starts.begin(), seen_starts.end()), seen_starts.end());
    EXPECT_EQ(seen_starts.size(), c.blocks) << "n=" << c.n;
    EXPECT_EQ(seen_starts.back(), static_cast<std::int64_t>((c.blocks - 1) * c.size));
  }
  std::vector<std::int64_t> too_few(99, 1);
  EXPECT_THROW(block_bootstrap(too_few, mean_stat(), 1), std::invalid_argument);
}

// AR(1) latencies around 300 us: x_t = phi x_{t-1} + noise, so neighbours are correlated as a
// noisy neighbour or a checkpoint makes them.
std::vector<std::int64_t> ar1(std::size_t n, double phi, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0.0, 20000.0);
  std::vector<std::int64_t> out;
  double x = noise(rng) / std::sqrt(1 - phi * phi);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(300000 + static_cast<std::int64_t>(std::llround(x)));
    x = phi * x + noise(rng);
  }
  return out;
}

// The interval that treats samples as independent, for comparison.
Interval iid_bootstrap_mean(const std::vector<std::int64_t>& s, std::uint64_t seed, int resamples) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, s.size() - 1);
  std::vector<double> means;
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < s.size(); ++i) sum += static_cast<double>(s[pick(rng)]);
    means.push_back(sum / static_cast<double>(s.size()));
  }
  std::sort(means.begin(), means.end());
  return {means[static_cast<std::size_t>(0.025 * resamples)],
          means[static_cast<std::size_t>(0.975 * resamples) - 1]};
}

TEST(RepStats, BlockBootstrapKeepsCorrelationThatIidResamplingLoses) {
  // phi = 0.9 inflates the variance of the mean 19-fold ((1 + phi) / (1 - phi)). Over 100 series
  // of 2500 samples the block interval of the mean covers the true 300000 in 92 of 100 and is
  // 3.8 times as wide as the iid interval, which covers 39 of 100.
  std::mt19937_64 rng(5);
  int block_covered = 0, iid_covered = 0;
  double block_width = 0, iid_width = 0;
  for (int t = 0; t < 100; ++t) {
    const auto s = ar1(2500, 0.9, rng);
    const Interval block = block_bootstrap(s, mean_stat(), 100 + t, 300);
    const Interval iid = iid_bootstrap_mean(s, 100 + t, 300);
    block_covered += covers(block, 300000);
    iid_covered += covers(iid, 300000);
    block_width += width(block);
    iid_width += width(iid);
  }
  EXPECT_GE(block_covered, 80);
  EXPECT_LE(iid_covered, 60);
  EXPECT_GT(block_width, 3 * iid_width);
}

TEST(RepStats, BlockBootstrapOfAPercentile) {
  std::mt19937_64 rng(9);
  const auto s = ar1(10000, 0.5, rng);
  auto sorted = s;
  std::sort(sorted.begin(), sorted.end());
  const auto p99 = static_cast<double>(percentile_sorted(sorted, 99));
  const Interval ci = block_bootstrap(s, percentile_stat(99), 11);
  EXPECT_TRUE(covers(ci, p99));
  EXPECT_LT(ci.lo, ci.hi);
  // Resampled values are samples, so the percentile's bounds are among them.
  EXPECT_GE(ci.lo, static_cast<double>(sorted.front()));
  EXPECT_LE(ci.hi, static_cast<double>(sorted.back()));
  const Interval again = block_bootstrap(s, percentile_stat(99), 11);
  EXPECT_EQ(again.lo, ci.lo);
  EXPECT_EQ(again.hi, ci.hi);
}

TEST(RepStats, BlockBootstrapOfSeveralStatsIsEachOnItsOwn) {
  std::mt19937_64 rng(12);
  const auto s = ar1(3000, 0.5, rng);
  const std::vector<SampleStat> stats{percentile_stat(50), mean_stat(), percentile_stat(99),
                                      percentile_stat(99.9)};
  const auto together = block_bootstrap(s, stats, 13);
  ASSERT_EQ(together.size(), stats.size());
  for (std::size_t i = 0; i < stats.size(); ++i) {
    // Exactly: the same draws, and an earlier stat's reordering leaves the values the same.
    const Interval alone = block_bootstrap(s, stats[i], 13);
    EXPECT_EQ(together[i].lo, alone.lo) << i;
    EXPECT_EQ(together[i].hi, alone.hi) << i;
  }
  EXPECT_LT(together[0].hi, together[2].lo);  // p50 below p99: each stat its own values
  EXPECT_TRUE(block_bootstrap(s, std::vector<SampleStat>{}, 13).empty());
  EXPECT_THROW(block_bootstrap(std::vector<std::int64_t>(99, 1), stats, 13), std::invalid_argument);
}

TEST(RepStats, BootstrapMinSamplesIsTwoBlocksAndTenBeyondThePercentile) {
  EXPECT_EQ(bootstrap_min_samples(0), 100u);  // two blocks of 50
  EXPECT_EQ(bootstrap_min_samples(50), 100u);
  EXPECT_EQ(bootstrap_min_samples(90), 100u);
  EXPECT_EQ(bootstrap_min_samples(95), 200u);
  EXPECT_EQ(bootstrap_min_samples(99), 1000u);
  EXPECT_EQ(bootstrap_min_samples(99.9), 10000u);  // not 10001: in integers
  EXPECT_EQ(bootstrap_min_samples(99.99), 100000u);
  EXPECT_EQ(bootstrap_min_samples(97), 334u);  // ceil(333.3)
  EXPECT_THROW(bootstrap_min_samples(100), std::invalid_argument);
  EXPECT_THROW(bootstrap_min_samples(99.99999), std::invalid_argument);  // rounds to 100
  EXPECT_THROW(bootstrap_min_samples(-1), std::invalid_argument);
  EXPECT_THROW(bootstrap_min_samples(std::nan("")), std::invalid_argument);
}

TEST(RepStats, PercentileStatIsPercentileSorted) {
  std::mt19937_64 rng(3);
  for (const std::size_t n : {1u, 2u, 3u, 7u, 100u, 999u, 1000u, 1001u}) {
    std::vector<std::int64_t> v(n);
    std::iota(v.begin(), v.end(), 1);
    std::shuffle(v.begin(), v.end(), rng);
    auto sorted = v;
    std::sort(sorted.begin(), sorted.end());
    for (const double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      auto copy = v;
      EXPECT_EQ(percentile_stat(p)(copy), static_cast<double>(percentile_sorted(sorted, p)))
          << "n=" << n << " p=" << p;
    }
  }
  std::vector<std::int64_t> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(mean_stat()(v), 2.5);
  std::vector<std::int64_t> empty;
  EXPECT_THROW(percentile_stat(50)(empty), std::invalid_argument);
  EXPECT_THROW(mean_stat()(empty), std::invalid_argument);
  EXPECT_THROW(percentile_stat(100.5), std::invalid_argument);
  EXPECT_THROW(percentile_stat(-1), std::invalid_argument);
}

TEST(RepStats, CoefficientOfVariation) {
  EXPECT_DOUBLE_EQ(coefficient_of_variation({1, 2, 3}), 0.5);  // sd 1 (n - 1), mean 2
  EXPECT_EQ(coefficient_of_variation({}), 0.0);
  EXPECT_EQ(coefficient_of_variation({5}), 0.0);
  EXPECT_EQ(coefficient_of_variation({4, 4, 4}), 0.0);
  EXPECT_EQ(coefficient_of_variation({-1, 1}), 0.0);  // zero mean: defined as 0, not inf/NaN
  EXPECT_NEAR(coefficient_of_variation({-1, -2, -3}), 0.5, 1e-15);
  EXPECT_THROW(coefficient_of_variation({1, std::nan("")}), std::invalid_argument);
}

TEST(RepStats, MedianAndMad) {
  EXPECT_EQ(median({3, 1, 2}), 2.0);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({7}), 7.0);
  EXPECT_THROW(median({}), std::invalid_argument);
  EXPECT_THROW(median({1, INFINITY}), std::invalid_argument);
  EXPECT_EQ(mad({1, 2, 3, 4}), 1.0);       // deviations 1.5 .5 .5 1.5
  EXPECT_EQ(mad({1, 2, 3, 4, 100}), 1.0);  // one outlier does not move it
  EXPECT_EQ(mad({5, 5, 5}), 0.0);
}

TEST(RepStats, ModifiedZScores) {
  // Median 3, MAD 1: z = 0.6745 (x - 3).
  const auto z = modified_z_scores({1, 2, 3, 4, 100});
  ASSERT_EQ(z.size(), 5u);
  EXPECT_NEAR(z[0], -1.349, 1e-12);
  EXPECT_NEAR(z[2], 0.0, 1e-12);
  EXPECT_NEAR(z[4], 65.4265, 1e-9);
  EXPECT_GT(z[4], kOutlierZ);

  for (const double v : modified_z_scores({5, 5, 5, 5})) EXPECT_EQ(v, 0.0);
  EXPECT_TRUE(modified_z_scores({}).empty());

  // MAD 0 (six of seven equal): spread 1.253314 * MeanAD, MeanAD = 2 / 7.
  const auto f = modified_z_scores({5, 5, 5, 5, 5, 5, 7});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[static_cast<std::size_t>(i)], 0.0);
  EXPECT_NEAR(f[6], 7 / 1.253314, 1e-9);
  EXPECT_TRUE(std::isfinite(f[6]));
  // One value apart from n - 1 equal ones scores n / 1.253314: below 3.5 for n = 4, above at 5.
  EXPECT_LT(modified_z_scores({5, 5, 5, 9})[3], kOutlierZ);
  EXPECT_GT(modified_z_scores({5, 5, 5, 5, 9})[4], kOutlierZ);
  EXPECT_THROW(modified_z_scores({1, std::nan("")}), std::invalid_argument);
}

TEST(RepStats, SampleOutlierFractionCountsTheSlowSideOnly) {
  std::vector<std::int64_t> s;
  for (int i = 0; i < 95; ++i) s.push_back(300000 + i * 100);
  auto slow = s, fast = s;
  for (int i = 0; i < 5; ++i) slow.push_back(5000000);
  for (int i = 0; i < 5; ++i) fast.push_back(1000);
  EXPECT_DOUBLE_EQ(sample_outlier_fraction(slow), 0.05);
  EXPECT_EQ(sample_outlier_fraction(fast), 0.0);
  EXPECT_EQ(sample_outlier_fraction(s), 0.0);
  EXPECT_EQ(sample_outlier_fraction({}), 0.0);
  EXPECT_EQ(sample_outlier_fraction({7, 7, 7}), 0.0);
}

using Kind = NoiseFinding::Kind;

void expect_finding(const NoiseFinding& f, Kind kind, std::size_t repetition,
                    std::size_t repetitions, double value, double reference) {
  EXPECT_EQ(f.kind, kind);
  EXPECT_EQ(f.repetition, repetition);
  EXPECT_EQ(f.repetitions, repetitions);
  EXPECT_NEAR(f.value, value, 1e-4 * std::abs(value));
  EXPECT_EQ(f.reference, reference);
}

TEST(RepStats, QuietRepetitionsGiveNoWarnings) {
  const auto r = noise_report({300000, 301000, 299000, 300500, 300200},
                              {350000, 351000, 349000, 350500, 350200}, 0.01);
  EXPECT_TRUE(r.outlier_repetitions.empty());
  EXPECT_TRUE(r.mean_outlier_repetitions.empty());
  EXPECT_FALSE(r.slow_first);
  EXPECT_LT(r.cv, 0.01);
  EXPECT_EQ(r.sample_outlier_fraction, 0.01);
  EXPECT_TRUE(r.findings.empty());
}

TEST(RepStats, OutlierRepetitionIsNamed) {
  const auto r = noise_report({301000, 300000, 512000, 299000, 302000},
                              {350000, 350000, 560000, 350000, 350000}, 0.0);
  EXPECT_EQ(r.outlier_repetitions, std::vector<std::size_t>{2});
  EXPECT_TRUE(r.mean_outlier_repetitions.empty());  // already reported by its p50
  EXPECT_FALSE(r.slow_first);
  EXPECT_NEAR(r.cv, 0.27594, 1e-4);
  ASSERT_EQ(r.findings.size(), 2u);
  expect_finding(r.findings[0], Kind::outlier_repetition, 2, 5, 512000, 301000);
  expect_finding(r.findings[1], Kind::high_cv, 0, 5, r.cv, 0);

  const auto fast = noise_report({301000, 300000, 200000, 299000, 302000},
                                 {350000, 350000, 250000, 350000, 350000}, 0.0);
  EXPECT_EQ(fast.outlier_repetitions, std::vector<std::size_t>{2});
  ASSERT_FALSE(fast.findings.empty());
  expect_finding(fast.findings[0], Kind::outlier_repetition, 2, 5, 200000, 300000);
}

TEST(RepStats, TinyDeviationsAreNotOutliers) {
  // z of the last is 0.6745 * 980 / 10 = 66, but it is 0.3 % off: repetitions agreeing that well
  // are a quiet machine, not a busy one.
  const std::vector<double> p50{300000, 300010, 300020, 300030, 301000};
  EXPECT_GT(modified_z_scores(p50)[4], kOutlierZ);
  const auto r = noise_report(p50, p50, 0.0);
  EXPECT_TRUE(r.outlier_repetitions.empty());
  EXPECT_TRUE(r.findings.empty());
}

TEST(RepStats, SlowFirstRepetition) {
  const auto r = noise_report({450000, 300000, 301000, 299000, 302000, 298000},
                              {500000, 350000, 351000, 349000, 352000, 348000}, 0.0);
  EXPECT_TRUE(r.slow_first);
  EXPECT_EQ(r.outlier_repetitions, std::vector<std::size_t>{0});
  ASSERT_EQ(r.findings.size(), 2u);  // slow first (not again as an outlier), then CV
  expect_finding(r.findings[0], Kind::slow_first, 0, 6, 450000, 300000);
  expect_finding(r.findings[1], Kind::high_cv, 0, 6, r.cv, 0);
  EXPECT_GT(r.cv, 0.18);
  EXPECT_LT(r.cv, 0.19);

  // Largest but within the others' spread.
  EXPECT_FALSE(
      noise_report({303000, 300000, 301000, 299000, 302000}, {1, 1, 1, 1, 1}, 0.0).slow_first);
  // An outlier, but fast: not a warm-up effect.
  EXPECT_FALSE(
      noise_report({200000, 300000, 301000, 299000, 302000}, {1, 1, 1, 1, 1}, 0.0).slow_first);
  // Slow last, not first.
  EXPECT_FALSE(
      noise_report({300000, 301000, 299000, 302000, 450000}, {1, 1, 1, 1, 1}, 0.0).slow_first);
  // Two repetitions cannot tell.
  EXPECT_FALSE(noise_report({900000, 300000}, {1, 1}, 0.0).slow_first);
  // Others all equal (a histogram's quantised p50s): a slowdown beyond 1 % is enough, though the
  // full-set score (3 / 1.253314 = 2.4) cannot make it an outlier with three repetitions.
  const auto three = noise_report({400000, 300000, 300000}, {1, 1, 1}, 0.0);
  EXPECT_TRUE(three.slow_first);
  EXPECT_TRUE(three.outlier_repetitions.empty());
  EXPECT_FALSE(noise_report({302000, 300000, 300000}, {1, 1, 1}, 0.0).slow_first);
}

TEST(RepStats, MeanOutlierWithOrdinaryP50) {
  const auto r = noise_report({300000, 301000, 299000, 300500, 300200},
                              {350000, 352000, 900000, 349000, 351000}, 0.0);
  EXPECT_TRUE(r.outlier_repetitions.empty());
  EXPECT_EQ(r.mean_outlier_repetitions, std::vector<std::size_t>{2});
  ASSERT_EQ(r.findings.size(), 1u);
  expect_finding(r.findings[0], Kind::mean_outlier_repetition, 2, 5, 900000, 351000);
}

TEST(RepStats, SampleOutlierWarning) {
  const std::vector<double> p50{300000, 300000, 300000};
  EXPECT_TRUE(noise_report(p50, p50, 0.05).findings.empty());  // at the threshold: a usual tail
  const auto r = noise_report(p50, p50, 0.071);
  ASSERT_EQ(r.findings.size(), 1u);
  expect_finding(r.findings[0], Kind::sample_outliers, 0, 3, 0.071, 0);
  // One repetition (R = 1): no repetition statistics, the sample warning still applies.
  const auto one = noise_report({300000}, {350000}, 0.2);
  EXPECT_EQ(one.cv, 0.0);
  EXPECT_FALSE(one.slow_first);
  ASSERT_EQ(one.findings.size(), 1u);
  EXPECT_EQ(one.findings[0].kind, Kind::sample_outliers);
}

TEST(RepStats, NoiseReportRejectsBadInput) {
  EXPECT_THROW(noise_report({}, {}, 0.0), std::invalid_argument);
  EXPECT_THROW(noise_report({1, 2}, {1}, 0.0), std::invalid_argument);
  EXPECT_THROW(noise_report({1, std::nan("")}, {1, 2}, 0.0), std::invalid_argument);
  EXPECT_THROW(noise_report({1, 2}, {1, 2}, 1.5), std::invalid_argument);
  EXPECT_THROW(noise_report({1, 2}, {1, 2}, std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace wpbench

namespace wpbench {
namespace {

// One case of `samples` (one vector per repetition) pooled as a run pools it (pool_case):
// keeping every raw sample, or only each repetition's histogram.
CaseReport pooled_case(const std::string& name,
                       const std::vector<std::vector<std::int64_t>>& samples, bool raw) {
  CaseReport c;
  c.name = name;
  c.transport = "unix";
  c.repetitions_requested = static_cast<int>(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    CaseResult r;
    r.repetition = static_cast<int>(i);
    for (const auto v : samples[i]) r.histogram.record(v);
    r.raw_kept = raw;
    if (raw) r.samples_ns = samples[i];
    r.samples = samples[i].size();
    r.latency = raw ? summarize(samples[i]) : summarize(r.histogram);
    r.elapsed_ns = static_cast<std::int64_t>(r.latency.mean_ns * static_cast<double>(r.samples));
    Verification ok;
    ok.ok = true;
    r.verification = ok;
    c.repetitions.push_back(std::move(r));
  }
  pool_case(c, 1);
  return c;
}

nlohmann::ordered_json pooled_json(const CaseReport& c) {
  const auto& p = c.pooled;
  const auto& l = p.latency;
  return {{"latency_ns",
           {{"min", l.min_ns},
            {"p50", l.p50_ns},
            {"p90", l.p90_ns},
            {"p99", l.p99_ns},
            {"p999", l.p999_ns},
            {"max", l.max_ns},
            {"mean", l.mean_ns},
            {"stddev", l.stddev_ns}}},
          {"p50_interval", {p.p50_ci->lo, p.p50_ci->hi}},
          {"mean_interval", {p.mean_ci->lo, p.mean_ci->hi}},
          {"p99_interval", {p.p99_ci->lo, p.p99_ci->hi}},
          {"cv_p50", *p.cv_p50}};
}

// What the scripts redo when they pool repetitions from several files: the pooled summary, the
// intervals over repetitions, CV, and the paired ratio and difference of two cases, with every
// raw sample kept and with histograms only (pooled then from the merged histograms).
nlohmann::ordered_json pooling_fixture(std::mt19937_64& rng) {
  const auto case_samples = [&](std::int64_t base) {
    std::vector<std::vector<std::int64_t>> reps(4);
    for (auto& r : reps) {
      const auto drift = static_cast<std::int64_t>(rng() % (base / 10));  // a slower minute
      for (int k = 0; k < 300; ++k) {
        auto v = base + drift + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(base));
        if (k % 40 == 0) v *= 3;  // a tail
        r.push_back(v);
      }
    }
    return reps;
  };
  const auto num = case_samples(400'000), den = case_samples(200'000);
  nlohmann::ordered_json j;
  j["repetitions"] = num;
  j["den_repetitions"] = den;
  const CaseReport a = pooled_case("a/b/unix", num, true), b = pooled_case("c/d/unix", den, true);
  j["raw"] = pooled_json(a);
  const auto ratios = case_ratios({a, b});
  const RatioResult& r = ratios.at(0);  // a over b, the fastest
  j["raw"]["ratio"] = r.ratio;
  j["raw"]["ratio_interval"] = {r.ci->lo, r.ci->hi};
  j["raw"]["difference_ns"] = r.diff_ns;
  j["raw"]["difference_interval"] = {r.diff_ci->lo, r.diff_ci->hi};
  const RatioResult& r99 = ratios.at(1);  // the same pair's p99
  if (r99.stat != "p99") throw std::logic_error("case_ratios: the second ratio is not p99");
  j["raw"]["p99_ratio"] = r99.ratio;
  j["raw"]["p99_ratio_interval"] = {r99.ci->lo, r99.ci->hi};
  j["raw"]["p99_difference_ns"] = r99.diff_ns;
  j["raw"]["p99_difference_interval"] = {r99.diff_ci->lo, r99.diff_ci->hi};
  j["histogram_only"] = pooled_json(pooled_case("a/b/unix", num, false));
  return j;
}

// The fixture scripts/wpstats.py is held to (tests/scripts/data/stats-cpp.json): every statistic
// both the harness and the scripts compute, on inputs built from integer arithmetic on
// std::mt19937_64 (fixed by the standard bit for bit), with the harness's answers. Pooling across
// files happens only in Python, single runs only in C++; where both compute, this pins them.
nlohmann::ordered_json stats_fixture() {
  std::mt19937_64 rng(20261130);
  std::vector<std::int64_t> samples;
  for (int k = 0; k < 1001; ++k)
    samples.push_back(static_cast<std::int64_t>(20'000 + rng() % 900'000));
  std::vector<std::int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  nlohmann::ordered_json j;
  j["comment"] =
      "Written by tests/test_repstats.cpp (StatsParity.PythonFixtureIsCurrent, "
      "WPBENCH_WRITE_FIXTURES=1); checked by tests/scripts/test_stats_parity.py";
  j["samples"] = samples;
  auto percentiles = nlohmann::ordered_json::array();
  for (const double p : {0.0, 0.1, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    percentiles.push_back({p, percentile_sorted(sorted, p)});
  }
  j["percentiles"] = percentiles;
  auto quantiles = nlohmann::ordered_json::array();
  for (int df = 1; df <= 40; ++df) quantiles.push_back({df, t_quantile_975(df)});
  j["t_quantile_975"] = quantiles;
  // Per-repetition values (exact binary fractions), 2 to 12 of them: intervals and CV.
  const auto values = [&](std::size_t n) {
    std::vector<double> v;
    for (std::size_t i = 0; i < n; ++i)
      v.push_back(200'000 + static_cast<double>(rng() % 65'536) / 4);
    return v;
  };
  auto sets = nlohmann::ordered_json::array();
  for (const std::size_t n : {2, 3, 5, 10, 12}) {
    const auto v = values(n), den = values(n);
    std::vector<double> ratios;
    for (std::size_t i = 0; i < n; ++i) ratios.push_back(v[i] / den[i]);
    const double center = median(v), ratio = median(v) / median(den);
    const Interval lin = t_interval(v, center), log = t_interval(v, center, true);
    const Interval paired = t_interval(ratios, ratio, true);
    sets.push_back({{"values", v},
                    {"center", center},
                    {"t_interval", {lin.lo, lin.hi}},
                    {"t_interval_log", {log.lo, log.hi}},
                    {"cv", coefficient_of_variation(v)},
                    {"den_values", den},
                    {"ratio", ratio},
                    {"paired_ratio_interval", {paired.lo, paired.hi}}});
  }
  j["repetitions"] = sets;
  j["pooling"] = pooling_fixture(rng);
  // How many samples one repetition needs for a tail percentile's bootstrap interval.
  auto minimums = nlohmann::ordered_json::array();
  for (const double p : {50.0, 90.0, 95.0, 97.0, 99.0, 99.9, 99.99}) {
    minimums.push_back({p, bootstrap_min_samples(p)});
  }
  j["bootstrap_min_samples"] = minimums;
  return j;
}

TEST(StatsParity, PythonFixtureIsCurrent) {
  const std::string path = std::string(WPBENCH_SOURCE_DIR) + "/tests/scripts/data/stats-cpp.json";
  const nlohmann::ordered_json expected = stats_fixture();
  if (std::getenv("WPBENCH_WRITE_FIXTURES") != nullptr) {
    std::ofstream(path) << expected.dump(1) << "\n";
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << "; write it with WPBENCH_WRITE_FIXTURES=1";
  const auto stored = nlohmann::ordered_json::parse(in);
  // Integers exactly; the computed doubles may differ in the last bits on another libm.
  EXPECT_EQ(stored["samples"], expected["samples"]);
  EXPECT_EQ(stored["percentiles"], expected["percentiles"]);
  EXPECT_EQ(stored["bootstrap_min_samples"], expected["bootstrap_min_samples"])
      << "write the fixture anew (WPBENCH_WRITE_FIXTURES=1)";
  const auto close = [](const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number())
      return std::abs(a.get<double>() - b.get<double>()) <= 1e-9 * std::abs(b.get<double>());
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::abs(a[i].get<double>() - b[i].get<double>()) > 1e-9 * std::abs(b[i].get<double>()))
        return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < expected["t_quantile_975"].size(); ++i) {
    EXPECT_TRUE(close(stored["t_quantile_975"][i], expected["t_quantile_975"][i])) << i;
  }
  ASSERT_TRUE(stored.contains("pooling")) << "write the fixture anew (WPBENCH_WRITE_FIXTURES=1)";
  EXPECT_EQ(stored["pooling"]["repetitions"], expected["pooling"]["repetitions"]);
  EXPECT_EQ(stored["pooling"]["den_repetitions"], expected["pooling"]["den_repetitions"]);
  for (const char* kind : {"raw", "histogram_only"}) {
    const auto& want = expected["pooling"][kind];
    const auto& got = stored["pooling"][kind];
    for (const auto& [key, value] : want.items()) {
      const auto where = std::string("pooling.") + kind + "." + key;
      ASSERT_TRUE(got.contains(key))
          << where << ": write the fixture anew (WPBENCH_WRITE_FIXTURES=1)";
      if (key != "latency_ns") {
        EXPECT_TRUE(close(got[key], value)) << where << ": write the fixture anew";
        continue;
      }
      // Percentiles, min and max exactly; mean and stddev to the last bits.
      for (const auto& [k, v] : value.items()) {
        EXPECT_TRUE(v.is_number_integer() ? got[key][k] == v : close(got[key][k], v))
            << where << "." << k << ": write the fixture anew";
      }
    }
  }
  ASSERT_EQ(stored["repetitions"].size(), expected["repetitions"].size());
  for (std::size_t i = 0; i < expected["repetitions"].size(); ++i) {
    for (const auto& [key, value] : expected["repetitions"][i].items()) {
      EXPECT_TRUE(close(stored["repetitions"][i][key], value))
          << "repetitions[" << i << "]." << key
          << ": write the fixture anew (WPBENCH_WRITE_FIXTURES=1)";
    }
  }
}

}  // namespace
}  // namespace wpbench
