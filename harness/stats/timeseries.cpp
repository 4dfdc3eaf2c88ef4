#include "stats/timeseries.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace wpbench {

namespace {
constexpr std::int64_t kReservedNs = 300'000'000'000;
constexpr std::size_t kMaxReserved = 65536;
}  // namespace

double TimeSeries::Interval::mean_ns() const {
  if (count == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_ns) / static_cast<long double>(count));
}

TimeSeries::TimeSeries(std::int64_t interval_ns) : interval_ns_(interval_ns) {
  if (interval_ns <= 0) {
    throw std::invalid_argument("time series interval " + std::to_string(interval_ns) +
                                " ns is not positive");
  }
  const auto five_minutes = static_cast<std::size_t>(kReservedNs / interval_ns);
  intervals_.reserve(std::clamp<std::size_t>(five_minutes, 1, kMaxReserved));
}

void TimeSeries::throw_negative_latency(std::int64_t latency_ns) {
  throw std::invalid_argument("negative latency " + std::to_string(latency_ns) + " ns");
}

void TimeSeries::seek(std::int64_t since_start_ns) {
  if (since_start_ns < 0) {
    throw std::invalid_argument("sample " + std::to_string(since_start_ns) +
                                " ns before the phase started");
  }
  const auto index = static_cast<std::uint64_t>(since_start_ns / interval_ns_);
  if (index >= kMaxIntervals) {
    throw std::invalid_argument("sample " + std::to_string(since_start_ns) +
                                " ns after the phase started is beyond the time series' " +
                                std::to_string(kMaxIntervals) + " intervals");
  }
  current_ = static_cast<std::size_t>(index);
  if (current_ >= intervals_.size()) intervals_.resize(current_ + 1);
  current_begin_ = static_cast<std::int64_t>(index) * interval_ns_;
  // The last interval of a huge interval_ns may end past INT64_MAX; saturate.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  current_end_ = current_begin_ > kMax - interval_ns_ ? kMax : current_begin_ + interval_ns_;
}

void TimeSeries::merge(const TimeSeries& other) {
  if (other.interval_ns_ != interval_ns_) {
    throw std::invalid_argument("cannot merge time series of " +
                                std::to_string(other.interval_ns_) + " ns intervals into one of " +
                                std::to_string(interval_ns_) + " ns");
  }
  if (other.intervals_.size() > intervals_.size()) intervals_.resize(other.intervals_.size());
  for (std::size_t i = 0; i < other.intervals_.size(); ++i) {
    Interval& e = intervals_[i];
    const Interval& o = other.intervals_[i];
    e.count += o.count;
    e.sum_ns += o.sum_ns;
    e.max_ns = std::max(e.max_ns, o.max_ns);
  }
}

nlohmann::ordered_json TimeSeries::to_json() const {
  auto count = nlohmann::ordered_json::array();
  auto mean = nlohmann::ordered_json::array();
  auto max = nlohmann::ordered_json::array();
  for (const Interval& e : intervals_) {
    count.push_back(e.count);
    mean.push_back(e.mean_ns());
    max.push_back(e.max_ns);
  }
  nlohmann::ordered_json j;
  j["interval_ns"] = interval_ns_;
  j["count"] = std::move(count);
  j["mean_ns"] = std::move(mean);
  j["max_ns"] = std::move(max);
  return j;
}

}  // namespace wpbench
