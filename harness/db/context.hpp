#pragma once
/// Reading the context a run is measured in (core/context.hpp): the machine, the build, the
/// libraries, the server's settings, and what they mean for durability.

#include <string>
#include <vector>

#include "core/context.hpp"

namespace wpbench {

/// The settings read from a server, in the order they are reported.
const std::vector<std::string>& reported_server_settings();

/// Fills timestamp, host, build and library facts.
RunContext collect_context();

/// The cpufreq governors of the CPUs under `cpu_dir` (each cpu<N>/cpufreq/scaling_governor),
/// distinct, sorted and comma-separated, e.g. "performance" or "performance,powersave"; empty
/// where there is no cpufreq (most VMs and containers), so nothing is claimed there.
std::string scaling_governors(const std::string& cpu_dir = "/sys/devices/system/cpu");

/// Reads server_version and reported_server_settings() over `conninfo`; throws DriverError.
void read_server_info(const std::string& conninfo, ServerInfo& out);

/// Whether a commit PostgreSQL acknowledges under these settings survives a power failure:
/// fsync on, synchronous_commit not off, data not on tmpfs.
bool postgres_durable(const ServerInfo& s);

/// The same for SQLite: synchronous FULL or EXTRA (NORMAL may lose the last commits in WAL
/// mode), not on tmpfs.
bool sqlite_durable(const SqliteInfo& s);
/// One line on what the server's (or the session's) settings risk, for the JSON and reports.
std::string postgres_durability(const ServerInfo& s);
/// One line on what SQLite's journal mode and synchronous level risk.
std::string sqlite_durability(const SqliteInfo& s);

/// A readable filesystem name for the path ("ext2/ext3/ext4", "tmpfs", "xfs", ...).
std::string filesystem_type(const std::string& path);

}  // namespace wpbench
