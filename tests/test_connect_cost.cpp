// Connect cost against the shared throwaway server: every library by every authentication
// method, an authentication failure that does not stop the rest, the stop flag, and the one
// timing property the protocol guarantees (scram-sha-256 costs the client 4096 PBKDF2 rounds
// that trust does not).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "drivers/python/python_arm.hpp"
#include "fixture.hpp"
#include "measure/connect_cost.hpp"
#include "stats/stats.hpp"

namespace wpbench::test {
namespace {

constexpr std::uint64_t kSamples = 20;
const char* const kLibraries[] = {"libpq", "libpqxx", "soci-postgresql"};
const char* const kWrongPassword = "scram-sha-256 (wrong password)";

// The main role over TCP with a password the server does not know.
ConnectTarget wrong_password_target() {
  auto kv = parse_conninfo(server().conninfo(Transport::tcp));
  kv["password"] = "wrong";
  return {Transport::tcp, kWrongPassword, build_conninfo(kv)};
}

std::int64_t median(std::vector<std::int64_t> v) { return summarize(std::move(v)).p50_ns; }
std::int64_t minimum(const std::vector<std::int64_t>& v) {
  return *std::min_element(v.begin(), v.end());
}

// One measurement of every combination, shared by the tests that only read it (about 2 s).
class ConnectCostAll : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempPath;
    auto targets = throwaway_connect_targets(server());
    // Second, so the targets after it show that a refusal does not end the measurement.
    targets.insert(targets.begin() + 1, wrong_password_target());
    SteadyClock clock;
    std::atomic<bool> stop{false};
    results_ = new std::vector<ConnectCost>(measure_connect_costs(
        targets, kSamples, clock, stop, SqliteConnectTarget{tmp_->file("connect.sqlite"), {}}));
    print(*results_);
  }
  static void TearDownTestSuite() {
    delete results_;
    delete tmp_;
  }

  static const ConnectCost& find(const std::string& driver, const std::string& transport,
                                 const std::string& auth) {
    for (const auto& r : *results_) {
      if (r.driver == driver && r.transport == transport && r.auth == auth) return r;
    }
    throw std::runtime_error("no entry " + driver + "/" + transport + "/" + auth);
  }

  static void print(const std::vector<ConnectCost>& results) {
    std::printf("%-16s %-5s %-31s %3s %12s %12s %12s\n", "driver", "tr", "auth", "n", "p50 open us",
                "min open us", "p50 close us");
    for (const auto& r : results) {
      if (r.error) {
        std::printf("%-16s %-5s %-31s error: %s\n", r.driver.c_str(), r.transport.c_str(),
                    r.auth.c_str(), r.error->c_str());
        continue;
      }
      std::printf("%-16s %-5s %-31s %3zu %12.1f %12.1f %12.1f\n", r.driver.c_str(),
                  r.transport.c_str(), r.auth.c_str(), r.connect_ns.size(),
                  median(r.connect_ns) / 1e3, minimum(r.connect_ns) / 1e3,
                  median(r.close_ns) / 1e3);
    }
  }

  static TempPath* tmp_;
  static std::vector<ConnectCost>* results_;
};
TempPath* ConnectCostAll::tmp_ = nullptr;
std::vector<ConnectCost>* ConnectCostAll::results_ = nullptr;

TEST_F(ConnectCostAll, EveryLibraryConnectsByEveryMethod) {
  // Every PostgreSQL transport by its own authentication and by trust.
  std::vector<std::pair<std::string, std::string>> ways;
  for (const auto t : transports_for(Backend::postgres)) {
    ways.emplace_back(transport_name(t), spec_of(t).fixture_auth);
    ways.emplace_back(transport_name(t), "trust");
  }
  EXPECT_GE(ways.size(), 4u);  // peer and trust on the socket, scram and trust on TCP at least
  for (const char* lib : kLibraries) {
    for (const auto& [transport, auth] : ways) {
      const ConnectCost& r = find(lib, transport, auth);
      SCOPED_TRACE(r.driver + "/" + r.transport + "/" + r.auth);
      EXPECT_FALSE(r.error) << *r.error;
      ASSERT_EQ(r.connect_ns.size(), kSamples);
      ASSERT_EQ(r.close_ns.size(), kSamples);
      EXPECT_GT(minimum(r.connect_ns), 0);
      EXPECT_GT(minimum(r.close_ns), 0);
    }
  }
  const ConnectCost& s = find("sqlite3", "file", "none");
  EXPECT_FALSE(s.error) << *s.error;
  EXPECT_EQ(s.connect_ns.size(), kSamples);
  EXPECT_EQ(s.close_ns.size(), kSamples);
  // 3 libraries x (every way, and the wrong password), then SQLite, in that order.
  ASSERT_EQ(results_->size(), 3 * (ways.size() + 1) + 1);
  EXPECT_EQ(results_->front().driver, "libpq");
  EXPECT_EQ(results_->back().driver, "sqlite3");
}

TEST_F(ConnectCostAll, WrongPasswordIsAnErrorAndTheRestIsStillMeasured) {
  for (const char* lib : kLibraries) {
    const ConnectCost& r = find(lib, "tcp", kWrongPassword);
    SCOPED_TRACE(r.driver);
    ASSERT_TRUE(r.error);
    EXPECT_NE(r.error->find("password authentication failed"), std::string::npos) << *r.error;
    EXPECT_EQ(r.error->find('\n'), std::string::npos) << *r.error;
    EXPECT_EQ(r.error->find("wrong"), std::string::npos) << "the password leaked: " << *r.error;
    EXPECT_TRUE(r.connect_ns.empty());
    EXPECT_TRUE(r.close_ns.empty());
    // The next target of the same library was still measured.
    EXPECT_EQ(find(lib, "unix", "trust").connect_ns.size(), kSamples);
  }
}

TEST(ConnectCostServer, ScramTargetSendsAPasswordAndTrustTargetsDoNot) {
  // What the scram-sha-256 row costs more than trust (a round trip and 4096 PBKDF2 iterations)
  // is a measurement, reported in the run; what a test can pin is that each target really
  // authenticates as its row says. Whether it costs more is not asserted here: connect times
  // on a loaded machine vary by more than the handshake.
  auto scram = pg_connect(server().conninfo(Transport::tcp));
  EXPECT_EQ(PQconnectionUsedPassword(scram.get()), 1);
  EXPECT_EQ(pg_query_value(scram.get(),
                           "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' "
                           "AND user_name[1] = 'all' ORDER BY line_number LIMIT 1"),
            "scram-sha-256");
  for (const auto& ci : {server().conninfo(Transport::unix_socket, ServerRole::trust),
                         server().conninfo(Transport::tcp, ServerRole::trust)}) {
    auto c = pg_connect(ci);
    EXPECT_EQ(PQconnectionUsedPassword(c.get()), 0) << redact_conninfo(ci);
  }
}

TEST(ConnectCostServer, TrustRoleAuthenticatesWithoutPasswordAndMainRoleKeepsItsMethods) {
  for (const auto& ci : {server().conninfo(Transport::unix_socket, ServerRole::trust),
                         server().conninfo(Transport::tcp, ServerRole::trust)}) {
    EXPECT_EQ(ci.find("password"), std::string::npos);
    auto c = pg_connect(ci);
    EXPECT_EQ(pg_query_value(c.get(), "SELECT current_user"), "wpbench_trust");
    EXPECT_EQ(pg_query_value(c.get(), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"),
              "f");
  }
  // The trust lines name only their role, ahead of initdb's: the main role still needs peer on
  // the socket (checked in Auth.*) and a password on TCP.
  TempPath tmp;
  auto kv = parse_conninfo(server().conninfo(Transport::tcp));
  kv.erase("password");
  kv["passfile"] = tmp.file("no-pgpass");  // not ~/.pgpass, whatever it holds
  EXPECT_THROW(pg_connect(build_conninfo(kv)), DriverError);
  auto admin = pg_connect(server().conninfo(Transport::unix_socket));
  EXPECT_EQ(pg_query_value(admin.get(),
                           "SELECT string_agg(type || ' ' || user_name[1] || ' ' || auth_method, "
                           "', ' ORDER BY line_number) FROM (SELECT * FROM pg_hba_file_rules "
                           "ORDER BY line_number LIMIT 2) f"),
            "local wpbench_trust trust, host wpbench_trust trust");
}

// Statements the server ran for the trust role (pg_stat_statements counts per role; only the
// connect tests use the trust role), optionally narrowed by `and_where`.
class TrustRoleCalls {
 public:
  TrustRoleCalls() : admin_(pg_connect(server().conninfo(Transport::unix_socket))) {
    pg_exec(admin_.get(), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }
  long long operator()(const std::string& and_where = "") {
    return std::stoll(
        pg_query_value(admin_.get(),
                       "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_roles r "
                       "ON r.oid = s.userid WHERE r.rolname = 'wpbench_trust'" +
                           and_where));
  }

 private:
  PgConn admin_;
};

TEST(ConnectCostServer, OnlySociSendsAStatementAtOpen) {
  // What an open costs includes what the library sends before handing the connection back:
  // SOCI sets extra_float_digits (one more round trip), libpq and libpqxx send nothing.
  // pg_stat_statements counts per role, and only these connects use the trust role's socket.
  TrustRoleCalls count;
  const std::string set = " AND query ILIKE 'SET extra_float_digits%'";
  const auto all_before = count(), set_before = count(set);

  SteadyClock clock;
  std::atomic<bool> stop{false};
  const auto r =
      measure_connect_costs({{Transport::unix_socket, "trust",
                              server().conninfo(Transport::unix_socket, ServerRole::trust)}},
                            4, clock, stop);
  ASSERT_EQ(r.size(), 3u);
  for (const auto& c : r) EXPECT_FALSE(c.error) << *c.error;
  // Each library opened 4 + 1 (the warm-up) times; only SOCI's opens sent anything.
  EXPECT_EQ(count(set) - set_before, 5);
  EXPECT_EQ(count() - all_before, 5);
}

// The post's own libraries, through the Python arm: each row timed as often as asked, the
// progress counter fed through the child's pipe, a refusal kept as that row's error.
TEST(PythonConnectCost, EveryLibraryAndARefusal) {
  // Peer on the socket, a refused password, then scram over TCP (a child per row: kept short).
  const auto all = throwaway_connect_targets(server());
  const auto scram = std::find_if(all.begin(), all.end(),
                                  [](const ConnectTarget& t) { return t.auth == "scram-sha-256"; });
  ASSERT_NE(scram, all.end());
  const std::vector<ConnectTarget> targets = {all.front(), wrong_password_target(), *scram};
  RunConfig cfg = config(0, 0, 1);
  std::atomic<std::uint64_t> progress{0};
  cfg.progress = &progress;
  std::atomic<bool> stop{false};
  const std::vector<std::string> libraries = {"psycopg2", "psycopg3", "sqlalchemy"};
  constexpr std::uint64_t n = 4;
  const auto r = measure_python_connects(libraries, targets, n, cfg, stop);
  ASSERT_EQ(r.size(), libraries.size() * targets.size());
  std::uint64_t timed = 0;
  for (const auto& k : r) {
    SCOPED_TRACE(k.driver + " " + k.transport + " " + k.auth);
    EXPECT_EQ(k.connect_ns.size(), k.close_ns.size());
    if (k.auth == kWrongPassword) {
      ASSERT_TRUE(k.error);
      EXPECT_NE(k.error->find("password authentication failed"), std::string::npos) << *k.error;
      EXPECT_TRUE(k.connect_ns.empty());
      continue;
    }
    EXPECT_FALSE(k.error) << *k.error;
    ASSERT_EQ(k.connect_ns.size(), n);
    EXPECT_GT(minimum(k.connect_ns), 0);
    timed += k.connect_ns.size();
  }
  EXPECT_EQ(progress.load(), timed);
}

TEST(PythonConnectCost, SqlalchemysFirstConnectRunsTheDialectSetUp) {
  // A new Engine's first connect asks the server what it is (version, schema, string settings)
  // before handing the connection back; psycopg2's plain connect sends nothing. Seen per role in
  // pg_stat_statements, as for SOCI above: only these connects use the trust role.
  TrustRoleCalls count;
  const std::vector<ConnectTarget> trust = {
      {Transport::unix_socket, "trust",
       server().conninfo(Transport::unix_socket, ServerRole::trust)}};
  std::atomic<bool> stop{false};
  const auto sent_by = [&](const std::string& library) {
    const auto before = count();
    const auto r = measure_python_connects({library}, trust, 3, config(0, 0, 1), stop);
    EXPECT_EQ(r.size(), 1u);
    if (!r.empty()) EXPECT_FALSE(r[0].error) << *r[0].error;
    return count() - before;
  };
  EXPECT_EQ(sent_by("psycopg2"), 0);
  EXPECT_GE(sent_by("sqlalchemy"), 2 * 4);  // at least two statements per connect, 3 + 1 untimed
}

TEST(PythonConnectCost, StopSetBeforehandRunsNothing) {
  std::atomic<bool> stop{true};
  EXPECT_TRUE(measure_python_connects({"psycopg2"}, throwaway_connect_targets(server()), 10,
                                      config(0, 0, 1), stop)
                  .empty());
}

// The real clock, but the stop flag is raised at a chosen reading, as a signal would be.
class StopAtRead final : public Clock {
 public:
  StopAtRead(int read, std::atomic<bool>& stop) : read_(read), stop_(stop) {}
  std::chrono::nanoseconds now() override {
    if (++reads_ == read_) stop_ = true;
    return clock_.now();
  }

 private:
  SteadyClock clock_;
  int reads_ = 0, read_;
  std::atomic<bool>& stop_;
};

TEST(ConnectCostStop, EndsWithWhatWasMeasured) {
  const auto targets = throwaway_connect_targets(server());
  std::atomic<bool> stop{false};
  StopAtRead clock(3 * 3, stop);  // three clock reads per sample: stop during the third
  const auto r = measure_connect_costs(targets, 1000, clock, stop);
  ASSERT_EQ(r.size(), 1u);  // nothing after the combination that saw the stop
  EXPECT_EQ(r[0].driver, "libpq");
  EXPECT_EQ(r[0].auth, "peer");
  EXPECT_EQ(r[0].connect_ns.size(), 3u);  // the open in flight finished and was kept
  EXPECT_EQ(r[0].close_ns.size(), 3u);
  EXPECT_FALSE(r[0].error);
}

TEST(ConnectCostStop, SetBeforehandMeasuresNothing) {
  SteadyClock clock;
  std::atomic<bool> stop{true};
  TempPath tmp;
  EXPECT_TRUE(measure_connect_costs(throwaway_connect_targets(server()), 10, clock, stop,
                                    SqliteConnectTarget{tmp.file("x.sqlite"), {}})
                  .empty());
}

}  // namespace
}  // namespace wpbench::test
