#pragma once
/// The time source behind every sample; an interface so statistics and runner tests can use a
/// fake clock instead of the machine's.

#include <chrono>
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
  /// A timed sleep, not a spin: spinning would take a core from the server on a small machine.
  /// The kernel's wake-up slack (tens of µs) lands in the schedule lag, where it is reported.
  void sleep_until(std::chrono::nanoseconds t) override {
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(t)));
  }
};

}  // namespace wpbench
