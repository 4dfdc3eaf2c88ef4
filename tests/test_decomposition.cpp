// decompose(): exact arithmetic of the split of a case's p50, and what it says when floors are
// missing or noise makes a term come out impossible.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "analysis/decompose.hpp"
#include "core/transport.hpp"

namespace wpbench {
namespace {

// Round numbers in ns that keep every term apart: 40 us unix and 60 us tcp round trips, a 90 us
// flush, a 70 us no-flush insert over unix (so 30 us of server work), SQLite 80 us sync + 20 us.
Floors full_floors() {
  Floors f;
  f.rt_ns["unix"] = 40000;
  f.rt_ns["tcp"] = 60000;
  f.pg_flush_ns = 90000;
  f.pg_insert_off_ns = 70000;
  f.disk_sync_ns = 85000;
  f.sqlite_flush_ns = 80000;
  f.sqlite_insert_off_ns = 20000;
  return f;
}

bool has_note(const Decomposition& d, const std::string& part) {
  return std::any_of(d.notes.begin(), d.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

void expect_parts_add_up(const Decomposition& d) {
  EXPECT_EQ(d.round_trips_ns + d.wake_ns + d.flush_ns + d.server_ns + d.driver_ns, d.total_ns);
}

TEST(Decompose, PostgresOneRoundTripOverUnix) {
  const auto d = decompose(1, "unix", true, 200000, full_floors());
  EXPECT_EQ(d.basis, "p50");
  EXPECT_EQ(d.total_ns, 200000);
  EXPECT_EQ(d.round_trips_ns, 40000);
  EXPECT_EQ(d.flush_ns, 90000);
  EXPECT_EQ(d.server_ns, 30000);
  EXPECT_EQ(d.driver_ns, 40000);
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(has_note(d, "medians do not add exactly"));
  EXPECT_TRUE(has_note(d, "85.0 us"));  // the disk floor, for scale
  expect_parts_add_up(d);
}

// Sample by sample, an insert's first round trip also wakes a backend that slept while the other
// cases took their turns: the idle round trip over the busy one, once per insert (the later round
// trips of a transaction find it awake). Back to back there is no such term.
TEST(Decompose, AnIdleConnectionsWakeIsItsOwnPartOncePerInsert) {
  Floors f = full_floors();
  f.rt_idle_ns["unix"] = 340000;  // 300 us more than the busy 40 us
  const auto one = decompose(1, "unix", true, 600000, f, /*idle=*/true);
  EXPECT_EQ(one.round_trips_ns, 40000);
  EXPECT_EQ(one.wake_ns, 300000);
  EXPECT_EQ(one.driver_ns, 600000 - 40000 - 300000 - 90000 - 30000);
  expect_parts_add_up(one);
  const auto three = decompose(3, "unix", true, 800000, f, true);
  EXPECT_EQ(three.round_trips_ns, 120000);
  EXPECT_EQ(three.wake_ns, 300000);
  expect_parts_add_up(three);
  EXPECT_EQ(decompose(1, "unix", true, 600000, f, /*idle=*/false).wake_ns, 0);
  // Sample by sample without the idle probe: said, and left in the driver's share.
  const auto unmeasured = decompose(1, "unix", true, 600000, full_floors(), true);
  EXPECT_EQ(unmeasured.wake_ns, 0);
  EXPECT_TRUE(has_note(unmeasured, "waking the connection is left in driver_ns"));
}

TEST(Decompose, PostgresThreeRoundTripsOverTcpUsesTcpFloorAndUnixServerWork) {
  // The server term comes from the insert measured over unix minus the unix floor; the case's own
  // round trips are priced at the tcp floor.
  const auto d = decompose(3, "tcp", true, 500000, full_floors());
  EXPECT_EQ(d.round_trips_ns, 180000);
  EXPECT_EQ(d.flush_ns, 90000);
  EXPECT_EQ(d.server_ns, 30000);
  EXPECT_EQ(d.driver_ns, 200000);
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(has_note(d, "other 2 statements is in driver_ns"));
  expect_parts_add_up(d);
}

TEST(Decompose, ServerWorkFromAnInsertMeasuredOverTcp) {
  Floors f = full_floors();
  f.pg_insert_off_transport = "tcp";
  f.pg_insert_off_ns = 100000;
  const auto d = decompose(1, "unix", true, 250000, f);
  EXPECT_EQ(d.server_ns, 40000);  // 100 us - the 60 us tcp floor
  EXPECT_EQ(d.driver_ns, 250000 - 40000 - 90000 - 40000);
  EXPECT_TRUE(d.complete);
}

TEST(Decompose, NonDurableCommitHasNoFlush) {
  const auto d = decompose(1, "unix", false, 120000, full_floors());
  EXPECT_EQ(d.flush_ns, 0);
  EXPECT_EQ(d.driver_ns, 120000 - 40000 - 30000);
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(has_note(d, "not durable"));
  EXPECT_FALSE(has_note(d, "for scale"));
}

TEST(Decompose, ServerWorkBelowTheRoundTripFloorIsClampedWithANote) {
  Floors f = full_floors();
  f.pg_insert_off_ns = 35000;  // faster than the 40 us empty query: noise
  const auto d = decompose(1, "unix", true, 200000, f);
  EXPECT_EQ(d.server_ns, 0);
  EXPECT_EQ(d.driver_ns, 200000 - 40000 - 90000);
  EXPECT_TRUE(has_note(d, "server_ns clamped at 0"));
  EXPECT_TRUE(has_note(d, "35.0 us"));
  expect_parts_add_up(d);
}

TEST(Decompose, NegativeFlushKeepsItsSign) {
  Floors f = full_floors();
  f.pg_flush_ns = -5000;
  const auto d = decompose(1, "unix", true, 100000, f);
  EXPECT_EQ(d.flush_ns, -5000);
  EXPECT_EQ(d.driver_ns, 100000 - 40000 + 5000 - 30000);
  EXPECT_TRUE(has_note(d, "flush_ns is negative (-5.0 us)"));
  expect_parts_add_up(d);
}

TEST(Decompose, NegativeDriverIsKeptWithANote) {
  const auto d = decompose(1, "unix", true, 100000, full_floors());
  EXPECT_EQ(d.driver_ns, -60000);
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(has_note(d, "driver_ns is negative (-60.0 us)"));
  expect_parts_add_up(d);
}

TEST(Decompose, SqliteFileCase) {
  const auto d = decompose(0, "file", true, 150000, full_floors());
  EXPECT_EQ(d.round_trips_ns, 0);
  EXPECT_EQ(d.flush_ns, 80000);
  EXPECT_EQ(d.server_ns, 20000);
  EXPECT_EQ(d.driver_ns, 50000);
  EXPECT_TRUE(d.complete);
  expect_parts_add_up(d);
}

TEST(Decompose, SqliteWithoutSyncHasNoFlush) {
  const auto d = decompose(0, "file", false, 30000, full_floors());
  EXPECT_EQ(d.flush_ns, 0);
  EXPECT_EQ(d.server_ns, 20000);
  EXPECT_EQ(d.driver_ns, 10000);
}

TEST(Decompose, MissingFloorsAreNamedOnceAndLeftInDriver) {
  const auto d = decompose(1, "unix", true, 200000, Floors{});
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.round_trips_ns, 0);
  EXPECT_EQ(d.flush_ns, 0);
  EXPECT_EQ(d.server_ns, 0);
  EXPECT_EQ(d.driver_ns, 200000);
  EXPECT_TRUE(
      has_note(d,
               "not measured: rt_unix_ns, pg_flush_ns, pg_insert_off_ns; their share is left "
               "in driver_ns"));
}

TEST(Decompose, OnlyTheFloorsTheCaseNeedsCount) {
  Floors f = full_floors();
  f.rt_ns.erase("tcp");
  f.sqlite_flush_ns.reset();
  EXPECT_TRUE(decompose(1, "unix", true, 200000, f).complete);
  const auto tcp = decompose(1, "tcp", true, 200000, f);
  EXPECT_FALSE(tcp.complete);
  EXPECT_EQ(tcp.server_ns, 30000);  // the server term needs only the unix floor
  EXPECT_TRUE(has_note(tcp, "not measured: rt_tcp_ns;"));
  const auto sqlite = decompose(0, "file", true, 200000, f);
  EXPECT_FALSE(sqlite.complete);
  EXPECT_TRUE(has_note(sqlite, "not measured: sqlite_flush_ns;"));
  EXPECT_TRUE(decompose(0, "file", false, 200000, f).complete);  // no flush needed
}

TEST(Decompose, RejectsBadInput) {
  const Floors f = full_floors();
  EXPECT_THROW(decompose(1, "udp", true, 1, f), std::invalid_argument);
  EXPECT_THROW(decompose(1, "file", true, 1, f), std::invalid_argument);
  EXPECT_THROW(decompose(-1, "unix", true, 1, f), std::invalid_argument);
  EXPECT_THROW(decompose(1, "unix", true, -1, f), std::invalid_argument);
  Floors bad = f;
  bad.pg_insert_off_transport = "file";
  EXPECT_THROW(decompose(1, "unix", true, 1, bad), std::invalid_argument);
}

// The decomposition finds a transport's floors by its row: every enumerator has one, in enum
// order (maps keyed by Transport list them so), each name found back by find_transport.
TEST(Transports, EveryTransportHasOneRowInEnumOrder) {
  const auto& specs = transport_specs();
  ASSERT_EQ(specs.size(), static_cast<std::size_t>(Transport::file) + 1);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(specs[i].id), i) << specs[i].name;
    EXPECT_EQ(&spec_of(specs[i].id), &specs[i]);
    EXPECT_EQ(find_transport(specs[i].name), &specs[i]);
    // Round trips exactly where there is a server.
    EXPECT_EQ(specs[i].round_trips, specs[i].backend == Backend::postgres) << specs[i].name;
  }
  EXPECT_EQ(find_transport("pigeon"), nullptr);
  EXPECT_TRUE(verifies_server(spec_of(Transport::tls)));
  EXPECT_FALSE(verifies_server(spec_of(Transport::tcp)));
}

}  // namespace
}  // namespace wpbench
