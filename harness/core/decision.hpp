#pragma once
/// The workload: one trading decision per insert, made by a seeded generator so that every case
/// (and every language arm) inserts the same rows in the same order.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wpbench {

/// One row of the seed's trade_decisions table, minus what the database sets (id, created_at).
struct Decision {
  std::string market_ticker;               ///< e.g. KXHIGHNY-26NOV24-B45
  std::string direction;                   ///< "yes" or "no"
  double edge = 0;                         ///< model edge in probability points, [-0.2, 0.2]
  double score = 0;                        ///< model confidence, [0, 1]
  std::string action;                      ///< "buy" or "skip"
  std::optional<std::string> skip_reason;  ///< NULL when buying, a short reason when skipping

  bool operator==(const Decision& o) const;
};

/// SplitMix64: tiny, fast, and trivially ported to other languages, which lets another language's
/// generator reproduce the exact same rows.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();

 private:
  std::uint64_t state_;
};

/// Deterministic stream of decisions: the same seed gives the same sequence everywhere.
class DecisionGenerator {
 public:
  static constexpr std::uint64_t default_seed = 20261124;
  explicit DecisionGenerator(std::uint64_t seed = default_seed) : rng_(seed) {}
  Decision next();

 private:
  SplitMix64 rng_;
};

/// The first `count` decisions of the stream for `seed`.
std::vector<Decision> make_decisions(std::uint64_t seed, std::size_t count);

/// Order-sensitive checksum over rows (FNV-1a 64 over a canonical text with doubles as their
/// IEEE-754 bit patterns), so a lossy float conversion in a driver is caught, not rounded away.
class RowChecksum {
 public:
  void add(const Decision& d);
  std::uint64_t value() const { return hash_; }
  std::size_t rows() const { return rows_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::size_t rows_ = 0;
};

/// The checksum of a whole sequence, as RowChecksum computes it row by row.
std::uint64_t checksum(const std::vector<Decision>& rows);

}  // namespace wpbench
