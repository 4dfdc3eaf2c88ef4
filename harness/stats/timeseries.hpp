#pragma once
/// Latency per interval of the measured phase (one small entry per second by default), so a run
/// shows when its slow samples happened (a checkpoint, a noisy neighbour) at a memory cost that
/// grows with the duration, not with the number of samples.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace wpbench {

/// Count, sum and maximum of the latencies recorded in consecutive intervals of the phase.
class TimeSeries {
 public:
  /// One interval's samples.
  struct Interval {
    std::uint64_t count = 0;
    std::int64_t max_ns = 0;
    __int128 sum_ns = 0;     // wide: no sum of real latencies can overflow it
    double mean_ns() const;  ///< 0 when the interval holds no sample
  };

  static constexpr std::int64_t kDefaultIntervalNs = 1'000'000'000;
  /// How many intervals record() accepts: about 24 days of 1 s intervals (64 MiB of entries), so
  /// a garbage timestamp is an error rather than a huge allocation.
  static constexpr std::size_t kMaxIntervals = std::size_t{1} << 21;

  /// interval_ns > 0 (std::invalid_argument otherwise); room for 5 minutes (at most 65536
  /// intervals) is reserved up front, so record() does not allocate in a typical run.
  explicit TimeSeries(std::int64_t interval_ns = kDefaultIntervalNs);

  /// Adds one sample that happened `since_start_ns` after the measured phase started (take the
  /// sample's start, so a stall is shown in the interval where it began). Both values >= 0, and
  /// since_start_ns below kMaxIntervals intervals (std::invalid_argument otherwise). Samples may
  /// arrive in any order; in time order, record() costs no division.
  void record(std::int64_t since_start_ns, std::int64_t latency_ns) {
    if (__builtin_expect(latency_ns < 0, 0)) throw_negative_latency(latency_ns);
    if (__builtin_expect(since_start_ns < current_begin_ || since_start_ns >= current_end_, 0)) {
      seek(since_start_ns);
    }
    Interval& e = intervals_[current_];
    ++e.count;
    e.sum_ns += latency_ns;
    e.max_ns = latency_ns > e.max_ns ? latency_ns : e.max_ns;
  }

  /// Adds another series of the same phase (same start, same interval; std::invalid_argument for
  /// another interval), e.g. one per client thread.
  void merge(const TimeSeries& other);

  std::int64_t interval_ns() const { return interval_ns_; }
  /// Intervals from the start to the last one that holds a sample; empty ones included.
  const std::vector<Interval>& intervals() const { return intervals_; }

  /// Columnar JSON, one element per interval, empty intervals with count, mean and max 0:
  /// {"interval_ns":1000000000,"count":[...],"mean_ns":[...],"max_ns":[...]}
  nlohmann::ordered_json to_json() const;

 private:
  void seek(std::int64_t since_start_ns);
  [[noreturn]] static void throw_negative_latency(std::int64_t latency_ns);

  std::int64_t interval_ns_;
  std::vector<Interval> intervals_;
  // The interval the last sample fell in, [current_begin_, current_end_): consecutive samples
  // land there without a division. Empty until the first record().
  std::size_t current_ = 0;
  std::int64_t current_begin_ = 0;
  std::int64_t current_end_ = 0;
};

}  // namespace wpbench
