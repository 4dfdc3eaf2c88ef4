// Fault injection against the real binary and real servers: what a careful user does to a tool
// pointed at their own database. Each test checks the exit code, that stderr is one line, that
// the user's rows and files are untouched, and that nothing is left running or in the temp dir.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/verify.hpp"
#include "fixture.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace wpbench::test {
namespace {

// The shared server as a user names it with --dsn: over its socket (peer), no password.
std::string dsn_of(const ThrowawayServer& s) { return s.conninfo(Transport::unix_socket); }

// The quick single-case options most tests add.
std::string quick(const std::string& drivers, int samples = 40,
                  const std::string& transports = "unix,file") {
  return "--drivers " + drivers + " --transports " + transports + " --samples " +
         std::to_string(samples) + " --warmup 5 -r 2 --floor-samples 40 --connect-samples 0 ";
}

std::string query(const std::string& sql) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  return pg_query_value(c.get(), sql);
}

void exec(const std::string& sql) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  pg_exec(c.get(), sql);
}

// The user's own table: the post's trade_decisions, made by hand from sql/schema.sql (no mark),
// holding `rows` decisions of theirs. Returns a fingerprint of its content.
std::string users_table(const std::string& table, int rows) {
  exec("DROP TABLE IF EXISTS " + table);
  exec(schema_sql(Backend::postgres, table));
  if (rows > 0) {
    exec("INSERT INTO " + table +
         " (market_ticker, direction, edge, score, action, skip_reason) SELECT 'KX-' || g, 'yes', "
         "g / 100.0, g / 7.0, 'buy', NULL FROM generate_series(1, " +
         std::to_string(rows) + ") g");
  }
  return query(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') "
      "FROM " +
      table + " t");
}

std::string fingerprint(const std::string& table) {
  return query(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') "
      "FROM " +
      table + " t");
}

bool table_exists(const std::string& table) {
  return query("SELECT to_regclass('" + table + "') IS NOT NULL") == "t";
}

// wpbench started in the background, its streams in files, as a script would with `&`.
class Background {
 public:
  explicit Background(const std::string& args) {
    const std::string cmd = "exec " + shq(WPBENCH_BINARY) + " " + args + " >" +
                            shq(dir_.file("out")) + " 2>" + shq(dir_.file("err"));
    pid_ = fork();
    if (pid_ == 0) {
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  /// Waits up to `limit` for the exit; the outcome (exit_code -1 when it did not end).
  Cli wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    Cli r;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        done_ = true;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    r.out = read_file(dir_.file("out"));
    r.err = read_file(dir_.file("err"));
    return r;
  }

 private:
  TempPath dir_;
  pid_t pid_ = -1;
  bool done_ = false;
};

// Waits until `file` exists (a first case written), up to `limit`.
bool wait_for_file(const std::string& file, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(file)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// --- 1. The user's table ---------------------------------------------------------------------

// The post's own trade_decisions, holding the user's rows, named with --table: wpbench once
// TRUNCATEd it and left 220 benchmark rows in their place.
TEST(UsersTable, HoldingRowsIsRefusedAndLeftUntouched) {
  const std::string before = users_table("trade_decisions", 220);
  TempPath tmp;
  const Cli r = run_cli("--dsn " + shq(dsn_of(server())) + " --table trade_decisions " +
                        quick("libpq/prepared") + "--out " + shq(tmp.file("r.json")));
  expect_one_line_error(r, 1, "holds rows and wpbench did not create it");
  EXPECT_EQ(fingerprint("trade_decisions"), before);
  EXPECT_FALSE(fs::exists(tmp.file("r.json")));
  exec("DROP TABLE trade_decisions");
}

// An empty table of the user's (a DBA made it, say) is used, and left as found: empty, not
// dropped, no mark.
TEST(UsersTable, FoundEmptyIsUsedAndLeftEmpty) {
  users_table("dba_made", 0);
  TempPath tmp;
  const Cli r = run_cli("--dsn " + shq(dsn_of(server())) + " --table dba_made " +
                        quick("libpq/prepared,libpqxx") + "--out " + shq(tmp.file("r.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(table_exists("dba_made"));
  EXPECT_EQ(query("SELECT count(*) FROM dba_made"), "0");
  EXPECT_EQ(query("SELECT coalesce(obj_description('dba_made'::regclass, 'pg_class'), '')"), "");
  exec("DROP TABLE dba_made");
}

// wpbench's own table is dropped at the end (nothing left behind), or kept with --keep-table,
// marked, so the next run knows it as its own.
TEST(OwnTable, IsDroppedAtTheEndOrKeptWithKeepTable) {
  exec("DROP TABLE IF EXISTS faults_own");
  TempPath tmp;
  Cli r = run_cli("--dsn " + shq(dsn_of(server())) + " --table faults_own " +
                  quick("libpq/prepared") + "--out " + shq(tmp.file("a.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(table_exists("faults_own"));
  r = run_cli("--dsn " + shq(dsn_of(server())) + " --table faults_own --keep-table " +
              quick("libpq/prepared") + "--out " + shq(tmp.file("b.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(table_exists("faults_own"));
  EXPECT_EQ(query("SELECT obj_description('faults_own'::regclass, 'pg_class')"), kTableMark);
  // Its rows are wpbench's: the next run may empty and drop it.
  r = run_cli("--dsn " + shq(dsn_of(server())) + " --table faults_own " + quick("libpq/prepared") +
              "--out " + shq(tmp.file("c.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(table_exists("faults_own"));
}

// Another client writes into the table while wpbench runs: wpbench stops at the next emptying
// and deletes nothing, the other client's row included.
TEST(UsersTable, AnotherWriterStopsTheRunAndNothingIsDeleted) {
  users_table("shared_decisions", 0);
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  Background run("--dsn " + shq(dsn_of(server())) + " --table shared_decisions " +
                 "--drivers libpq/prepared,libpq/exec-params --transports unix --samples 1500 "
                 "--warmup 5 -r 3 --floor-samples 0 --connect-samples 0 --out " +
                 shq(out));
  ASSERT_TRUE(wait_for_file(out, std::chrono::seconds(60)));
  exec(
      "INSERT INTO shared_decisions (market_ticker, direction, edge, score, action) VALUES "
      "('USER-ROW', 'no', 0.5, 0.25, 'hold')");
  const Cli r = run.wait();
  expect_one_line_error(r, 1, "wpbench deleted nothing and stopped");
  EXPECT_EQ(query("SELECT count(*) FROM shared_decisions WHERE market_ticker = 'USER-ROW'"), "1");
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["status"], "partial");
  EXPECT_TRUE(table_exists("shared_decisions"));
  exec("DROP TABLE shared_decisions");
}

// PostgreSQL 15: a role that does not own the database cannot create in schema public. The
// error names both fixes.
TEST(UsersTable, NoCreateOnPublicNamesTheFix) {
  exec("DROP ROLE IF EXISTS faults_bot");
  exec("CREATE ROLE faults_bot LOGIN PASSWORD 'faults-secret'");
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server().port()) +
                          " dbname=postgres user=faults_bot password=faults-secret sslmode=disable";
  TempPath tmp;
  const Cli r = run_cli("--dsn " + shq(dsn) + " " + quick("libpq/prepared", 40, "tcp") + "--out " +
                        shq(tmp.file("r.json")));
  expect_one_line_error(r, 1, "permission denied for schema public");
  EXPECT_NE(r.err.find("CREATE SCHEMA faults_bot AUTHORIZATION faults_bot"), std::string::npos);
  EXPECT_NE(r.err.find("GRANT CREATE ON SCHEMA public TO faults_bot"), std::string::npos);
  EXPECT_EQ(r.err.find("faults-secret"), std::string::npos);
  exec("DROP ROLE faults_bot");
}

// --- 2. Output paths ---------------------------------------------------------------------------

// As root, --out /dev/full once turned the device into a JSON file.
TEST(Outputs, ADeviceOrAFileOfTheUsersIsNeverReplaced) {
  TempPath tmp;
  const std::string notes = tmp.file("notes.txt");
  std::ofstream(notes) << "my notes\n";
  for (const std::string& path : {std::string("/dev/full"), notes}) {
    const Cli r = run_cli(quick("sqlite3/prepared") + "--out " + shq(path));
    expect_one_line_error(r, 2, "--out " + path);
  }
  struct stat st {};
  ASSERT_EQ(stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(read_file(notes), "my notes\n");
}

TEST(Outputs, ASymlinkIsWrittenThrough) {
  TempPath tmp;
  const std::string target = tmp.file("runs-target.json"), link = tmp.file("latest.json");
  fs::create_symlink(target, link);
  const Cli r =
      run_cli(quick("sqlite3/prepared") + "--tmp-dir " + shq(tmp.path()) + " --out " + shq(link));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(json::parse(read_file(target))["status"], "complete");
}

// --- 4. Run ids --------------------------------------------------------------------------------

// Two runs started together with the default --out: each keeps its own result file.
TEST(RunIds, TwoRunsStartedTogetherKeepBothResults) {
  TempPath tmp;
  const std::string cd = "cd " + shq(tmp.path()) + " && ";
  const std::string args = quick("sqlite3/prepared", 20) + "--tmp-dir " + shq(tmp.path());
  const std::string cmd = "(" + cd + shq(WPBENCH_BINARY) + " " + args + " >/dev/null 2>&1 & " + cd +
                          shq(WPBENCH_BINARY) + " " + args + " >/dev/null 2>&1; wait)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(tmp.file("results/runs"))) {
    ids.push_back(json::parse(read_file(e.path()))["run_id"]);
  }
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_NE(ids[0], ids[1]);
}

// The post's botuser runs wpbench in a directory it cannot write (a checkout root owns): the
// result goes to its data dir, $XDG_DATA_HOME/wpbench/runs or ~/.local/share/wpbench/runs.
TEST(RunIds, AnUnwritableDirectorySendsTheResultToTheUsersDataDir) {
  TempPath tmp;
  const std::string args = quick("sqlite3/prepared", 20) + "--tmp-dir " + shq(tmp.path());
  // /proc takes no new directory, not even from root.
  const std::string cmd = "cd /proc && env -u XDG_DATA_HOME HOME=" + shq(tmp.path()) + " " +
                          shq(WPBENCH_BINARY) + " " + args + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string runs = tmp.file(".local/share/wpbench/runs");
  ASSERT_TRUE(fs::is_directory(runs));
  EXPECT_EQ(std::distance(fs::directory_iterator(runs), fs::directory_iterator()), 1);
  const std::string xdg = "cd /proc && XDG_DATA_HOME=" + shq(tmp.file("xdg")) + " " +
                          shq(WPBENCH_BINARY) + " " + args + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(xdg.c_str()), 0);
  EXPECT_TRUE(fs::is_directory(tmp.file("xdg/wpbench/runs")));
}

// --- 6. Memory -----------------------------------------------------------------------------------

// Peak RSS of the process (kB), and a reset of it (clear_refs 5), around one step.
std::int64_t peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Peak RSS (kB) of the wpbench binary run with `args` to the end, itself and what it waited for.
std::int64_t cli_peak_rss_kb(const std::string& args) {
  const std::string cmd = "exec " + shq(WPBENCH_BINARY) + " " + args + " >/dev/null 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return -1;
  }
  return ru.ru_maxrss;
}

// Reading the table back once took every row in one PQexec: 184 MB at a million rows.
TEST(Memory, VerifyingAMillionRowsStaysFlat) {
  const std::string table = "faults_million";
  exec("DROP TABLE IF EXISTS " + table);
  const Endpoint e{Transport::unix_socket, server().conninfo(Transport::unix_socket), table, {}};
  ensure_table(Backend::postgres, e);
  // The generator's first million decisions, written with COPY (seconds, not minutes).
  constexpr std::uint64_t kRows = 1000000, kSeed = 77;
  {
    auto c = pg_connect(server().conninfo(Transport::unix_socket));
    const std::string copy =
        "COPY " + table +
        " (market_ticker, direction, edge, score, action, skip_reason) FROM STDIN";
    pg_expect(c.get(), PQexec(c.get(), copy.c_str()), PGRES_COPY_IN, "copy");
    DecisionGenerator gen(kSeed);
    std::string buf;
    for (std::uint64_t i = 0; i < kRows; ++i) {
      const Decision d = gen.next();
      buf += d.market_ticker + "\t" + d.direction + "\t" + format_double(d.edge) + "\t" +
             format_double(d.score) + "\t" + d.action + "\t" +
             (d.skip_reason ? *d.skip_reason : "\\N") + "\n";
      if (buf.size() > (1 << 20) || i + 1 == kRows) {
        ASSERT_EQ(PQputCopyData(c.get(), buf.data(), static_cast<int>(buf.size())), 1);
        buf.clear();
      }
    }
    ASSERT_EQ(PQputCopyEnd(c.get(), nullptr), 1);
    pg_expect(c.get(), PQgetResult(c.get()), PGRES_COMMAND_OK, "copy");
  }
  const std::int64_t before = (reset_peak_rss(), peak_rss_kb());
  const Verification v = verify_table(Backend::postgres, e, kSeed, kRows);
  const std::int64_t grew_kb = peak_rss_kb() - before;
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.rows_found, kRows);
  EXPECT_LT(grew_kb, 32 * 1024) << "verification grew the peak RSS by " << grew_kb << " kB";
  exec("DROP TABLE " + table);
}

// The whole binary at a million samples (SQLite without sync, so it takes seconds): the peak
// RSS stays under 64 MB, histogram and all.
TEST(Memory, AMillionSamplesRunInUnder64MB) {
  TempPath tmp;
  const std::int64_t peak = cli_peak_rss_kb(
      "--drivers sqlite3/prepared --sqlite-sync OFF --samples 1000000 --warmup 0 -r 1 "
      "--floor-samples 0 --connect-samples 0 --tmp-dir " +
      shq(tmp.path()) + " --out " + shq(tmp.file("r.json")));
  ASSERT_GT(peak, 0);
  EXPECT_LT(peak, 64 * 1024) << "peak RSS " << peak << " kB";
  EXPECT_EQ(json::parse(read_file(tmp.file("r.json")))["cases"][0]["samples"], 1000000);
}

// --clients once gave every client thread two histograms of its own (460 MB at 1024 clients);
// they share one recorder now, so 250 clients cost little more memory than one.
TEST(Memory, ManyClientsShareOneRecorder) {
  TempPath tmp;
  const auto run = [&](int clients) {
    return cli_peak_rss_kb("--dsn " + shq(dsn_of(server())) + " --clients " +
                           std::to_string(clients) +
                           " --drivers libpq/prepared --transports unix --samples 2500 --warmup 0 "
                           "-r 1 --floor-samples 0 --connect-samples 0 --table faults_clients "
                           "--out " +
                           shq(tmp.file(std::to_string(clients) + ".json")));
  };
  const std::int64_t one = run(1), many = run(250);
  ASSERT_GT(one, 0);
  ASSERT_GT(many, 0);
  EXPECT_LT(many - one, 32 * 1024) << "1 client: " << one << " kB, 250 clients: " << many << " kB";
}

// --- 7. The server dies mid-run --------------------------------------------------------------

// The postmaster gets an immediate shutdown (pg_ctl stop -m immediate) while a case writes:
// once every remaining case was tried against the dead server and the run said "complete".
class ServerDeath : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerDeath, StopsAtOnceMarkedPartialAndKeepsWhatWasMeasured) {
  const std::string mode = GetParam();
  ThrowawayServer srv(ServerOptions{});
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  Background run(
      "--dsn " + shq(dsn_of(srv)) +
      " --drivers libpq/prepared,libpqxx/work,soci-postgresql/transaction "
      "--no-baselines --transports unix --samples 1500 --warmup 5 -r 4 --floor-samples 0 "
      "--connect-samples 0 --interleave " +
      mode + " --out " + shq(out));
  ASSERT_TRUE(wait_for_file(out, std::chrono::seconds(60)));
  // Into the next case's (or repetition's) inserts: a connection still starting up can get the
  // shutdown's warning before its library has set a notice processor (libpqxx, SOCI), a race
  // wpbench cannot close from outside those libraries.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The postmaster's pid is the first line of postmaster.pid; SIGQUIT is immediate shutdown.
  std::ifstream pidfile(srv.data_dir() + "/postmaster.pid");
  pid_t postmaster = 0;
  pidfile >> postmaster;
  ASSERT_GT(postmaster, 0);
  ASSERT_EQ(kill(postmaster, SIGQUIT), 0);
  const Cli r = run.wait();
  expect_one_line_error(r, 1, "the PostgreSQL server stopped answering during");
  EXPECT_NE(r.err.find("(status: partial)"), std::string::npos) << r.err;
  const json j = json::parse(read_file(out));
  EXPECT_EQ(j["status"], "partial");
  int runs = 0, failed_runs = 0, last_rep = -1;
  std::set<int> failed_reps;
  for (const auto& c : j["cases"]) {
    for (const auto& rep : c["repetitions"]) {
      ++runs;
      last_rep = std::max(last_rep, rep["repetition"].get<int>());
      if (rep["status"] != "ok") {
        ++failed_runs;
        failed_reps.insert(rep["repetition"].get<int>());
      }
    }
  }
  // Nothing ran after the repetition the server died in, and only that one failed: one case
  // run alone, or every case of it sample by sample.
  EXPECT_EQ(failed_runs, mode == "case" ? 1 : 3);
  ASSERT_EQ(failed_reps.size(), 1u);
  EXPECT_EQ(*failed_reps.begin(), last_rep);
  EXPECT_LT(runs, 12);
}

INSTANTIATE_TEST_SUITE_P(BothModes, ServerDeath, ::testing::Values("case", "sample"));

// --- Bad input: every option, one line and the exact exit code ------------------------------

struct BadInput {
  std::string args;
  int code;
  std::string needle;  ///< a piece of the one line that names the problem
};

// Each refused before anything is measured or written. Negative numbers once wrapped to
// 2^64 - k (--floor-samples -1 made every floor fail while the run exited 0); reserved words
// once passed as --table and failed later as SQL; --socket-dir without --dsn was ignored.
TEST(BadInput, EveryOptionGetsOneLineAndItsExitCode) {
  TempPath tmp;
  const std::string out = tmp.file("r.json");
  const std::vector<BadInput> inputs = {
      {"--bogus", 2, "--bogus"},
      {"--samples 0", 2, "--samples"},
      {"--samples -5", 2, "--samples"},
      {"--samples lots", 2, "--samples"},
      {"--samples 100000001", 2, "--samples"},
      {"--warmup -1", 2, "--warmup"},
      {"--seed -1", 2, "--seed"},
      {"--order-seed -3", 2, "--order-seed"},
      {"--raw-samples -1", 2, "--raw-samples"},
      {"--floor-samples -1", 2, "--floor-samples"},
      {"--connect-samples -1", 2, "--connect-samples"},
      {"-r 0", 2, "--repetitions"},
      {"-r 1001", 2, "--repetitions"},
      {"--rate -1", 2, "--rate"},
      {"--rate 0.0001", 2, "--rate"},
      {"--schedule weekly", 2, "--schedule"},
      {"--clients 0", 2, "--clients"},
      {"--clients 2000", 2, "--clients"},
      {"--clients 2 --pool-size 4", 2, "--pool-size"},
      {"--sync-commit maybe", 2, "--sync-commit"},
      {"--drivers nosuch", 2, "unknown driver 'nosuch'"},
      {"--transports pigeon", 2, "unknown transport 'pigeon'"},
      {"--table 'x; DROP TABLE y'", 2, "--table"},
      {"--table select", 2, "key word"},
      {"--table order", 2, "key word"},
      {"--table Trades", 2, "--table"},
      {"--sqlite-journal WAL2", 2, "--sqlite-journal"},
      {"--sqlite-sync HALF", 2, "--sqlite-sync"},
      {"--socket-dir /tmp", 2, "--socket-dir applies to an existing server"},
      {"--tcp-host db.example", 2, "--tcp-host applies to an existing server"},
      {"--keep-table", 2, "--keep-table applies to an existing server"},
      {"--dsn \"host='unterminated\"", 2, "--dsn"},
      {"--out /dev/null", 2, "is a character device"},
      {"--out " + shq(tmp.path() + "/"), 2, "names a directory"},
      {"--out " + shq(out) + " --export-csv " + shq(out), 2, "name the same file"},
      {"--drivers psycopg2 --python /nonexistent/python3", 2, "--python"},
      {"--drivers sqlite3 --sqlite-dir /nonexistent", 2, "is not a directory"},
      {"--drivers libpq --transports unix --dsn 'host=/nonexistent port=1'", 1, "cannot connect"},
  };
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.args);
    const bool has_out = in.args.find("--out") != std::string::npos;
    expect_one_line_error(run_cli(in.args + (has_out ? "" : " --out " + shq(out))), in.code,
                          in.needle);
    EXPECT_FALSE(fs::exists(out));
  }
}

// --- 8. Smaller ones -----------------------------------------------------------------------------

// --clients beyond the server's max_connections fails up front, not case by case.
TEST(Smaller, ClientsAboveMaxConnectionsFailUpFront) {
  TempPath tmp;
  const Cli r = run_cli("--dsn " + shq(dsn_of(server())) + " --clients 500 " +
                        quick("libpq/prepared") + "--out " + shq(tmp.file("r.json")));
  expect_one_line_error(r, 2, "the run needs 500 connections at once");
  EXPECT_FALSE(fs::exists(tmp.file("r.json")));
}

// The throwaway server is given room for every client.
TEST(Smaller, TheThrowawayServerMakesRoomForEveryClient) {
  TempPath tmp;
  // The server's OS user must reach its data dir inside.
  fs::permissions(tmp.path(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add);
  const Cli r = run_cli(
      "--clients 120 --drivers libpq/prepared --transports unix --samples 240 "
      "--warmup 0 -r 1 --floor-samples 0 --connect-samples 0 --tmp-dir " +
      shq(tmp.path()) + " --out " + shq(tmp.file("r.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(tmp.file("r.json")))["cases"][0]["status"], "ok");
}

// A full disk at the end: the table is still printed, and the one line says the file holds a
// valid partial result. Needs root (a small tmpfs); CI runs as root.
TEST(Smaller, AFullDiskPrintsTheTableAndSaysWhatTheFileHolds) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  TempPath tmp;
  const std::string disk = tmp.file("disk");
  fs::create_directory(disk);
  ASSERT_EQ(mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k"), 0) << std::strerror(errno);
  const std::string out = disk + "/r.json";
  // Raw samples make each rewrite larger than the last: the first fits, a later one does not.
  const Cli r = run_cli(
      "--drivers sqlite3 --samples 1500 --warmup 0 -r 2 --floor-samples 0 "
      "--connect-samples 0 --tmp-dir " +
      shq(tmp.path()) + " --out " + shq(out));
  const std::string held = read_file(out);
  umount2(disk.c_str(), MNT_DETACH);
  expect_one_line_error(r, 1, "No space left on device");
  EXPECT_NE(r.err.find("a valid, partial result"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("sqlite3/prepared/file"), std::string::npos) << "the table was not printed";
  ASSERT_FALSE(held.empty());
  const json j = json::parse(held);
  EXPECT_EQ(j["status"], "partial");
}

}  // namespace
}  // namespace wpbench::test

int main(int argc, char** argv) {
  wpbench::ServerOptions opt;
  opt.settings = {"max_connections=300"};  // room for Memory.ManyClientsShareOneRecorder
  return wpbench::test::fixture_main(argc, argv, opt);
}
