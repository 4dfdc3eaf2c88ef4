// The open-loop arrival schedule and the interleaved case order: pure, seeded, reproducible.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/schedule.hpp"

namespace wpbench {
namespace {

TEST(Schedule, FixedIsExactWithoutDrift) {
  ArrivalSchedule s(3.0, ScheduleKind::fixed, 1);  // 1/3 s does not divide into whole ns
  std::int64_t last = 0;
  for (int i = 0; i < 3000; ++i) last = s.next();
  EXPECT_EQ(last, 999'666'666'667);  // 2999 / 3 s, rounded once, not 2999 rounded gaps
}

TEST(Schedule, PoissonGapsAverageOneOverTheRateAndRepeatPerSeed) {
  ArrivalSchedule a(1000.0, ScheduleKind::poisson, 7), b(1000.0, ScheduleKind::poisson, 7);
  ArrivalSchedule c(1000.0, ScheduleKind::poisson, 8);
  std::int64_t prev = 0, last = 0;
  bool differs = false;
  int short_gaps = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    last = a.next();
    EXPECT_EQ(last, b.next());
    differs = differs || last != c.next();
    short_gaps += last - prev < 1'000'000 ? 1 : 0;  // below the mean gap
    prev = last;
  }
  EXPECT_TRUE(differs);
  // Mean gap 1 ms: n arrivals span about n ms (relative sd 1/sqrt(n), 0.2 %).
  EXPECT_NEAR(static_cast<double>(last) / n, 1e6, 1e6 * 0.01);
  // Exponential: P(gap < mean) = 1 - 1/e = 0.632 (a fixed schedule would give 0).
  EXPECT_NEAR(static_cast<double>(short_gaps) / n, 0.632, 0.01);
}

TEST(Schedule, BadRateOrKindIsRefused) {
  EXPECT_THROW(ArrivalSchedule(0, ScheduleKind::fixed, 1), std::invalid_argument);
  EXPECT_THROW(ArrivalSchedule(-5, ScheduleKind::fixed, 1), std::invalid_argument);
  EXPECT_THROW(parse_schedule("uniform"), std::invalid_argument);
  EXPECT_EQ(parse_schedule("poisson"), ScheduleKind::poisson);
}

TEST(InterleavedOrder, EveryRoundIsAPermutationAndTheSeedReplaysIt) {
  const auto a = interleaved_order(33, 5, 42), b = interleaved_order(33, 5, 42);
  const auto c = interleaved_order(33, 5, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 5u);
  std::vector<std::size_t> all(33);
  std::iota(all.begin(), all.end(), std::size_t{0});
  for (const auto& round : a) {
    auto sorted = round;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, all);
  }
  EXPECT_NE(a[0], a[1]);  // shuffled anew each round
}

TEST(InterleavedOrder, EachCaseLandsInEachPlaceAboutEquallyOften) {
  // No case is always first (a cold start) or always after the same neighbour.
  const std::size_t n = 6, rounds = 60000;
  const auto order = interleaved_order(n, rounds, 1);
  std::vector<std::vector<int>> at(n, std::vector<int>(n, 0));
  for (const auto& round : order) {
    for (std::size_t pos = 0; pos < n; ++pos) ++at[round[pos]][pos];
  }
  for (const auto& row : at) {
    for (const int k : row) EXPECT_NEAR(k, rounds / n, rounds / n * 0.05);
  }
}

}  // namespace
}  // namespace wpbench
