#include "app/app.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "analysis/decompose.hpp"
#include "analysis/pooling.hpp"
#include "core/result.hpp"
#include "core/schedule.hpp"
#include "db/context.hpp"
#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "db/table_name.hpp"
#include "db/verify.hpp"
#include "drivers/python/python_arm.hpp"
#include "drivers/registry.hpp"
#include "export/csv_writer.hpp"
#include "export/export.hpp"
#include "export/gbench_writer.hpp"
#include "export/json_writer.hpp"
#include "measure/connect_cost.hpp"
#include "measure/floors.hpp"
#include "measure/instructions.hpp"
#include "measure/interleave.hpp"
#include "output/console_table.hpp"
#include "server/server.hpp"
#include "sys/janitor.hpp"
#include "sys/temp_dir.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
// What a second interrupt prints: made before the handlers are installed, as a handler may not
// allocate.
std::string g_exit_now_line;

void on_signal(int) {
  // A second Ctrl-C means "now": the children end through their parent-death signals, and the
  // janitor removes the temp dirs.
  if (stop_flag().exchange(true)) {
    [[maybe_unused]] const ssize_t n =
        write(STDERR_FILENO, g_exit_now_line.data(), g_exit_now_line.size());
    _exit(130);
  }
}

// `out`: the result file, rewritten after every case, which is all a second interrupt keeps.
void install_signal_handlers(const std::string& out) {
  // On a terminal the line replaces the progress line instead of running on from it.
  g_exit_now_line = std::string(isatty(STDERR_FILENO) ? "\r\033[K" : "") +
                    "wpbench: interrupted again: exiting at once; " + out +
                    " holds what was written after the last finished case (status: partial)\n";
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

bool any_backend(const std::vector<Case>& cases, Backend b) {
  return std::any_of(cases.begin(), cases.end(),
                     [b](const Case& c) { return c.path->backend == b; });
}
bool any_transport(const std::vector<Case>& cases, Transport t) {
  return std::any_of(cases.begin(), cases.end(), [t](const Case& c) { return c.transport == t; });
}

// Where each transport points, and what owns the resources behind them.
struct Targets {
  std::unique_ptr<ThrowawayServer> server;
  std::unique_ptr<TempDir> sqlite_tmp;
  std::unique_ptr<TempDir> python_tmp;  ///< the Python arm's script, logs and result files
  std::string unix_conninfo, tcp_conninfo, sqlite_path;
  /// What wpbench knows of its table on each database: it empties and drops only its own rows.
  TableLedger pg_table, sqlite_table;
  PythonCheck python;
  /// Held open for the whole run (and closed before the dirs above are removed): while any
  /// connection is open, closing a case's connection does not delete the WAL, so every case
  /// rewrites a WAL already grown, as a long-running application does, instead of growing a new
  /// one (each sync then also records a new file size, which costs several times more).
  SqliteDb sqlite_holder;
};

// Writes the Python arm out and asks python3 which of the selected Python cases it can run;
// the others are reported not measured, naming the package to install.
void setup_python(const Options& opt, const std::vector<Case>& cases, RunConfig& cfg, Targets& t,
                  RunContext& ctx) {
  t.python_tmp = std::make_unique<TempDir>("wpbench-py-", opt.tmp_dir);
  cfg.python_arm = write_python_arm(t.python_tmp->path());
  t.python = check_python(cfg, cases, t.python_tmp->file("check.log"));
  if (!t.python.usable && opt.python_given) {
    // Asked for by name: a wrong path is a usage error, not a quiet "not measured".
    throw UsageError("--python: " + t.python.unavailable.begin()->second);
  }
  for (const auto& [k, v] : t.python.versions) ctx.libraries[k == "python" ? "python3" : k] = v;
  for (const auto& [name, why] : t.python.unavailable) {
    ctx.warnings.push_back(name + " not measured: " + why);
  }
}

// Connections wpbench opens beside the clients' own: set-up, reset and verification, one at a time.
constexpr int kSpareConnections = 3;

// --clients beyond what the server accepts would fail case by case, late; say so up front.
void check_connection_room(const std::string& conninfo, int needed) {
  auto c = pg_connect(conninfo);
  const int max = std::stoi(pg_query_value(c.get(), "SHOW max_connections"));
  const bool super = pg_query_value(c.get(), "SHOW is_superuser") == "on";
  const int reserved =
      super ? 0 : std::stoi(pg_query_value(c.get(), "SHOW superuser_reserved_connections"));
  const int in_use = std::stoi(pg_query_value(
      c.get(), "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"));
  // This connection is open now but closed while the clients run.
  const int room = max - reserved - in_use + 1;
  if (needed + kSpareConnections - 1 > room) {
    throw UsageError("the run needs " + std::to_string(needed) +
                     " connections at once, but the server has room for " +
                     std::to_string(std::max(0, room - kSpareConnections + 1)) +
                     " (max_connections " + std::to_string(max) + ", " + std::to_string(reserved) +
                     " reserved for superusers, " + std::to_string(in_use - 1) +
                     " in use): lower --clients or --pool-size, or run fewer cases at once "
                     "(--drivers, or --interleave case)");
  }
}

void setup_postgres(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    RunContext& ctx) {
  auto& info = ctx.server;
  if (opt.dsn.empty()) {
    ServerOptions so;
    so.bindir = opt.pg_bindir;
    so.parent_dir = opt.tmp_dir;
    so.os_user = opt.server_user;
    so.stop = &stop_flag();
    // Room for every client plus wpbench's own set-up, reset and verification connections.
    const int connections =
        std::max<int>(opt.run.connections(), static_cast<int>(cases.size())) + kSpareConnections;
    if (connections > 100) so.settings.push_back("max_connections=" + std::to_string(connections));
    t.server = std::make_unique<ThrowawayServer>(so);
    t.unix_conninfo = t.server->unix_conninfo();
    t.tcp_conninfo = t.server->tcp_conninfo();
    info.mode = "throwaway";
    info.unix_auth = "peer";
    info.tcp_auth = "scram-sha-256";
    info.data_filesystem = filesystem_type(t.server->data_dir());
  } else {
    std::map<std::string, std::string> kv;
    try {
      kv = parse_conninfo(opt.dsn);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--dsn: ") + e.what());
    }
    const std::string host = kv.count("host") ? kv["host"] : "";
    const bool host_is_socket = !host.empty() && host[0] == '/';
    const std::string sock = !opt.socket_dir.empty() ? opt.socket_dir
                             : host_is_socket        ? host
                                                     : "/var/run/postgresql";
    const std::string tcp = !opt.tcp_host.empty()                ? opt.tcp_host
                            : (!host.empty() && !host_is_socket) ? host
                                                                 : "127.0.0.1";
    t.unix_conninfo = with_host(opt.dsn, sock);
    t.tcp_conninfo = with_host(opt.dsn, tcp);
    info.mode = "existing";
    info.unix_auth = info.tcp_auth = "as configured by the server";
  }
  if (opt.sync_commit != "server" && !opt.dsn.empty() && parse_conninfo(opt.dsn).count("options")) {
    // A second options= would silently replace the user's; say so instead.
    throw UsageError("--sync-commit with a --dsn that sets options: add -c synchronous_commit=" +
                     opt.sync_commit + " to its options instead");
  }
  const bool user_options = !opt.dsn.empty() && parse_conninfo(opt.dsn).count("options") > 0;
  if (!user_options) {
    // Session settings, so they work against any server and every driver (they all take the
    // conninfo); the context below reads them back from such a session. The server sends these
    // sessions errors only: a warning it sends on its own (a shutdown's "terminating connection")
    // could otherwise reach a connection before its library has a notice processor, and land raw
    // on wpbench's stderr. Nothing measured sends notices.
    std::string o = " options='-c client_min_messages=error";
    if (opt.sync_commit != "server") o += " -c synchronous_commit=" + opt.sync_commit;
    t.unix_conninfo += o + "'";
    t.tcp_conninfo += o + "'";
  }
  // Connect over every transport the run uses before measuring anything, so a wrong password
  // or a down server is one line now, not a failed case later.
  std::string first;
  for (const auto tr : {Transport::unix_socket, Transport::tcp}) {
    if (!any_transport(cases, tr)) continue;
    const auto& ci = tr == Transport::unix_socket ? t.unix_conninfo : t.tcp_conninfo;
    (tr == Transport::unix_socket ? info.unix_target : info.tcp_target) = redact_conninfo(ci);
    try {
      pg_connect(ci);
    } catch (const DriverError& e) {
      throw std::runtime_error(std::string("over ") + transport_name(tr) + " (" +
                               redact_conninfo(ci) + "): " + e.what());
    }
    if (first.empty()) first = ci;
  }
  read_server_info(first, info);
  // Interleaved, every case holds its session at once; else the clients of one case do.
  const int pg_cases =
      static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const Case& c) {
        return c.path->backend == Backend::postgres;
      }));
  const int needed = opt.run.clients == 1 && !opt.run.open_loop() && opt.interleave != "case"
                         ? pg_cases
                         : opt.run.connections();
  if (needed > 1) check_connection_room(first, needed);
  t.pg_table = ensure_table(Backend::postgres,
                            Endpoint{Transport::unix_socket, first, opt.table, opt.sqlite});
}

void setup_sqlite(const Options& opt, Targets& t, RunContext& ctx) {
  // Always a directory wpbench made itself (inside --sqlite-dir when given): a file of the user's
  // that happens to bear the name is never opened, and everything is removed at the end.
  std::string dir;
  if (opt.sqlite_dir.empty() && t.server) {
    dir = t.server->dir() + "/sqlite";
    fs::create_directories(dir);
  } else {
    t.sqlite_tmp = std::make_unique<TempDir>("wpbench-",
                                             opt.sqlite_dir.empty() ? opt.tmp_dir : opt.sqlite_dir);
    dir = t.sqlite_tmp->path();
  }
  t.sqlite_path = (fs::path(dir) / "wpbench.sqlite").string();
  const Endpoint e{Transport::file, t.sqlite_path, opt.table, opt.sqlite};
  t.sqlite_table = ensure_table(Backend::sqlite, e);
  t.sqlite_holder = sqlite_open(t.sqlite_path, opt.sqlite);
  // Report what SQLite actually runs with: journal_mode silently stays put where WAL is
  // impossible (e.g. some network filesystems).
  auto db = sqlite_open(t.sqlite_path, opt.sqlite);
  auto stmt = sqlite_prepare(db.get(), "PRAGMA journal_mode");
  sqlite_check(db.get(), sqlite3_step(stmt.get()), "PRAGMA journal_mode");
  ctx.sqlite.journal_mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
  auto sync = sqlite_prepare(db.get(), "PRAGMA synchronous");
  sqlite_check(db.get(), sqlite3_step(sync.get()), "PRAGMA synchronous");
  static const char* const kSyncNames[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
  const int level = sqlite3_column_int(sync.get(), 0);
  ctx.sqlite.synchronous = level >= 0 && level <= 3 ? kSyncNames[level] : std::to_string(level);
  ctx.sqlite.dir = dir;
  ctx.sqlite.filesystem = filesystem_type(dir);
  ctx.sqlite.version = sqlite3_libversion();
}

void add_warnings(RunContext& ctx) {
  auto& w = ctx.warnings;
  if (ctx.build["build_type"] != "Release" && ctx.build["build_type"] != "RelWithDebInfo") {
    w.push_back("built as '" + ctx.build["build_type"] +
                "', not Release: driver costs are inflated");
  }
  const auto& s = ctx.server.settings;
  if (!ctx.server.mode.empty() && !postgres_durable(ctx.server)) {
    w.push_back("PostgreSQL runs with fsync=" + s.at("fsync") + ", synchronous_commit=" +
                s.at("synchronous_commit") + " on " + ctx.server.data_filesystem +
                ": commits are not durable, so its cases are marked not durable");
  }
  const auto& sq = ctx.sqlite;
  if (!sq.dir.empty() && !sqlite_durable(sq)) {
    w.push_back("SQLite runs with synchronous=" + sq.synchronous +
                ", journal_mode=" + sq.journal_mode + " on " + sq.filesystem +
                ": a commit can be lost on power failure, so its cases are marked not durable");
  }
}

Endpoint endpoint_for(Transport tr, Targets& t, const Options& opt) {
  switch (tr) {
    case Transport::unix_socket:
      return Endpoint{tr, t.unix_conninfo, opt.table, opt.sqlite, &t.pg_table};
    case Transport::tcp:
      return Endpoint{tr, t.tcp_conninfo, opt.table, opt.sqlite, &t.pg_table};
    case Transport::file:
      break;
  }
  return Endpoint{tr, t.sqlite_path, opt.table, opt.sqlite, &t.sqlite_table};
}

// After a PostgreSQL case failed: does its server still answer? A server that died (or is
// shutting down) fails every case after it; the run stops at the first one instead.
bool server_lost(const Case& c, const Targets& t) {
  if (c.path->backend != Backend::postgres) return false;
  const auto& ci = c.transport == Transport::tcp ? t.tcp_conninfo : t.unix_conninfo;
  return PQping(ci.c_str()) != PQPING_OK;
}

// Whether a case's commit waits for a flush to disk: what the flush floor is a part of. Not the
// same as durable (data on tmpfs waits for a flush that is not one).
bool commit_waits(const CaseReport& c, const RunContext& ctx) {
  if (c.transport != "file") {
    const auto it = ctx.server.settings.find("synchronous_commit");
    return it == ctx.server.settings.end() || it->second != "off";
  }
  const auto& sq = ctx.sqlite;
  return sq.synchronous == "FULL" || sq.synchronous == "EXTRA" ||
         (sq.synchronous == "NORMAL" && sq.journal_mode != "wal");
}

CaseReport describe_case(const Case& c, const Options& opt, const Targets& t,
                         const RunContext& ctx) {
  CaseReport r;
  describe_into(r, c);
  const bool pg = c.path->backend == Backend::postgres;
  r.durable = pg ? postgres_durable(ctx.server) : sqlite_durable(ctx.sqlite);
  r.durability = pg ? postgres_durability(ctx.server) : sqlite_durability(ctx.sqlite);
  r.open_loop = opt.run.open_loop();
  r.samples_requested = opt.run.samples;
  r.repetitions_requested = opt.repetitions;
  const auto missing = t.python.unavailable.find(c.path->id());
  if (missing != t.python.unavailable.end()) r.not_measured = missing->second;
  if (opt.run.clients > 1 && c.path->arm == python_arm()) {
    r.not_measured =
        "--clients runs the C++ paths only; the Python arm measures one client (its pool "
        "discipline is psycopg2/pool)";
  }
  return r;
}

// A progress line on stderr, redrawn four times a second by its own thread so the measuring
// thread only bumps a counter. Only on a terminal: nothing in a pipe or in CI.
class Progress {
 public:
  Progress(bool enabled, int repetitions, std::size_t total_runs, std::uint64_t samples_per_run)
      : enabled_(enabled), reps_(repetitions), total_(total_runs), per_run_(samples_per_run) {
    if (enabled_) thread_ = std::thread([this] { loop(); });
  }
  ~Progress() { finish(); }
  std::atomic<std::uint64_t> samples{0};

  void set(int rep, std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    rep_ = rep;
    what_ = std::move(what);
    samples.store(0, std::memory_order_relaxed);
  }
  void case_done() {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
  }
  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  void loop() {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopped_; })) {
      const double frac =
          (static_cast<double>(done_) +
           std::min(1.0, static_cast<double>(samples.load(std::memory_order_relaxed)) /
                             static_cast<double>(std::max<std::uint64_t>(1, per_run_)))) /
          static_cast<double>(std::max<std::size_t>(1, total_));
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      char eta[32] = "?";
      if (frac > 0.005) {
        const long left = std::lround(spent * (1 - frac) / frac);
        std::snprintf(eta, sizeof eta, "%ldm%02lds", left / 60, left % 60);
      }
      std::fprintf(stderr, "\r\033[Krepetition %d/%d, case %zu/%zu: %s  %llu/%llu samples  ETA %s",
                   rep_ + 1, reps_, std::min(done_ + 1, total_), total_, what_.c_str(),
                   static_cast<unsigned long long>(samples.load(std::memory_order_relaxed)),
                   static_cast<unsigned long long>(per_run_), eta);
      std::fflush(stderr);
    }
  }

  bool enabled_;
  int reps_;
  std::size_t total_;
  std::uint64_t per_run_;
  std::mutex mu_;
  std::condition_variable cv_;
  int rep_ = 0;
  std::string what_;
  std::size_t done_ = 0;
  bool stopped_ = false;
  std::thread thread_;
};

// Raw floor samples, gathered a share per repetition, and each share's p50 (a floor that moves
// between repetitions is the machine changing under the run).
struct FloorSamples {
  std::vector<std::int64_t> rt_unix, rt_tcp, pg_on, pg_off, disk, sqlite_on, sqlite_off;
  std::vector<std::int64_t> rt_idle_unix, rt_idle_tcp;  ///< interleaved with the cases
  std::string pg_transport, disk_dir, disk_method;
  std::vector<std::string> errors;
  std::map<std::string, std::vector<double>> per_repetition;
};

double p50_of(const std::vector<std::int64_t>& xs) {
  return xs.empty() ? 0.0 : static_cast<double>(summarize(xs).p50_ns);
}

void append(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// A floor probe's share of this repetition, kept whole and as its p50.
void append(FloorSamples& f, const char* floor, std::vector<std::int64_t>& to,
            const std::vector<std::int64_t>& from) {
  append(to, from);
  if (!from.empty()) f.per_repetition[floor].push_back(p50_of(from));
}

// A flush probe's share: both settings kept; the p50 difference is the flush of this repetition.
void append_flush(FloorSamples& f, const char* floor, std::vector<std::int64_t>& on,
                  std::vector<std::int64_t>& off, const FlushSamples& fl) {
  append(on, fl.on_ns);
  append(off, fl.off_ns);
  if (!fl.on_ns.empty() && !fl.off_ns.empty()) {
    f.per_repetition[floor].push_back(p50_of(fl.on_ns) - p50_of(fl.off_ns));
  }
}

void measure_floors(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    const RunConfig& cfg, const std::string& journal_mode, int rep, FloorSamples& f,
                    Clock& clock) {
  const bool wal = journal_mode == "wal";
  const std::uint64_t n = (opt.floor_samples + opt.repetitions - 1) / opt.repetitions;
  const std::uint64_t warmup = 20;
  const auto note = [&](const std::string& what, const std::exception& e) {
    const std::string line = what + ": " + one_line(e.what());
    if (std::find(f.errors.begin(), f.errors.end(), line) == f.errors.end()) {
      f.errors.push_back(line);
    }
  };
  const std::uint64_t seed = cfg.seed + 1000003ULL * static_cast<std::uint64_t>(rep + 1);
  if (any_backend(cases, Backend::postgres)) {
    const bool unix_used = any_transport(cases, Transport::unix_socket);
    try {
      if (unix_used)
        append(f, "round_trip_unix", f.rt_unix,
               round_trip_floor(t.unix_conninfo, n, warmup, clock, stop_flag()));
      if (any_transport(cases, Transport::tcp)) {
        append(f, "round_trip_tcp", f.rt_tcp,
               round_trip_floor(t.tcp_conninfo, n, warmup, clock, stop_flag()));
      }
    } catch (const std::exception& e) {
      note("round-trip floor", e);
    }
    // The flush floor on the transport most cases use; the difference on/off does not depend
    // on the transport, the insert's own time does (it is the server-work estimate).
    const Endpoint e = endpoint_for(unix_used ? Transport::unix_socket : Transport::tcp, t, opt);
    f.pg_transport = transport_name(e.transport);
    try {
      append_flush(f, "commit_flush", f.pg_on, f.pg_off,
                   commit_flush(e, n, warmup, seed, clock, stop_flag()));
    } catch (const std::exception& ex) {
      note("commit flush", ex);
    }
    // Emptied whatever happened: the ledger counted every row the probe wrote. A table that
    // holds other rows (UnaccountedRows) stops the run.
    try {
      reset_table(Backend::postgres, e);
    } catch (const UnaccountedRows&) {
      throw;
    } catch (const std::exception& ex) {
      note("commit flush", ex);
    }
  }
  // The disk under the data: the throwaway cluster's temp dir, else the SQLite file's; a
  // server reached by --dsn may sit on another machine's disk, so it is not probed.
  f.disk_dir = t.server                ? t.server->dir()
               : t.sqlite_path.empty() ? ""
                                       : fs::path(t.sqlite_path).parent_path().string();
  if (!f.disk_dir.empty()) {
    try {
      const auto d = disk_sync(f.disk_dir, n, warmup, clock, stop_flag());
      append(f, "disk_sync", f.disk, d.samples_ns);
      f.disk_method = "write + " + d.sync_call + " of 8 kB";
    } catch (const std::exception& e) {
      note("disk sync", e);
    }
  }
  if (any_backend(cases, Backend::sqlite)) {
    if (wal) {
      // A file of its own beside the cases' (same disk): the probe switches synchronous back and
      // forth and must not leave anything in the file the cases use.
      const std::string scratch =
          (fs::path(t.sqlite_path).parent_path() / "wpbench-floor.sqlite").string();
      try {
        ensure_table(Backend::sqlite, Endpoint{Transport::file, scratch, opt.table, opt.sqlite});
        append_flush(f, "sqlite_flush", f.sqlite_on, f.sqlite_off,
                     sqlite_flush(scratch, opt.table, n, warmup, seed, clock, stop_flag()));
      } catch (const std::exception& e) {
        note("SQLite flush", e);
      }
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(scratch + suffix, ec);
    } else if (rep == 0) {
      f.errors.push_back(
          "SQLite flush: not measured; the probe compares WAL commits and this run's "
          "journal_mode is " +
          journal_mode);
    }
  }
}

std::optional<std::int64_t> p50_of(const std::optional<LatencySummary>& s) {
  return s ? std::optional<std::int64_t>(s->p50_ns) : std::nullopt;
}

FloorsResult summarize_floors(const FloorSamples& f) {
  FloorsResult r;
  r.rt_unix = summary_of(f.rt_unix);
  r.rt_tcp = summary_of(f.rt_tcp);
  r.rt_idle_unix = summary_of(f.rt_idle_unix);
  r.rt_idle_tcp = summary_of(f.rt_idle_tcp);
  r.pg_on = summary_of(f.pg_on);
  r.pg_off = summary_of(f.pg_off);
  r.disk_sync = summary_of(f.disk);
  r.disk_sync_dir = f.disk_dir;
  r.disk_sync_filesystem = f.disk_dir.empty() ? "" : filesystem_type(f.disk_dir);
  r.disk_sync_method = f.disk_method;
  r.sqlite_on = summary_of(f.sqlite_on);
  r.sqlite_off = summary_of(f.sqlite_off);
  r.errors = f.errors;
  r.per_repetition_p50_ns = f.per_repetition;
  Floors& fl = r.floors;
  fl.rt_unix_ns = p50_of(r.rt_unix);
  fl.rt_tcp_ns = p50_of(r.rt_tcp);
  fl.rt_idle_unix_ns = p50_of(r.rt_idle_unix);
  fl.rt_idle_tcp_ns = p50_of(r.rt_idle_tcp);
  if (r.pg_on && r.pg_off) {
    fl.pg_flush_ns = r.pg_on->p50_ns - r.pg_off->p50_ns;
    fl.pg_insert_off_ns = r.pg_off->p50_ns;
    fl.pg_insert_off_transport = f.pg_transport;
  }
  fl.disk_sync_ns = p50_of(r.disk_sync);
  if (r.sqlite_on && r.sqlite_off) {
    fl.sqlite_flush_ns = r.sqlite_on->p50_ns - r.sqlite_off->p50_ns;
    fl.sqlite_insert_off_ns = r.sqlite_off->p50_ns;
  }
  return r;
}

std::vector<ConnectCost> measure_connects(const Options& opt, const std::vector<Case>& cases,
                                          const Targets& t, Clock& clock) {
  std::vector<ConnectTarget> targets;
  if (any_backend(cases, Backend::postgres)) {
    if (t.server) {
      targets = throwaway_connect_targets(*t.server);
    } else {
      for (const auto tr : {Transport::unix_socket, Transport::tcp}) {
        if (!any_transport(cases, tr)) continue;
        targets.push_back(
            {tr, "as configured", tr == Transport::unix_socket ? t.unix_conninfo : t.tcp_conninfo});
      }
    }
  }
  std::optional<SqliteConnectTarget> sqlite;
  if (any_backend(cases, Backend::sqlite)) sqlite = SqliteConnectTarget{t.sqlite_path, opt.sqlite};
  return measure_connect_costs(targets, opt.connect_samples, clock, stop_flag(), sqlite);
}
// --instructions: each measured case once more under callgrind, after the timed run (valgrind
// slows the client fifty-fold, so it never shares the machine with a timed sample). Its rows go
// through the case's table, verified like a repetition's.
void count_case_instructions(const Options& opt, const std::vector<Case>& cases, Targets& t,
                             const RunConfig& cfg, RunResult& run) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  TempDir dir("wpbench-cg-", opt.tmp_dir);
  for (std::size_t i = 0; i < cases.size() && !stop_flag(); ++i) {
    if (run.cases[i].not_measured) continue;
    const Case& c = cases[i];
    const Endpoint e = endpoint_for(c.transport, t, opt);
    reset_table(c.path->backend, e);
    InstructionCount n = count_instructions(c, e, cfg, opt.instructions, self, dir.path());
    const auto v = verify_table(c.path->backend, e, case_seed(cfg.seed, c.name()),
                                cfg.warmup + opt.instructions);
    if (e.ledger)
      e.ledger->rows = v.all_ours ? std::optional<std::uint64_t>(v.rows_found) : std::nullopt;
    if (!n.error && !v.ok) n.error = "rows not verified: " + v.message;
    run.cases[i].instructions = n;
  }
}

// The child of count_instructions() for a C++ case, inside valgrind: the target comes in the
// environment (it may hold a password), everything else on the command line.
int callgrind_child_main(const Options& opt) {
  const char* target = std::getenv("WPBENCH_TARGET");
  if (target == nullptr)
    throw UsageError("--callgrind-case is wpbench's own (WPBENCH_TARGET unset)");
  Case c;
  try {
    c = find_case(opt.callgrind_case);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const Endpoint e{c.transport, target, opt.table, opt.sqlite};
  return callgrind_child(c, e, opt.run.warmup, opt.run.samples, opt.run.seed);
}
}  // namespace

std::vector<Case> select_cases(const Options& opt) {
  const auto all = all_cases();
  std::vector<std::string> drivers, transports;
  for (const auto& c : all) {
    drivers.push_back(c.path->driver);
    drivers.push_back(c.path->id());
  }
  for (const auto& d : opt.drivers) {
    if (std::find(drivers.begin(), drivers.end(), d) == drivers.end()) {
      throw UsageError("unknown driver '" + d + "' (see --list)");
    }
  }
  for (const auto& t : opt.transports) {
    if (t != "unix" && t != "tcp" && t != "file") {
      throw UsageError("unknown transport '" + t + "' (unix, tcp, file)");
    }
  }
  std::vector<Case> out;
  for (const auto& c : all) {
    const std::string dv = c.path->id();
    const bool driver_ok =
        opt.drivers.empty() ||
        std::any_of(opt.drivers.begin(), opt.drivers.end(),
                    [&](const std::string& d) { return d == c.path->driver || d == dv; });
    const bool transport_ok =
        opt.transports.empty() || std::find(opt.transports.begin(), opt.transports.end(),
                                            transport_name(c.transport)) != opt.transports.end();
    if (driver_ok && transport_ok) out.push_back(c);
  }
  if (out.empty()) throw UsageError("no case matches the chosen drivers and transports");
  return out;
}

int run_wpbench(const Options& opt) {
  try {
    validate_table_name(opt.table);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--table: ") + e.what());
  }
  if (!opt.callgrind_case.empty()) return callgrind_child_main(opt);
  const auto cases = select_cases(opt);
  if (opt.list) {
    std::size_t w = 0;
    for (const auto& c : cases) w = std::max(w, c.name().size());
    for (const auto& c : cases) {
      std::printf("%-*s  %d rt  %s\n", static_cast<int>(w), c.name().c_str(), c.path->round_trips,
                  c.path->how);
    }
    return 0;
  }

  if (opt.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  const double rate = opt.run.rate_per_s;
  if (rate != 0 && !(rate >= 0.001 && rate <= 1e6)) {
    throw UsageError("--rate must be 0 (closed loop) or between 0.001 and 1000000 per second");
  }
  if (opt.run.pool_size > opt.run.clients) {
    throw UsageError("--pool-size " + std::to_string(opt.run.pool_size) +
                     " is more than --clients " + std::to_string(opt.run.clients) +
                     ": the extra connections would sit idle");
  }
  if (opt.dsn.empty()) {
    // Said by name: these only steer cases to an existing server, and would be ignored silently.
    for (const auto& [flag, given] :
         {std::pair<const char*, bool>{"--socket-dir", !opt.socket_dir.empty()},
          {"--tcp-host", !opt.tcp_host.empty()},
          {"--keep-table", opt.keep_table}}) {
      if (given) {
        throw UsageError(std::string(flag) +
                         " applies to an existing server (--dsn); the throwaway server is "
                         "removed whole");
      }
    }
  }
  if (opt.sync_commit != "server" && opt.sync_commit != "on" && opt.sync_commit != "off") {
    throw UsageError("--sync-commit must be server, on or off");
  }
  RunResult run;
  RunConfig cfg = opt.run;
  run.context = collect_context();
  run.settings.run = opt.run;
  run.settings.table = opt.table;
  run.settings.repetitions = opt.repetitions;
  run.settings.order_seed = opt.order_seed ? *opt.order_seed : std::random_device{}();
  run.settings.sync_commit = opt.sync_commit;
  // Sample by sample needs every case's session to take one insert per round: an open-loop
  // schedule and client threads each run a case on its own.
  const bool sample_fits = !opt.run.open_loop() && opt.run.clients == 1;
  if (opt.interleave == "sample" && !sample_fits) {
    throw UsageError(
        "--interleave sample needs a closed loop with one client: --rate and --clients run each "
        "case's samples in one stretch (--interleave case)");
  }
  run.settings.interleave = !opt.interleave.empty() ? opt.interleave
                            : sample_fits           ? "sample"
                                                    : "case";
  for (const auto& c : cases) run.settings.cases_selected.push_back(c.name());
  if (opt.out.empty()) {
    // Two runs started in the same millisecond would share the id: the second takes a number.
    for (int n = 2; fs::exists("results/runs/" + run.context.run_id + ".json"); ++n) {
      run.context.run_id = run.context.run_id.substr(0, kRunIdLength) + "-" + std::to_string(n);
    }
  }
  const std::string out =
      opt.out.empty() ? "results/runs/" + run.context.run_id + ".json" : opt.out;
  // The JSON result first: it is the primary one, the others are derived from the same run.
  std::vector<Export> exports{{"--out", out, serialize_json, is_json_file}};
  if (!opt.export_gbench.empty()) {
    exports.push_back({"--export-gbench", opt.export_gbench, serialize_gbench, is_gbench_file});
  }
  if (!opt.export_csv.empty()) {
    exports.push_back({"--export-csv", opt.export_csv, serialize_csv, is_csv_file});
  }
  // Cheap checks first: a bad output path or --sqlite-dir must not cost a server start.
  try {
    check_exports(exports);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!opt.sqlite_dir.empty() && any_backend(cases, Backend::sqlite) &&
      !fs::is_directory(opt.sqlite_dir)) {
    throw UsageError("--sqlite-dir " + opt.sqlite_dir + " is not a directory");
  }
  // Before any thread or child: the janitor is a fork of this process.
  start_janitor();
  install_signal_handlers(out);
  // The kernel's default 50 µs timer slack would add to every open-loop wake-up; the threads
  // created below inherit this.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  // Status lines only on a terminal: in a pipe or CI, stderr carries errors alone, one line each.
  const bool tty = !opt.quiet && isatty(STDERR_FILENO);
  if (tty && any_backend(cases, Backend::postgres) && opt.dsn.empty()) {
    std::fprintf(stderr, "starting a throwaway PostgreSQL server...\n");
  }
  Targets targets;
  // Python first: it is quick, and a bad --python must not cost a server start.
  if (std::any_of(cases.begin(), cases.end(),
                  [](const Case& c) { return c.path->arm == python_arm(); })) {
    setup_python(opt, cases, cfg, targets, run.context);
  }
  if (any_backend(cases, Backend::postgres)) setup_postgres(opt, cases, targets, run.context);
  if (any_backend(cases, Backend::sqlite)) setup_sqlite(opt, targets, run.context);
  add_warnings(run.context);

  for (const auto& c : cases) run.cases.push_back(describe_case(c, opt, targets, run.context));
  if (std::all_of(run.cases.begin(), run.cases.end(),
                  [](const CaseReport& c) { return c.not_measured.has_value(); }) &&
      opt.run.clients > 1) {
    throw UsageError("--clients measures the C++ paths; the chosen cases are all Python");
  }
  const auto order = interleaved_order(cases.size(), opt.repetitions, run.settings.order_seed);
  for (const auto& round : order) {
    run.settings.order.emplace_back();
    for (const auto i : round) run.settings.order.back().push_back(cases[i].name());
  }

  SteadyClock clock;
  // Sample mode counts a repetition as one unit of every case's samples.
  const bool by_sample = run.settings.interleave == "sample";
  Progress progress(
      tty, opt.repetitions,
      by_sample ? static_cast<std::size_t>(opt.repetitions) : opt.repetitions * cases.size(),
      by_sample ? cfg.samples * cases.size() : cfg.samples);
  cfg.progress = &progress.samples;
  FloorSamples floors;
  // Why the run stopped before its end, other than a signal: the server went away, or the table
  // holds rows wpbench cannot account for. The run is then partial.
  std::optional<std::string> stopped_because;
  std::size_t runs_done = 0;
  const std::size_t runs_total = order.size() * cases.size();
  ExportLog written(std::move(exports));
  // A case's repetition is in: keep it, and stop the run when its failure was the server's.
  const auto accept = [&](std::size_t i, CaseResult r, int rep, std::size_t pos) {
    r.repetition = rep;
    r.position = static_cast<int>(pos);
    if (!r.ok() && !stopped_because && server_lost(cases[i], targets)) {
      stopped_because = "the PostgreSQL server stopped answering during " + cases[i].name() + " (" +
                        (r.error          ? *r.error
                         : r.verification ? r.verification->message
                                          : "no answer") +
                        ")";
    }
    run.cases[i].repetitions.push_back(std::move(r));
    pool_case(run.cases[i], run.settings.order_seed);
  };
  try {
    for (int rep = 0; rep < opt.repetitions && !stop_flag() && !stopped_because; ++rep) {
      // Floors once a round, a share each, so drift hits them as it hits the cases.
      if (opt.floor_samples > 0) {
        progress.set(rep, "floors");
        measure_floors(opt, cases, targets, cfg, run.context.sqlite.journal_mode, rep, floors,
                       clock);
      }
      if (by_sample) {
        // Every case at once, sample by sample; sessions open in this repetition's order.
        std::vector<CaseTarget> batch;
        std::vector<std::size_t> index;
        for (const std::size_t i : order[rep]) {
          if (run.cases[i].not_measured) continue;
          batch.push_back({cases[i], endpoint_for(cases[i].transport, targets, opt)});
          index.push_back(i);
        }
        progress.set(rep, std::to_string(batch.size()) + " cases, interleaved");
        // With the floors: the round trip of a connection as idle as the cases', per transport.
        std::vector<IdleRoundTrip> probes;
        if (opt.floor_samples > 0) {
          for (const auto tr : {Transport::unix_socket, Transport::tcp}) {
            if (any_transport(cases, tr)) {
              probes.push_back({tr,
                                tr == Transport::tcp ? targets.tcp_conninfo : targets.unix_conninfo,
                                {},
                                {}});
            }
          }
        }
        auto results = run_interleaved(batch, cfg, rounds_seed(run.settings.order_seed, rep), clock,
                                       stop_flag(), &probes);
        for (auto& p : probes) {
          const bool unix_socket = p.transport == Transport::unix_socket;
          append(floors, unix_socket ? "round_trip_idle_unix" : "round_trip_idle_tcp",
                 unix_socket ? floors.rt_idle_unix : floors.rt_idle_tcp, p.samples_ns);
          if (p.error) floors.errors.push_back("idle round trip: " + *p.error);
        }
        for (std::size_t k = 0; k < results.size(); ++k) {
          accept(index[k], std::move(results[k]), rep, k);
        }
        progress.case_done();
        runs_done += cases.size();
        written.write(run, runs_done, runs_total);
        continue;
      }
      for (std::size_t pos = 0; pos < order[rep].size() && !stop_flag() && !stopped_because;
           ++pos) {
        const std::size_t i = order[rep][pos];
        progress.set(rep, cases[i].name());
        if (!run.cases[i].not_measured) {
          accept(i,
                 run_case(cases[i], endpoint_for(cases[i].transport, targets, opt), cfg, clock,
                          stop_flag()),
                 rep, pos);
        }
        progress.case_done();
        ++runs_done;
        // Rewritten after every case: a crash or Ctrl-C keeps what was measured, marked partial.
        // A failed write (a full disk) is retried after the next case and reported at the end.
        written.write(run, runs_done, runs_total);
      }
    }
  } catch (const UnaccountedRows& e) {
    stopped_because = e.what();
  }
  if (!stop_flag() && !stopped_because && opt.instructions > 0) {
    progress.set(opt.repetitions - 1, "instruction counts");
    try {
      count_case_instructions(opt, cases, targets, cfg, run);
    } catch (const UnaccountedRows& e) {
      stopped_because = e.what();
    }
  }
  if (!stop_flag() && !stopped_because && opt.connect_samples > 0) {
    progress.set(opt.repetitions - 1, "connect cost");
    run.connect = measure_connects(opt, cases, targets, clock);
  }
  progress.finish();
  if (opt.floor_samples > 0) run.floors = summarize_floors(floors);
  // Queueing (open loop) and pool waits (--clients) are not in any floor: they would land in the
  // driver's share, so such runs are not split.
  const bool decomposable = !opt.run.open_loop() && opt.run.clients == 1;
  for (auto& c : run.cases) {
    if (run.floors && decomposable && c.pooled.samples > 0) {
      c.decomposition = decompose(c.round_trips, c.transport, commit_waits(c, run.context),
                                  c.pooled.latency.p50_ns, run.floors->floors,
                                  run.settings.interleave == "sample");
    }
  }
  run.ratios = case_ratios(run.cases);
  run.machine_changes = machine_changes(run.cases, run.floors, opt.repetitions);
  run.status = stop_flag()       ? RunStatus::interrupted
               : stopped_because ? RunStatus::partial
                                 : RunStatus::complete;
  for (auto& c : run.cases) c.run_over = true;
  // On an existing server nothing stays behind: wpbench's own table is dropped (a table found
  // empty is emptied again). The throwaway server goes as a whole.
  std::optional<std::string> left_behind;
  if (!targets.server && any_backend(cases, Backend::postgres) && !opt.keep_table) {
    left_behind =
        release_table(Backend::postgres, endpoint_for(Transport::unix_socket, targets, opt));
  }
  if (left_behind) run.context.warnings.push_back(*left_behind);
  written.write(run, runs_done, runs_total);

  std::cout << console_table(run);
  if (written.ok()) std::cout << "results: " << written.primary_path() << "\n";
  std::cout.flush();
  // One line on stderr, the most important: what stopped the run, else what could not be saved.
  if (run.status == RunStatus::interrupted) {
    std::cerr << "wpbench: interrupted; " << written.where_it_is() << " (status: interrupted)\n";
    return 130;
  }
  if (stopped_because) {
    std::cerr << "wpbench: " << *stopped_because << "; stopped after " << runs_done << " of "
              << runs_total << " case runs; " << written.where_it_is() << " (status: partial)\n";
    return 1;
  }
  if (!written.ok()) {
    std::cerr << "wpbench: " << written.failure() << "\n";
    return 1;
  }
  // A case this machine cannot run (a missing Python package) is reported, not failed.
  const auto failed = std::count_if(run.cases.begin(), run.cases.end(),
                                    [](const CaseReport& c) { return !c.ok() && !c.not_measured; });
  if (std::all_of(run.cases.begin(), run.cases.end(),
                  [](const CaseReport& c) { return c.not_measured.has_value(); })) {
    std::cerr << "wpbench: no selected case could be measured on this machine; see the warnings\n";
    return 1;
  }
  if (failed > 0) {
    std::cerr << "wpbench: " << failed << " case(s) failed; see the table above\n";
    return 1;
  }
  return 0;
}

}  // namespace wpbench
