#pragma once
/// The context a result was measured in: machine, build, library versions, server settings.
/// Every published number carries it. Filled in by db/context.hpp; the server's settings by
/// db/durability.hpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wpbench {

/// The PostgreSQL server as found: version and the settings that decide commit latency.
struct ServerInfo {
  std::string mode;     ///< "throwaway" (started by wpbench) or "existing" (--dsn)
  std::string version;  ///< server_version, e.g. "15.20 (Debian 15.20-0+deb12u1)"
  std::map<std::string, std::string> settings;  ///< synchronous_commit, fsync, ...
  std::string data_filesystem;  ///< filesystem of the data dir when known (throwaway)
  /// --standby's mode (sync, remote_write, remote_apply, async); empty: none.
  std::string standby;
  /// Where the standby the rows are checked on runs: the throwaway's namespace or loopback, or
  /// --standby-dsn redacted; empty: not checked.
  std::string standby_where;
};

/// How the run reached its database over one transport.
struct TransportUse {
  std::string target;  ///< redacted conninfo, or the SQLite file
  std::string auth;    ///< e.g. "peer", "scram-sha-256", "as configured by the server", "none"
  std::string pool_mode = {};  ///< a pooled transport's (--pgbouncer-mode); empty for the others
};

struct SqliteInfo {
  std::string dir;
  std::string filesystem;
  std::string journal_mode, synchronous;
  std::string version;
};

/// Length of a run id without its "-N" suffix.
inline constexpr std::size_t kRunIdLength = 20;

struct RunContext {
  /// UTC start time to the millisecond, e.g. 20261124T101500.123Z, with "-N" added when a
  /// result of that id already exists (kRunIdLength characters before it).
  std::string run_id;
  std::string timestamp_utc;                     ///< ISO-8601, e.g. 2026-11-24T10:15:00Z
  std::map<std::string, std::string> host;       ///< hostname, os, kernel, cpu_model, ...
  std::map<std::string, std::string> build;      ///< compiler, build_type, git_commit, ...
  std::map<std::string, std::string> libraries;  ///< libpq, libpqxx, soci, sqlite3
  /// First "cpu MHz" of /proc/cpuinfo, 0 where there is none (e.g. arm64); only the gbench
  /// export reports it (mhz_per_cpu), since on a VM or with frequency scaling it says little.
  double cpu_mhz = 0;
  ServerInfo server;
  SqliteInfo sqlite;
  /// By transport name (harness/core/transport.hpp): the transports the run's cases use.
  std::map<std::string, TransportUse> transports;
  std::vector<std::string> warnings;  ///< conditions that make results less trustworthy
  /// --start-at as given, in UTC (ISO 8601, milliseconds); empty: not given.
  std::string start_at;
};

/// Google Benchmark's cpu_scaling_enabled from a list of cpufreq governors (sys/machine.hpp's
/// scaling_governors()): false when every governor is "performance", true when any is not;
/// nullopt for an empty list, where Google Benchmark would say false although nothing was read.
std::optional<bool> cpu_scaling_enabled(std::string_view governors);

}  // namespace wpbench
