#include "recorder.hpp"

#include <algorithm>

namespace wpbench {

Recorder::Recorder(std::uint64_t raw_max, bool open_loop, bool keep_starts)
    : raw_max_(raw_max), keep_starts_(keep_starts) {
  // Reserved up front so no reallocation lands between samples of a default-sized run.
  raw_.reserve(std::min<std::uint64_t>(raw_max, 1u << 20));
  if (keep_starts_) starts_.reserve(raw_.capacity());
  if (open_loop) lag_.emplace();
}

void Recorder::drop_raw() {
  raw_kept_ = false;
  std::vector<std::int64_t>().swap(raw_);  // give the memory back, not just the size
  std::vector<std::int64_t>().swap(starts_);
}

void Recorder::merge_counts(const Recorder& other) {
  histogram_.merge(other.histogram_);
  timeseries_.merge(other.timeseries_);
  if (lag_ && other.lag_) lag_->merge(*other.lag_);
  drop_raw();
}

Recorder Recorder::merge_in_time_order(const std::vector<Recorder>& parts, std::uint64_t raw_max,
                                       bool open_loop) {
  Recorder out(raw_max, open_loop);
  std::uint64_t total = 0;
  bool all_raw = true;
  for (const auto& p : parts) {
    total += p.count();
    all_raw = all_raw && p.raw_kept();
  }
  if (!all_raw || total > raw_max) {
    for (const auto& p : parts) out.merge_counts(p);
    return out;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> all;  // (start, latency)
  all.reserve(total);
  for (const auto& p : parts) {
    for (std::size_t i = 0; i < p.raw_.size(); ++i) all.emplace_back(p.starts_[i], p.raw_[i]);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [start, latency] : all) out.record(start, latency);
  if (open_loop) {
    out.lag_.emplace();
    for (const auto& p : parts) {
      if (p.lag_) out.lag_->merge(*p.lag_);
    }
  }
  return out;
}

}  // namespace wpbench
