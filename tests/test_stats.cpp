// Statistics on data whose answers are known by hand, so a change in the percentile definition or
// the variance formula shows up here rather than as a silently different published number.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "stats/stats.hpp"

namespace wpbench {
namespace {

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  return v;
}

TEST(Stats, OneToHundred) {
  const auto s = summarize(one_to(100));
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.min_ns, 1);
  EXPECT_EQ(s.max_ns, 100);
  EXPECT_DOUBLE_EQ(s.mean_ns, 50.5);
  // sqrt(n(n+1)/12) for 1..n with the n-1 denominator: sqrt(841.666...).
  EXPECT_NEAR(s.stddev_ns, 29.011491975882016, 1e-9);
  EXPECT_EQ(s.p50_ns, 50);
  EXPECT_EQ(s.p90_ns, 90);
  EXPECT_EQ(s.p99_ns, 99);
  // Nearest rank: ceil(0.999 * 100) = 100, the maximum (not an interpolated 99.9).
  EXPECT_EQ(s.p999_ns, 100);
}

TEST(Stats, OneToThousandHasExactRanksDespiteBinaryFloats) {
  // 0.99 * 1000 is 990.0000000000001 in doubles; a naive ceil would give rank 991.
  const auto s = summarize(one_to(1000));
  EXPECT_EQ(s.p50_ns, 500);
  EXPECT_EQ(s.p90_ns, 900);
  EXPECT_EQ(s.p99_ns, 990);
  EXPECT_EQ(s.p999_ns, 999);
  EXPECT_EQ(s.max_ns, 1000);
  EXPECT_DOUBLE_EQ(s.mean_ns, 500.5);
}

TEST(Stats, SingleSample) {
  const auto s = summarize({42});
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.min_ns, 42);
  EXPECT_EQ(s.max_ns, 42);
  EXPECT_DOUBLE_EQ(s.mean_ns, 42.0);
  EXPECT_EQ(s.stddev_ns, 0.0);  // undefined for n = 1; documented as 0, not NaN
  EXPECT_EQ(s.p50_ns, 42);
  EXPECT_EQ(s.p90_ns, 42);
  EXPECT_EQ(s.p99_ns, 42);
  EXPECT_EQ(s.p999_ns, 42);
}

TEST(Stats, EmptyInputGivesZeroSummary) {
  const auto s = summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.min_ns, 0);
  EXPECT_EQ(s.max_ns, 0);
  EXPECT_EQ(s.mean_ns, 0.0);
  EXPECT_EQ(s.stddev_ns, 0.0);
  EXPECT_EQ(s.p50_ns, 0);
  EXPECT_EQ(s.p999_ns, 0);
}

TEST(Stats, UnsortedInputGivesSameSummaryAsSorted) {
  auto shuffled = one_to(100);
  std::mt19937_64 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  ASSERT_FALSE(std::is_sorted(shuffled.begin(), shuffled.end()));

  const auto a = summarize(shuffled);
  const auto b = summarize(one_to(100));
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.min_ns, b.min_ns);
  EXPECT_EQ(a.max_ns, b.max_ns);
  EXPECT_DOUBLE_EQ(a.mean_ns, b.mean_ns);
  EXPECT_NEAR(a.stddev_ns, b.stddev_ns, 1e-9);
  EXPECT_EQ(a.p50_ns, 50);
  EXPECT_EQ(a.p90_ns, 90);
  EXPECT_EQ(a.p99_ns, 99);
  EXPECT_EQ(a.p999_ns, 100);
}

TEST(Stats, DuplicatesAndOutlier) {
  // 99 fast inserts and one slow one: the median ignores it, p99 just misses it, p99.9 shows it.
  std::vector<std::int64_t> v(99, 1000);
  v.push_back(1000000);
  const auto s = summarize(v);
  EXPECT_EQ(s.p50_ns, 1000);
  EXPECT_EQ(s.p99_ns, 1000);
  EXPECT_EQ(s.p999_ns, 1000000);
  EXPECT_EQ(s.max_ns, 1000000);
  EXPECT_DOUBLE_EQ(s.mean_ns, (99 * 1000.0 + 1000000.0) / 100.0);
}

TEST(Stats, LargeValuesKeepVariancePrecision) {
  // Around 10^15 ns a sum-of-squares formula loses every digit of a variance of 1; Welford's does
  // not.
  const std::int64_t base = 1000000000000000;
  const auto s = summarize({base + 1, base + 2, base + 3});
  EXPECT_DOUBLE_EQ(s.mean_ns, static_cast<double>(base + 2));
  EXPECT_NEAR(s.stddev_ns, 1.0, 1e-6);
}

TEST(Stats, PercentileSortedBounds) {
  const auto v = one_to(10);
  EXPECT_EQ(percentile_sorted(v, 0), 1);  // rank 0 is clamped to the first sample
  EXPECT_EQ(percentile_sorted(v, 100), 10);
  EXPECT_EQ(percentile_sorted(v, 10), 1);
  EXPECT_EQ(percentile_sorted(v, 10.0001), 2);  // just above 10 % needs the next sample
  EXPECT_EQ(percentile_sorted(v, 55), 6);
}

TEST(Stats, PercentileSortedRejectsBadInput) {
  EXPECT_THROW(percentile_sorted({}, 50), std::invalid_argument);
  const auto v = one_to(10);
  EXPECT_THROW(percentile_sorted(v, -0.001), std::invalid_argument);
  EXPECT_THROW(percentile_sorted(v, 100.001), std::invalid_argument);
  EXPECT_THROW(percentile_sorted(v, std::numeric_limits<double>::quiet_NaN()),
               std::invalid_argument);
  EXPECT_THROW(percentile_sorted(v, std::numeric_limits<double>::infinity()),
               std::invalid_argument);
}

TEST(Stats, Throughput) {
  EXPECT_DOUBLE_EQ(throughput_per_s(1000, 1000000000), 1000.0);
  EXPECT_DOUBLE_EQ(throughput_per_s(1, 500000000), 2.0);
  EXPECT_EQ(throughput_per_s(1000, 0), 0.0);
  EXPECT_EQ(throughput_per_s(1000, -5), 0.0);
  EXPECT_EQ(throughput_per_s(0, 1000000000), 0.0);
}

}  // namespace
}  // namespace wpbench
