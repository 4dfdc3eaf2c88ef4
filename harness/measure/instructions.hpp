#pragma once
/// --instructions: the client's own work per insert as a count of machine instructions, under
/// valgrind's callgrind. A count is the same on every run of the same build, whatever else the
/// machine does, so a CI gate on it does not flake. It covers the client only: the driver, the
/// library, the interpreter, the harness's call; not the server, the network's wait or the
/// commit flush, which happen in other processes or in the kernel.

#include <cstdint>
#include <optional>
#include <string>

#include "core/driver.hpp"
#include "core/result.hpp"

namespace wpbench {

struct RunConfig;

/// Where valgrind is, or why it cannot be used (not installed).
std::optional<std::string> find_valgrind();

/// Runs `c` once more under `valgrind --tool=callgrind` in a child (this binary with
/// --callgrind-case, or the Python arm with its count command), counting only the `inserts`
/// measured inserts after cfg.warmup uninstrumented ones. The rows go to `e`'s table like a
/// case's; the caller verifies them. `self` is this executable, `dir` a scratch dir for
/// callgrind's output. Never throws: a failure is in .error.
InstructionCount count_instructions(const Case& c, const Endpoint& e, const RunConfig& cfg,
                                    std::uint64_t inserts, const std::string& self,
                                    const std::string& dir);

/// The child side for a C++ path, inside valgrind: opens `c` on `e`, warms up, then instruments
/// and counts `inserts` inserts of the decisions of `seed` (collection toggled around each
/// insert alone). Returns the exit code.
int callgrind_child(const Case& c, const Endpoint& e, std::uint64_t warmup, std::uint64_t inserts,
                    std::uint64_t seed);

}  // namespace wpbench
