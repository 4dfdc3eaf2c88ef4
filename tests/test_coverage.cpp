// Do the intervals mean what they say? Simulated runs with a known truth, on a machine that
// drifts, stalls and changes regime halfway, measured the way wpbench measures (interleaved
// rounds, a fresh session per repetition with its own lasting offset), pooled by the same
// functions as a real run; the ratio intervals must cover the truth at close to 95 %.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analysis/pooling.hpp"
#include "stats/repstats.hpp"
#include "stats/stats.hpp"

namespace wpbench {
namespace {

struct Machine {
  double drift_amplitude = 0.15;  ///< slow sine of the whole machine's speed (log scale)
  double walk = 0.002;            ///< random walk of the same, per round
  double regime_change = 1.4;     ///< the machine becomes this much slower halfway through
  double session_sigma = 0.03;    ///< a session's lasting offset (which core, which cache)
  double noise_sigma = 0.25;      ///< per insert
  double stall_p = 0.005;         ///< an insert caught by a stall ...
  double stall_ns = 5e6;          ///< ... waits this long more
};

CaseResult repetition_of(const std::vector<std::int64_t>& samples, int rep) {
  CaseResult r;
  r.repetition = rep;
  r.samples = samples.size();
  r.samples_ns = samples;
  for (const auto v : samples) r.histogram.record(v);
  r.latency = summarize(samples);
  r.elapsed_ns = 0;
  for (const auto v : samples) r.elapsed_ns += v;
  r.verification = Verification{};
  r.verification->ok = true;
  return r;
}

// One run of two cases whose true median latencies are base_a and base_b: `reps` repetitions of
// `rounds` rounds, both cases inserting once per round (sample-level interleaving), so a
// round's machine state is shared. Returns the pooled reports, ratios computed.
std::vector<CaseReport> simulate(std::mt19937_64& rng, const Machine& m, double base_a,
                                 double base_b, int reps, int rounds) {
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<CaseReport> cases(2);
  cases[0].name = "a/x/unix";
  cases[1].name = "b/x/unix";
  for (auto& c : cases) {
    c.transport = "unix";
    c.repetitions_requested = reps;
  }
  const double phase = u(rng) * 6.283;
  double walk = 0;
  const int total = reps * rounds;
  for (int rep = 0; rep < reps; ++rep) {
    const double session_a = m.session_sigma * z(rng), session_b = m.session_sigma * z(rng);
    std::vector<std::int64_t> a, b;
    for (int i = 0; i < rounds; ++i) {
      const int t = rep * rounds + i;
      walk += m.walk * z(rng);
      double machine = m.drift_amplitude * std::sin(phase + 6.283 * t / total) + walk;
      if (t >= total / 2) machine += std::log(m.regime_change);
      const auto draw = [&](double base, double session) {
        double v = base * std::exp(machine + session + m.noise_sigma * z(rng));
        if (u(rng) < m.stall_p) v += m.stall_ns;
        return static_cast<std::int64_t>(v);
      };
      a.push_back(draw(base_a, session_a));
      b.push_back(draw(base_b, session_b));
    }
    cases[0].repetitions.push_back(repetition_of(a, rep));
    cases[1].repetitions.push_back(repetition_of(b, rep));
  }
  for (auto& c : cases) pool_case(c, 1);
  return cases;
}

// The truth is base_b / base_a: the machine's state is shared by both cases in every round, and
// the sessions' offsets average out over repetitions, so nothing else moves the ratio.
TEST(Coverage, PairedRatioIntervalCoversTheTruthOnADriftingMachine) {
  std::mt19937_64 rng(20261130);
  const Machine m;
  const double base_a = 300e3, base_b = 450e3, truth = base_b / base_a;
  constexpr int kTrials = 300;
  int covered = 0, below_zero = 0;
  double half_widths = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const auto cases = simulate(rng, m, base_a, base_b, 5, 400);
    const auto ratios = case_ratios(cases);
    ASSERT_EQ(ratios.size(), 2u);  // p50, then p99
    const auto& r = ratios[0];
    ASSERT_EQ(r.stat, "p50");
    ASSERT_EQ(r.numerator, "b/x/unix");
    ASSERT_TRUE(r.ci);
    if (r.ci->lo <= truth && truth <= r.ci->hi) ++covered;
    if (r.ci->lo <= 0) ++below_zero;
    half_widths += (r.ci->hi - r.ci->lo) / 2 / r.ratio;
  }
  const double coverage = static_cast<double>(covered) / kTrials;
  // Nominal 95 %; with 300 trials a correct interval lands in [0.92, 0.98] nearly always.
  EXPECT_GE(coverage, 0.92) << "coverage " << coverage;
  EXPECT_LE(coverage, 0.985) << "coverage " << coverage << " (too wide to be useful)";
  EXPECT_EQ(below_zero, 0);
  // And it is narrow: the shared drift and the regime change cancel in the pairs.
  EXPECT_LT(half_widths / kTrials, 0.08);
}

// The p50 interval of one case under session offsets and noise, without drift (with drift the
// absolute truth depends on when the run happened): covers the true median, and stays above
// zero even at two repetitions, where a linear t interval reached below it.
TEST(Coverage, P50IntervalCoversTheMedianAndNeverReachesBelowZero) {
  std::mt19937_64 rng(7);
  Machine m;
  m.drift_amplitude = 0;
  m.walk = 0;
  m.regime_change = 1;
  m.stall_p = 0;
  const double base = 300e3;
  int covered = 0;
  constexpr int kTrials = 300;
  for (int trial = 0; trial < kTrials; ++trial) {
    const auto cases = simulate(rng, m, base, base, 5, 400);
    const auto& ci = *cases[0].pooled.p50_ci;
    if (ci.lo <= base && base <= ci.hi) ++covered;
  }
  EXPECT_GE(static_cast<double>(covered) / kTrials, 0.92);
  m.session_sigma = 0.8;  // wildly different sessions: a linear interval would cross zero
  for (int trial = 0; trial < 50; ++trial) {
    const auto cases = simulate(rng, m, base, base, 2, 50);
    ASSERT_TRUE(cases[0].pooled.p50_ci);
    EXPECT_GT(cases[0].pooled.p50_ci->lo, 0);
  }
}

// A regime change the floors see is reported once, naming what it touches; a scatter is not.
TEST(Coverage, AMachineChangeIsReportedAndAScatterIsNot) {
  FloorsResult f;
  f.per_repetition_p50_ns["commit_flush"] = {170e3, 168e3, 172e3, 310e3, 305e3, 312e3};
  f.per_repetition_p50_ns["round_trip_unix"] = {54e3, 61e3, 52e3, 58e3, 55e3, 60e3};
  const auto lines = machine_changes({}, f, 6);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("the commit flush went from 0.170 ms"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("repetitions 1-3 to 0.310 ms in 4-6"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("the PostgreSQL cases"), std::string::npos) << lines[0];

  std::mt19937_64 rng(3);
  Machine m;
  m.drift_amplitude = 0;
  m.walk = 0;
  m.regime_change = 1.5;
  const auto cases = simulate(rng, m, 300e3, 450e3, 6, 300);
  const auto case_lines = machine_changes(cases, std::nullopt, 6);
  ASSERT_EQ(case_lines.size(), 1u);
  EXPECT_NE(case_lines[0].find("every case ran 1.5"), std::string::npos) << case_lines[0];
  EXPECT_NE(case_lines[0].find("slower from repetition 4 of 6"), std::string::npos)
      << case_lines[0];
}

TEST(LevelShift, FindsAStepAndIgnoresScatter) {
  const auto s = level_shift({1, 1.02, 0.98, 1.6, 1.62, 1.58});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->at, 3u);
  EXPECT_NEAR(s->before, 1.0, 1e-12);
  EXPECT_NEAR(s->after, 1.6, 1e-12);
  EXPECT_FALSE(level_shift({1, 1.6, 1, 1.6, 1, 1.6}));  // alternating: no lasting step
  EXPECT_FALSE(level_shift({1, 1.1, 1.05, 1.12}));      // below 25 %
  EXPECT_FALSE(level_shift({1, 2, 3}));                 // too few repetitions
  EXPECT_THROW(level_shift({1, 2, 3, 4}, 1.0), std::invalid_argument);
}

// --idle-ms: the interval of the idle-minus-back-to-back median, pair by pair, must hold the
// true difference 95 % of the time on a machine whose drift both inserts of a pair share (and
// which no interval over unpaired samples would survive). Skewed noise, as latency's is: the
// truth is the median of the differences, computed here from the model itself.
TEST(IdleCoverage, PairedDifferenceIntervalHoldsTheTruth) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z(0, 1);
  std::exponential_distribution<double> tail(1.0 / 40e3);
  // The truth: the median of (idle extra + noise_i - noise_h), by a large draw of the noise.
  const double extra = 120e3;
  std::vector<std::int64_t> big;
  for (int i = 0; i < 400000; ++i) {
    big.push_back(static_cast<std::int64_t>(extra + tail(rng) - tail(rng)));
  }
  const double truth = static_cast<double>(median_interval(big)->median);
  int covered = 0, trials = 600;
  for (int t = 0; t < trials; ++t) {
    CaseReport c;
    c.name = "a/x/unix";
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<std::int64_t> idle, hot;
      for (int i = 0; i < 60; ++i) {
        // A slow swing of the machine that a pair shares: 0 to 400 us over the repetition.
        const double drift = 200e3 * (1 + std::sin(0.1 * i + rep)) + 5e3 * z(rng);
        idle.push_back(static_cast<std::int64_t>(500e3 + drift + extra + tail(rng)));
        hot.push_back(static_cast<std::int64_t>(500e3 + drift + tail(rng)));
      }
      c.repetitions.push_back(repetition_of(idle, rep));
      c.repetitions.back().back_to_back_ns = hot;
    }
    pool_case(c, 1);
    ASSERT_TRUE(c.pooled.idle && c.pooled.idle->difference && c.pooled.idle->difference->ci);
    const auto& ci = *c.pooled.idle->difference->ci;
    EXPECT_EQ(c.pooled.idle->difference->n, 180u);
    EXPECT_EQ(c.pooled.idle->back_to_back.count, 180u);
    covered += ci.first <= truth && truth <= ci.second ? 1 : 0;
  }
  const double coverage = static_cast<double>(covered) / trials;
  EXPECT_GT(coverage, 0.925) << coverage;
  EXPECT_LT(coverage, 0.975) << coverage;
}

TEST(MedianInterval, OrderStatisticsAroundTheMedian) {
  EXPECT_FALSE(median_interval({}));
  const auto few = median_interval({5, 1, 3});
  ASSERT_TRUE(few);
  EXPECT_EQ(few->median, 3);
  EXPECT_FALSE(few->ci);  // under 10 values
  std::vector<std::int64_t> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  const auto m = median_interval(v);
  ASSERT_TRUE(m && m->ci);
  EXPECT_EQ(m->median, 50);
  // n = 100: j = floor(50 - 9.8) = 40, k = ceil(1 + 50 + 9.8) = 61 (1-based ranks).
  EXPECT_EQ(m->ci->first, 40);
  EXPECT_EQ(m->ci->second, 61);
}

}  // namespace
}  // namespace wpbench
