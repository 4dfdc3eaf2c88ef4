#pragma once
/// The Python arm: the seed post's own stack (psycopg2, SQLAlchemy, psycopg 3, sqlite3) run as a
/// child process of Debian's python3, measured beside the C++ paths on the same server and rows.

#include <atomic>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "core/result.hpp"
#include "core/run_config.hpp"
#include "measure/arm_ops.hpp"
#include "measure/measurement.hpp"
#include "measure/writer.hpp"

namespace wpbench {

/// Writes the arm's script (harness/drivers/python/wpbench_arm.py, embedded at build time) into
/// `dir`; returns its path.
std::string write_python_arm(const std::string& dir);

/// The registry (harness/drivers/registry.cpp) has a Python case the arm does not: a build
/// mistake, so the run stops instead of reporting the case not measured.
class ArmDisagrees : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// What python3 on this machine can run.
struct PythonCheck {
  /// Case (driver/variant) -> why it cannot run here, naming the Debian package to install.
  std::map<std::string, std::string> unavailable;
  std::map<std::string, std::string> versions;  ///< python, psycopg2, sqlalchemy, psycopg
  bool usable = true;  ///< false when the interpreter itself is missing or cannot run the arm
};

/// Asks the interpreter which of the Python cases it can import what they need for. An
/// interpreter that is missing or broken makes every case unavailable, with why; the only throw
/// is ArmDisagrees, for a case the arm does not have.
PythonCheck check_python(const RunConfig& cfg, const std::vector<Case>& cases,
                         const std::string& log_path);

/// Runs one Python case: the child times each durable insert with time.perf_counter_ns() and
/// hands back the raw samples. `stop` is forwarded to it as SIGINT. Call it from the main
/// thread: the child dies with the thread that started it (process.hpp).
Measurement measure_python(const Case& c, const Endpoint& e, const RunConfig& cfg,
                           const std::atomic<bool>& stop);

/// What opening and closing a connection costs through the Python libraries `libraries`
/// ("psycopg2", "psycopg3", "sqlalchemy": a new Engine and its first connect, dialect set-up
/// included), for each target, as measure_connect_costs (measure/connect_cost.hpp) does for the
/// C++ ones: one untimed open and close, then `n` timed. A child's failure (a refusal) is that
/// row's error; a stop keeps what was timed and starts nothing more. Each connect bumps
/// cfg.progress. Call it from the main thread (process.hpp).
std::vector<ConnectCost> measure_python_connects(const std::vector<std::string>& libraries,
                                                 const std::vector<ConnectTarget>& targets,
                                                 std::uint64_t n, const RunConfig& cfg,
                                                 const std::atomic<bool>& stop);

/// The session of a Python case for interleaved rounds (writer.hpp): a long-lived child running
/// `wpbench_arm.py serve`, one insert per request over a pipe, timed by the child itself. Throws
/// DriverError when the child cannot connect. Call it from the main thread (process.hpp).
std::unique_ptr<Writer> open_python_writer(const Case& c, const Endpoint& e, const RunConfig& cfg,
                                           std::uint64_t seed);

/// The Python arm as the measuring code sees it (arm_ops.hpp): measure_python, open_python_writer
/// and the callgrind command of the arm's `count` mode. The registry's Python rows point at it.
const ArmOps* python_arm();

/// python3 -> the checksum of the first `count` decisions for `seed` by the arm's generator
/// (the test that both generators make the same rows).
std::string python_checksum(const RunConfig& cfg, std::uint64_t seed, std::uint64_t count,
                            const std::string& log_path);

/// The arm's own cases (`wpbench_arm.py list`): driver/variant -> "postgres" or "sqlite" (the
/// test that the registry and the arm agree). Throws std::runtime_error when it cannot list.
std::map<std::string, std::string> python_arm_cases(const RunConfig& cfg,
                                                    const std::string& log_path);

}  // namespace wpbench
