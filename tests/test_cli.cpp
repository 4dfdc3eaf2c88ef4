// The wpbench binary as users run it: bad input gets one clear line and the right exit code,
// an existing server (--dsn) works over both transports, secrets stay out of outputs, and an
// interrupted run keeps what it measured.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "db/sqlite.hpp"
#include "drivers/registry.hpp"
#include "fixture.hpp"
#include "sys/process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace wpbench::test {
namespace {

std::string password() { return parse_conninfo(server().conninfo(Transport::tcp)).at("password"); }

// The fixture's server as a user would name it: a DSN without host, plus where to reach it.
std::string existing_dsn() {
  return "port=" + std::to_string(server().port()) + " dbname=postgres user=" + server().role() +
         " password=" + password() + " sslmode=disable";
}

int validate(const std::string& file) {
  const std::string cmd = "/usr/bin/python3 " +
                          shq(std::string(WPBENCH_SOURCE_DIR) + "/scripts/validate-result") + " " +
                          shq(file) + " >/dev/null";
  return std::system(cmd.c_str());
}

// A short run (20 samples, one repetition, no floors, no connect cost) with `args`, into `out`.
Cli short_run(const std::string& args, const std::string& out, const std::string& env = "") {
  return run_cli(args +
                     " --samples 20 --warmup 2 -r 1 --floor-samples 0 --connect-samples 0 --out " +
                     shq(out),
                 env);
}

TEST(Cli, UnknownOptionIsAUsageError) { expect_one_line_error(run_cli("--bogus"), 2, "--bogus"); }

TEST(Cli, UnknownDriverIsAUsageError) {
  expect_one_line_error(run_cli("--drivers nosuch"), 2, "unknown driver 'nosuch'");
}

TEST(Cli, UnknownTransportIsAUsageError) {
  expect_one_line_error(run_cli("--transports pigeon"), 2, "unknown transport 'pigeon'");
}

TEST(Cli, AMistypedNameSaysWhichWasMeant) {
  expect_one_line_error(run_cli("--drivers sqlalchemy"), 2, "did you mean 'sqlalchemy-core'?");
  expect_one_line_error(run_cli("--drivers pscyopg2"), 2, "did you mean 'psycopg2'?");
  expect_one_line_error(run_cli("--transports unx"), 2, "did you mean 'unix'?");
  expect_one_line_error(run_cli("--transport unix"), 2, "did you mean --transports?");
  // Nothing near: no guess.
  const Cli far = run_cli("--drivers zzzzzzzz");
  expect_one_line_error(far, 2, "unknown driver 'zzzzzzzz'");
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(Cli, DriversTakesTheCaseNamesListPrints) {
  const Cli one = run_cli("--drivers psycopg2/direct/unix --list");
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(lines(one.out), 1) << one.out;
  EXPECT_EQ(one.out.rfind("psycopg2/direct/unix ", 0), 0u) << one.out;
}

TEST(Cli, ARunTooSmallForAP99ClaimSaysSoUpFront) {
  TempPath tmp;
  const Cli r = short_run("--drivers sqlite3/prepared", tmp.file("r.json"));  // 20 x 1 samples
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(tmp.file("r.json")));
  const auto warnings = j["context"]["warnings"].dump();
  EXPECT_NE(warnings.find("each case gets 20 samples (--samples 20 x -r 1): too few for its p99, "
                          "which needs 1000"),
            std::string::npos)
      << warnings;
  // Enough once samples x repetitions reach it.
  const Cli enough = run_cli(
      "--drivers sqlite3/prepared --samples 500 -r 2 --warmup 2 "
      "--floor-samples 0 --connect-samples 0 --out " +
      shq(tmp.file("e.json")));
  ASSERT_EQ(enough.exit_code, 0) << enough.err;
  EXPECT_EQ(read_file(tmp.file("e.json")).find("too few for its p99"), std::string::npos);
}

TEST(Cli, ALayerBringsItsBaselineUnlessToldNot) {
  // SQLAlchemy is judged against the psycopg2 it wraps, libpqxx against libpq: alone, a layer
  // would be compared with itself.
  const Cli orm = run_cli("--drivers sqlalchemy-orm --transports unix --list");
  EXPECT_EQ(orm.exit_code, 0) << orm.err;
  EXPECT_EQ(lines(orm.out), 2) << orm.out;  // --list shows what a run would measure
  EXPECT_NE(orm.out.find("psycopg2/direct/unix"), std::string::npos) << orm.out;
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = short_run("--drivers libpqxx/work --transports unix", out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["config"]["cases"], json({"libpq/tx/unix", "libpqxx/work/unix"}));
  EXPECT_NE(r.out.find("libpq/tx/unix is measured too"), std::string::npos) << r.out;
  const Cli alone =
      short_run("--drivers libpqxx/work --transports unix --no-baselines", tmp.file("alone.json"));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(json::parse(read_file(tmp.file("alone.json")))["config"]["cases"],
            json({"libpqxx/work/unix"}));
}

TEST(Cli, BadTableNameIsAUsageError) {
  expect_one_line_error(run_cli("--table 'x; DROP TABLE y'"), 2, "--table");
}

TEST(Cli, ZeroSamplesIsAUsageError) { expect_one_line_error(run_cli("--samples 0"), 2, "samples"); }

TEST(Cli, InvalidDsnIsAUsageError) {
  expect_one_line_error(run_cli("--dsn \"host='unterminated\""), 2, "--dsn");
}

TEST(Cli, ListNamesEveryCase) {
  const Cli r = run_cli("--list");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines(r.out), static_cast<int>(all_cases().size()));
  EXPECT_NE(r.out.find("libpq/pipeline/tcp"), std::string::npos);
  // A transport measured only when named says so on its lines.
  EXPECT_NE(r.out.find("libpq/pipeline/tls"), std::string::npos);
  EXPECT_NE(r.out.find("[--transports tls]"), std::string::npos);
  EXPECT_NE(r.out.find("psycopg2/connect-per-write/unix"), std::string::npos);
  EXPECT_NE(r.out.find("[--connect-per-write N]"), std::string::npos);
}

// --idle-ms: every measured insert waits out the idle time on its connection, and its
// back-to-back twin is recorded apart, paired with it.
TEST(Cli, IdleMsPairsEachIdleInsertWithABackToBackOne) {
  expect_one_line_error(run_cli("--idle-ms 5 --interleave case"), 2, "--idle-ms");
  TempPath tmp;
  fs::permissions(tmp.path(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add);  // the throwaway server's user goes through it
  const std::string out = tmp.path() + "/r.json";
  const Cli r = run_cli(
      "--drivers libpq/prepared,psycopg2/direct --no-baselines --transports unix --samples 12 "
      "--warmup 2 -r 1 --idle-ms 30 --floor-samples 0 --connect-samples 0 --tmp-dir " +
      shq(tmp.path()) + " --out " + shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("after 30 ms idle vs back to back"), std::string::npos) << r.out;
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["config"]["idle_ms"], 30);
  for (const auto& c : j["cases"]) {
    EXPECT_EQ(c["status"], "ok") << c["name"];
    // Both halves of every pair were written and verified: 2 + 12 x 2 rows.
    EXPECT_EQ(c["repetitions"][0]["verification"]["rows_expected"], 2 + 12 * 2) << c["name"];
    EXPECT_GE(c["repetitions"][0]["idle_gap_ns"].get<double>(), 30e6) << c["name"];
    EXPECT_EQ(c["repetitions"][0]["back_to_back_ns"].size(), 12u) << c["name"];
    EXPECT_GT(c["idle"]["back_to_back_ns"]["p50"].get<double>(), 0) << c["name"];
    EXPECT_EQ(c["idle"]["idle_minus_back_to_back"]["pairs"], 12) << c["name"];
    EXPECT_FALSE(c["idle"]["idle_minus_back_to_back"]["interval_95_ns"].is_null()) << c["name"];
  }
}

TEST(Cli, TlsIsMeasuredOnlyWhenNamed) {
  // Default runs keep their length and their cases; --transports tls adds every PostgreSQL path
  // over TLS. --list shows what a run would measure once --transports is given.
  const Cli named = run_cli("--transports tls --list");
  EXPECT_EQ(named.exit_code, 0);
  int tls = 0;
  for (const auto& c : all_cases()) tls += c.transport == Transport::tls;
  EXPECT_EQ(lines(named.out), tls);
  EXPECT_GT(tls, 0);
  EXPECT_EQ(named.out.find("/unix"), std::string::npos);
}

// The JSON's cases by name: status and the not-measured reason.
std::map<std::string, std::pair<std::string, std::string>> statuses(const std::string& path) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  const json run = json::parse(read_file(path));
  for (const auto& c : run["cases"]) {
    const std::string error = c["error"].is_string() ? c["error"].get<std::string>() : "";
    out[c["name"].get<std::string>()] = {c["status"].get<std::string>(), error};
  }
  return out;
}

// Through the throwaway PgBouncer in transaction pooling a path that keeps named prepared
// statements is reported not measured, saying why, and the run succeeds; in session pooling it
// is measured. The same pooler reached as an existing deployment's (--dsn, --pgbouncer) runs too.
TEST(Cli, PgbouncerReportsWhatTransactionPoolingCannotRun) {
  TempPath tmp;
  const std::string args =
      " --transports pgbouncer --drivers libpq/prepared,libpq/exec-params --no-baselines "
      "--samples 20 --warmup 2 -r 1 --floor-samples 20 --connect-samples 2 --out ";
  const Cli tx = run_cli(args + shq(tmp.file("tx.json")));
  ASSERT_EQ(tx.exit_code, 0) << tx.err;
  auto s = statuses(tmp.file("tx.json"));
  EXPECT_EQ(s["libpq/exec-params/pgbouncer"].first, "ok");
  EXPECT_EQ(s["libpq/prepared/pgbouncer"].first, "not_measured");
  EXPECT_NE(s["libpq/prepared/pgbouncer"].second.find("transaction pooling"), std::string::npos)
      << s["libpq/prepared/pgbouncer"].second;
  EXPECT_NE(tx.out.find("incompatible with transaction pooling"), std::string::npos) << tx.out;
  EXPECT_EQ(validate(tmp.file("tx.json")), 0);

  const Cli session = run_cli(args + shq(tmp.file("session.json")) + " --pgbouncer-mode session");
  ASSERT_EQ(session.exit_code, 0) << session.err;
  s = statuses(tmp.file("session.json"));
  EXPECT_EQ(s["libpq/prepared/pgbouncer"].first, "ok");
  EXPECT_EQ(s["libpq/exec-params/pgbouncer"].first, "ok");

  // Only through the pooler, with a standby: wpbench's own probes go to the server directly (a
  // named statement and session settings through a transaction pooler would fail or leak), so
  // every floor is measured in every repetition, and the rows reach the standby.
  const Cli only = run_cli(
      " --transports pgbouncer --drivers libpq/exec-params,psycopg2/direct --no-baselines "
      "--standby sync --samples 20 --warmup 2 -r 2 --floor-samples 40 --connect-samples 0 "
      "--out " +
      shq(tmp.file("only.json")));
  ASSERT_EQ(only.exit_code, 0) << only.err;
  const json o = json::parse(read_file(tmp.file("only.json")));
  EXPECT_TRUE(o["floors"]["errors"].empty()) << o["floors"]["errors"];
  EXPECT_FALSE(o["floors"]["commit_flush"].is_null());
  EXPECT_FALSE(o["floors"]["standby_wait"].is_null());
  EXPECT_EQ(o["context"]["transports"]["pgbouncer"]["pool_mode"], "transaction");
  for (const auto& c : o["cases"]) {
    EXPECT_EQ(c["status"], "ok") << c["name"];
    for (const auto& rep : c["repetitions"]) EXPECT_EQ(rep["verification"]["on_standby"], true);
  }
  EXPECT_EQ(validate(tmp.file("only.json")), 0);

  const auto pooler = parse_conninfo(server().conninfo(Transport::pgbouncer));
  const Cli existing =
      run_cli("--dsn " + shq(existing_dsn()) + " --pgbouncer 127.0.0.1:" + pooler.at("port") +
              " --table cli_pooler" + args + shq(tmp.file("existing.json")));
  ASSERT_EQ(existing.exit_code, 0) << existing.err;
  s = statuses(tmp.file("existing.json"));
  EXPECT_EQ(s["libpq/exec-params/pgbouncer"].first, "ok");
  EXPECT_EQ(s["libpq/prepared/pgbouncer"].first, "not_measured");
  EXPECT_EQ(read_file(tmp.file("existing.json")).find(password()), std::string::npos);
  // --sync-commit cannot reach the server through an existing pooler: one line, before anything.
  expect_one_line_error(
      run_cli("--dsn " + shq(existing_dsn()) + " --pgbouncer 127.0.0.1:" + pooler.at("port") +
              " --sync-commit off" + args + shq(tmp.file("x.json"))),
      2, "pooler");
}

// --standby from one flag: against the throwaway server (its own streaming standby) and against
// an existing server with --standby-dsn; either way every case's rows are checked on the standby
// and the decomposition takes the standby's wait apart.
TEST(Cli, StandbyRunsCheckTheRowsThereAndSplitOutTheWait) {
  TempPath tmp;
  const std::string args =
      " --drivers libpq/prepared,psycopg2/direct --no-baselines --samples 40 --warmup 3 -r 2 "
      "--floor-samples 60 --connect-samples 0 --out ";
  const auto check = [](const std::string& file, const std::string& mode) {
    const json j = json::parse(read_file(file));
    EXPECT_EQ(j["context"]["server"]["standby"]["mode"], mode);
    EXPECT_TRUE(j["context"]["server"]["standby"]["checked_on"].is_string());
    EXPECT_FALSE(j["floors"]["standby_wait"].is_null());
    for (const auto& c : j["cases"]) {
      EXPECT_EQ(c["status"], "ok") << c["name"];
      for (const auto& rep : c["repetitions"]) {
        EXPECT_EQ(rep["verification"]["on_standby"], true) << c["name"];
      }
      EXPECT_EQ(c["decomposition"]["standby_ns"], j["floors"]["standby_wait"]["flush_p50_ns"]);
    }
    EXPECT_EQ(validate(file), 0);
  };
  const Cli own =
      run_cli("--standby remote_apply --transports unix" + args + shq(tmp.file("own.json")));
  ASSERT_EQ(own.exit_code, 0) << own.err;
  check(tmp.file("own.json"), "remote_apply");
  EXPECT_NE(own.out.find("standby "), std::string::npos) << own.out;

  ServerOptions so;
  so.transports = {Transport::unix_socket, Transport::tcp};
  so.standby = true;
  ThrowawayServer s(so);
  const auto tcp = parse_conninfo(s.conninfo(Transport::tcp));
  const std::string dsn = "host=127.0.0.1 port=" + tcp.at("port") +
                          " dbname=postgres user=" + tcp.at("user") +
                          " password=" + tcp.at("password");
  const Cli existing =
      run_cli("--dsn " + shq(dsn) + " --standby sync --standby-dsn " + shq(s.standby_conninfo()) +
              " --transports tcp --table cli_standby" + args + shq(tmp.file("existing.json")));
  ASSERT_EQ(existing.exit_code, 0) << existing.err;
  check(tmp.file("existing.json"), "sync");
  EXPECT_EQ(read_file(tmp.file("existing.json")).find(tcp.at("password")), std::string::npos);
  // A server that is not a standby, or --sync-commit beside --standby: one line each.
  expect_one_line_error(run_cli("--dsn " + shq(dsn) + " --standby sync --standby-dsn " + shq(dsn) +
                                " --transports tcp" + args + shq(tmp.file("x.json"))),
                        2, "not a standby");
  expect_one_line_error(run_cli("--standby sync --sync-commit off"), 2, "--standby");
  expect_one_line_error(run_cli("--standby sync --drivers sqlite3"), 2, "--standby");
}

// --start-at: set-up first, then nothing is measured before the time; a late start is said, a
// time that cannot be read is a usage error.
TEST(Cli, StartAtWaitsAndSaysWhenItIsLate) {
  TempPath tmp;
  const auto at = std::chrono::system_clock::now() + std::chrono::seconds(4);
  const auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  const std::string when = std::to_string(secs.count() / 1000) + "." +
                           std::to_string(1000 + secs.count() % 1000).substr(1);
  const std::string args =
      " --drivers sqlite3/prepared --samples 20 --warmup 2 -r 1 "
      "--floor-samples 0 --connect-samples 0 --out ";
  const Cli r = run_cli("--start-at " + when + args + shq(tmp.file("a.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(tmp.file("a.json")));
  ASSERT_TRUE(j["context"]["start_at"].is_string());
  // The first repetition's time series starts no earlier than the time asked for.
  EXPECT_GE(std::chrono::system_clock::now(), at);
  const Cli late = run_cli("--start-at 2020-01-01T00:00:00Z" + args + shq(tmp.file("b.json")));
  ASSERT_EQ(late.exit_code, 0) << late.err;
  const json k = json::parse(read_file(tmp.file("b.json")));
  EXPECT_EQ(k["context"]["start_at"], "2020-01-01T00:00:00.000Z");
  bool said = false;
  for (const auto& w : k["context"]["warnings"])
    said = said || w.get<std::string>().find("started late") != std::string::npos;
  EXPECT_TRUE(said);
  expect_one_line_error(run_cli("--start-at tomorrow"), 2, "--start-at");
  expect_one_line_error(run_cli("--start-at 2026-13-01T00:00:00Z"), 2, "--start-at");
}

TEST(Cli, UnwritableOutFailsBeforeMeasuring) {
  const Cli r = run_cli("--drivers sqlite3 --out /proc/wpbench-nope/x.json");
  expect_one_line_error(r, 1, "cannot write --out");
}

TEST(Cli, UnwritableExportFailsBeforeMeasuring) {
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli("--drivers sqlite3 --out " + shq(out) + " --export-csv /proc/nope/x.csv");
  expect_one_line_error(r, 1, "cannot write --export-csv /proc/nope/x.csv");
  EXPECT_FALSE(fs::exists(out));  // nothing measured, nothing written
}

TEST(Cli, TwoOutputsToOneFileIsAUsageError) {
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli("--drivers sqlite3 --out " + shq(out) + " --export-gbench " + shq(out));
  expect_one_line_error(r, 2, "name the same file");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, SqliteDirThatIsNotADirectoryFailsBeforeAnyServer) {
  TempPath tmp;
  const std::string file = tmp.file("plain-file");
  std::ofstream(file) << "x";
  const Cli r = run_cli("--sqlite-dir " + shq(file) + " --out " + shq(tmp.file("r.json")));
  expect_one_line_error(r, 2, "is not a directory");
  EXPECT_FALSE(fs::exists(tmp.file("r.json")));
}

TEST(Cli, NegativeWarmupIsAUsageError) {
  expect_one_line_error(run_cli("--warmup -1"), 2, "warmup");
}

TEST(Cli, NonDurableSettingsAreLabelled) {
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli(
      "--drivers sqlite3/prepared --sqlite-sync OFF --samples 20 --warmup 2 -r 1 --floor-samples 0 "
      "--connect-samples 0 "
      "--out " +
      shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NOT DURABLE"), std::string::npos) << r.out;
  const json j = json::parse(read_file(out));
  EXPECT_FALSE(j["cases"][0]["durable"].get<bool>());
  // What it risks, in the file and on the console.
  const auto risk = j["cases"][0]["durability"].get<std::string>();
  EXPECT_NE(risk.find("synchronous=OFF"), std::string::npos) << risk;
  EXPECT_NE(r.out.find(risk), std::string::npos) << r.out;
  EXPECT_EQ(j["context"]["sqlite"]["synchronous"], "OFF");
}

TEST(Cli, SyncCommitOffIsLabelledWithWhatItRisks) {
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli(
      "--drivers libpq/prepared --transports unix --sync-commit off --samples 20 --warmup 2 -r 1 "
      "--floor-samples 0 --connect-samples 0 --out " +
      shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["config"]["sync_commit"], "off");
  EXPECT_EQ(j["context"]["server"]["settings"]["synchronous_commit"],
            "off");  // as the sessions ran
  EXPECT_FALSE(j["cases"][0]["durable"].get<bool>());
  EXPECT_NE(j["cases"][0]["durability"].get<std::string>().find("can lose"), std::string::npos);
  EXPECT_NE(r.out.find("NOT DURABLE"), std::string::npos) << r.out;
}

TEST(Cli, FloorsLeaveANonWalSqliteFileAsItWas) {
  // The SQLite flush probe compares WAL commits; with another journal it is skipped, and the
  // cases' own file keeps the mode they asked for.
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli(
      "--drivers sqlite3/prepared --sqlite-journal DELETE --samples 20 --warmup 2 -r 2 "
      "--floor-samples 40 --connect-samples 0 --sqlite-dir " +
      shq(tmp.path()) + " --out " + shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["context"]["sqlite"]["journal_mode"], "delete");
  EXPECT_TRUE(j["floors"]["sqlite_flush"].is_null());
  EXPECT_NE(j["floors"]["errors"].dump().find("journal_mode is delete"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.file("wpbench.sqlite-wal")));
  EXPECT_FALSE(fs::exists(tmp.file("wpbench-floor.sqlite")));
  auto db = sqlite_open(tmp.file("wpbench.sqlite"), SqliteSettings{"DELETE", "FULL", 5000});
  auto q = sqlite_prepare(db.get(), "PRAGMA journal_mode");
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0)), "delete");
}

TEST(Cli, BadRateOrPoolIsAUsageError) {
  expect_one_line_error(run_cli("--rate 0.0000001"), 2, "--rate");
  expect_one_line_error(run_cli("--clients 2 --pool-size 3"), 2, "--pool-size");
}

TEST(Cli, ExportsGbenchAndCsvBesideTheJson) {
  TempPath tmp;
  const std::string a = tmp.file("r.json"), b = tmp.file("r.gbench.json"), c = tmp.file("r.csv");
  const Cli r = run_cli(
      "--drivers sqlite3/prepared --samples 20 --warmup 2 -r 1 --floor-samples 0 --connect-samples "
      "0 --out " +
      shq(a) + " --export-gbench " + shq(b) + " --export-csv " + shq(c));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(a) && fs::exists(b) && fs::exists(c));

  const json result = json::parse(read_file(a));
  EXPECT_EQ(validate(a), 0);
  ASSERT_EQ(result["cases"].size(), 1u);
  const auto& rc = result["cases"][0];
  const auto& rep = rc["repetitions"][0];
  EXPECT_GT(rep["cpu_ns"].get<std::int64_t>(), 0);

  const json gbench = json::parse(read_file(b));
  EXPECT_EQ(gbench["context"]["executable"], "wpbench");
  EXPECT_EQ(gbench["context"]["library_build_type"], "release");  // scripts/build: Release
  ASSERT_EQ(gbench["benchmarks"].size(), 1u);
  const auto& g = gbench["benchmarks"][0];
  EXPECT_EQ(g["name"], "sqlite3/prepared/file");
  EXPECT_EQ(g["iterations"], 20);
  EXPECT_EQ(g["time_unit"], "us");
  EXPECT_FALSE(g.contains("error_occurred"));
  EXPECT_DOUBLE_EQ(g["real_time"].get<double>(), rc["latency_ns"]["mean"].get<double>() / 1000);
  EXPECT_DOUBLE_EQ(g["cpu_time"].get<double>(),
                   static_cast<double>(rep["cpu_ns"].get<std::int64_t>()) / 20 / 1000);
  EXPECT_DOUBLE_EQ(g["p99"].get<double>(),
                   static_cast<double>(rc["latency_ns"]["p99"].get<std::int64_t>()) / 1000);

  std::istringstream csv(read_file(c));
  std::vector<std::string> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 2u) << read_file(c);
  EXPECT_EQ(rows[0].rfind("name,driver,variant,transport,round_trips,status,", 0), 0u) << rows[0];
  EXPECT_EQ(std::count(rows[0].begin(), rows[0].end(), ','), 24);
  EXPECT_EQ(std::count(rows[1].begin(), rows[1].end(), ','), 24);  // no field needs quotes here
  EXPECT_EQ(rows[1].rfind("sqlite3/prepared/file,sqlite3,prepared,file,0,ok,true,true,20,", 0), 0u)
      << rows[1];
  // No temp file left beside the three.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmp.path())) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"r.csv", "r.gbench.json", "r.json"}));
}

TEST(Cli, MissingPythonPackagesAreNotMeasuredAndTheRestRuns) {
  // python3 -S does not see the python3-* packages: psycopg2 is "missing", sqlite3 is not.
  TempPath tmp;
  const std::string python = tmp.file("python3");
  std::ofstream(python) << "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n";
  fs::permissions(python, fs::perms::owner_all);
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli(
      "--drivers psycopg2/direct,python-sqlite3 --transports unix,file "
      "--samples 20 --warmup 2 -r 1 --floor-samples 0 --connect-samples 0 --python " +
      shq(python) + " --out " + shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("not measured"), std::string::npos) << r.out;
  const json j = json::parse(read_file(out));
  ASSERT_EQ(j["cases"].size(), 2u);
  EXPECT_EQ(j["cases"][0]["name"], "psycopg2/direct/unix");
  EXPECT_EQ(j["cases"][0]["status"], "not_measured");
  EXPECT_NE(j["cases"][0]["error"].get<std::string>().find("python3-psycopg2"), std::string::npos);
  EXPECT_EQ(j["cases"][1]["name"], "python-sqlite3/seed/file");
  EXPECT_EQ(j["cases"][1]["status"], "ok");
  EXPECT_EQ(validate(out), 0);
}

TEST(Cli, AMissingExplicitPythonIsAUsageError) {
  TempPath tmp;
  const Cli r = run_cli("--drivers python-sqlite3 --python /nonexistent/python3 --out " +
                        shq(tmp.file("r.json")));
  expect_one_line_error(r, 2, "--python");
  EXPECT_FALSE(fs::exists(tmp.file("r.json")));
}

TEST(Cli, AnInheritedTargetVariableDoesNotRedirectThePythonArm) {
  // The arm gets its target in WPBENCH_TARGET; one already in the environment must not win.
  TempPath tmp;
  const std::string decoy = tmp.file("decoy.sqlite");
  const std::string out = tmp.file("r.json");
  const Cli r = run_cli(
      "--drivers python-sqlite3 --samples 20 --warmup 2 -r 1 --floor-samples 0 --connect-samples 0 "
      "--out " +
          shq(out),
      "WPBENCH_TARGET=" + shq(decoy));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(decoy));
  EXPECT_EQ(json::parse(read_file(out))["cases"][0]["status"], "ok");
}

TEST(Cli, WrongPasswordIsOneLineAndLeaksNothing) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server().port()) +
                          " dbname=postgres sslmode=disable user=" + server().role() +
                          " password=NotTheRightOne42";
  const Cli r = run_cli("--dsn " + shq(dsn) + " --transports tcp --out " + shq(out));
  expect_one_line_error(r, 1, "password authentication failed");
  EXPECT_EQ(r.err.find("NotTheRightOne42"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// The post's set-up: peer authentication on the socket for role botuser. Run as another OS user,
// the refusal names the fix, one line.
TEST(Cli, PeerAuthenticationAsAnotherOsUserSaysWhoToRunAs) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(c.get(), "DROP ROLE IF EXISTS botuser");
  pg_exec(c.get(), "CREATE ROLE botuser LOGIN");
  const std::string dsn = "host=" + server().dir() +
                          "/sock port=" + std::to_string(server().port()) +
                          " dbname=postgres user=botuser";
  const Cli r = run_cli("--dsn " + shq(dsn) + " --transports unix --drivers libpq/prepared");
  expect_one_line_error(r, 1, "run as the OS user botuser: sudo -u botuser wpbench");
  EXPECT_NE(r.err.find("Peer authentication failed"), std::string::npos) << r.err;
  // The README's command, no --transports: TCP asks for a password too. The one line still
  // leads with whom to run as, not with the password TCP wants.
  const Cli all = run_cli("--dsn " + shq(dsn) + " --drivers libpq/prepared");
  expect_one_line_error(all, 1, "no transport reaches the server: over unix");
  EXPECT_LT(all.err.find("sudo -u botuser wpbench"), all.err.find("over tcp")) << all.err;
  pg_exec(c.get(), "DROP ROLE botuser");
}

// A run that fails before measuring (no server) writes nothing and leaves no empty
// results/runs/ in the directory it ran in.
TEST(Cli, AFailedRunLeavesNoDirectoryBehind) {
  TempPath tmp;
  const Cli r = run_cli("--dsn 'dbname=x host=/nonexistent' --drivers libpq/prepared",
                        "--chdir=" + shq(tmp.path()));
  expect_one_line_error(r, 1, "no transport reaches the server");
  EXPECT_TRUE(fs::is_empty(tmp.path())) << fs::directory_iterator(tmp.path())->path();
}

// The post's DSN reaches the socket only (peer, no password): wpbench measures what it can
// reach and says in one line what it skipped and why, instead of stopping at TCP.
TEST(Cli, ASocketOnlyDsnMeasuresTheSocketAndSaysWhyTcpIsSkipped) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  const std::string dsn = "host=" + server().dir() +
                          "/sock port=" + std::to_string(server().port()) +
                          " dbname=postgres user=" + server().role();
  const Cli r = short_run("--dsn " + shq(dsn) + " --drivers libpq/prepared", out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: the tcp cases are not measured: over tcp"), std::string::npos)
      << r.out;
  std::map<std::string, json> cases;
  const json j = json::parse(read_file(out));  // kept: the loop reads into it
  for (const auto& c : j["cases"]) cases[c["name"].get<std::string>()] = c;
  EXPECT_EQ(cases["libpq/prepared/unix"]["status"], "ok");
  EXPECT_EQ(cases["libpq/prepared/tcp"]["status"], "not_measured");
  EXPECT_NE(cases["libpq/prepared/tcp"]["error"].get<std::string>().find("no password supplied"),
            std::string::npos);
  // Named, the transport is wanted: the run stops there, one line, as before.
  const Cli named =
      run_cli("--dsn " + shq(dsn) + " --transports unix,tcp --drivers libpq/prepared");
  expect_one_line_error(named, 1, "no password supplied");
}

// PGHOST names the socket dir when the DSN has no host=, as for libpq itself.
TEST(Cli, PghostIsTheSocketDirOfADsnWithoutHost) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  const std::string dsn =
      "port=" + std::to_string(server().port()) + " dbname=postgres user=" + server().role();
  const Cli r = short_run("--dsn " + shq(dsn) + " --transports unix --drivers libpq/prepared", out,
                          "PGHOST=" + shq(server().dir() + "/sock"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(out))["cases"][0]["status"], "ok");
}

TEST(Cli, ServerDownIsOneLine) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(free_loopback_port()) +
                          " dbname=postgres connect_timeout=5";
  const Cli r = run_cli("--dsn " + shq(dsn) + " --transports tcp --out " + shq(out));
  expect_one_line_error(r, 1, "Connection refused");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, TableOfAnotherShapeIsOneLine) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(c.get(), "DROP TABLE IF EXISTS cli_odd_shape");
  pg_exec(c.get(), "CREATE TABLE cli_odd_shape (id int)");
  TempPath tmp;
  const Cli r =
      run_cli("--dsn " + shq(existing_dsn()) + " --socket-dir " + shq(server().dir() + "/sock") +
              " --table cli_odd_shape --drivers libpq --out " + shq(tmp.path() + "/r.json"));
  expect_one_line_error(r, 1, "different shape");
}

TEST(Cli, ExistingServerOverBothTransportsKeepsThePasswordOut) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  const Cli r =
      run_cli("--dsn " + shq(existing_dsn()) + " --socket-dir " + shq(server().dir() + "/sock") +
              " --drivers libpq/prepared,libpqxx --samples 30 --warmup 3 -r 2 --floor-samples 60 "
              "--connect-samples 2 --table cli_existing --out " +
              shq(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_file(out);
  EXPECT_EQ(text.find(password()), std::string::npos);
  EXPECT_EQ(r.out.find(password()), std::string::npos);
  EXPECT_EQ(r.err.find(password()), std::string::npos);
  const json j = json::parse(text);
  EXPECT_EQ(j["status"], "complete");
  EXPECT_EQ(j["context"]["server"]["mode"], "existing");
  EXPECT_EQ(j["config"]["table"], "cli_existing");
  ASSERT_EQ(j["cases"].size(), 8u);  // and libpq/tx, the baseline of libpqxx/work
  for (const auto& c : j["cases"]) {
    EXPECT_EQ(c["status"], "ok") << c["name"];
    ASSERT_EQ(c["repetitions"].size(), 2u) << c["name"];
    for (const auto& rep : c["repetitions"]) EXPECT_TRUE(rep["verified"].get<bool>()) << c["name"];
  }
  // An existing server's disk may be another machine's: no disk probe, but the others ran.
  EXPECT_TRUE(j["floors"]["disk_sync"].is_null());
  EXPECT_FALSE(j["floors"]["round_trip_ns"]["tcp"].is_null());
  // The libraries of the chosen cases only (libpq, the baseline, is always there).
  std::set<std::string> libraries;
  for (const auto& k : j["connect"]) {
    EXPECT_EQ(k["auth"], "as configured");
    libraries.insert(k["driver"].get<std::string>());
  }
  EXPECT_EQ(libraries, (std::set<std::string>{"libpq", "libpqxx"}));
  EXPECT_EQ(validate(out), 0);
}

// Every transport's name, for --transports: those measured only when named too.
std::string every_transport() {
  std::string out;
  for (const auto& s : transport_specs()) out += (out.empty() ? "" : ",") + std::string(s.name);
  return out;
}

TEST(Cli, ThrowawayRunCoversEveryCaseAndValidates) {
  TempPath tmp;
  fs::permissions(tmp.path(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add);
  const std::string out = tmp.path() + "/r.json";
  const Cli r = run_cli(
      "--samples 30 --warmup 3 -r 2 --floor-samples 100 --connect-samples 2 "
      "--connect-per-write 2 --extra-drivers --tmp-dir " +
      shq(tmp.path()) + " --out " + shq(out) + " --transports " + every_transport());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(out));
  ASSERT_EQ(j["cases"].size(), all_cases().size());
  for (const auto& c : j["cases"]) {
    EXPECT_NE(r.out.find(c["name"].get<std::string>()), std::string::npos);
    if (c["transport"] == "pgbouncer" && !c["capabilities"]["pooler_safe"].get<bool>()) {
      // Through the transaction pooler: reported, with why, not failed.
      EXPECT_EQ(c["status"], "not_measured") << c["name"];
      EXPECT_NE(c["error"].get<std::string>().find("transaction pooling"), std::string::npos);
      continue;
    }
    EXPECT_EQ(c["status"], "ok") << c["name"];
    EXPECT_TRUE(c["durable"].get<bool>()) << c["name"];
    EXPECT_NE(r.out.find(c["name"].get<std::string>()), std::string::npos);
    // Two repetitions, with an interval drawn over them and the time split up.
    ASSERT_EQ(c["repetitions"].size(), 2u) << c["name"];
    EXPECT_EQ(c["interval"]["method"], "t interval over repetitions (log scale)") << c["name"];
    EXPECT_FALSE(c["decomposition"].is_null()) << c["name"];
    const bool per_write = c["capabilities"]["connects"].get<int>() > 0;
    EXPECT_EQ(c["samples"].get<int>(), per_write ? 2 * 2 : 30 * 2) << c["name"];
    // The throwaway server's authentication is known, so is what a connect per write costs in
    // round trips: peer 1, scram-sha-256 3, TLS 2 more.
    const std::map<std::string, int> connect_rt{
        {"unix", 1}, {"tcp", 3}, {"tls", 5}, {"pgbouncer", 3}, {"file", 0}};
    EXPECT_EQ(c["connect_round_trips"].get<int>(),
              per_write ? connect_rt.at(c["transport"].get<std::string>()) : 0)
        << c["name"];
  }
  // Each round ran every case once, in the order the JSON records.
  ASSERT_EQ(j["config"]["order"].size(), 2u);
  for (const auto& round : j["config"]["order"]) {
    auto names = round.get<std::vector<std::string>>();
    std::sort(names.begin(), names.end());
    auto all = j["config"]["cases"].get<std::vector<std::string>>();
    std::sort(all.begin(), all.end());
    EXPECT_EQ(names, all);
  }
  const auto pg = transports_for(Backend::postgres);
  for (const auto t : pg) EXPECT_FALSE(j["floors"]["round_trip_ns"][transport_name(t)].is_null());
  EXPECT_FALSE(j["floors"]["disk_sync"].is_null());
  EXPECT_FALSE(j["floors"]["commit_flush"].is_null());
  EXPECT_FALSE(j["floors"]["sqlite_flush"].is_null());
  // 3 C++ and 4 Python libraries (psycopg2, psycopg 3, SQLAlchemy, asyncpg) x 2 ways in (the
  // transport's own authentication, trust) per transport, and SQLite
  EXPECT_EQ(j["connect"].size(), (3 + 4) * 2 * pg.size() + 1);
  std::set<std::string> libraries;
  for (const auto& k : j["connect"]) {
    libraries.insert(k["driver"].get<std::string>());
    EXPECT_TRUE(k["error"].is_null()) << k;
  }
  EXPECT_EQ(libraries, (std::set<std::string>{"libpq", "libpqxx", "soci-postgresql", "psycopg2",
                                              "psycopg3", "sqlalchemy", "asyncpg", "sqlite3"}));
  EXPECT_FALSE(j["ratios"].empty());
  EXPECT_NE(r.out.find("where the time goes"), std::string::npos) << r.out;
  EXPECT_EQ(j["context"]["server"]["mode"], "throwaway");
  EXPECT_EQ(j["context"]["server"]["settings"]["synchronous_commit"], "on");
  EXPECT_EQ(validate(out), 0);
  // The throwaway cluster and its SQLite files are gone: only the result file is left.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmp.path())) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"r.json"});
}

// Starts an endless SQLite run in `interleave` mode and interrupts it once it writes; the result.
json interrupted_run(const std::string& interleave) {
  TempPath tmp;
  const std::string out = tmp.path() + "/r.json";
  SpawnOptions so;
  so.log_path = tmp.path() + "/log";
  // No floors: their SQLite probe would grow the WAL before the first case does.
  const pid_t pid = spawn(
      {WPBENCH_BINARY, "--samples", "100000000", "--warmup", "0", "--drivers", "sqlite3",
       "--floor-samples", "0", "--interleave", interleave, "--tmp-dir", tmp.path(), "--out", out},
      so);
  // Interrupt once the first case is writing (its WAL grows), however slow set-up was.
  const auto writing = [&] {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(tmp.path(), ec)) {
      if (e.path().filename() == "wpbench.sqlite-wal" && fs::file_size(e.path(), ec) > 64 * 1024) {
        return true;
      }
    }
    return false;
  };
  for (int i = 0; i < 600 && !writing(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(writing()) << "the first case never started writing";
  kill(pid, SIGINT);
  const auto status = wait_for(pid, std::chrono::seconds(60));
  EXPECT_TRUE(status) << "wpbench did not stop on SIGINT";
  if (!status) return json();
  EXPECT_EQ(WEXITSTATUS(*status), 130);
  EXPECT_EQ(validate(out), 0);
  return json::parse(read_file(out));
}

TEST(Cli, InterruptKeepsWhatWasMeasuredMarkedInterrupted) {
  // Case by case: the one that was writing keeps its samples, the other never ran.
  const json j = interrupted_run("case");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["status"], "interrupted");
  ASSERT_EQ(j["cases"].size(), 2u);
  int measured = 0;
  for (const auto& c : j["cases"]) {
    EXPECT_EQ(c["status"], "interrupted") << c["name"];
    if (c["samples"].get<int>() > 0) ++measured;
  }
  EXPECT_EQ(measured, 1);
}

TEST(Cli, InterruptKeepsEveryInterleavedCasesSamplesVerified) {
  // Sample by sample: both cases were writing, and both keep what they measured, verified.
  const json j = interrupted_run("sample");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["status"], "interrupted");
  ASSERT_EQ(j["cases"].size(), 2u);
  for (const auto& c : j["cases"]) {
    EXPECT_EQ(c["status"], "interrupted") << c["name"];
    EXPECT_GT(c["samples"].get<int>(), 0) << c["name"];
    ASSERT_EQ(c["repetitions"].size(), 1u);
    EXPECT_TRUE(c["repetitions"][0]["verified"].get<bool>()) << c["name"];
  }
}

}  // namespace
}  // namespace wpbench::test
