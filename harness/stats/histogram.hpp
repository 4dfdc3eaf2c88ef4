#pragma once
/// A log-linear latency histogram with HdrHistogram's layout (3 significant decimal digits):
/// fixed memory whatever the number of samples, a relative error below 0.1 %, and a record()
/// cheap enough to sit between the two clock reads of a sample.
///
/// Layout (unit 1 ns, sub_bucket_count 2048, half 1024). Bucket b >= 0 holds the values whose
/// highest set bit is bit b + 10 (bucket 0 also holds everything below 1024); inside a bucket the
/// values are split into sub-buckets of width 2^b. The flat counts index of a value v >= 0 is
///
///   b     = max(0, bit_length(v | 2047) - 11)        (= 53 - clz64(v | 2047))
///   index = (b << 10) + (v >> b)
///
/// so indices 0..2047 are the exact values 0..2047 (width 1), and an index i >= 2048 decodes as
///
///   b       = (i >> 10) - 1,  sub = i - (b << 10)     (sub in [1024, 2048))
///   lowest  = sub << b,       highest = lowest + 2^b - 1
///
/// A bucket's width is 2^b <= lowest / 1024, so any value in it is within 1/1024 of the bucket's
/// highest value. 27 buckets (b = 0..26) give 28672 counts and cover 0 .. 2^37 - 1 ns (137.4 s);
/// larger values are counted in overflow() and still enter count, min, max, mean and stddev
/// exactly. scripts/wphist.py decodes the same layout from to_json().

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "stats/stats.hpp"

namespace wpbench {

/// The range of values [lowest, highest] (ns, inclusive) one counts index stands for.
struct ValueRange {
  std::int64_t lowest = 0;
  std::int64_t highest = 0;
};

/// Latencies in nanoseconds, in HdrHistogram's log-linear layout (see the file comment).
class LatencyHistogram {
 public:
  /// log2 of kSubBucketHalfCount: the shift between a bucket and its flat indices.
  static constexpr int kSubBucketHalfCountMagnitude = 10;
  /// Sub-buckets per bucket (3 significant digits); values below it are exact.
  static constexpr std::int64_t kSubBucketCount = 2048;
  /// Flat indices per bucket after bucket 0, which has 2048: a later bucket needs only its upper
  /// half, as its lower half would repeat the previous bucket.
  static constexpr std::int64_t kSubBucketHalfCount = 1024;
  /// Buckets 0 .. 26: enough to reach 2^37 ns.
  static constexpr int kBucketCount = 27;
  /// Length of the counts array: 28672 flat indices.
  static constexpr std::size_t kCountsLength = (kBucketCount + 1) * kSubBucketHalfCount;
  /// The largest value the counts array holds: 2^37 - 1 ns, about 137.4 s.
  static constexpr std::int64_t kHighestTrackableNs = (std::int64_t{1} << 37) - 1;
  /// The `format` tag of to_json(); from_json() accepts only this.
  static constexpr const char* kFormat = "hdr-log-linear-v1";

  /// An empty histogram; the counts array (about 224 KiB) is allocated here, once.
  LatencyHistogram();

  /// Counts one latency. Negative values are a programming error (std::invalid_argument).
  /// No allocation, no floating point, and no branch a run's samples can mispredict.
  void record(std::int64_t value_ns) {
    if (__builtin_expect(value_ns < 0, 0)) throw_negative(value_ns);
    if (__builtin_expect(count_ == 0, 0)) {
      shift_ = value_ns < kHighestTrackableNs ? value_ns : kHighestTrackableNs;
    }
    ++count_;
    sum_ += value_ns;
    min_ = value_ns < min_ ? value_ns : min_;
    max_ = value_ns > max_ ? value_ns : max_;
    const std::size_t i = counts_index(value_ns);
    if (__builtin_expect(i >= kCountsLength, 0)) {
      record_overflow(value_ns);
      return;
    }
    ++counts_[i];
    // Squares of the distance to the first value, not of the value, so the variance does not
    // cancel to noise when the spread is tiny next to the mean; both lie in [0, 2^37), so the
    // square is below 2^74 and 2^54 of them fit: exact integers, no floating point here.
    const std::int64_t d = value_ns - shift_;
    sum_sq_ += static_cast<unsigned __int128>(static_cast<__int128>(d) * d);
  }

  /// Adds another histogram's samples (the layout is fixed, so any two histograms merge).
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }  ///< every sample, overflow included
  std::uint64_t overflow() const { return counts_[kCountsLength]; }  ///< samples > highest
  std::int64_t min() const { return count_ ? min_ : 0; }             ///< exact; 0 when empty
  std::int64_t max() const { return count_ ? max_ : 0; }             ///< exact; 0 when empty
  double mean() const;    ///< exact sum / count; 0 when empty
  double stddev() const;  ///< sample standard deviation (n - 1); 0 for fewer than two samples

  /// Nearest-rank percentile with harness/stats/stats.cpp's rank (p in parts per million, integer
  /// arithmetic): the highest value of the bucket holding that rank, clamped to [min(), max()],
  /// except that rank 1 is min() and rank count() is max(), both exact (so p 0 and p 100 are
  /// exact). A rank among overflow samples reads as max().
  /// Throws std::invalid_argument (a std::logic_error) when empty or p is outside [0, 100], as
  /// percentile_sorted does.
  std::int64_t percentile(double p) const;

  /// Bytes this histogram occupies; independent of how many samples it holds.
  std::size_t memory_bytes() const;

  /// The flat counts index of a value >= 0 (>= kCountsLength for values above the highest).
  static std::size_t counts_index(std::int64_t value_ns) {
    const auto v = static_cast<std::uint64_t>(value_ns);
    const int b = 53 - __builtin_clzll(v | 2047);  // bucket; | 2047 folds 0..2047 into bucket 0
    return (static_cast<std::size_t>(b) << kSubBucketHalfCountMagnitude) + (v >> b);
  }

  /// The values one flat index stands for; std::invalid_argument outside 0 .. kCountsLength - 1.
  static ValueRange value_range(std::size_t index);

  /// Sparse JSON, in this key order:
  /// {"format":"hdr-log-linear-v1","unit":"ns","sub_bucket_count":2048,
  ///  "highest_trackable_ns":137438953471,"count":N,"min":..,"max":..,"sum":..,"m2":..,
  ///  "overflow":K,"buckets":[[index,count],...]}
  /// `sum` is the exact sum of all samples (an integer; a double only beyond 2^63 - 1), `m2` the
  /// sum of squared deviations from the mean (ns^2, a double; stddev = sqrt(m2 / (count - 1)),
  /// and two histograms' m2 combine by Chan's formula), `buckets` the non-zero flat indices in
  /// ascending order (overflow samples are not in it). An empty histogram has min = max = 0.
  nlohmann::ordered_json to_json() const;

  /// The inverse of to_json(). Throws std::invalid_argument (one line) for another format, unit,
  /// sub_bucket_count or highest_trackable_ns, or inconsistent contents: counts that do not add
  /// up, or a min, max, sum or m2 that no samples in its buckets could have.
  static LatencyHistogram from_json(const nlohmann::json& j);

 private:
  [[noreturn]] static void throw_negative(std::int64_t value_ns);
  void record_overflow(std::int64_t value_ns);
  long double sum_sq() const;  // sum (value - shift_)^2 over all samples
  long double m2() const;

  std::vector<std::uint64_t> counts_;  // kCountsLength + 1: the last slot counts overflow
  std::uint64_t count_ = 0;
  __int128 sum_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
  // The squares are taken around shift_: the first value (at most kHighestTrackableNs), or the
  // mean for a histogram read from JSON. sum_sq_ holds the exact squares of tracked values; the
  // rare rest (overflow samples, merged and restored moments) goes to sum_sq_extra_.
  std::int64_t shift_ = 0;
  unsigned __int128 sum_sq_ = 0;
  long double sum_sq_extra_ = 0;
};

/// count, min, mean, stddev, p50, p90, p99, p99.9 and max of a histogram; all zero when empty,
/// like summarize() of no samples.
LatencySummary summarize(const LatencyHistogram& histogram);

}  // namespace wpbench
