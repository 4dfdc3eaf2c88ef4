#pragma once
/// The time source behind every sample; an interface so statistics and runner tests can use a
/// fake clock instead of the machine's.

#include <chrono>

namespace wpbench {

/// A monotonic time source.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Nanoseconds since an arbitrary, fixed epoch; never goes backwards.
  virtual std::chrono::nanoseconds now() = 0;
};

/// CLOCK_MONOTONIC via std::chrono::steady_clock: read through the vDSO, tens of nanoseconds,
/// not affected by NTP steps.
class SteadyClock final : public Clock {
 public:
  std::chrono::nanoseconds now() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace wpbench
