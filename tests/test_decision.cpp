// The workload generator and the row checksum: every case, and every other language's arm of the
// benchmark, must insert the very same rows, and verification must notice any lost bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <regex>
#include <set>
#include <utility>
#include <vector>

#include "core/decision.hpp"

namespace wpbench {
namespace {

TEST(SplitMix64, MatchesReferenceImplementation) {
  // The first output for seed 0 of Vigna's splitmix64.c; a port that gets this right and the
  // golden rows below right is bit-compatible.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
}

TEST(DecisionGenerator, SameSeedSameSequence) {
  EXPECT_EQ(make_decisions(123, 500), make_decisions(123, 500));
  DecisionGenerator a(DecisionGenerator::default_seed), b(DecisionGenerator::default_seed);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next()) << "decision " << i;
}

TEST(DecisionGenerator, DifferentSeedDifferentSequence) {
  const auto a = make_decisions(1, 100);
  const auto b = make_decisions(2, 100);
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  // Chance collisions of whole rows are astronomically unlikely; allow none.
  EXPECT_EQ(same, 0);
  EXPECT_NE(checksum(a), checksum(b));
}

TEST(DecisionGenerator, PrefixIsStable) {
  // make_decisions(seed, n) is a prefix of make_decisions(seed, m > n): the verifier relies on
  // it when a case stops early.
  const auto short_run = make_decisions(DecisionGenerator::default_seed, 10);
  const auto long_run = make_decisions(DecisionGenerator::default_seed, 20);
  EXPECT_EQ(short_run, std::vector<Decision>(long_run.begin(), long_run.begin() + 10));
}

TEST(DecisionGenerator, FieldInvariants) {
  const std::regex ticker(R"(^KX[A-Z]+-\d{2}[A-Z]{3}\d{2}-[BT]\d+$)");
  const std::set<std::string> reasons = {"edge below threshold", "score below threshold",
                                         "position limit reached", "market closes too soon"};
  int buys = 0;
  std::set<std::string> seen_reasons;
  const auto rows = make_decisions(DecisionGenerator::default_seed, 10000);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& d = rows[i];
    SCOPED_TRACE("decision " + std::to_string(i) + ": " + d.market_ticker);
    EXPECT_TRUE(std::regex_match(d.market_ticker, ticker));
    EXPECT_TRUE(d.direction == "yes" || d.direction == "no");
    EXPECT_GE(d.edge, -0.2);
    EXPECT_LE(d.edge, 0.2);
    EXPECT_GE(d.score, 0.0);
    EXPECT_LE(d.score, 1.0);
    const bool should_buy = d.edge >= 0.03 && d.score >= 0.55;
    EXPECT_EQ(d.action, should_buy ? "buy" : "skip");
    EXPECT_EQ(d.skip_reason.has_value(), d.action == "skip");
    if (d.skip_reason) {
      EXPECT_EQ(reasons.count(*d.skip_reason), 1u);
      seen_reasons.insert(*d.skip_reason);
    }
    buys += d.action == "buy";
  }
  // Both actions and every reason occur, so each path exercises NULL and non-NULL skip_reason.
  EXPECT_GT(buys, 0);
  EXPECT_LT(buys, 10000);
  EXPECT_EQ(seen_reasons, reasons);
}

// Golden values. Another language's generator (SplitMix64 + DecisionGenerator::next) must
// reproduce these exact rows and this exact checksum; if they change here, every previously
// published result was made with different rows. Decimal literals are exact: each field is an
// integer divided by a power of ten, correctly rounded, just like the literal.
TEST(DecisionGenerator, GoldenFirstThree) {
  DecisionGenerator gen(DecisionGenerator::default_seed);
  const Decision d0 = gen.next();
  EXPECT_EQ(d0.market_ticker, "KXHIGHCHI-25OCT08-B90");
  EXPECT_EQ(d0.direction, "yes");
  EXPECT_EQ(d0.edge, -0.18399);
  EXPECT_EQ(d0.score, 0.330314);
  EXPECT_EQ(d0.action, "skip");
  EXPECT_EQ(d0.skip_reason, std::optional<std::string>("edge below threshold"));

  const Decision d1 = gen.next();
  EXPECT_EQ(d1.market_ticker, "KXHIGHCHI-25JAN22-B20");
  EXPECT_EQ(d1.direction, "yes");
  EXPECT_EQ(d1.edge, 0.04158);
  EXPECT_EQ(d1.score, 0.185113);
  EXPECT_EQ(d1.action, "skip");
  EXPECT_EQ(d1.skip_reason, std::optional<std::string>("position limit reached"));

  const Decision d2 = gen.next();
  EXPECT_EQ(d2.market_ticker, "KXHIGHCHI-26MAY11-B79");
  EXPECT_EQ(d2.direction, "yes");
  EXPECT_EQ(d2.edge, 0.12023);
  EXPECT_EQ(d2.score, 0.980919);
  EXPECT_EQ(d2.action, "buy");
  EXPECT_EQ(d2.skip_reason, std::nullopt);
}

TEST(DecisionGenerator, GoldenChecksum) {
  EXPECT_EQ(checksum(make_decisions(DecisionGenerator::default_seed, 1000)), 0x9ca59ac04d23b1eaULL);
}

TEST(RowChecksum, EmptyIsFnvOffsetBasis) {
  EXPECT_EQ(checksum({}), 0xcbf29ce484222325ULL);
  EXPECT_EQ(RowChecksum().rows(), 0u);
}

TEST(RowChecksum, MatchesRowByRowAndCountsRows) {
  const auto rows = make_decisions(DecisionGenerator::default_seed, 50);
  RowChecksum c;
  for (const auto& d : rows) c.add(d);
  EXPECT_EQ(c.rows(), 50u);
  EXPECT_EQ(c.value(), checksum(rows));
}

TEST(RowChecksum, OrderSensitive) {
  auto rows = make_decisions(DecisionGenerator::default_seed, 10);
  const auto before = checksum(rows);
  std::swap(rows[3], rows[7]);
  EXPECT_NE(checksum(rows), before);
}

TEST(RowChecksum, OneUlpOfEdgeChangesIt) {
  // A driver that sends doubles with too few digits changes the last bits; that must not verify.
  auto rows = make_decisions(DecisionGenerator::default_seed, 10);
  const auto before = checksum(rows);
  rows[5].edge = std::nextafter(rows[5].edge, 1.0);
  EXPECT_NE(checksum(rows), before);

  auto rows2 = make_decisions(DecisionGenerator::default_seed, 10);
  rows2[5].score = std::nextafter(rows2[5].score, -1.0);
  EXPECT_NE(checksum(rows2), before);
}

TEST(RowChecksum, NullReasonDiffersFromEmptyReason) {
  // NULL is hashed as \N, so a driver that turns NULL into '' is caught.
  auto rows = make_decisions(DecisionGenerator::default_seed, 3);
  ASSERT_FALSE(rows[2].skip_reason.has_value());
  const auto before = checksum(rows);
  rows[2].skip_reason = "";
  EXPECT_NE(checksum(rows), before);
}

TEST(Decision, EqualityIsBitwise) {
  Decision a;
  a.edge = 0.0;
  Decision b = a;
  b.edge = -0.0;  // == as doubles, but a different row once stored
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == a);
}

}  // namespace
}  // namespace wpbench
