#include "app.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "context.hpp"
#include "dsn.hpp"
#include "export/console_table.hpp"
#include "export/csv_writer.hpp"
#include "export/export.hpp"
#include "export/gbench_writer.hpp"
#include "export/json_writer.hpp"
#include "pg.hpp"
#include "python_arm.hpp"
#include "result.hpp"
#include "schema.hpp"
#include "server.hpp"
#include "sqlite.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

namespace wpbench {

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::complete:
      return "complete";
    case RunStatus::partial:
      return "partial";
    case RunStatus::interrupted:
      return "interrupted";
  }
  return "?";
}

namespace {
void on_signal(int) {
  // A second Ctrl-C means "now": the server child gets SIGQUIT through its parent-death signal.
  if (stop_flag().exchange(true)) _exit(130);
}

void install_signal_handlers() {
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
  PythonCheck python;
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

void setup_postgres(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    RunContext& ctx) {
  auto& info = ctx.server;
  if (opt.dsn.empty()) {
    ServerOptions so;
    so.bindir = opt.pg_bindir;
    so.parent_dir = opt.tmp_dir;
    so.os_user = opt.server_user;
    so.stop = &stop_flag();
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
  ensure_table(Backend::postgres, Endpoint{Transport::unix_socket, first, opt.table, opt.sqlite});
}

void setup_sqlite(const Options& opt, Targets& t, RunContext& ctx) {
  std::string dir = opt.sqlite_dir;
  if (dir.empty()) {
    if (t.server) {
      dir = t.server->dir() + "/sqlite";
      fs::create_directories(dir);
    } else {
      t.sqlite_tmp = std::make_unique<TempDir>("wpbench-", opt.tmp_dir);
      dir = t.sqlite_tmp->path();
    }
  }
  t.sqlite_path = (fs::path(dir) / "wpbench.sqlite").string();
  const Endpoint e{Transport::file, t.sqlite_path, opt.table, opt.sqlite};
  ensure_table(Backend::sqlite, e);
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

Endpoint endpoint_for(const Case& c, const Targets& t, const Options& opt) {
  switch (c.transport) {
    case Transport::unix_socket:
      return Endpoint{c.transport, t.unix_conninfo, opt.table, opt.sqlite};
    case Transport::tcp:
      return Endpoint{c.transport, t.tcp_conninfo, opt.table, opt.sqlite};
    case Transport::file:
      break;
  }
  return Endpoint{c.transport, t.sqlite_path, opt.table, opt.sqlite};
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

  RunResult run;
  RunConfig cfg = opt.run;
  run.context = collect_context();
  run.settings.run = opt.run;
  run.settings.table = opt.table;
  for (const auto& c : cases) run.settings.cases_selected.push_back(c.name());
  const std::string out =
      opt.out.empty() ? "results/runs/" + run.context.run_id + ".json" : opt.out;
  // The JSON result first: it is the primary one, the others are derived from the same run.
  std::vector<Export> exports{{"--out", out, serialize_json}};
  if (!opt.export_gbench.empty()) {
    exports.push_back({"--export-gbench", opt.export_gbench, serialize_gbench});
  }
  if (!opt.export_csv.empty()) exports.push_back({"--export-csv", opt.export_csv, serialize_csv});
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
  install_signal_handlers();

  // Status lines only on a terminal: in a pipe or CI, stderr carries errors alone, one line each.
  const bool progress = !opt.quiet && isatty(STDERR_FILENO);
  if (progress && any_backend(cases, Backend::postgres) && opt.dsn.empty()) {
    std::fprintf(stderr, "starting a throwaway PostgreSQL server...\n");
  }
  Targets targets;
  // Python first: it is quick, and a bad --python must not cost a server start.
  if (std::any_of(cases.begin(), cases.end(),
                  [](const Case& c) { return c.path->arm == Arm::python; })) {
    setup_python(opt, cases, cfg, targets, run.context);
  }
  if (any_backend(cases, Backend::postgres)) setup_postgres(opt, cases, targets, run.context);
  if (any_backend(cases, Backend::sqlite)) setup_sqlite(opt, targets, run.context);
  add_warnings(run.context);

  SteadyClock clock;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (stop_flag()) break;
    if (progress) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", i + 1, cases.size(), cases[i].name().c_str());
    }
    const auto missing = targets.python.unavailable.find(cases[i].path->id());
    run.cases.push_back(
        missing != targets.python.unavailable.end()
            ? not_measured_case(cases[i], cfg, missing->second)
            : run_case(cases[i], endpoint_for(cases[i], targets, opt), cfg, clock, stop_flag()));
    run.cases.back().durable = cases[i].path->backend == Backend::postgres
                                   ? postgres_durable(run.context.server)
                                   : sqlite_durable(run.context.sqlite);
    // Rewritten after every case: a crash or Ctrl-C keeps what was measured, marked partial.
    write_exports(exports, run);
  }
  if (progress) std::fprintf(stderr, "\r\033[K");
  run.status = stop_flag() ? RunStatus::interrupted : RunStatus::complete;
  write_exports(exports, run);

  std::cout << console_table(run) << "results: " << out << "\n";
  if (run.status == RunStatus::interrupted) {
    std::cerr << "wpbench: interrupted; " << run.cases.size() << " of " << cases.size()
              << " cases written to " << out << " (status: interrupted)\n";
    return 130;
  }
  // A case this machine cannot run (a missing Python package) is reported, not failed.
  const auto failed = std::count_if(run.cases.begin(), run.cases.end(),
                                    [](const CaseResult& c) { return !c.ok() && !c.not_measured; });
  if (std::all_of(run.cases.begin(), run.cases.end(),
                  [](const CaseResult& c) { return c.not_measured.has_value(); })) {
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
