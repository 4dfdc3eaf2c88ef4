#pragma once
/// A driver path that runs outside this process (the Python arm,
/// harness/drivers/python/python_arm.hpp): what the measuring code asks of it. The registry row of
/// such a path points at its ArmOps (DriverPath::arm); a null one is a C++ path, run here through
/// DriverPath::open.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "core/run_config.hpp"
#include "measure/measurement.hpp"
#include "measure/writer.hpp"

namespace wpbench {

struct ArmOps {
  /// Runs one repetition of `c` in one stretch (--interleave case, open loop): the child times
  /// each insert and hands back the raw samples; `stop` is forwarded to it. Call it from the
  /// main thread: the child dies with the thread that started it (process.hpp).
  Measurement (*measure)(const Case& c, const Endpoint& e, const RunConfig& cfg,
                         const std::atomic<bool>& stop);
  /// The case's session for interleaved rounds (writer.hpp), writing the decisions of `seed`;
  /// throws DriverError when it cannot connect. Call it from the main thread.
  std::unique_ptr<Writer> (*open_writer)(const Case& c, const Endpoint& e, const RunConfig& cfg,
                                         std::uint64_t seed);
  /// --instructions: the whole command that counts `inserts` inserts of `c` under callgrind after
  /// cfg.warmup uncounted ones, given `valgrind` (valgrind and its options); the arm may put an
  /// environment in front of it. `self` is this executable. Throws std::runtime_error (one line)
  /// when there is none.
  std::vector<std::string> (*callgrind_command)(const Case& c, const Endpoint& e,
                                                const RunConfig& cfg, std::uint64_t inserts,
                                                const std::string& self,
                                                const std::vector<std::string>& valgrind);
};

}  // namespace wpbench
