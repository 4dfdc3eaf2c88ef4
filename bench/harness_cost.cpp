// What the harness itself adds to every sample: the clock reads around an insert and the
// recording of the result. It must stay far below 1 µs, or it would distort latencies of
// ~100 µs that differ by a few µs between drivers.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "measure/clock.hpp"
#include "measure/recorder.hpp"
#include "stats/histogram.hpp"
#include "stats/timeseries.hpp"

namespace {

// One monotonic clock read (vDSO clock_gettime behind std::chrono::steady_clock).
void BM_ClockRead(benchmark::State& state) {
  wpbench::SteadyClock clock;
  for (auto _ : state) benchmark::DoNotOptimize(clock.now());
}
BENCHMARK(BM_ClockRead);

// The runner's per-sample overhead with an empty insert: two clock reads through the Clock
// interface (a virtual call, as in runner.cpp) and one push_back into a reserved vector.
void BM_SampleOverhead(benchmark::State& state) {
  wpbench::SteadyClock steady;
  wpbench::Clock& clock = steady;
  std::vector<std::int64_t> samples;
  samples.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = clock.now();
    const auto t1 = clock.now();
    samples.push_back((t1 - t0).count());
    if (samples.size() == samples.capacity()) samples.clear();  // stay inside the reservation
  }
  benchmark::DoNotOptimize(samples.data());
}
BENCHMARK(BM_SampleOverhead);

// Latencies with a realistic spread (100 µs to ~25 ms, fixed pseudo-random order), so the
// histogram's index computation and memory accesses see what they see in a run, not one value.
std::vector<std::int64_t> spread_latencies() {
  std::vector<std::int64_t> v(1 << 16);
  std::uint64_t x = 88172645463325252ULL;  // xorshift64: cheap, fixed, no <random> state
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = 100'000 + static_cast<std::int64_t>(x % 400'000) * static_cast<std::int64_t>(1 + x % 60);
  }
  return v;
}

// One LatencyHistogram::record, the cost a sample pays when the runner records into a histogram
// instead of (or beside) the sample vector.
void BM_HistogramRecord(benchmark::State& state) {
  const auto latencies = spread_latencies();
  wpbench::LatencyHistogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(latencies[i]);
    i = (i + 1) & (latencies.size() - 1);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

// The per-sample overhead of BM_SampleOverhead with a histogram instead of the sample vector:
// two clock reads through the Clock interface and one record.
void BM_SampleOverheadHistogram(benchmark::State& state) {
  wpbench::SteadyClock steady;
  wpbench::Clock& clock = steady;
  wpbench::LatencyHistogram h;
  for (auto _ : state) {
    const auto t0 = clock.now();
    const auto t1 = clock.now();
    h.record((t1 - t0).count());
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_SampleOverheadHistogram);

// One TimeSeries::record with samples in time order (the runner's case): ~1 µs apart, so most
// land in the current second and a few start a new one.
void BM_TimeSeriesRecord(benchmark::State& state) {
  const auto latencies = spread_latencies();
  wpbench::TimeSeries ts;
  std::int64_t since_start = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    ts.record(since_start, latencies[i]);
    since_start += 1000;
    // Stay inside the reserved five minutes, as a run's measured phase does.
    if (since_start >= 290'000'000'000) since_start = 0;
    i = (i + 1) & (latencies.size() - 1);
  }
  benchmark::DoNotOptimize(ts.intervals().data());
}
BENCHMARK(BM_TimeSeriesRecord);

// What the runner really pays per sample: two clock reads and one Recorder::record (histogram,
// per-second series, raw sample). The recorder starts afresh every million
// samples, as each repetition of a case does, so its raw vectors stay under the cap.
void BM_SampleOverheadRecorder(benchmark::State& state) {
  wpbench::SteadyClock steady;
  wpbench::Clock& clock = steady;
  auto rec = std::make_unique<wpbench::Recorder>(1u << 20, false);
  const auto start = clock.now();
  std::size_t n = 0;
  for (auto _ : state) {
    const auto t0 = clock.now();
    const auto t1 = clock.now();
    rec->record((t0 - start).count() % 290'000'000'000, (t1 - t0).count());
    if (++n == (1u << 20)) {
      state.PauseTiming();
      rec = std::make_unique<wpbench::Recorder>(1u << 20, false);
      n = 0;
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(rec->count());
}
BENCHMARK(BM_SampleOverheadRecorder);

}  // namespace

BENCHMARK_MAIN();
