#pragma once
/// Where a case's measured latencies go: a histogram (bounded memory, for every sample), a
/// per-second time series (stalls), and the raw samples up to a cap (exact statistics and the
/// result scripts' time-ordered methods, while a run stays small enough to keep them).

#include <cstdint>
#include <optional>
#include <vector>

#include "stats/histogram.hpp"
#include "stats/timeseries.hpp"

namespace wpbench {

class Recorder {
 public:
  /// `raw_max`: keep raw samples while there are at most this many; past it they are all
  /// dropped (a prefix would bias every statistic drawn from it) and memory stays bounded.
  /// `open_loop`: also record how far each start lagged behind its schedule.
  Recorder(std::uint64_t raw_max, bool open_loop);

  // Move-only: a copy of the raw samples gets only their size as capacity, so the copy would
  // reallocate between samples, which the reservation in the constructor is there to prevent
  // (--clients once copy-constructed a recorder per client this way). A move keeps the buffer.
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  Recorder(Recorder&&) = default;
  Recorder& operator=(Recorder&&) = default;

  /// One measured insert, `since_start_ns` after the measured phase began. Outside the timed
  /// region, but cheap anyway: a histogram count, a time-series bucket, maybe a push_back.
  void record(std::int64_t since_start_ns, std::int64_t latency_ns) {
    histogram_.record(latency_ns);
    timeseries_.record(since_start_ns, latency_ns);
    if (raw_kept_) {
      if (raw_.size() < raw_max_) {
        raw_.push_back(latency_ns);
      } else {
        drop_raw();
      }
    }
  }
  /// Open loop: the delay between an insert's intended and actual start.
  void record_lag(std::int64_t lag_ns) { lag_->record(lag_ns); }

  std::uint64_t count() const { return histogram_.count(); }
  bool raw_kept() const { return raw_kept_; }
  const std::vector<std::int64_t>& raw() const { return raw_; }
  std::vector<std::int64_t> take_raw() { return std::move(raw_); }
  const LatencyHistogram& histogram() const { return histogram_; }
  const TimeSeries& timeseries() const { return timeseries_; }
  const std::optional<LatencyHistogram>& lag() const { return lag_; }

 private:
  void drop_raw();

  std::uint64_t raw_max_;
  bool raw_kept_ = true;
  std::vector<std::int64_t> raw_;
  LatencyHistogram histogram_;
  TimeSeries timeseries_;
  std::optional<LatencyHistogram> lag_;
};

}  // namespace wpbench
