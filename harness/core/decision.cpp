#include "core/decision.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace wpbench {

bool Decision::operator==(const Decision& o) const {
  // Bitwise double comparison: the row must come back exactly as it went in.
  return market_ticker == o.market_ticker && direction == o.direction &&
         std::memcmp(&edge, &o.edge, sizeof edge) == 0 &&
         std::memcmp(&score, &o.score, sizeof score) == 0 && action == o.action &&
         skip_reason == o.skip_reason;
}

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {
constexpr std::array<const char*, 10> kSeries = {
    "KXHIGHNY",  "KXHIGHCHI",  "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN",
    "KXHIGHLAX", "KXHIGHPHIL", "KXCPI",     "KXFED",     "KXPAYROLLS"};
constexpr std::array<const char*, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 4> kSkipReasons = {
    "edge below threshold", "score below threshold", "position limit reached",
    "market closes too soon"};
}  // namespace

// Every field takes exactly one draw, in this order, and only integer arithmetic plus one
// correctly rounded division (which IEEE-754 mandates) turn draws into values, so any IEEE-754
// language reproduces the row bit for bit.
Decision DecisionGenerator::next() {
  const std::uint64_t r_series = rng_.next();
  const std::uint64_t r_date = rng_.next();
  const std::uint64_t r_strike = rng_.next();
  const std::uint64_t r_direction = rng_.next();
  const std::uint64_t r_edge = rng_.next();
  const std::uint64_t r_score = rng_.next();
  const std::uint64_t r_reason = rng_.next();

  Decision d;
  const int year = 25 + static_cast<int>(r_date % 2);
  const int month = static_cast<int>((r_date >> 8) % 12);
  const int day = 1 + static_cast<int>((r_date >> 16) % 28);
  const char kind = (r_strike % 2 == 0) ? 'B' : 'T';
  const int strike = 20 + static_cast<int>((r_strike >> 8) % 80);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%02d%s%02d-%c%d", kSeries[r_series % kSeries.size()], year,
                kMonths[month], day, kind, strike);
  d.market_ticker = buf;
  d.direction = (r_direction % 2 == 0) ? "yes" : "no";
  d.edge = static_cast<double>(static_cast<std::int64_t>(r_edge % 40001) - 20000) / 100000.0;
  d.score = static_cast<double>(r_score % 1000001) / 1000000.0;
  if (d.edge >= 0.03 && d.score >= 0.55) {
    d.action = "buy";
  } else {
    d.action = "skip";
    // Most skips say why the model passed; a few carry an operational reason.
    if (r_reason % 8 == 0) {
      d.skip_reason = kSkipReasons[2 + (r_reason >> 8) % 2];
    } else {
      d.skip_reason = d.edge < 0.03 ? kSkipReasons[0] : kSkipReasons[1];
    }
  }
  return d;
}

std::vector<Decision> make_decisions(std::uint64_t seed, std::size_t count) {
  DecisionGenerator gen(seed);
  std::vector<Decision> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(gen.next());
  return out;
}

namespace {
void fnv1a(std::uint64_t& h, const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
}
void fnv1a(std::uint64_t& h, const std::string& s) { fnv1a(h, s.data(), s.size()); }
void fnv1a_double(std::uint64_t& h, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
  fnv1a(h, buf, 16);
}
}  // namespace

// Canonical row: ticker|direction|edge-bits|score-bits|action|reason-or-\N followed by a newline.
void RowChecksum::add(const Decision& d) {
  fnv1a(hash_, d.market_ticker);
  fnv1a(hash_, "|", 1);
  fnv1a(hash_, d.direction);
  fnv1a(hash_, "|", 1);
  fnv1a_double(hash_, d.edge);
  fnv1a(hash_, "|", 1);
  fnv1a_double(hash_, d.score);
  fnv1a(hash_, "|", 1);
  fnv1a(hash_, d.action);
  fnv1a(hash_, "|", 1);
  if (d.skip_reason) {
    fnv1a(hash_, *d.skip_reason);
  } else {
    fnv1a(hash_, "\\N", 2);
  }
  fnv1a(hash_, "\n", 1);
  ++rows_;
}

std::uint64_t checksum(const std::vector<Decision>& rows) {
  RowChecksum c;
  for (const auto& d : rows) c.add(d);
  return c.value();
}

}  // namespace wpbench
