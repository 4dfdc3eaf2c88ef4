// The sentences the reporting layers make of statistics' data: the noise warnings the JSON writes
// (cases[].noise.warnings, from stats' noise findings) and the ratio cell of the console table.
// Pinned word for word: reports and readers' scripts quote them.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "export/noise_text.hpp"
#include "output/console_table.hpp"
#include "stats/repstats.hpp"

namespace wpbench {
namespace {

std::vector<std::string> warnings(const std::vector<double>& p50, const std::vector<double>& mean,
                                  double sample_outliers) {
  return noise_warnings(noise_report(p50, mean, sample_outliers));
}

TEST(Wording, QuietRepetitionsGiveNoWarnings) {
  EXPECT_TRUE(warnings({300000, 301000, 299000, 300500, 300200},
                       {350000, 351000, 349000, 350500, 350200}, 0.01)
                  .empty());
}

TEST(Wording, OutlierRepetition) {
  const std::vector<std::string> expected{
      "repetition 3 of 5 is an outlier (p50 0.512 ms vs median 0.301 ms): the machine was busy; "
      "the interval includes it",
      "p50 varies 27.6 % between repetitions (CV); the interval includes it, and ratios between "
      "cases are paired within repetitions"};
  EXPECT_EQ(warnings({301000, 300000, 512000, 299000, 302000},
                     {350000, 350000, 560000, 350000, 350000}, 0.0),
            expected);
  EXPECT_EQ(warnings({301000, 300000, 200000, 299000, 302000},
                     {350000, 350000, 250000, 350000, 350000}, 0.0)
                .at(0),
            "repetition 3 of 5 is an outlier (p50 0.200 ms vs median 0.300 ms): the machine was "
            "busier during the other repetitions; the interval includes it");
}

TEST(Wording, SlowFirstRepetition) {
  const auto w = warnings({450000, 300000, 301000, 299000, 302000, 298000},
                          {500000, 350000, 351000, 349000, 352000, 348000}, 0.0);
  ASSERT_EQ(w.size(), 2u);  // slow first (not again as an outlier), then CV
  EXPECT_EQ(w[0],
            "the first repetition was much slower (p50 0.450 ms vs median 0.300 ms of the "
            "others): warm-up too short? raise --warmup");
  EXPECT_EQ(w[1].rfind("p50 varies 18.", 0), 0u) << w[1];
}

TEST(Wording, MeanOutlier) {
  const std::vector<std::string> expected{
      "repetition 3 of 5 had an ordinary p50 but a much higher mean (0.900 ms vs median 0.351 "
      "ms): a stall (a checkpoint, another process) hit part of it; look at its p99 and max"};
  EXPECT_EQ(warnings({300000, 301000, 299000, 300500, 300200},
                     {350000, 352000, 900000, 349000, 351000}, 0.0),
            expected);
}

TEST(Wording, SampleOutliers) {
  const std::vector<double> p50{300000, 300000, 300000};
  const std::vector<std::string> expected{
      "7.1 % of samples are outliers (modified z-score above 3.5; a usual tail stays under 5 %): "
      "the tail is wide; look at p99 and the time series"};
  EXPECT_EQ(warnings(p50, p50, 0.071), expected);
  EXPECT_EQ(warnings({300000}, {350000}, 0.2).size(), 1u);
}

TEST(Wording, OneSentencePerFindingInOrder) {
  NoiseReport r;
  r.findings = {{NoiseFinding::Kind::high_cv, 0, 4, 0.123, 0},
                {NoiseFinding::Kind::mean_outlier_repetition, 3, 4, 2e6, 1e6}};
  const auto w = noise_warnings(r);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], noise_warning(r.findings[0]));
  EXPECT_EQ(w[0].rfind("p50 varies 12.3 % between repetitions", 0), 0u) << w[0];
  EXPECT_EQ(w[1].rfind("repetition 4 of 4 had an ordinary p50 but a much higher mean (2.000 ms "
                       "vs median 1.000 ms)",
                       0),
            0u)
      << w[1];
}

TEST(Wording, FormatRatio) {
  EXPECT_EQ(format_ratio(2.41, {2.37, 2.46}), "2.41 ± 0.05 ×");  // the larger half-width
  EXPECT_EQ(format_ratio(1.0, {0.9, 1.02}), "1.00 ± 0.10 ×");
  EXPECT_EQ(format_ratio(1.5, {1.5, 1.5}), "1.50 ± 0.00 ×");
  EXPECT_THROW(format_ratio(std::nan(""), {1, 2}), std::invalid_argument);
  EXPECT_THROW(format_ratio(1, {1, INFINITY}), std::invalid_argument);
}

}  // namespace
}  // namespace wpbench
