#pragma once
/// One case's open session as the interleaved runner drives it (--interleave sample): one insert
/// at a time, timed, so every case of a repetition can take its turn in each round. A C++ path's
/// writer times its Session in this process; the Python arm's is a child process that times its
/// own inserts (harness/drivers/python/python_arm.hpp, through arm_ops.hpp), the pipe's round trip
/// outside the timed region.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/driver.hpp"
#include "measure/clock.hpp"

namespace wpbench {

struct RunConfig;

class Writer {
 public:
  /// One measured insert. `start`/`end` are this process's clock around the whole call (for the
  /// idle gap between a connection's inserts); `latency_ns` is the insert alone.
  struct Sample {
    std::int64_t latency_ns = 0;
    std::int64_t cpu_ns = 0;  ///< client CPU time across the insert (the driver's own work)
    std::chrono::nanoseconds start{0}, end{0};
  };
  virtual ~Writer() = default;
  /// How long opening the session took.
  virtual std::int64_t connect_ns() const = 0;
  /// `n` inserts before measuring, untimed; throws on failure.
  virtual void warm_up(std::uint64_t n) = 0;
  /// One durable insert of the case's next decision, timed; throws DriverError on failure.
  virtual Sample write_one(Clock& clock) = 0;
  /// Ends the session; the rows it inserted, warm-up included, when it can tell.
  virtual std::optional<std::uint64_t> finish() = 0;
};

/// Opens the session of a C++ path (one without an ArmOps) writing the decisions of `seed`; throws
/// DriverError when it cannot connect.
std::unique_ptr<Writer> open_native_writer(const Case& c, const Endpoint& e, std::uint64_t seed,
                                           Clock& clock);

}  // namespace wpbench
