#pragma once
/// Reading the context a run is measured in (core/context.hpp): when, the machine
/// (sys/machine.hpp), the build and the libraries. The server's settings and what they mean for
/// durability: db/durability.hpp.

#include "core/context.hpp"

namespace wpbench {

/// Fills run id, timestamp, host, build and library facts.
RunContext collect_context();

}  // namespace wpbench
