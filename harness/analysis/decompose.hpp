#pragma once
/// Where one case's latency goes: its p50 split into round trips, the commit's flush, the
/// database's own work and what is left for the driver, from the floors measured on the same
/// server (floors.hpp). Pure: no I/O, no clock.

#include <cstdint>
#include <string>

#include "core/decomposition.hpp"

namespace wpbench {

/// Splits `case_p50_ns` of a case with `round_trips` over `transport` ("unix", "tcp" or "file"
/// for SQLite); `durable_commit` is whether its commit waits for the flush (synchronous_commit=on,
/// or SQLite synchronous FULL/EXTRA); `idle` that its samples were taken sample by sample, each
/// on a connection idle while the others took their turns (the wake term is then counted when
/// the idle round trip was measured). Throws std::invalid_argument on an unknown transport,
/// negative inputs, or round trips for a file case.
Decomposition decompose(int round_trips, const std::string& transport, bool durable_commit,
                        std::int64_t case_p50_ns, const Floors& f, bool idle = false);

}  // namespace wpbench
