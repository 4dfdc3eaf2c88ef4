#pragma once
/// The time source behind every sample; an interface so statistics and runner tests can use a
/// fake clock instead of the machine's.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <thread>

namespace wpbench {

/// A monotonic time source.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Nanoseconds since an arbitrary, fixed epoch; never goes backwards.
  virtual std::chrono::nanoseconds now() = 0;
  /// Returns at or after `t` (an open-loop insert's intended start). The default polls now(),
  /// which suits fake clocks that move on every read.
  virtual void sleep_until(std::chrono::nanoseconds t) {
    while (now() < t) {
    }
  }
};

/// CLOCK_MONOTONIC via std::chrono::steady_clock: read through the vDSO, tens of nanoseconds,
/// not affected by NTP steps.
class SteadyClock final : public Clock {
 public:
  std::chrono::nanoseconds now() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
  /// Sleeps to 100 µs before `t`, then spins: an open-loop latency counts from the intended
  /// start, so a plain sleep's wake-up delay (the kernel's timer slack, 50 µs by default, plus
  /// scheduling) would be added to every sample. The spin is short, so the server keeps its core.
  void sleep_until(std::chrono::nanoseconds t) override {
    constexpr std::chrono::nanoseconds kSpin{100000};
    if (t - now() > kSpin) {
      std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(t - kSpin)));
    }
    while (now() < t) {
    }
  }
};

/// CPU time consumed so far by `clock` (CLOCK_THREAD_CPUTIME_ID: what the driver did for one
/// insert, kernel time included; CLOCK_PROCESS_CPUTIME_ID: every thread). A system call, not the
/// vDSO, so it is read outside timed regions only.
inline std::int64_t cpu_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace wpbench
