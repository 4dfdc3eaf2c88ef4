#pragma once
/// What wpbench was asked to do: the options, as the command line (cli.hpp) fills them in, and
/// the checks they must pass before anything starts.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "core/run_config.hpp"

namespace wpbench {

/// A mistake in how wpbench was called; the program exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  RunConfig run;
  std::vector<std::string> drivers;     ///< driver or driver/variant; empty: all
  std::vector<std::string> transports;  ///< unix, tcp, file; empty: all
  bool list = false;
  std::string out;            ///< empty: results/runs/<run-id>.json
  std::string export_gbench;  ///< Google Benchmark JSON; empty: none
  std::string export_csv;     ///< CSV, one row per case; empty: none
  std::string export_gha;     ///< github-action-benchmark customSmallerIsBetter; empty: none
  std::string export_bmf;     ///< Bencher Metric Format; empty: none
  std::string dsn;            ///< empty: start a throwaway server
  std::string socket_dir, tcp_host;
  /// With --dsn: the pgbouncer transport's HOST[:PORT] (default: the tcp host, port 6432).
  std::string pgbouncer;
  /// The pgbouncer transport's pool_mode: the throwaway pooler's, or what --pgbouncer runs.
  std::string pgbouncer_mode = "transaction";
  /// --standby: sync, remote_write, remote_apply or async; empty: none. With the throwaway
  /// server, a streaming standby of it is started; with --dsn, the server's own standbys.
  std::string standby;
  /// With --dsn and --standby: a standby of that server to check the rows arrived on.
  std::string standby_dsn;
  /// --start-at: when to start measuring, after every set-up step (UTC, ISO 8601 with Z, or
  /// Unix seconds), so clients on several hosts measure at once; empty: at once.
  std::string start_at;
  std::string table = "wpbench_trade_decisions";
  std::string tmp_dir, sqlite_dir, server_user, pg_bindir;
  SqliteSettings sqlite;
  bool python_given = false;  ///< --python was on the command line
  /// Keep wpbench's table on an existing server at the end (by default it is dropped).
  bool keep_table = false;
  bool no_baselines = false;  ///< --drivers measures only what it names
  /// --connect-per-write given: the paths that connect per insert join the default selection.
  bool connect_per_write = false;
  /// --extra-drivers: the paths outside the default run (DriverPath::by_default) join it.
  bool extra_drivers = false;
  /// --instructions N: after the timed run, count each case's client instructions per insert
  /// over N inserts under callgrind (0: not).
  std::uint64_t instructions = 0;
  /// Internal: this process is the child counting one C++ case under callgrind.
  std::string callgrind_case;
  bool quiet = false;
  int repetitions =
      10;  ///< rounds of every case: each its own sessions, the units of every interval
  std::optional<std::uint64_t> order_seed;  ///< shuffles each round; empty: drawn and recorded
  std::string sync_commit = "server";       ///< server (as configured), on or off
  std::string
      interleave;  ///< "sample", "case"; empty: sample where it fits (closed loop, 1 client)
  std::uint64_t floor_samples = 1000;  ///< per floor probe over the run; 0: skip them
  std::uint64_t connect_samples = 30;  ///< per library x transport x auth; 0: skip
};

/// --table: throws UsageError unless the name is one wpbench may splice into SQL.
void check_table_option(const Options& opt);

/// Throws UsageError for a value no run can use (repetitions, rate, pool size, sync-commit) or
/// an option that does nothing without --dsn.
void check_options(const Options& opt);

/// --start-at's time, or nullopt for an empty value; throws UsageError for one it cannot read.
std::optional<std::chrono::system_clock::time_point> parse_start_at(const std::string& text);

/// What the chosen sizes will not be able to say (a p99 from too few samples), one line each:
/// said when the run starts, not only in the claims afterwards.
std::vector<std::string> size_warnings(const Options& opt);

}  // namespace wpbench
