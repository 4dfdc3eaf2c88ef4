// What a case's repetitions give together (harness/analysis/pooling.cpp): pooled statistics,
// intervals over repetitions, noise warnings, and ratios paired by repetition.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "analysis/pooling.hpp"

namespace wpbench {
namespace {

// One repetition of `n` latencies around `median_ns` times `drift` (a slow minute).
CaseResult repetition(int index, std::int64_t median_ns, double drift, std::uint64_t seed,
                      std::size_t n = 400) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> noise(0.0, 0.1);
  CaseResult r;
  r.repetition = index;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::int64_t>(static_cast<double>(median_ns) * drift * noise(rng));
    r.samples_ns.push_back(v);
    r.histogram.record(v);
  }
  r.samples = n;
  r.latency = summarize(r.samples_ns);
  r.elapsed_ns = r.latency.count * static_cast<std::int64_t>(r.latency.mean_ns);
  Verification v;
  v.ok = true;
  r.verification = v;
  return r;
}

CaseReport report(const std::string& name, std::int64_t median_ns,
                  const std::vector<double>& drifts, std::uint64_t seed, std::size_t n = 400) {
  CaseReport c;
  c.name = name;
  c.transport = "unix";
  c.repetitions_requested = static_cast<int>(drifts.size());
  for (std::size_t i = 0; i < drifts.size(); ++i) {
    c.repetitions.push_back(repetition(static_cast<int>(i), median_ns, drifts[i], seed + i, n));
  }
  pool_case(c, 1);
  return c;
}

TEST(Pooling, PooledStatisticsComeFromEverySample) {
  const CaseReport c = report("a/b/unix", 200000, {1.0, 1.0, 1.0}, 10);
  EXPECT_EQ(c.pooled.samples, 1200u);
  EXPECT_EQ(c.pooled.latency.count, 1200u);
  std::vector<std::int64_t> all;
  for (const auto& r : c.repetitions)
    all.insert(all.end(), r.samples_ns.begin(), r.samples_ns.end());
  EXPECT_EQ(c.pooled.latency.p50_ns, summarize(all).p50_ns);  // exact while raw samples are kept
  ASSERT_TRUE(c.pooled.p50_ci);
  EXPECT_EQ(c.pooled.ci_method, "t interval over repetitions (log scale)");
  // Centred on the pooled p50; three quiet repetitions of 400 agree to a few per cent.
  EXPECT_LT(c.pooled.p50_ci->lo, c.pooled.latency.p50_ns);
  EXPECT_GT(c.pooled.p50_ci->hi, c.pooled.latency.p50_ns);
  EXPECT_LT(c.pooled.p50_ci->hi - c.pooled.p50_ci->lo, 0.1 * c.pooled.latency.p50_ns);
  ASSERT_TRUE(c.pooled.cv_p50);
  EXPECT_LT(*c.pooled.cv_p50, 0.05);
  EXPECT_TRUE(c.pooled.noise.findings.empty());
}

TEST(Pooling, DriftBetweenRepetitionsWidensTheIntervalAndWarns) {
  const CaseReport steady = report("a/b/unix", 200000, {1.0, 1.0, 1.0, 1.0, 1.0}, 20);
  const CaseReport drifting = report("a/b/unix", 200000, {1.0, 1.3, 0.9, 1.2, 1.0}, 20);
  const auto width = [](const CaseReport& c) { return c.pooled.p50_ci->hi - c.pooled.p50_ci->lo; };
  EXPECT_GT(width(drifting), 3 * width(steady));
  EXPECT_GT(*drifting.pooled.cv_p50, 0.05);
  EXPECT_FALSE(drifting.pooled.noise.findings.empty());
}

TEST(Pooling, OneRepetitionUsesABlockBootstrapOverItsSamples) {
  const CaseReport c = report("a/b/unix", 200000, {1.0}, 30);
  ASSERT_TRUE(c.pooled.p50_ci);
  EXPECT_EQ(c.pooled.ci_method, "block bootstrap over samples");
  EXPECT_FALSE(c.pooled.cv_p50);
}

TEST(Pooling, HistogramOnlyRepetitionsPoolThroughTheHistogram) {
  CaseReport c = report("a/b/unix", 200000, {1.0, 1.0}, 40);
  const auto exact = c.pooled.latency.p50_ns;
  for (auto& r : c.repetitions) {
    r.raw_kept = false;
    r.samples_ns.clear();
  }
  pool_case(c, 1);
  EXPECT_NEAR(c.pooled.latency.p50_ns, exact, exact / 1000.0);  // within 0.1 %
  EXPECT_EQ(c.pooled.samples, 800u);
}

TEST(Pooling, RatiosArePairedByRepetitionSoSharedDriftCancels) {
  // Both cases saw the same slow rounds: their ratio stays 2 with a narrow interval.
  const std::vector<double> drift = {1.0, 1.4, 0.8, 1.2, 1.0};
  std::vector<CaseReport> cases = {report("fast/x/unix", 100000, drift, 50),
                                   report("slow/x/unix", 200000, drift, 60)};
  const auto ratios = case_ratios(cases);
  ASSERT_EQ(ratios.size(), 2u);  // p50, then p99
  EXPECT_EQ(ratios[0].stat, "p50");
  EXPECT_EQ(ratios[0].numerator, "slow/x/unix");
  EXPECT_EQ(ratios[0].denominator, "fast/x/unix");
  EXPECT_NEAR(ratios[0].ratio, 2.0, 0.05);
  ASSERT_TRUE(ratios[0].ci);
  EXPECT_EQ(ratios[0].method, "paired t interval over repetitions");
  EXPECT_LT(ratios[0].ci->hi - ratios[0].ci->lo, 0.1);
  EXPECT_LT(ratios[0].ci->lo, ratios[0].ratio);
  EXPECT_GT(ratios[0].ci->hi, ratios[0].ratio);
  EXPECT_NEAR(ratios[0].ci->lo, 2.0, 0.05);  // the drift of +-40 % is gone from the ratio
  EXPECT_NEAR(ratios[0].ci->hi, 2.0, 0.05);
}

// Each repetition's value of a tail percentile, as the t interval over repetitions takes them.
std::vector<double> per_repetition(const CaseReport& c, std::int64_t LatencySummary::*value) {
  std::vector<double> out;
  for (const auto& r : c.repetitions) out.push_back(static_cast<double>(r.latency.*value));
  return out;
}

TEST(Pooling, TailIntervalsAreTIntervalsOverTheRepetitionsTailValues) {
  const CaseReport c = report("a/b/unix", 200000, {1.0, 1.1, 0.95}, 80);
  const auto& p = c.pooled;
  struct Tail {
    const std::optional<Interval>& ci;
    std::int64_t LatencySummary::*value;
  };
  for (const Tail& t :
       {Tail{p.p90_ci, &LatencySummary::p90_ns}, Tail{p.p99_ci, &LatencySummary::p99_ns},
        Tail{p.p999_ci, &LatencySummary::p999_ns}}) {
    ASSERT_TRUE(t.ci);
    const double pooled = static_cast<double>(p.latency.*t.value);
    const Interval want = t_interval(per_repetition(c, t.value), pooled, true);
    EXPECT_DOUBLE_EQ(t.ci->lo, want.lo);
    EXPECT_DOUBLE_EQ(t.ci->hi, want.hi);
    EXPECT_LT(t.ci->lo, pooled);
    EXPECT_GT(t.ci->hi, pooled);
  }
  // Three repetitions: t(2) = 4.30 times the standard error of three values, so the p99's
  // interval is as wide as their spread says, at least the range of the three p99s here.
  const auto p99s = per_repetition(c, &LatencySummary::p99_ns);
  const auto [lo, hi] = std::minmax_element(p99s.begin(), p99s.end());
  EXPECT_GT(p.p99_ci->hi - p.p99_ci->lo, *hi - *lo);
}

TEST(Pooling, OneRepetitionBootstrapsATailOnlyWithTenSamplesBeyondIt) {
  // 400 samples: enough for p50 and p90 (ten beyond it at 100), too few for p99 and p99.9.
  const CaseReport few = report("a/b/unix", 200000, {1.0}, 90);
  ASSERT_EQ(few.pooled.ci_method, "block bootstrap over samples");
  EXPECT_TRUE(few.pooled.p50_ci);
  EXPECT_TRUE(few.pooled.p90_ci);
  EXPECT_FALSE(few.pooled.p99_ci);
  EXPECT_FALSE(few.pooled.p999_ci);
  // 1000: p99 too, each interval what its own bootstrap gives (the same seed, the same draws).
  const CaseReport c = report("a/b/unix", 200000, {1.0}, 90, 1000);
  const auto& raw = c.repetitions[0].samples_ns;
  ASSERT_TRUE(c.pooled.p99_ci);
  EXPECT_FALSE(c.pooled.p999_ci);
  const Interval p99 = block_bootstrap(raw, percentile_stat(99), 1);
  EXPECT_EQ(c.pooled.p99_ci->lo, p99.lo);
  EXPECT_EQ(c.pooled.p99_ci->hi, p99.hi);
  const Interval p50 = block_bootstrap(raw, percentile_stat(50), 1);
  EXPECT_EQ(c.pooled.p50_ci->lo, p50.lo);
  EXPECT_EQ(c.pooled.p50_ci->hi, p50.hi);
  const Interval mean = block_bootstrap(raw, mean_stat(), 1);
  EXPECT_EQ(c.pooled.mean_ci->lo, mean.lo);
  EXPECT_EQ(c.pooled.mean_ci->hi, mean.hi);
  // Several repetitions need no minimum: their spread is the interval, however wide.
  EXPECT_TRUE(report("a/b/unix", 200000, {1.0, 1.0}, 90, 150).pooled.p999_ci);
}

TEST(Pooling, HistogramOnlyOneRepetitionHasNoTailInterval) {
  CaseReport c = report("a/b/unix", 200000, {1.0}, 95, 1000);
  c.repetitions[0].raw_kept = false;
  c.repetitions[0].samples_ns.clear();
  pool_case(c, 1);
  EXPECT_FALSE(c.pooled.p50_ci);
  EXPECT_FALSE(c.pooled.p99_ci);
}

TEST(Pooling, P99RatiosArePairedByRepetitionAgainstTheFastestByP50) {
  const std::vector<double> drift = {1.0, 1.3, 0.9, 1.1};
  std::vector<CaseReport> cases = {report("fast/x/unix", 100000, drift, 100),
                                   report("slow/x/unix", 300000, drift, 110)};
  const auto ratios = case_ratios(cases);
  ASSERT_EQ(ratios.size(), 2u);
  const RatioResult& r = ratios[1];
  EXPECT_EQ(r.stat, "p99");
  EXPECT_EQ(r.numerator, "slow/x/unix");
  EXPECT_EQ(r.denominator, "fast/x/unix");
  const auto& num = cases[1].pooled.latency;
  const auto& den = cases[0].pooled.latency;
  EXPECT_DOUBLE_EQ(r.ratio, static_cast<double>(num.p99_ns) / static_cast<double>(den.p99_ns));
  EXPECT_DOUBLE_EQ(r.diff_ns, static_cast<double>(num.p99_ns - den.p99_ns));
  EXPECT_EQ(r.method, "paired t interval over repetitions");
  std::vector<double> per_rep, diffs;
  for (std::size_t i = 0; i < drift.size(); ++i) {
    const auto x = cases[1].repetitions[i].latency.p99_ns;
    const auto y = cases[0].repetitions[i].latency.p99_ns;
    per_rep.push_back(static_cast<double>(x) / static_cast<double>(y));
    diffs.push_back(static_cast<double>(x - y));
  }
  ASSERT_TRUE(r.ci);
  const Interval want = t_interval(per_rep, r.ratio, true);
  EXPECT_DOUBLE_EQ(r.ci->lo, want.lo);
  EXPECT_DOUBLE_EQ(r.ci->hi, want.hi);
  ASSERT_TRUE(r.diff_ci);
  const Interval want_diff = t_interval(diffs, r.diff_ns);
  EXPECT_DOUBLE_EQ(r.diff_ci->lo, want_diff.lo);
  EXPECT_DOUBLE_EQ(r.diff_ci->hi, want_diff.hi);
  // The drift is shared: the p99 ratio stays near 3 (both tails are the same shape).
  EXPECT_NEAR(r.ratio, 3.0, 0.3);
}

TEST(Pooling, OneRepetitionGivesRatiosWithoutInterval) {
  const auto ratios = case_ratios(
      {report("fast/x/unix", 100000, {1.0}, 120), report("slow/x/unix", 200000, {1.0}, 130)});
  ASSERT_EQ(ratios.size(), 2u);
  for (const auto& r : ratios) {
    EXPECT_FALSE(r.ci) << r.stat;
    EXPECT_FALSE(r.diff_ci) << r.stat;
    EXPECT_EQ(r.method, "none: needs --repetitions 2 or more");
  }
  EXPECT_EQ(ratios[1].stat, "p99");
}

TEST(Pooling, StatusCountsMissingRepetitions) {
  CaseReport c = report("a/b/unix", 200000, {1.0, 1.0}, 70);
  EXPECT_STREQ(c.status_name(), "ok");
  c.repetitions_requested = 3;  // the third round is still to come...
  EXPECT_STREQ(c.status_name(), "pending");
  c.run_over = true;  // ...or a signal ended the run before it
  EXPECT_STREQ(c.status_name(), "interrupted");
  c.repetitions[1].error = "server closed the connection";
  EXPECT_STREQ(c.status_name(), "failed");
  EXPECT_EQ(c.first_error(), "server closed the connection");
}

}  // namespace
// The same path over a transport and over its plainer twin (transport table's compared_with):
// what the transport adds per insert, paired by repetition so drift cancels; a path without its
// twin in the run, and the socket (compared with nothing), get no row.
TEST(Pooling, TransportCostsPairEachPathWithItsTwinTransport) {
  const auto on = [](const char* transport, std::int64_t median, std::uint64_t seed,
                     const char* variant = "prepared") {
    const std::vector<double> drift = {1.0, 1.3, 0.9, 1.2};
    CaseReport c = report(std::string("libpq/") + variant + "/" + transport, median, drift, seed);
    c.driver = "libpq";
    c.variant = variant;
    c.transport = transport;
    return c;
  };
  const std::vector<CaseReport> cases = {on("unix", 100000, 10), on("tcp", 110000, 20),
                                         on("tls", 150000, 30), on("pgbouncer", 180000, 40),
                                         on("tls", 150000, 50, "tx")};
  const auto costs = transport_costs(cases);
  ASSERT_EQ(costs.size(), 3u);
  const std::map<std::string, std::string> want = {
      {"libpq/prepared/tcp", "libpq/prepared/unix"},
      {"libpq/prepared/tls", "libpq/prepared/tcp"},
      {"libpq/prepared/pgbouncer", "libpq/prepared/tcp"}};
  for (const auto& r : costs) {
    ASSERT_TRUE(want.count(r.numerator)) << r.numerator;
    EXPECT_EQ(r.denominator, want.at(r.numerator));
    EXPECT_EQ(r.stat, "p50");
    const auto num = std::find_if(cases.begin(), cases.end(),
                                  [&](const CaseReport& c) { return c.name == r.numerator; });
    const auto den = std::find_if(cases.begin(), cases.end(),
                                  [&](const CaseReport& c) { return c.name == r.denominator; });
    EXPECT_DOUBLE_EQ(r.diff_ns,
                     static_cast<double>(num->pooled.latency.p50_ns - den->pooled.latency.p50_ns));
    ASSERT_TRUE(r.diff_ci);
    EXPECT_LT(r.diff_ci->lo, r.diff_ns);
    EXPECT_GT(r.diff_ci->hi, r.diff_ns);
  }
}

}  // namespace wpbench
