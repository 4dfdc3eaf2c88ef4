#include "core/schedule.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/decision.hpp"

namespace wpbench {

namespace {
// Uniform in (0, 1]: never 0, so -log() below stays finite.
double uniform_open0(SplitMix64& rng) {
  return (static_cast<double>(rng.next() >> 11) + 1.0) * 0x1.0p-53;
}
}  // namespace

const char* schedule_name(ScheduleKind k) { return k == ScheduleKind::fixed ? "fixed" : "poisson"; }

ScheduleKind parse_schedule(const std::string& s) {
  if (s == "fixed") return ScheduleKind::fixed;
  if (s == "poisson") return ScheduleKind::poisson;
  throw std::invalid_argument("unknown schedule '" + s + "' (fixed, poisson)");
}

ArrivalSchedule::ArrivalSchedule(double rate_per_s, ScheduleKind kind, std::uint64_t seed)
    : rate_per_s_(rate_per_s), kind_(kind), rng_(seed) {
  if (!(rate_per_s > 0) || !std::isfinite(rate_per_s)) {
    throw std::invalid_argument("rate must be a positive number of inserts per second");
  }
}

std::int64_t ArrivalSchedule::next() {
  const std::uint64_t i = index_++;
  if (kind_ == ScheduleKind::fixed) {
    // From the index, not by adding a rounded gap: 3 per second stays exact over hours.
    return static_cast<std::int64_t>(std::llround(static_cast<double>(i) * 1e9 / rate_per_s_));
  }
  const double at = poisson_at_ns_;
  poisson_at_ns_ += -std::log(uniform_open0(rng_)) * 1e9 / rate_per_s_;
  return static_cast<std::int64_t>(std::llround(at));
}

std::uint64_t case_seed(std::uint64_t seed, const std::string& case_name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char ch : case_name) h = (h ^ ch) * 0x100000001b3ULL;
  return seed ^ h;
}

std::uint64_t rounds_seed(std::uint64_t order_seed, int rep) {
  return case_seed(order_seed, "rounds of repetition " + std::to_string(rep));
}

void shuffle(std::vector<std::size_t>& order, SplitMix64& rng) {
  for (std::size_t i = order.size(); i > 1; --i) {
    // Modulo bias is below 2^-50 for any realistic case count.
    const std::size_t j = rng.next() % i;
    std::swap(order[i - 1], order[j]);
  }
}

std::vector<std::vector<std::size_t>> interleaved_order(std::size_t cases, std::size_t repetitions,
                                                        std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<std::vector<std::size_t>> out(repetitions, std::vector<std::size_t>(cases));
  for (auto& round : out) {
    std::iota(round.begin(), round.end(), std::size_t{0});
    shuffle(round, rng);
  }
  return out;
}

}  // namespace wpbench
