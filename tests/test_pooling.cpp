// What a case's repetitions give together (harness/analysis/pooling.cpp): pooled statistics,
// intervals over repetitions, noise warnings, and ratios paired by repetition.
#include <gtest/gtest.h>

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
                  const std::vector<double>& drifts, std::uint64_t seed) {
  CaseReport c;
  c.name = name;
  c.transport = "unix";
  c.repetitions_requested = static_cast<int>(drifts.size());
  for (std::size_t i = 0; i < drifts.size(); ++i) {
    c.repetitions.push_back(repetition(static_cast<int>(i), median_ns, drifts[i], seed + i));
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
  ASSERT_EQ(ratios.size(), 1u);
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
}  // namespace wpbench
