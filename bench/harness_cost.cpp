// What the harness itself adds to every sample: the clock reads around an insert and the
// recording of the result. It must stay far below 1 µs, or it would distort latencies of
// ~100 µs that differ by a few µs between drivers.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "clock.hpp"

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

}  // namespace

BENCHMARK_MAIN();
