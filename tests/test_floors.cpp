// The floor probes against the shared throwaway server and real SQLite files and disk: each
// measures what it claims, cleans up, honours the stop flag and reports bad targets.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "fixture.hpp"
#include "measure/floors.hpp"
#include "stats/stats.hpp"

namespace fs = std::filesystem;

namespace wpbench::test {
namespace {

const std::string kTable = "wpbench_floors";
// Enough for a stable p50, few enough that a slow shared disk (a few ms per sync) stays within
// seconds: the flush probes sync once per durable sample.
constexpr std::uint64_t kN = 100, kWarmup = 10;

std::int64_t p50(const std::vector<std::int64_t>& v) { return summarize(v).p50_ns; }

bool all_positive(const std::vector<std::int64_t>& v) {
  for (auto x : v) {
    if (x <= 0) return false;
  }
  return true;
}

void print_floor(const std::string& what, std::int64_t ns) {
  std::printf("[  floor   ] %-40s p50 %8.1f us\n", what.c_str(), static_cast<double>(ns) / 1e3);
}

Endpoint pg_endpoint(Transport t) {
  return Endpoint{t,
                  t == Transport::tcp ? server().conninfo(Transport::tcp)
                                      : server().conninfo(Transport::unix_socket),
                  kTable,
                  {}};
}

// Sets `stop` once the clock has been read `limit` times: a stop that lands mid-run, at a place
// the test knows, on the real clock.
class StoppingClock final : public Clock {
 public:
  StoppingClock(std::atomic<bool>& stop, int limit) : stop_(stop), left_(limit) {}
  std::chrono::nanoseconds now() override {
    if (--left_ == 0) stop_ = true;
    return real_.now();
  }

 private:
  SteadyClock real_;
  std::atomic<bool>& stop_;
  int left_;
};

// The property that makes the round-trip floor a floor: an insert on the same kind of connection
// does that round trip and more, so its p50 is higher. Also checks both settings inserted a row
// per sample and that the setting stayed in the probe's session.
TEST(Floors, RoundTripIsBelowTheInsertOnTheSameTransport) {
  for (const Transport t : {Transport::unix_socket, Transport::tcp}) {
    const Endpoint e = pg_endpoint(t);
    ensure_table(Backend::postgres, e);
    reset_table(Backend::postgres, e);
    SteadyClock clock;
    std::atomic<bool> stop{false};
    const auto rt = round_trip_floor(e.target, kN, kWarmup, clock, stop);
    const auto fl = commit_flush(e, kN, kWarmup, 3, clock, stop);
    const std::string tn = transport_name(t);
    ASSERT_EQ(rt.size(), kN) << tn;
    ASSERT_EQ(fl.on_ns.size(), kN) << tn;
    ASSERT_EQ(fl.off_ns.size(), kN) << tn;
    EXPECT_TRUE(all_positive(rt) && all_positive(fl.on_ns) && all_positive(fl.off_ns)) << tn;
    EXPECT_LT(p50(rt), p50(fl.on_ns)) << tn;
    print_floor("round trip (empty query) " + tn, p50(rt));
    print_floor("insert synchronous_commit=on " + tn, p50(fl.on_ns));
    print_floor("insert synchronous_commit=off " + tn, p50(fl.off_ns));
    print_floor("flush (on - off) " + tn, p50(fl.on_ns) - p50(fl.off_ns));

    auto c = pg_connect(e.target);
    EXPECT_EQ(pg_query_value(c.get(), "SELECT count(*) FROM " + kTable),
              std::to_string(flush_probe_rows(kN, kWarmup)));
    EXPECT_EQ(pg_query_value(c.get(), "SHOW synchronous_commit"), "on");  // server untouched
    reset_table(Backend::postgres, e);
  }
}

TEST(Floors, DiskSyncTimesEachBlockAndRemovesItsFile) {
  TempPath tmp;
  SteadyClock clock;
  std::atomic<bool> stop{false};
  const auto ds = disk_sync(tmp.path(), kN, 10, clock, stop);
  ASSERT_EQ(ds.samples_ns.size(), kN);
  EXPECT_TRUE(all_positive(ds.samples_ns));
  EXPECT_EQ(ds.sync_call, "fdatasync");
  EXPECT_TRUE(fs::is_empty(tmp.path()));
  print_floor("disk 8 kB write + " + ds.sync_call, p50(ds.samples_ns));
}

TEST(Floors, DiskSyncInAMissingDirThrows) {
  TempPath tmp;
  SteadyClock clock;
  std::atomic<bool> stop{false};
  try {
    disk_sync(tmp.file("no-such-dir"), 5, 0, clock, stop);
    FAIL() << "no error for a missing dir";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos) << e.what();
  }
}

// Puts a copy of the default VFS in front of it whose files count xSync and forward everything
// unchanged, so the test sees the syncs SQLite really issues rather than guessing from timings.
// The unix VFS gives the database file and its WAL different method tables (the WAL takes no
// locks), so each table it hands out gets its own counting copy.
struct WrappedMethods {
  const sqlite3_io_methods* real = nullptr;
  sqlite3_io_methods copy{};
};

class SyncCountingVfs {
 public:
  SyncCountingVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = "wpbench-sync-count";
    vfs_.pNext = nullptr;
    vfs_.xOpen = &open;
    syncs_ = 0;
    sqlite3_vfs_register(&vfs_, 1);  // the default, so sqlite_open() uses it
  }
  ~SyncCountingVfs() { sqlite3_vfs_unregister(&vfs_); }
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;
  int syncs() const { return syncs_; }

 private:
  static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    const int rc = real_->xOpen(real_, name, file, flags, out_flags);
    if (file->pMethods == nullptr) return rc;
    for (auto& w : wrapped_) {
      if (w.real == nullptr) {
        w.real = file->pMethods;
        w.copy = *file->pMethods;
        w.copy.xSync = &sync;
      }
      if (w.real == file->pMethods) {
        file->pMethods = &w.copy;
        return rc;
      }
    }
    return rc;  // more method tables than slots: the test's count comes out short and fails
  }
  static int sync(sqlite3_file* f, int flags) {
    ++syncs_;
    for (const auto& w : wrapped_) {
      if (&w.copy == f->pMethods) return w.real->xSync(f, flags);
    }
    return SQLITE_IOERR_FSYNC;
  }
  static inline sqlite3_vfs* real_ = nullptr;
  static inline sqlite3_vfs vfs_{};
  static inline WrappedMethods wrapped_[4];
  static inline int syncs_ = 0;
};

// PRAGMA synchronous can change between two autocommit inserts on an open WAL connection: FULL
// commits sync the WAL, OFF ones do not, so the probe issues about one sync per FULL commit, not
// one per commit.
TEST(Floors, SqliteFlushSyncsOnlyTheFullCommits) {
  TempPath tmp;
  const Endpoint e{Transport::file, tmp.file("floors.sqlite"), kTable, {}};
  ensure_table(Backend::sqlite, e);
  SteadyClock clock;
  std::atomic<bool> stop{false};
  FlushSamples fl;
  int syncs = 0;
  {
    SyncCountingVfs counter;
    fl = sqlite_flush(e.target, kTable, kN, kWarmup, 5, clock, stop);
    syncs = counter.syncs();
  }
  ASSERT_EQ(fl.on_ns.size(), kN);
  ASSERT_EQ(fl.off_ns.size(), kN);
  EXPECT_TRUE(all_positive(fl.on_ns) && all_positive(fl.off_ns));
  const int full_commits = static_cast<int>(flush_probe_rows(kN, kWarmup) / 2);
  // A few more than one per FULL commit: the WAL header's sync on its first write and the
  // directory's when the WAL is created. All commits syncing would give twice as many.
  EXPECT_GE(syncs, full_commits);
  EXPECT_LE(syncs, full_commits + 5);
  std::printf("[  floor   ] sqlite syncs: %d for %d FULL and %d OFF commits\n", syncs, full_commits,
              full_commits);
  print_floor("sqlite insert synchronous=FULL", p50(fl.on_ns));
  print_floor("sqlite insert synchronous=OFF", p50(fl.off_ns));
  print_floor("sqlite flush (FULL - OFF)", p50(fl.on_ns) - p50(fl.off_ns));

  auto db = sqlite_open(e.target, e.sqlite);
  auto q = sqlite_prepare(db.get(), "SELECT count(*) FROM " + kTable);
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(q.get(), 0),
            static_cast<sqlite3_int64>(flush_probe_rows(kN, kWarmup) + kSqliteWalFill));
}

TEST(Floors, StopBeforeStartGivesNoSamples) {
  TempPath tmp;
  const Endpoint pg = pg_endpoint(Transport::unix_socket);
  ensure_table(Backend::postgres, pg);
  const Endpoint lite{Transport::file, tmp.file("stop.sqlite"), kTable, {}};
  ensure_table(Backend::sqlite, lite);
  SteadyClock clock;
  std::atomic<bool> stop{true};
  EXPECT_TRUE(round_trip_floor(pg.target, kN, kWarmup, clock, stop).empty());
  const auto fl = commit_flush(pg, kN, kWarmup, 1, clock, stop);
  EXPECT_TRUE(fl.on_ns.empty() && fl.off_ns.empty());
  const fs::path disk_dir = tmp.file("disk");
  fs::create_directory(disk_dir);
  EXPECT_TRUE(disk_sync(disk_dir.string(), kN, kWarmup, clock, stop).samples_ns.empty());
  EXPECT_TRUE(fs::is_empty(disk_dir));
  const auto sl = sqlite_flush(lite.target, kTable, kN, kWarmup, 1, clock, stop);
  EXPECT_TRUE(sl.on_ns.empty() && sl.off_ns.empty());
}

TEST(Floors, StopMidwayKeepsWhatWasMeasured) {
  // Two clock reads per sample: a stop on the 20th read ends the loop after the 10th sample.
  const Endpoint e = pg_endpoint(Transport::unix_socket);
  ensure_table(Backend::postgres, e);
  {
    std::atomic<bool> stop{false};
    StoppingClock clock(stop, 20);
    EXPECT_EQ(round_trip_floor(e.target, kN, 0, clock, stop).size(), 10u);
  }
  {
    // The flush probe takes the settings in runs of kFlushRun: 40 reads are one run of each.
    std::atomic<bool> stop{false};
    StoppingClock clock(stop, 4 * kFlushRun);
    const auto fl = commit_flush(e, kN, 0, 1, clock, stop);
    EXPECT_EQ(fl.on_ns.size(), kFlushRun);
    EXPECT_EQ(fl.off_ns.size(), kFlushRun);
  }
  {
    TempPath tmp;
    std::atomic<bool> stop{false};
    StoppingClock clock(stop, 20);
    EXPECT_EQ(disk_sync(tmp.path(), kN, 0, clock, stop).samples_ns.size(), 10u);
    EXPECT_TRUE(fs::is_empty(tmp.path()));
  }
  reset_table(Backend::postgres, e);
}

TEST(Floors, BadTargetsThrowOneLine) {
  SteadyClock clock;
  std::atomic<bool> stop{false};
  const std::string bad = "host=/nonexistent-wpbench-dir dbname=postgres connect_timeout=2";
  try {
    round_trip_floor(bad, 5, 0, clock, stop);
    FAIL() << "no error for a bad conninfo";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      commit_flush(Endpoint{Transport::unix_socket, bad, kTable, {}}, 5, 0, 1, clock, stop),
      DriverError);
  const Endpoint missing{
      Transport::unix_socket, server().conninfo(Transport::unix_socket), "wpbench_no_such", {}};
  try {
    commit_flush(missing, 5, 0, 1, clock, stop);
    FAIL() << "no error for a missing table";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  TempPath tmp;
  EXPECT_THROW(sqlite_flush(tmp.file("empty.sqlite"), "wpbench_no_such", 5, 0, 1, clock, stop),
               DriverError);
}

}  // namespace
}  // namespace wpbench::test
