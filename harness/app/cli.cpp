#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <build_info.hpp>
#include <cstdint>
#include <iostream>
#include <string>

#include "core/schedule.hpp"
#include "core/transport.hpp"
#include "sys/text.hpp"

namespace wpbench {

std::optional<int> parse_command_line(int argc, char** argv, Options& opt) {
  CLI::App app{
      "wpbench: latency of one durable insert (insert a trading decision and commit) through "
      "libpq, libpqxx, SOCI and SQLite, over a Unix socket and TCP.\n"
      "Without --dsn it starts a throwaway PostgreSQL server and removes it at exit.",
      "wpbench"};
  app.set_version_flag("--version",
                       std::string("wpbench ") + build::version + " (" + build::git_commit + ")");
  app.add_option("--samples", opt.run.samples, "measured inserts per case and repetition")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  app.add_option("--warmup", opt.run.warmup,
                 "inserts per case and repetition before measuring (discarded)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{100000000}));
  app.add_option("--seed", opt.run.seed, "seed of the decision generator")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repetitions,-r", opt.repetitions,
                 "rounds of every case, each round in a shuffled order, so drift hits every case "
                 "alike; intervals come from the spread between rounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  std::uint64_t order_seed = 0;
  auto* order_opt = app.add_option("--order-seed", order_seed,
                                   "seed of the shuffled case order (default: drawn, and recorded "
                                   "in the JSON so the order can be replayed)")
                        ->check(CLI::NonNegativeNumber);
  app.add_option("--rate", opt.run.rate_per_s,
                 "open loop: start inserts on a schedule of this many per second and count "
                 "latency from the intended start (default 0: closed loop)")
      ->check(CLI::NonNegativeNumber);
  std::string schedule = "fixed";
  app.add_option("--schedule", schedule, "open-loop schedule: fixed or poisson")
      ->capture_default_str()
      ->check(CLI::IsMember({"fixed", "poisson"}));
  app.add_option("--interleave", opt.interleave,
                 "sample (default): every case's session open at once, one insert each per "
                 "shuffled round, so drift hits every case alike; case: each case's samples in "
                 "one stretch (the pgbench-like hot loop; --rate and --clients run so)")
      ->check(CLI::IsMember({"sample", "case"}));
  app.add_option("--clients", opt.run.clients,
                 "threads inserting at once, each on its own connection (C++ paths; the Python "
                 "arm's pool case is psycopg2/pool)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--pool-size", opt.run.pool_size,
                 "with --clients: connections the threads share; fewer than --clients makes a "
                 "shared pool whose wait counts in the latency (default: one per client)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--sync-commit", opt.sync_commit,
                 "PostgreSQL synchronous_commit for every session: server (as configured), on, "
                 "or off (not durable: the JSON and table say what it risks)")
      ->capture_default_str()
      ->check(CLI::IsMember({"server", "on", "off"}));
  app.add_option("--raw-samples", opt.run.raw_samples_max,
                 "keep raw samples in the JSON up to this many per case and repetition; beyond "
                 "it only the histogram (bounded memory, 0.1 % resolution)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{100000000}));
  app.add_option("--floor-samples", opt.floor_samples,
                 "samples of each floor (round trip, commit flush, disk sync) over the run; 0 "
                 "skips them and the decomposition")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{10000000}));
  app.add_option("--connect-samples", opt.connect_samples,
                 "connections timed per library, transport and authentication; 0 skips")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{100000}));
  app.add_option("--drivers", opt.drivers,
                 "drivers, driver/variant or case names to run, comma-separated (default: all; "
                 "see --list); a layer brings the direct path it is judged against")
      ->delimiter(',');
  app.add_option("--connect-per-write", opt.run.connect_per_write_samples,
                 "also run the paths that open a connection for every insert (psycopg2 "
                 "connect-per-write, SQLAlchemy NullPool and a new Engine per write), N samples "
                 "each per repetition, spread over the rounds (each costs a new backend: tens of "
                 "ms); naming one in --drivers runs it with 50")
      ->each([&opt](const std::string&) { opt.connect_per_write = true; })
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000}));
  app.add_flag("--extra-drivers", opt.extra_drivers,
               "also run the paths the default run leaves out to stay within about four minutes: "
               "asyncpg, psycopg 3 async and its pool, psycopg 3's pipeline mode (naming one in "
               "--drivers runs it too)");
  app.add_option("--idle-ms", opt.run.idle_ms,
                 "write as a bot does, every so often: each measured insert follows at least N "
                 "ms of its connection idle, and a back-to-back insert follows it at once, "
                 "recorded apart so the two compare in one run (--interleave sample)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{3600000}));
  app.add_flag("--no-baselines", opt.no_baselines,
               "with --drivers: measure only what it names, not the baselines of the layers");
  app.add_option(
         "--transports", opt.transports,
         transport_names() + " (comma-separated; default: " + default_transport_names() + ")")
      ->delimiter(',');
  app.add_flag("--list", opt.list, "list the cases and exit");
  app.add_option("--out", opt.out,
                 "JSON result file (default: results/runs/<run-id>.json, or under "
                 "$XDG_DATA_HOME/wpbench/runs where the current directory cannot be written)");
  app.add_option("--export-gbench", opt.export_gbench,
                 "also write the run as Google Benchmark JSON (for compare.py and CI trackers)");
  app.add_option("--export-csv", opt.export_csv, "also write the run as CSV, one row per case");
  app.add_option("--export-gha", opt.export_gha,
                 "also write each case's p50 and p99 (ms, with 95 % interval) as "
                 "github-action-benchmark's customSmallerIsBetter JSON");
  app.add_option("--export-bmf", opt.export_bmf,
                 "also write each complete case's p50 and p99 (ns, with 95 % interval) as Bencher "
                 "Metric Format JSON (bencher run --adapter json)");
  app.add_option("--dsn", opt.dsn,
                 "use an existing server (libpq conninfo or URI) instead of a throwaway one");
  app.add_option("--socket-dir", opt.socket_dir,
                 "with --dsn: socket directory for the unix cases (default: the DSN's host if it "
                 "is a path, else /var/run/postgresql)");
  app.add_option("--tcp-host", opt.tcp_host,
                 "with --dsn: host for the tcp cases (default: the DSN's host if it is a name, "
                 "else 127.0.0.1)");
  app.add_option("--pgbouncer", opt.pgbouncer,
                 "with --dsn: HOST[:PORT] of the PgBouncer in front of the server, for the "
                 "pgbouncer cases (default: the tcp host, port 6432)");
  app.add_option("--pgbouncer-mode", opt.pgbouncer_mode,
                 "pool_mode of the pgbouncer transport: the throwaway pooler's, or what "
                 "--pgbouncer runs; paths that keep named prepared statements are not measured "
                 "through transaction pooling, and say why")
      ->capture_default_str()
      ->check(CLI::IsMember({"transaction", "session"}));
  app.add_option("--standby", opt.standby,
                 "commit through a synchronous standby: sync (waits for its flush), remote_write, "
                 "remote_apply, or async; without --dsn a throwaway streaming standby in its own "
                 "network namespace, with --dsn the server's own (synchronous_standby_names); "
                 "the rows are checked on it too, and the decomposition splits out its wait")
      ->check(CLI::IsMember({"sync", "remote_write", "remote_apply", "async"}));
  app.add_option("--standby-dsn", opt.standby_dsn,
                 "with --dsn and --standby: a standby of that server (libpq conninfo) to check "
                 "every case's rows arrived on");
  app.add_option("--start-at", opt.start_at,
                 "start measuring at this UTC time (2026-12-01T03:00:00Z, or Unix seconds), once "
                 "set up: clients on several hosts then measure together (scripts/merge)");
  app.add_option("--table", opt.table,
                 "table to create, fill and drop (an existing one only if wpbench created it or "
                 "it is empty; wpbench never deletes rows it did not write)")
      ->capture_default_str();
  app.add_flag("--keep-table", opt.keep_table,
               "with --dsn: keep wpbench's table at the end instead of dropping it");
  app.add_option("--tmp-dir", opt.tmp_dir,
                 "parent dir of the throwaway server and SQLite files (default: $TMPDIR or /tmp); "
                 "put it on the disk you want measured, not tmpfs");
  app.add_option("--sqlite-dir", opt.sqlite_dir, "dir for the SQLite database file");
  app.add_option("--sqlite-journal", opt.sqlite.journal_mode, "SQLite journal_mode")
      ->capture_default_str()
      ->check(CLI::IsMember({"WAL", "DELETE", "TRUNCATE", "PERSIST"}, CLI::ignore_case));
  app.add_option("--sqlite-sync", opt.sqlite.synchronous, "SQLite synchronous")
      ->capture_default_str()
      ->check(CLI::IsMember({"FULL", "NORMAL", "EXTRA", "OFF"}, CLI::ignore_case));
  app.add_option("--server-user", opt.server_user,
                 "OS user that runs the throwaway server when wpbench runs as root "
                 "(default: postgres)");
  app.add_option("--pg-bindir", opt.pg_bindir,
                 "dir with initdb and postgres (default: /usr/lib/postgresql/15/bin)");
  app.add_option(
         "--python", opt.run.python,
         "python3 of the Python arm (psycopg2, SQLAlchemy, psycopg, asyncpg, sqlite3 cases); "
         "Debian's sees the python3-* packages")
      ->capture_default_str();
  app.add_option("--instructions", opt.instructions,
                 "after the timed run, count each case's client instructions per insert over N "
                 "inserts under valgrind's callgrind (deterministic: the gate for shared CI "
                 "runners; the client only, not the server, network or flush)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1000000}));
  // The child side of --instructions, run by wpbench itself under valgrind; not for users.
  app.add_option("--callgrind-case", opt.callgrind_case)->group("");
  app.add_flag("-q,--quiet", opt.quiet, "no progress or status lines on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    return 0;
  } catch (const CLI::ExtrasError& e) {
    // An option mistyped (--transport for --transports): name the one meant.
    std::vector<std::string> options;
    for (const auto* o : app.get_options()) {
      for (const auto& n : o->get_lnames()) options.push_back("--" + n);
    }
    std::string hint;
    for (const auto& arg : app.remaining()) {
      const std::string word = arg.substr(0, arg.find('='));
      if (word.rfind("--", 0) == 0 && hint.empty()) hint = closest_name(word, options);
    }
    std::cerr << "wpbench: error: " << e.what()
              << (hint.empty() ? "" : " (did you mean " + hint + "?)") << " (see --help)\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    std::cerr << "wpbench: error: " << e.what() << " (see --help)\n";
    return 2;
  }
  opt.python_given = app.count("--python") > 0;
  if (order_opt->count() > 0) opt.order_seed = order_seed;
  opt.run.schedule = parse_schedule(schedule);
  return std::nullopt;
}

}  // namespace wpbench
