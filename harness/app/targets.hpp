#pragma once
/// Where the cases write: the throwaway server or the one --dsn names, the SQLite file, the
/// Python arm's dir, set up before anything is measured and released at the end.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "core/driver.hpp"
#include "core/result.hpp"
#include "db/sqlite.hpp"
#include "drivers/python/python_arm.hpp"
#include "server/server.hpp"
#include "sys/temp_dir.hpp"

namespace wpbench {

// Where each transport points, and what owns the resources behind them.
struct Targets {
  std::unique_ptr<ThrowawayServer> server;
  std::unique_ptr<TempDir> sqlite_tmp;
  std::unique_ptr<TempDir> python_tmp;        ///< the Python arm's script, logs and result files
  std::map<Transport, std::string> conninfo;  ///< of each PostgreSQL transport the cases use
  /// --standby: the standby the rows must reach (conninfo), when wpbench can read it.
  std::string standby;
  /// The server without a pooler between: the first direct transport the cases use, else the
  /// pooled one's plainer twin (TransportSpec::compared_with: TCP).
  /// The flush floors (a named statement, session settings) and the liveness check use it, so a
  /// transaction pooler never carries wpbench's own session state to other clients.
  Transport direct{};
  std::string direct_conninfo;
  /// Transports of --dsn that could not connect (chosen by default, not named), with why: their
  /// cases are reported not measured.
  std::map<Transport, std::string> unreachable;
  std::string sqlite_path;
  /// What wpbench knows of its table on each database: it empties and drops only its own rows.
  TableLedger pg_table, sqlite_table;
  PythonCheck python;
  /// Held open for the whole run (and closed before the dirs above are removed): while any
  /// connection is open, closing a case's connection does not delete the WAL, so every case
  /// rewrites a WAL already grown, as a long-running application does, instead of growing a new
  /// one (each sync then also records a new file size, which costs several times more).
  SqliteDb sqlite_holder;
};

/// Sets up what the cases need, Python first (quick, and a bad --python must not cost a server
/// start), then PostgreSQL (the throwaway server, or --dsn checked over every transport used)
/// and SQLite; fills in the server, SQLite and library facts and the warnings of run.context,
/// and the Python arm's script in `cfg`. `tty`: say on stderr that a server is starting.
Targets setup_targets(const Options& opt, const std::vector<Case>& cases, bool tty, RunConfig& cfg,
                      RunResult& run);

/// The endpoint of a transport: its conninfo or file, the table and its ledger.
Endpoint endpoint_for(Transport tr, Targets& t, const Options& opt);

/// After a PostgreSQL case failed: does its server still answer? A server that died (or is
/// shutting down) fails every case after it; the run stops at the first one instead.
bool server_lost(const Case& c, const Targets& t);

/// The PostgreSQL servers connect cost times, with their ways in: the throwaway server's four,
/// or each transport of --dsn the cases use, as configured.
std::vector<ConnectTarget> connect_targets(const std::vector<Case>& cases, const Targets& t);

/// At the end of a run: on an existing server nothing stays behind, wpbench's own table is
/// dropped (a table found empty is emptied again) unless --keep-table; the throwaway server goes
/// as a whole. What was left behind, and why, when something was.
std::optional<std::string> release_targets(const Options& opt, const std::vector<Case>& cases,
                                           Targets& t);

}  // namespace wpbench
