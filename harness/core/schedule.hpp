#pragma once
/// When things run: the open-loop arrival schedule of --rate, and the interleaved case order of
/// --repetitions. Pure and seeded, so a run can be reproduced from the seeds in its JSON.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/decision.hpp"

namespace wpbench {

/// How --rate spaces the intended start times of inserts.
enum class ScheduleKind { fixed, poisson };
const char* schedule_name(ScheduleKind k);
/// "fixed" or "poisson"; throws std::invalid_argument otherwise.
ScheduleKind parse_schedule(const std::string& s);

/// Intended start times of an open-loop run, as offsets from its start. Fixed: one every
/// 1/rate s, with no drift from rounding. Poisson: exponential gaps of mean 1/rate s, what
/// independent market events look like to a trading bot (and what wrk2 and pgbench -R use).
class ArrivalSchedule {
 public:
  /// rate in inserts per second (> 0; std::invalid_argument otherwise).
  ArrivalSchedule(double rate_per_s, ScheduleKind kind, std::uint64_t seed);
  /// The intended start of the next insert, in ns after the schedule's start (first: 0).
  std::int64_t next();

 private:
  double rate_per_s_;
  ScheduleKind kind_;
  SplitMix64 rng_;
  std::uint64_t index_ = 0;
  double poisson_at_ns_ = 0;
};

/// A case's own seed: the run's seed XOR FNV-1a-64 of the case name. It seeds the case's
/// decisions (so cases sharing a table in interleaved rounds write rows that tell them apart) and
/// its open-loop arrivals (every repetition of a case replays the same ones); the Python arm, and
/// anyone reading the JSON, can compute it.
std::uint64_t case_seed(std::uint64_t seed, const std::string& case_name);

/// Case order for `repetitions` rounds of `cases` cases: every case once per round, each round
/// shuffled (Fisher-Yates over SplitMix64, so the order depends on the seed alone, not on the
/// standard library's distributions). Interleaving makes a slow minute hit every case alike.
/// The seed of repetition `rep`'s round orders under --interleave sample, derived from the run's
/// order seed (recorded in the JSON), so every round's order can be replayed.
std::uint64_t rounds_seed(std::uint64_t order_seed, int rep);

/// Shuffles `order` in place: Fisher-Yates over `rng`, so the order depends on the seed alone.
void shuffle(std::vector<std::size_t>& order, SplitMix64& rng);

std::vector<std::vector<std::size_t>> interleaved_order(std::size_t cases, std::size_t repetitions,
                                                        std::uint64_t seed);

}  // namespace wpbench
