#pragma once
/// The settings that decide whether a commit survives: read from a PostgreSQL server, and judged
/// for PostgreSQL and SQLite (core/context.hpp's ServerInfo and SqliteInfo).

#include <string>
#include <vector>

#include "core/context.hpp"

namespace wpbench {

/// The settings read from a server, in the order they are reported.
const std::vector<std::string>& reported_server_settings();

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

}  // namespace wpbench
