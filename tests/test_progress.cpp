// The progress line's estimate of what is left: each kind of work at its own pace, and a kind
// with no pace yet named instead of guessed.
#include <gtest/gtest.h>

#include "output/progress.hpp"

namespace wpbench {
namespace {

std::array<PhaseTally, 4> tally() { return {}; }
PhaseTally& of(std::array<PhaseTally, 4>& t, Phase k) { return t[static_cast<std::size_t>(k)]; }

TEST(ProgressEta, EachKindAtItsOwnPace) {
  auto t = tally();
  of(t, Phase::floors) = {3, 1, 2.0};         // 2 floor rounds left at 2 s each
  of(t, Phase::inserts) = {9000, 1000, 1.0};  // 8000 inserts left at 1 ms each
  of(t, Phase::connects) = {400, 100, 2.0};   // 300 connects left at 20 ms each
  const Eta e = estimate_left(t);
  EXPECT_TRUE(e.inserts_known);
  EXPECT_NEAR(e.seconds, 4.0 + 8.0 + 6.0, 1e-9);
  EXPECT_EQ(e.unpaced, "");
}

TEST(ProgressEta, UnpacedKindsAreNamedNotGuessed) {
  auto t = tally();
  of(t, Phase::inserts) = {1000, 500, 1.0};
  of(t, Phase::instructions) = {1, 0, 0.0};
  of(t, Phase::connects) = {200, 0, 0.0};
  const Eta e = estimate_left(t);
  EXPECT_NEAR(e.seconds, 1.0, 1e-9);
  EXPECT_EQ(e.unpaced, "instruction counts, connects");
}

TEST(ProgressEta, NoInsertPaceYetIsUnknown) {
  auto t = tally();
  of(t, Phase::floors) = {2, 1, 3.0};
  of(t, Phase::inserts) = {1000, 0, 0.0};
  const Eta e = estimate_left(t);
  EXPECT_FALSE(e.inserts_known);
  EXPECT_EQ(e.unpaced, "inserts");
}

TEST(ProgressEta, NothingLeftIsZero) {
  auto t = tally();
  of(t, Phase::inserts) = {100, 100, 1.0};
  of(t, Phase::connects) = {0, 0, 0.0};
  const Eta e = estimate_left(t);
  EXPECT_EQ(e.seconds, 0.0);
  EXPECT_EQ(e.unpaced, "");
}

}  // namespace
}  // namespace wpbench
