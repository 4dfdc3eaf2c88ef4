#include "app/targets.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "app/cases.hpp"
#include "app/signals.hpp"
#include "db/dsn.hpp"
#include "db/durability.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "sys/machine.hpp"
#include "sys/process.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
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

// What every PostgreSQL session of the run is set to, as name=value: over a direct transport in
// the conninfo's options=, through a pooler as the role's defaults (the throwaway server's).
// The synchronous_commit wpbench sets on every session, if it sets one: --standby's, or
// --sync-commit's (check_options refuses the two together).
std::optional<std::string> session_sync_commit(const Options& opt) {
  if (!opt.standby.empty()) return standby_sync_commit(opt.standby);
  if (opt.sync_commit != "server") return opt.sync_commit;
  return std::nullopt;
}

std::vector<std::string> session_settings(const Options& opt) {
  std::vector<std::string> out = {"client_min_messages=error"};
  if (const auto sc = session_sync_commit(opt)) out.push_back("synchronous_commit=" + *sc);
  return out;
}

// The flag that sets the sessions' synchronous_commit, for messages.
std::string setting_flag(const Options& opt) {
  return opt.standby.empty() ? "--sync-commit" : "--standby";
}

// The first transport the cases use that reaches the server without a pooler, else the plainer
// twin of the first (a pooler's: the server over TCP).
Transport first_direct(const std::vector<Transport>& used) {
  for (const auto tr : used) {
    if (!spec_of(tr).pooled) return tr;
  }
  const TransportSpec* twin = find_transport(spec_of(used.front()).compared_with);
  return twin != nullptr ? twin->id : used.front();
}

// --dsn pointed at the pooler: --pgbouncer's HOST[:PORT], by default the tcp host on 6432.
std::string pooler_dsn(const std::string& dsn, const TransportSpec& spec, const std::string& given,
                       const std::string& tcp_host) {
  std::string host = given.empty() ? tcp_host : given, port = "6432";
  if (host.size() > 1 && host.front() == '[') {
    // [IPv6]:PORT or [IPv6]
    const auto close = host.find(']');
    const std::string rest = close == std::string::npos ? "x" : host.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || rest.size() == 1 ||
                          rest.find_first_not_of("0123456789", 1) != std::string::npos)) {
      throw UsageError("--pgbouncer: " + given + " is not HOST[:PORT]");
    }
    if (!rest.empty()) port = rest.substr(1);
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':');
             colon != std::string::npos && host.find(':') == colon) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError("--pgbouncer: " + given + " is not HOST[:PORT]");
    }
  }
  auto kv = parse_conninfo(dsn_for_transport(dsn, spec, host));
  kv["port"] = port;
  return build_conninfo(kv);
}

// --standby: what every commit waits for, said in the context; a standby given to check the rows
// on is reached now (one line if not), and a server without a synchronous standby is said to
// wait for none.
void setup_standby(const Options& opt, const std::string& primary, Targets& t, RunContext& ctx) {
  auto& info = ctx.server;
  info.standby = opt.standby;
  if (!t.standby.empty()) {
    try {
      auto c = pg_connect(t.standby);
      if (pg_query_value(c.get(), "SELECT pg_is_in_recovery()") != "t") {
        throw UsageError("--standby-dsn reaches a server that is not a standby (not in recovery)");
      }
    } catch (const DriverError& e) {
      throw std::runtime_error("the standby (" + redact_conninfo(t.standby) +
                               "): " + one_line(e.what()));
    }
  } else {
    ctx.warnings.push_back(
        "--standby without --standby-dsn: the rows are checked on the server only, not on its "
        "standby");
  }
  if (opt.standby == "async") return;
  auto c = pg_connect(primary);
  const std::string names = pg_query_value(c.get(), "SHOW synchronous_standby_names");
  info.settings["synchronous_standby_names"] = names;
  if (names.empty()) {
    ctx.warnings.push_back("--standby " + opt.standby +
                           ": the server's synchronous_standby_names is empty, so its commits "
                           "wait for no standby (measured as async)");
  }
}

void setup_postgres(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    RunContext& ctx) {
  auto& info = ctx.server;
  // The PostgreSQL transports the cases use, in table order.
  std::vector<Transport> used;
  for (const auto tr : transports_for(Backend::postgres)) {
    if (any_transport(cases, tr)) used.push_back(tr);
  }
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
    so.transports = used;
    so.pool_mode = opt.pgbouncer_mode;
    so.session_settings = session_settings(opt);
    so.max_clients = connections;
    so.standby = !opt.standby.empty();
    t.server = std::make_unique<ThrowawayServer>(so);
    t.standby = t.server->standby_conninfo();
    info.standby_where = t.server->standby_where();
    t.direct_conninfo = t.server->conninfo(t.direct = first_direct(used));
    for (const auto tr : used) {
      t.conninfo[tr] = t.server->conninfo(tr);
      ctx.transports[transport_name(tr)].auth = spec_of(tr).fixture_auth;
    }
    info.mode = "throwaway";
    info.data_filesystem = filesystem_type(t.server->data_dir());
  } else {
    std::map<std::string, std::string> kv;
    try {
      kv = parse_conninfo(opt.dsn);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--dsn: ") + e.what());
    }
    // As libpq does: a DSN without host= takes PGHOST's.
    const char* pghost = std::getenv("PGHOST");
    const std::string host = kv.count("host") ? kv["host"] : pghost ? pghost : "";
    const bool host_is_socket = !host.empty() && host[0] == '/';
    const std::string sock = !opt.socket_dir.empty() ? opt.socket_dir
                             : host_is_socket        ? host
                                                     : "/var/run/postgresql";
    const std::string tcp = !opt.tcp_host.empty()                ? opt.tcp_host
                            : (!host.empty() && !host_is_socket) ? host
                                                                 : "127.0.0.1";
    // The DSN pointed at a transport's way in: the pooler, or the server itself.
    const auto dsn_for = [&](Transport tr) {
      const TransportSpec& spec = spec_of(tr);
      return spec.pooled
                 ? pooler_dsn(opt.dsn, spec, opt.pgbouncer, tcp)
                 : dsn_for_transport(opt.dsn, spec, spec.host == HostKind::socket_dir ? sock : tcp);
    };
    for (const auto tr : used) {
      t.conninfo[tr] = dsn_for(tr);
      ctx.transports[transport_name(tr)].auth = "as configured by the server";
    }
    info.mode = "existing";
    t.direct_conninfo = dsn_for(t.direct = first_direct(used));
    t.standby = opt.standby_dsn;
    if (!t.standby.empty()) info.standby_where = redact_conninfo(t.standby);
  }
  const bool user_options = !opt.dsn.empty() && parse_conninfo(opt.dsn).count("options") > 0;
  if (const auto sc = session_sync_commit(opt); sc && !opt.dsn.empty()) {
    if (std::any_of(used.begin(), used.end(), [](Transport tr) { return spec_of(tr).pooled; })) {
      // A pooler refuses options= and shares server sessions: a SET would leak to other clients.
      throw UsageError(
          setting_flag(opt) +
          " through --pgbouncer: a pooler passes no session options, so the pgbouncer cases "
          "would commit as the server says; set synchronous_commit on the server (or the role), "
          "and run without it");
    }
    if (user_options) {
      // A second options= would silently replace the user's; say so instead.
      throw UsageError(setting_flag(opt) +
                       " with a --dsn that sets options: add -c synchronous_commit=" + *sc +
                       " to its options instead");
    }
  }
  if (!user_options) {
    // Session settings, so they work against any server and every driver (they all take the
    // conninfo); the context below reads them back from such a session. The server sends these
    // sessions errors only: a warning it sends on its own (a shutdown's "terminating connection")
    // could otherwise reach a connection before its library has a notice processor, and land raw
    // on wpbench's stderr. Nothing measured sends notices.
    std::string o = " options='";
    for (const auto& s : session_settings(opt)) o += (o.back() == '\'' ? "-c " : " -c ") + s;
    // A pooled transport's sessions get them from the role (the throwaway server's ALTER ROLE).
    for (auto& [tr, ci] : t.conninfo) ci += spec_of(tr).pooled ? "" : o + "'";
    if (!t.direct_conninfo.empty()) t.direct_conninfo += o + "'";
  }
  // Connect over every transport the run uses before measuring anything, so a wrong password
  // or a down server is one line now, not a failed case later.
  // With --dsn and no --transports, a transport the DSN cannot reach (a socket-only DSN without
  // a password over TCP, a TCP-only one without a local socket) is skipped, saying why, and the
  // others are measured; one the user named, or the last one, stops the run.
  const bool skip_unreachable = !opt.dsn.empty() && opt.transports.empty();
  static constexpr const char* kUnreachable = "not reachable with this --dsn: ";
  std::string first;
  for (auto it = t.conninfo.begin(); it != t.conninfo.end();) {
    const auto& [tr, ci] = *it;
    const std::string name = transport_name(tr);
    ctx.transports[name].target = redact_conninfo(ci);
    if (spec_of(tr).pooled) ctx.transports[name].pool_mode = opt.pgbouncer_mode;
    try {
      pg_connect(ci);
    } catch (const DriverError& e) {
      const std::string hint = connect_hint(e.what(), ci, current_os_user().name);
      const std::string why = "over " + name + " (" + redact_conninfo(ci) +
                              "): " + one_line(e.what()) + (hint.empty() ? "" : " (" + hint + ")");
      if (!skip_unreachable) throw std::runtime_error(why);
      if (t.conninfo.size() == 1) {
        // None reachable: every transport's reason, the skipped ones first (a peer refusal on
        // the socket says whom to run as; the TCP one after it only asks for a password).
        std::string all;
        for (const auto& [skipped, reason] : t.unreachable) {
          all += reason.substr(std::string(kUnreachable).size()) + "; ";
        }
        throw std::runtime_error(all.empty() ? why
                                             : "no transport reaches the server: " + all + why);
      }
      t.unreachable[tr] = kUnreachable + why;
      ctx.warnings.push_back("the " + name + " cases are not measured: " + why);
      ctx.transports.erase(name);
      it = t.conninfo.erase(it);
      continue;
    }
    if (first.empty()) first = ci;
    ++it;
  }
  read_server_info(first, info);
  if (!opt.standby.empty()) setup_standby(opt, first, t, ctx);
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
                            Endpoint{t.conninfo.begin()->first, first, opt.table, opt.sqlite});
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
  ctx.transports[transport_name(Transport::file)] = {t.sqlite_path,
                                                     spec_of(Transport::file).fixture_auth};
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
}  // namespace

Targets setup_targets(const Options& opt, const std::vector<Case>& cases, bool tty, RunConfig& cfg,
                      RunResult& run) {
  if (!opt.standby.empty() && !any_backend(cases, Backend::postgres)) {
    // Said rather than ignored: no case would commit through a standby.
    throw UsageError("--standby applies to the PostgreSQL cases, and none is selected");
  }
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
  return targets;
}

Endpoint endpoint_for(Transport tr, Targets& t, const Options& opt) {
  if (spec_of(tr).backend == Backend::sqlite) {
    return Endpoint{tr, t.sqlite_path, opt.table, opt.sqlite, &t.sqlite_table};
  }
  return Endpoint{tr, t.conninfo.at(tr), opt.table, opt.sqlite, &t.pg_table, t.standby};
}

bool server_lost(const Case& c, const Targets& t) {
  if (c.path->backend != Backend::postgres) return false;
  // The server itself (a pooler answers while the server behind it is down), and the standby
  // every commit may wait for.
  const auto down = [](const std::string& ci) { return PQping(ci.c_str()) != PQPING_OK; };
  return down(t.direct_conninfo) || (!t.standby.empty() && down(t.standby));
}

std::vector<ConnectTarget> connect_targets(const std::vector<Case>& cases, const Targets& t) {
  std::vector<ConnectTarget> targets;
  if (!any_backend(cases, Backend::postgres)) return targets;
  if (t.server) {
    // Every way in of the transports the cases use.
    for (auto& k : throwaway_connect_targets(*t.server)) {
      if (t.conninfo.count(k.transport)) targets.push_back(std::move(k));
    }
    return targets;
  }
  for (const auto& [tr, ci] : t.conninfo) targets.push_back({tr, "as configured", ci});
  return targets;
}

std::optional<std::string> release_targets(const Options& opt, const std::vector<Case>& cases,
                                           Targets& t) {
  if (t.server || !any_backend(cases, Backend::postgres) || opt.keep_table) return std::nullopt;
  return release_table(Backend::postgres, endpoint_for(t.conninfo.begin()->first, t, opt));
}

}  // namespace wpbench
