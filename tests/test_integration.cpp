// Every driver path over every transport against a real throwaway PostgreSQL server and a real
// SQLite file, plus the authentication, schema and verification guarantees around them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "core/schedule.hpp"
#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "db/verify.hpp"
#include "drivers/python/python_arm.hpp"
#include "drivers/registry.hpp"
#include "fixture.hpp"
#include "measure/instructions.hpp"
#include "measure/runner.hpp"

namespace fs = std::filesystem;

namespace wpbench::test {

namespace {
const std::string kTable = "wpbench_trade_decisions";
}  // namespace

namespace {
Endpoint endpoint(const Case& c, const std::string& sqlite_path) {
  if (spec_of(c.transport).backend == Backend::sqlite) {
    return Endpoint{c.transport, sqlite_path, kTable, {}};
  }
  return Endpoint{c.transport, server().conninfo(c.transport), kTable, {}};
}

class EveryCase : public ::testing::TestWithParam<Case> {};

// Whether the case cannot run through the fixture's transaction pooler, as the run reports it
// (not measured); Pgbouncer.PathsDeclaredUnsafeBreakInTransactionPooling shows why.
bool breaks_in_pooler(const Case& c) {
  return spec_of(c.transport).pooled && !c.path->caps.pooler_safe;
}

TEST_P(EveryCase, InsertsDurablyAndVerifies) {
  const Case c = GetParam();
  if (breaks_in_pooler(c)) GTEST_SKIP() << "not pooler-safe: reported not measured by a run";
  TempPath tmp;
  const Endpoint e = endpoint(c, tmp.path() + "/t.sqlite");
  ensure_table(c.path->backend, e);
  // A connect-per-write path pays a new backend per insert (tens of ms): fewer, as a run takes.
  const bool per_write = c.path->caps.connects > 0;
  const std::uint64_t n = per_write ? 20 : 200, warmup = per_write ? 2 : 20;
  RunConfig cfg = config(n, warmup, 42);
  std::atomic<std::uint64_t> progress{0};
  cfg.progress = &progress;
  SteadyClock clock;
  std::atomic<bool> stop{false};
  const CaseResult r = run_case(c, e, cfg, clock, stop);

  ASSERT_FALSE(r.error) << *r.error;
  // Every insert, warm-up too, reached the progress line (a Python case's through its pipe).
  EXPECT_EQ(progress.load(), n + warmup);
  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;
  EXPECT_EQ(r.verification->rows_expected, n + warmup);
  EXPECT_EQ(r.verification->rows_found, n + warmup);
  EXPECT_EQ(r.verification->checksum_found, checksum(make_decisions(42, n + warmup)));
  ASSERT_EQ(r.samples_ns.size(), n);
  EXPECT_GT(r.latency.min_ns, 0);
  EXPECT_LE(r.latency.min_ns, r.latency.p50_ns);
  EXPECT_LE(r.latency.p50_ns, r.latency.p99_ns);
  EXPECT_LE(r.latency.p99_ns, r.latency.max_ns);
  EXPECT_GT(r.throughput_per_s, 0);
  EXPECT_TRUE(r.ok());
}

std::string case_test_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.name();
  for (auto& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllCases, EveryCase, ::testing::ValuesIn(all_cases()), case_test_name);

TEST(Cases, EveryPathRunsOverEveryTransportOfItsBackend) {
  const auto cases = all_cases();
  std::size_t expected = 0;
  for (const auto& p : driver_paths()) {
    for (const auto t : transports_for(p.backend)) {
      ++expected;
      const std::string name = p.id() + "/" + transport_name(t);
      EXPECT_EQ(std::count_if(cases.begin(), cases.end(),
                              [&](const Case& c) { return c.name() == name; }),
                1)
          << name;
    }
  }
  EXPECT_EQ(cases.size(), expected);
  EXPECT_GE(transports_for(Backend::postgres).size(), 2u);  // the socket and TCP at least
}

TEST(Capabilities, AgreeWithRoundTripsAndEachOther) {
  for (const auto& p : driver_paths()) {
    SCOPED_TRACE(p.id());
    const auto& k = p.caps;
    // BEGIN and COMMIT around the INSERT are the only extra statements any path sends, but a new
    // SQLAlchemy Engine per write, whose first connect runs the dialect's set-up (12 in all).
    if (p.id() == "sqlalchemy-core/engine-per-write") {
      EXPECT_EQ(k.statements, 12);
      EXPECT_TRUE(k.explicit_transaction);
      EXPECT_EQ(k.connects, 1);
    } else {
      EXPECT_TRUE(k.statements == 1 || k.statements == 3) << k.statements;
      EXPECT_EQ(k.explicit_transaction, k.statements == 3);
    }
    // A named statement lives in one server session: a transaction pooler hands the next
    // transaction another one, where the name is unknown (PgBouncer 1.18).
    if (k.named_prepared) EXPECT_FALSE(k.pooler_safe);
    if (p.backend == Backend::sqlite) {
      EXPECT_EQ(p.round_trips, 0);
      EXPECT_FALSE(k.named_prepared);  // no server, so no server-side statement
    } else {
      // One round trip per statement, except in pipeline mode: fewer, never more.
      EXPECT_GE(p.round_trips, 1);
      EXPECT_LE(p.round_trips, k.statements);
    }
  }
}

// A layer is judged against its baseline: the direct path that sends the same statements, on the
// same backend, so the difference is the layer's own cost.
TEST(Baselines, AreDirectPathsSendingTheSame) {
  int layers = 0;
  for (const auto& p : driver_paths()) {
    const std::string base = baseline_of(p);
    if (base.empty()) continue;
    ++layers;
    SCOPED_TRACE(p.id() + " -> " + base);
    const auto b = std::find_if(driver_paths().begin(), driver_paths().end(),
                                [&](const DriverPath& q) { return q.id() == base; });
    ASSERT_NE(b, driver_paths().end());
    EXPECT_EQ(b->backend, p.backend);
    EXPECT_EQ(b->caps.statements, p.caps.statements);
    EXPECT_EQ(b->caps.explicit_transaction, p.caps.explicit_transaction);
    EXPECT_TRUE(baseline_of(*b).empty());  // a baseline is direct: no chain
  }
  EXPECT_GE(layers, 4);  // SQLAlchemy Core and ORM, libpqxx, SOCI at least
}

TEST(PythonArm, MakesTheSameRowsAsTheCppGenerator) {
  // Verification of every Python case already compares its rows with the C++ generator; this
  // pins the generators against each other directly, over seeds the runs do not use.
  TempPath tmp;
  for (const std::uint64_t seed : {0ULL, 1ULL, 42ULL, 20261124ULL, 18446744073709551615ULL}) {
    char want[17];
    std::snprintf(want, sizeof want, "%016llx",
                  static_cast<unsigned long long>(checksum(make_decisions(seed, 3000))));
    EXPECT_EQ(python_checksum(config(1, 0, 0), seed, 3000, tmp.file("log")), want) << seed;
  }
}

// The registry's Python rows and the arm's cases list the same paths in two languages; a name
// or a backend on one side only would otherwise show up only when a run reached that case.
TEST(PythonArm, RegistryAndArmAgree) {
  TempPath tmp;
  std::map<std::string, std::string> registry;
  for (const auto& p : driver_paths()) {
    if (p.arm != python_arm()) continue;
    registry[p.id()] = p.backend == Backend::sqlite ? "sqlite" : "postgres";
  }
  EXPECT_EQ(python_arm_cases(config(1, 0, 0), tmp.file("log")), registry);
}

// A registry case the arm does not have is a build mistake: one line that says so, not
// "python module ?unknown case is missing (apt-get install ?unknown case)" and a run that
// reports the case not measured and exits 0.
TEST(PythonArm, ACaseTheArmDoesNotHaveStopsTheRun) {
  TempPath tmp;
  const DriverPath extra{"psycopg2", "nosuch", Backend::postgres, 1,
                         {},         "test",   nullptr,           python_arm()};
  const std::vector<Case> cases = {find_case("psycopg2/direct/unix"),
                                   Case{&extra, Transport::unix_socket}};
  try {
    const PythonCheck check = check_python(config(1, 0, 0), cases, tmp.file("check.log"));
    FAIL() << "no error; psycopg2/nosuch: "
           << (check.unavailable.count("psycopg2/nosuch") ? check.unavailable.at("psycopg2/nosuch")
                                                          : "available");
  } catch (const ArmDisagrees& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("the registry and the Python arm disagree on case psycopg2/nosuch"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(PythonArm, StopFlagEndsACaseWithWhatWasMeasured) {
  TempPath tmp;
  const Case c = find_case("python-sqlite3/seed/file");
  const Endpoint e{Transport::file, tmp.file("t.sqlite"), kTable, {}};
  ensure_table(Backend::sqlite, e);
  SteadyClock clock;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
  });
  const auto r = run_case(c, e, config(100000000, 0, 5), clock, stop);
  stopper.join();
  EXPECT_TRUE(r.interrupted);
  EXPECT_FALSE(r.error) << *r.error;
  EXPECT_GT(r.samples_ns.size(), 10u);
  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;  // every row it wrote is right
}

TEST(Auth, UnixSocketUsesPeerAuthenticationWithoutPassword) {
  EXPECT_EQ(server().conninfo(Transport::unix_socket).find("password"), std::string::npos);
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  EXPECT_EQ(pg_query_value(c.get(), "SELECT current_user"), server().role());
  // Peer maps the OS user to the role of the same name, so any other role is refused.
  pg_exec(c.get(), "DROP ROLE IF EXISTS wpbench_other");
  pg_exec(c.get(), "CREATE ROLE wpbench_other LOGIN PASSWORD 'x'");
  try {
    pg_connect(server().conninfo(Transport::unix_socket) + " user=wpbench_other");
    FAIL() << "peer authentication let another role in";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("Peer authentication failed"), std::string::npos)
        << e.what();
  }
}

TEST(Auth, TcpRequiresScramPassword) {
  auto c = pg_connect(server().conninfo(Transport::tcp));
  EXPECT_EQ(pg_query_value(c.get(),
                           "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                           "WHERE rolname = current_user"),
            "t");
  EXPECT_EQ(pg_query_value(c.get(), "SELECT inet_client_addr()"), "127.0.0.1");
  const std::string base = "host=127.0.0.1 port=" + std::to_string(server().port()) +
                           " dbname=postgres sslmode=disable user=" + server().role();
  EXPECT_THROW(pg_connect(base + " password=wrong"), DriverError);
  try {
    pg_connect(base + " password=wrong");
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos)
        << e.what();
  }
}

TEST(Schema, RefusesTableOfAnotherShape) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(c.get(), "DROP TABLE IF EXISTS odd_shape");
  pg_exec(c.get(), "CREATE TABLE odd_shape (id int, x text)");
  const Endpoint e{
      Transport::unix_socket, server().conninfo(Transport::unix_socket), "odd_shape", {}};
  EXPECT_THROW(ensure_table(Backend::postgres, e), SchemaError);
}

TEST(Schema, RefusesUnloggedTable) {
  // Right columns, but commits skip the WAL flush: it would pass off a non-durable write.
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(c.get(), "DROP TABLE IF EXISTS unlogged_decisions");
  pg_exec(c.get(), schema_sql(Backend::postgres, "unlogged_decisions"));
  pg_exec(c.get(), "ALTER TABLE unlogged_decisions SET UNLOGGED");
  const Endpoint e{
      Transport::unix_socket, server().conninfo(Transport::unix_socket), "unlogged_decisions", {}};
  try {
    ensure_table(Backend::postgres, e);
    FAIL() << "an UNLOGGED table was accepted";
  } catch (const SchemaError& ex) {
    EXPECT_NE(std::string(ex.what()).find("UNLOGGED"), std::string::npos) << ex.what();
  }
}

TEST(Drivers, LostConnectionIsAnErrorNotAHang) {
  // Every PostgreSQL path must report a killed backend as an error and return.
  for (const auto& c : all_cases()) {
    if (c.transport != Transport::unix_socket || c.path->arm != nullptr) continue;
    const Endpoint e{c.transport, server().conninfo(Transport::unix_socket), kTable, {}};
    ensure_table(Backend::postgres, e);
    auto session = c.path->open(e);
    session->insert(make_decisions(1, 1).front());
    auto admin = pg_connect(server().conninfo(Transport::unix_socket));
    pg_exec(admin.get(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    EXPECT_THROW(session->insert(make_decisions(1, 2).back()), DriverError) << c.name();
  }
}

// Each PostgreSQL path must send exactly what its declared round trips say: per insert one
// INSERT, plus BEGIN and COMMIT for the explicit-transaction paths (rt 3, and the pipeline,
// which sends all three behind one sync), and nothing else: an extra BEGIN, a ROLLBACK on
// returning a pooled connection or a per-insert SELECT would show here.
TEST(Statements, EachPathSendsWhatItDeclares) {
  auto admin = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(admin.get(), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  // Every statement goes to the server's log, which names the prepared statement an execute
  // uses ("execute S_1: INSERT ...", or "<unnamed>"): what Capabilities::named_prepared declares.
  pg_exec(admin.get(), "ALTER SYSTEM SET log_min_duration_statement = 0");
  pg_exec(admin.get(), "SELECT pg_reload_conf()");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the reload reaches new sessions
  const std::string log_path = server().dir() + "/postgres.log";
  const std::regex named_execute("execute ([^<: ][^: ]*): insert into " + kTable,
                                 std::regex::icase);
  const std::uint64_t n = 40;
  for (const auto& c : all_cases()) {
    if (c.transport != Transport::unix_socket) continue;
    const Endpoint e{c.transport, server().conninfo(Transport::unix_socket), kTable, {}};
    ensure_table(Backend::postgres, e);
    pg_exec(admin.get(), "SELECT pg_stat_statements_reset()");
    SteadyClock clock;
    std::atomic<bool> stop{false};
    const auto log_start = std::filesystem::file_size(log_path);
    // Sessions the server has started in this database: a connect-per-write path adds one per
    // insert (pg_stat_database.sessions counts them once they end).
    const auto sessions = [&] {
      pg_exec(admin.get(), "SELECT pg_stat_clear_snapshot()");
      return std::stol(pg_query_value(
          admin.get(), "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"));
    };
    const long sessions_before = sessions();
    // warm-up 5 covers psycopg 3's one-off server-side prepare on its 6th execution
    const auto r = run_case(c, e, config(n, 5, 11), clock, stop);
    ASSERT_TRUE(r.ok()) << c.name() << ": " << r.error.value_or("");
    std::ifstream log(log_path);
    log.seekg(static_cast<std::streamoff>(log_start));
    const std::string logged((std::istreambuf_iterator<char>(log)), {});
    EXPECT_EQ(std::regex_search(logged, named_execute), c.path->caps.named_prepared)
        << c.name() << " declares named_prepared=" << c.path->caps.named_prepared;
    const auto res = pg_exec(
        admin.get(),
        "SELECT CASE WHEN query ILIKE 'insert into " + kTable +
            "%' THEN 'insert' "
            "WHEN query LIKE '%/* wpbench harness */%' THEN 'harness' "
            "WHEN upper(query) IN ('BEGIN', 'COMMIT', 'ROLLBACK') THEN lower(query) "
            "WHEN query ILIKE 'TRUNCATE%' OR query ILIKE 'SET extra_float_digits%' "
            "  OR query ILIKE 'SELECT market_ticker%' OR query ILIKE '%pg_stat_statements%' "
            "  OR query ILIKE 'SET LOCAL lock_timeout%' OR query ILIKE 'LOCK TABLE%' "
            "  OR query ILIKE 'SELECT count(*) FROM%' OR query ILIKE 'DECLARE wpbench_verify%' "
            "  OR query ILIKE 'FETCH % FROM wpbench_verify' OR query ILIKE '%obj_description%' "
            "  THEN 'harness' ELSE 'other' END AS kind, sum(calls) "
            "FROM pg_stat_statements GROUP BY 1");
    std::map<std::string, long> calls;
    for (int i = 0; i < PQntuples(res.get()); ++i) {
      calls[PQgetvalue(res.get(), i, 0)] = std::stol(PQgetvalue(res.get(), i, 1));
    }
    const long inserts = static_cast<long>(n + 5);
    // What the registry declares the path sends, checked against what the server counted.
    const long tx = c.path->caps.explicit_transaction ? inserts : 0;
    EXPECT_EQ(calls["insert"], inserts) << c.name();
    long sent = 0;
    for (const auto& kind : {"insert", "begin", "commit", "rollback", "other"}) sent += calls[kind];
    // Every statement an insert sends, set-up ones of a new Engine included, plus those sent
    // once per session (SQLAlchemy's first connect: 11).
    EXPECT_GE(sent, inserts * c.path->caps.statements) << c.name();
    EXPECT_LE(sent, inserts * c.path->caps.statements + 12) << c.name();
    // The run's own sessions (connect and verify) are a handful; a path that connects per
    // insert adds one each.
    const long opened = sessions() - sessions_before;
    EXPECT_GE(opened, inserts * c.path->caps.connects) << c.name();
    EXPECT_LE(opened, inserts * c.path->caps.connects + 6) << c.name();
    // Connecting may run a few statements once (SQLAlchemy's dialect checks open and roll back
    // two transactions); anything per insert would add ~45 here.
    EXPECT_GE(calls["commit"], tx) << c.name();
    EXPECT_LE(calls["commit"], tx + 3) << c.name();
    if (c.path->caps.statements <= 3) {  // a new Engine's set-up begins and rolls back twice
      EXPECT_GE(calls["begin"], tx) << c.name();
      EXPECT_LE(calls["begin"], tx + 3) << c.name();
      EXPECT_LE(calls["rollback"] + calls["other"], 10) << c.name();
    }
  }
  pg_exec(admin.get(), "ALTER SYSTEM RESET log_min_duration_statement");
  pg_exec(admin.get(), "SELECT pg_reload_conf()");
}

// --standby's fixture: a streaming standby in a network namespace of its own (as root), every
// commit of a remote_apply session visible there once acknowledged, verification reading it, and
// nothing left behind (namespace, veth, processes, files) once the server stops.
class Standby : public ::testing::TestWithParam<bool> {};

TEST_P(Standby, ReplicatesAcrossItsOwnNamespaceAndLeavesNothing) {
  // false: the loopback fallback, as where no namespace can be made.
  if (!GetParam()) setenv("WPBENCH_NO_NETNS", "1", 1);
  struct Unset {
    ~Unset() { unsetenv("WPBENCH_NO_NETNS"); }
  } unset;
  ServerOptions so;
  so.transports = {Transport::unix_socket};
  so.standby = true;
  ThrowawayServer s(so);
  ASSERT_FALSE(s.standby_conninfo().empty());
  const bool in_ns = geteuid() == 0 && GetParam();
  EXPECT_EQ(s.standby_where().rfind(in_ns ? "network namespace wpbench-" : "loopback", 0), 0u)
      << s.standby_where();
  const std::string ns = "wpbench-" + std::to_string(getpid());
  const auto namespaces = [] {
    std::string out;
    if (FILE* p = popen("/usr/sbin/ip netns list 2>/dev/null", "r")) {
      char buf[256];
      while (std::fgets(buf, sizeof buf, p)) out += buf;
      pclose(p);
    }
    return out;
  };
  if (in_ns) EXPECT_NE(namespaces().find(ns), std::string::npos);
  auto primary = pg_connect(s.conninfo(Transport::unix_socket));
  // It streams from the namespace's address, and the server counts it synchronous.
  const std::string addr =
      pg_query_value(primary.get(), "SELECT client_addr FROM pg_stat_replication");
  if (in_ns) EXPECT_EQ(addr.rfind("10.219.", 0), 0u) << addr;
  EXPECT_EQ(pg_query_value(primary.get(), "SELECT sync_state FROM pg_stat_replication"), "sync");
  // remote_apply: acknowledged only once the standby has applied it, so it is readable there.
  pg_exec(primary.get(), "SET synchronous_commit = remote_apply");
  pg_exec(primary.get(), "CREATE TABLE standby_probe (v int)");
  pg_exec(primary.get(), "INSERT INTO standby_probe VALUES (42)");
  auto standby = pg_connect(s.standby_conninfo());
  EXPECT_EQ(pg_query_value(standby.get(), "SELECT pg_is_in_recovery()"), "t");
  EXPECT_EQ(pg_query_value(standby.get(), "SELECT v FROM standby_probe"), "42");
  // Verification reads the standby too: the rows of a case arrive there.
  const Case c = find_case("libpq/prepared/unix");
  Endpoint e{Transport::unix_socket, s.conninfo(Transport::unix_socket), kTable, {}};
  e.standby = s.standby_conninfo();
  ensure_table(Backend::postgres, e);
  RunConfig cfg = config(50, 5, 3);
  SteadyClock clock;
  std::atomic<bool> stop{false};
  const CaseResult r = run_case(c, e, cfg, clock, stop);
  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;
  EXPECT_EQ(r.verification->on_standby, std::optional<bool>(true));
  standby.reset();
  primary.reset();
  const std::string dir = s.dir();
  s.stop();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(namespaces().find(ns), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(NamespaceOrLoopback, Standby, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("OwnNamespace") : std::string("Loopback");
                         });

// The pgbouncer transport goes through a pooler: in transaction mode two client sessions one
// after the other share one server session, which a direct connection never does; the pooler
// checks the password (scram passed through) and takes no startup options.
TEST(Pgbouncer, PoolsServerSessionsAndChecksThePassword) {
  const auto backend_pid = [](const std::string& conninfo) {
    auto c = pg_connect(conninfo);
    return pg_query_value(c.get(), "SELECT pg_backend_pid()");
  };
  const std::string pooled = server().conninfo(Transport::pgbouncer);
  const std::string first = backend_pid(pooled);
  EXPECT_EQ(backend_pid(pooled), first);
  EXPECT_NE(backend_pid(server().conninfo(Transport::tcp)),
            backend_pid(server().conninfo(Transport::tcp)));
  auto kv = parse_conninfo(pooled);
  EXPECT_NE(kv["port"], parse_conninfo(server().conninfo(Transport::tcp))["port"]);
  kv["password"] = "wrong";
  EXPECT_THROW(pg_connect(build_conninfo(kv)), DriverError);
  kv.erase("password");
  kv["options"] = "-c work_mem=64kB";
  EXPECT_THROW(pg_connect(build_conninfo(kv)), DriverError);
  // The trust role passes as on the server, without a password.
  EXPECT_FALSE(backend_pid(server().conninfo(Transport::pgbouncer, ServerRole::trust)).empty());
}

// Settings a direct connection carries in options= reach the pooled sessions as the role's
// defaults: every client gets them, also the next one on a server session that session pooling
// reset (DISCARD ALL), and the first client's own SET does not reach the next one.
TEST(Pgbouncer, SessionSettingsSurviveSessionPoolingsReset) {
  ServerOptions so;
  so.transports = {Transport::unix_socket, Transport::pgbouncer};
  so.pool_mode = "session";
  so.session_settings = {"synchronous_commit=off", "client_min_messages=error"};
  ThrowawayServer s(so);
  std::string first_pid;
  for (int client = 0; client < 3; ++client) {
    auto c = pg_connect(s.conninfo(Transport::pgbouncer));
    EXPECT_EQ(pg_query_value(c.get(), "SHOW synchronous_commit"), "off") << client;
    const std::string pid = pg_query_value(c.get(), "SELECT pg_backend_pid()");
    if (client == 0) first_pid = pid;
    EXPECT_EQ(pid, first_pid) << "not the same server session: nothing was reset";
    pg_exec(c.get(), "SET synchronous_commit = remote_apply");  // this client's own, not kept
  }
}

// What Capabilities::pooler_safe declares, shown: every path declared unsafe fails through the
// transaction pooler once two of its sessions share it (one prepares a name the other left in
// the shared server session, or executes one the server session it got never prepared), and
// every path declared safe runs there in EveryCase.
TEST(Pgbouncer, PathsDeclaredUnsafeBreakInTransactionPooling) {
  int unsafe = 0;
  for (const Case& c : all_cases()) {
    if (c.transport != Transport::pgbouncer || c.path->caps.pooler_safe) continue;
    ++unsafe;
    SCOPED_TRACE(c.name());
    const Endpoint e = endpoint(c, "");
    ensure_table(c.path->backend, e);
    if (c.path->open != nullptr) {
      // Two sessions open at once, inserting in turn, as interleaved cases do.
      const auto rows = make_decisions(11, 10);
      bool failed = false;
      try {
        auto a = c.path->open(e);
        auto b = c.path->open(e);
        for (std::size_t i = 0; i < rows.size(); ++i) (i % 2 ? b : a)->insert(rows[i]);
      } catch (const std::exception&) {
        failed = true;
      }
      EXPECT_TRUE(failed) << "two sessions ran through transaction pooling";
    } else {
      // The Python arm runs one session per process: one after the other.
      RunConfig cfg = config(20, 2, 7);
      SteadyClock clock;
      std::atomic<bool> stop{false};
      const CaseResult a = run_case(c, e, cfg, clock, stop);
      const CaseResult b = run_case(c, e, cfg, clock, stop);
      EXPECT_TRUE(a.error || b.error) << "ran twice through transaction pooling";
    }
  }
  EXPECT_GE(unsafe, 3);
}

// The tls transport is what its row says: encrypted, with the certificate's chain and name
// verified; tcp, its plain twin, is not encrypted (a server with ssl=on would encrypt libpq's
// default, prefer).
TEST(Transports, TlsIsEncryptedAndVerifiedAndTcpIsPlain) {
  const auto ssl_in_use = [](const std::string& conninfo) {
    auto c = pg_connect(conninfo);
    return pg_query_value(c.get(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  };
  EXPECT_EQ(ssl_in_use(server().conninfo(Transport::tls)), "t");
  EXPECT_EQ(ssl_in_use(server().conninfo(Transport::tls, ServerRole::trust)), "t");
  EXPECT_EQ(ssl_in_use(server().conninfo(Transport::tcp)), "f");
  EXPECT_EQ(ssl_in_use(server().conninfo(Transport::unix_socket)), "f");
  // Another CA: verify-full must refuse the server's certificate, not fall back.
  TempPath tmp;
  ASSERT_EQ(
      std::system(("/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other "
                   "-keyout " +
                   tmp.file("k") + " -out " + tmp.file("ca.crt") + " 2>/dev/null")
                      .c_str()),
      0);
  // The connect error of the TLS conninfo with `changes` applied ("" if it connects).
  const auto refusal = [](const std::map<std::string, std::string>& changes) {
    auto kv = parse_conninfo(server().conninfo(Transport::tls));
    for (const auto& [k, v] : changes) kv[k] = v;
    try {
      pg_connect(build_conninfo(kv));
      return std::string();
    } catch (const DriverError& e) {
      return std::string(e.what());
    }
  };
  const std::string other_ca = refusal({{"sslrootcert", tmp.file("ca.crt")}});
  EXPECT_NE(other_ca.find("certificate verify failed"), std::string::npos) << other_ca;
  // The name is checked too: the certificate is for 127.0.0.1 and localhost only (host is the
  // name checked; hostaddr is where libpq really connects).
  const std::string other_name = refusal({{"host", "wrong.example"}, {"hostaddr", "127.0.0.1"}});
  EXPECT_NE(other_name.find("does not match host name"), std::string::npos) << other_name;
}

TEST(Schema, RefusesSqliteTableOfAnotherShape) {
  TempPath tmp;
  const Endpoint e{Transport::file, tmp.path() + "/t.sqlite", "odd_shape", {}};
  {
    auto db = sqlite_open(e.target, e.sqlite);
    sqlite_exec(db.get(), "CREATE TABLE odd_shape (id INTEGER, x TEXT)");
  }
  EXPECT_THROW(ensure_table(Backend::sqlite, e), SchemaError);
}

// Verification must fail when the table differs from what the case inserted in any way.
class Tampered : public ::testing::Test {
 protected:
  void SetUp() override {
    e_ = Endpoint{
        Transport::unix_socket, server().conninfo(Transport::unix_socket), "wpbench_tamper", {}};
    ensure_table(Backend::postgres, e_);
    const Case c{&driver_paths().front(), Transport::unix_socket};
    SteadyClock clock;
    std::atomic<bool> stop{false};
    const auto r = run_case(c, e_, config(30, 0, 7), clock, stop);
    ASSERT_TRUE(r.ok());
    conn_ = pg_connect(e_.target);
  }
  Verification verify() { return verify_table(Backend::postgres, e_, 7, 30); }
  Endpoint e_;
  PgConn conn_;
};

TEST_F(Tampered, ExtraRowFails) {
  pg_exec(conn_.get(),
          "INSERT INTO wpbench_tamper (market_ticker, direction, edge, score, action) "
          "VALUES ('X', 'yes', 0, 0, 'buy')");
  const auto v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.rows_found, 31u);
}

TEST_F(Tampered, MissingRowFails) {
  pg_exec(conn_.get(), "DELETE FROM wpbench_tamper WHERE id = 30");
  EXPECT_FALSE(verify().ok);
}

TEST_F(Tampered, OneUlpOfDriftFails) {
  // A driver that printed doubles with too few digits would change values by about this much.
  pg_exec(conn_.get(), "UPDATE wpbench_tamper SET score = score + 1e-15 WHERE id = 5");
  const auto v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.message.find("row 5"), std::string::npos) << v.message;
}

TEST_F(Tampered, NullTurnedIntoEmptyStringFails) {
  pg_exec(conn_.get(),
          "UPDATE wpbench_tamper SET skip_reason = '' WHERE id = "
          "(SELECT min(id) FROM wpbench_tamper WHERE skip_reason IS NULL)");
  EXPECT_FALSE(verify().ok);
}

}  // namespace
// --instructions: the same build counts the same client instructions on every run, and a count
// is not zero. Python too, since its count runs with PYTHONHASHSEED=0: with a random seed per
// process the counts moved up to 0.6 %; 0.05 % leaves room only for the garbage collector.
TEST(Instructions, TwoCountsOfOneBuildAgree) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "valgrind cannot run a binary built with AddressSanitizer";
#else
  ASSERT_TRUE(find_valgrind()) << "valgrind is missing (scripts/setup installs it)";
  TempPath dir;
  for (const char* name : {"libpq/prepared/unix", "psycopg2/direct/unix"}) {
    const Case c = find_case(name);
    TableLedger ledger;
    Endpoint e{c.transport,
               server().conninfo(Transport::unix_socket),
               "wpbench_instructions",
               {},
               &ledger};
    ledger = ensure_table(Backend::postgres, e);
    RunConfig cfg = config(0, 20, 3);
    std::vector<double> per_insert;
    for (int run = 0; run < 2; ++run) {
      reset_table(Backend::postgres, e);
      const auto n = count_instructions(c, e, cfg, 100, WPBENCH_BINARY, dir.path());
      ASSERT_FALSE(n.error) << name << ": " << *n.error;
      per_insert.push_back(n.per_insert);
      const auto v = verify_table(Backend::postgres, e, case_seed(cfg.seed, c.name()), 120);
      EXPECT_TRUE(v.ok) << name << ": " << v.message;
      ledger.rows = v.rows_found;
    }
    EXPECT_GT(per_insert[0], 1000) << name;
    EXPECT_LT(std::abs(per_insert[1] / per_insert[0] - 1), 0.0005)
        << name << ": " << per_insert[0] << " vs " << per_insert[1];
  }
#endif
}

}  // namespace wpbench::test

int main(int argc, char** argv) {
  wpbench::ServerOptions opt;
  // pg_stat_statements counts what each driver path really sends (Statements.* below).
  opt.settings = {"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"};
  return wpbench::test::fixture_main(argc, argv, opt);
}
