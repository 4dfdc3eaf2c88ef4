#include "stats/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace wpbench {

namespace {

// harness/stats/stats.cpp's nearest rank, mirrored to the letter so a histogram percentile lands in
// the bucket of the sample percentile_sorted would return: p as parts per million, so no binary
// rounding of 99.9 can move the rank by one, whatever n is.
std::uint64_t nearest_rank(std::uint64_t n, double p) {
  const auto ppm = static_cast<unsigned __int128>(std::llround(p * 10000.0));
  const auto wide_n = static_cast<unsigned __int128>(n);
  const auto rank = static_cast<std::uint64_t>((ppm * wide_n + 999999) / 1000000);
  return std::clamp<std::uint64_t>(rank, 1, n);
}

[[noreturn]] void bad_json(const std::string& what) {
  throw std::invalid_argument("not a " + std::string(LatencyHistogram::kFormat) +
                              " histogram: " + what);
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kCountsLength + 1, 0) {}

void LatencyHistogram::throw_negative(std::int64_t value_ns) {
  throw std::invalid_argument("negative latency " + std::to_string(value_ns) + " ns");
}

void LatencyHistogram::record_overflow(std::int64_t value_ns) {
  ++counts_[kCountsLength];
  const auto d = static_cast<long double>(value_ns - shift_);  // both >= 0: cannot overflow
  sum_sq_extra_ += d * d;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  for (std::size_t i = 0; i <= kCountsLength; ++i) counts_[i] += other.counts_[i];
  // Move the other's squares to this shift: sum (x - a)^2 = sum (x - b)^2
  //   + 2 (b - a) sum (x - b) + n (b - a)^2, with sum (x - b) exact in integers.
  const auto delta = static_cast<long double>(other.shift_ - shift_);
  const auto other_s1 =
      static_cast<long double>(other.sum_ - static_cast<__int128>(other.count_) * other.shift_);
  sum_sq_extra_ += other.sum_sq() + 2 * delta * other_s1 +
                   static_cast<long double>(other.count_) * delta * delta;
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

long double LatencyHistogram::sum_sq() const {
  return static_cast<long double>(sum_sq_) + sum_sq_extra_;
}

long double LatencyHistogram::m2() const {
  if (count_ < 2) return 0;
  const auto n = static_cast<long double>(count_);
  const auto s1 = static_cast<long double>(sum_ - static_cast<__int128>(count_) * shift_);
  return std::max<long double>(0, sum_sq() - s1 * s1 / n);  // rounding must not go below 0
}

double LatencyHistogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

double LatencyHistogram::stddev() const {
  if (count_ < 2) return 0.0;
  return static_cast<double>(std::sqrt(m2() / static_cast<long double>(count_ - 1)));
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) throw std::invalid_argument("percentile of no samples");
  if (!(p >= 0.0 && p <= 100.0)) throw std::invalid_argument("percentile outside [0, 100]");
  const std::uint64_t rank = nearest_rank(count_, p);
  // The first and last samples are known exactly; a bucket would only bound them.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kCountsLength; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(value_range(i).highest, min_, max_);
  }
  return max_;  // the rank is among the overflow samples, all above every bucket
}

std::size_t LatencyHistogram::memory_bytes() const {
  return sizeof(*this) + counts_.capacity() * sizeof(std::uint64_t);
}

ValueRange LatencyHistogram::value_range(std::size_t index) {
  if (index >= kCountsLength) {
    throw std::invalid_argument("histogram index " + std::to_string(index) + " outside [0, " +
                                std::to_string(kCountsLength) + ")");
  }
  const auto i = static_cast<std::int64_t>(index);
  const std::int64_t b = std::max<std::int64_t>(0, (i >> kSubBucketHalfCountMagnitude) - 1);
  const std::int64_t lowest = (i - (b << kSubBucketHalfCountMagnitude)) << b;
  return {lowest, lowest + (std::int64_t{1} << b) - 1};
}

nlohmann::ordered_json LatencyHistogram::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["unit"] = "ns";
  j["sub_bucket_count"] = kSubBucketCount;
  j["highest_trackable_ns"] = kHighestTrackableNs;
  j["count"] = count_;
  j["min"] = min();
  j["max"] = max();
  if (sum_ <= std::numeric_limits<std::int64_t>::max()) {
    j["sum"] = static_cast<std::int64_t>(sum_);
  } else {
    j["sum"] = static_cast<double>(sum_);
  }
  j["m2"] = static_cast<double>(m2());
  j["overflow"] = overflow();
  auto buckets = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < kCountsLength; ++i) {
    if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
  }
  j["buckets"] = std::move(buckets);
  return j;
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad_json("not a JSON object");
  const auto field = [&j](const char* name) -> const nlohmann::json& {
    const auto it = j.find(name);
    if (it == j.end()) bad_json(std::string("no \"") + name + "\"");
    return *it;
  };
  const auto integer = [&field](const char* name) -> std::int64_t {
    const auto& v = field(name);
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
      bad_json(std::string("\"") + name + "\" is not an integer >= 0");
    }
    return v.get<std::int64_t>();
  };
  const auto& format = field("format");
  if (!format.is_string() || format.get<std::string>() != kFormat) {
    bad_json("format is " + format.dump());
  }
  if (field("unit") != "ns") bad_json("unit is " + field("unit").dump() + ", not \"ns\"");
  if (integer("sub_bucket_count") != kSubBucketCount) {
    bad_json("sub_bucket_count is " + field("sub_bucket_count").dump() + ", not 2048");
  }
  if (integer("highest_trackable_ns") != kHighestTrackableNs) {
    bad_json("highest_trackable_ns is " + field("highest_trackable_ns").dump() + ", not " +
             std::to_string(kHighestTrackableNs));
  }

  LatencyHistogram h;
  h.count_ = static_cast<std::uint64_t>(integer("count"));
  const std::int64_t min = integer("min");
  const std::int64_t max = integer("max");
  const auto& sum = field("sum");
  const auto& m2 = field("m2");
  // An integer sum is exact (a parser reads one above 2^63 - 1 as unsigned); to_json writes a
  // double only beyond that, and a count below 2^63 of values below 2^63 stays below 2^126, so
  // any other double cannot be a sum (nor converted to one: that would be undefined).
  const long double sum_value =
      sum.is_number_unsigned()  ? static_cast<long double>(sum.get<std::uint64_t>())
      : sum.is_number_integer() ? static_cast<long double>(sum.get<std::int64_t>())
      : sum.is_number()         ? sum.get<long double>()
                                : -1.0L;
  const long double m2_value = m2.is_number() ? m2.get<long double>() : -1.0L;
  if (!(sum_value >= 0 && sum_value < 0x1p126L) || !(m2_value >= 0 && std::isfinite(m2_value))) {
    bad_json("\"sum\" or \"m2\" is not a finite number >= 0");
  }
  h.counts_[kCountsLength] = static_cast<std::uint64_t>(integer("overflow"));

  const auto& buckets = field("buckets");
  if (!buckets.is_array()) bad_json("\"buckets\" is not an array");
  unsigned __int128 total = h.counts_[kCountsLength];  // wide: counts of 2^63 - 1 must not wrap
  std::int64_t previous = -1;
  for (const auto& b : buckets) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer() ||
        b[1].get<std::int64_t>() <= 0) {
      bad_json("a bucket is not [index, count > 0]: " + b.dump());
    }
    const auto index = b[0].get<std::int64_t>();
    if (index <= previous || index >= static_cast<std::int64_t>(kCountsLength)) {
      bad_json("bucket index " + std::to_string(index) + " out of order or range");
    }
    previous = index;
    h.counts_[static_cast<std::size_t>(index)] = b[1].get<std::uint64_t>();
    total += b[1].get<std::uint64_t>();
  }
  if (total != h.count_) {
    bad_json("buckets and overflow hold " +
             (total > std::numeric_limits<std::uint64_t>::max()
                  ? std::string("more than 2^64")
                  : std::to_string(static_cast<std::uint64_t>(total))) +
             " samples, count is " + std::to_string(h.count_));
  }
  if (h.count_ == 0) return h;
  if (min > max) bad_json("min > max");
  // min and max are samples, so they lie in the lowest and the highest bucket that holds one (or
  // above every bucket, among the overflow samples); the mean lies between them.
  const ValueRange above_every_bucket{kHighestTrackableNs + 1,
                                      std::numeric_limits<std::int64_t>::max()};
  const auto range_of = [](const nlohmann::json& b) {
    return value_range(static_cast<std::size_t>(b[0].get<std::int64_t>()));
  };
  const ValueRange lowest = buckets.empty() ? above_every_bucket : range_of(buckets.front());
  const ValueRange highest = h.overflow() > 0 ? above_every_bucket : range_of(buckets.back());
  if (min < lowest.lowest || min > lowest.highest) bad_json("min is not in the lowest bucket");
  if (max < highest.lowest || max > highest.highest) {
    bad_json("max is not in the highest bucket or the overflow");
  }
  h.min_ = min;
  h.max_ = max;
  h.sum_ = sum.is_number_unsigned()  ? static_cast<__int128>(sum.get<std::uint64_t>())
           : sum.is_number_integer() ? static_cast<__int128>(sum.get<std::int64_t>())
                                     : static_cast<__int128>(sum_value);
  const auto n = static_cast<__int128>(h.count_);
  // A double sum was rounded once (to 53 bits); an integer one must be exact.
  const __int128 slack = sum.is_number_integer() ? 0 : h.sum_ / (__int128{1} << 50) + 1;
  if (h.sum_ < n * min - slack || h.sum_ > n * max + slack) {
    bad_json("sum is not between count x min and count x max");
  }
  // No spread of values in [min, max] has a larger sum of squared deviations (Popoviciu).
  const auto range = static_cast<long double>(max - min);
  if (m2_value > static_cast<long double>(h.count_) * range * range / 4 * (1 + 1e-9L) + 1) {
    bad_json("m2 is more than values between min and max can have");
  }
  // Shift by the truncated mean: sum (x - shift) is then in [0, n), so adding and later removing
  // its square / n leaves m2 as it was written. Capped like record()'s shift, so the squares of
  // samples recorded later still fit the exact integer sum.
  h.shift_ = static_cast<std::int64_t>(
      std::min<__int128>(h.sum_ / static_cast<__int128>(h.count_), kHighestTrackableNs));
  const auto s1 = static_cast<long double>(h.sum_ - static_cast<__int128>(h.count_) * h.shift_);
  h.sum_sq_extra_ = m2_value + s1 * s1 / static_cast<long double>(h.count_);
  return h;
}

LatencySummary summarize(const LatencyHistogram& histogram) {
  LatencySummary s;
  if (histogram.count() == 0) return s;
  s.count = histogram.count();
  s.min_ns = histogram.min();
  s.max_ns = histogram.max();
  s.mean_ns = histogram.mean();
  s.stddev_ns = histogram.stddev();
  s.p50_ns = histogram.percentile(50);
  s.p90_ns = histogram.percentile(90);
  s.p99_ns = histogram.percentile(99);
  s.p999_ns = histogram.percentile(99.9);
  return s;
}

}  // namespace wpbench
