#include "measure/floors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/decision.hpp"
#include "core/workload.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"

namespace wpbench {

namespace {

bool stopped(const std::atomic<bool>& stop) { return stop.load(std::memory_order_relaxed); }

// The two settings a flush probe alternates between, in the order each pair takes them.
enum class Durability { on, off };
constexpr Durability kOrder[] = {Durability::on, Durability::off};

// Runs a flush probe: `set(d)` switches the connection (untimed), `insert(decision)` is the
// timed durable-or-not insert. The settings take turns in runs of kFlushRun inserts, so drift
// and checkpoints fall on both alike; each run starts with one untimed insert, because the first
// durable commit after non-durable ones also flushes their WAL (sample-by-sample alternation made
// every "on" sample pay for its "off" neighbour and overstated the flush).
template <typename Set, typename Insert>
FlushSamples alternate(std::uint64_t n, std::uint64_t warmup, std::uint64_t seed, Clock& clock,
                       const std::atomic<bool>& stop, Set set, Insert insert) {
  FlushSamples out;
  out.on_ns.reserve(n);
  out.off_ns.reserve(n);
  DecisionGenerator gen(seed);
  std::uint64_t taken = 0;  // per setting, warm-up included
  while (taken < warmup + n) {
    const std::uint64_t run = std::min<std::uint64_t>(kFlushRun, warmup + n - taken);
    for (const Durability d : kOrder) {
      if (stopped(stop)) return out;
      set(d);
      insert(gen.next());  // the settling insert, untimed
      for (std::uint64_t j = 0; j < run; ++j) {
        if (stopped(stop)) return out;
        // Made before the clock starts: generating a row is not the database's cost.
        const Decision row = gen.next();
        const auto t0 = clock.now();
        insert(row);
        const auto t1 = clock.now();
        if (taken + j < warmup) continue;
        (d == Durability::on ? out.on_ns : out.off_ns).push_back((t1 - t0).count());
      }
    }
    taken += run;
  }
  return out;
}

#if defined(__linux__)
// PostgreSQL's default wal_sync_method on Linux: data only, no metadata (the blocks exist).
constexpr const char* kSyncCall = "fdatasync";
int sync_data(int fd) { return ::fdatasync(fd); }
#else
constexpr const char* kSyncCall = "fsync";
int sync_data(int fd) { return ::fsync(fd); }
#endif

constexpr std::size_t kBlock = 8192;                 // one WAL page
constexpr std::size_t kFileSize = 16 * 1024 * 1024;  // one WAL segment
constexpr std::size_t kBlocks = kFileSize / kBlock;

std::string errno_text() { return std::strerror(errno); }

// The probe's file: closed and unlinked however the probe ends.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& dir) {
    std::string tmpl = dir + "/wpbench-disk-sync-XXXXXX";
    fd_ = ::mkstemp(tmpl.data());
    if (fd_ < 0)
      throw std::runtime_error("disk sync: cannot create a file in " + dir + ": " + errno_text());
    path_ = tmpl;
  }
  ~ScratchFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

void write_block(const ScratchFile& f, const unsigned char* buf, std::size_t index) {
  const auto off = static_cast<off_t>(index * kBlock);
  const ssize_t w = ::pwrite(f.fd(), buf, kBlock, off);
  if (w != static_cast<ssize_t>(kBlock)) {
    throw std::runtime_error("disk sync: cannot write " + f.path() + ": " +
                             (w < 0 ? errno_text() : std::string("short write")));
  }
}

}  // namespace

std::uint64_t flush_probe_rows(std::uint64_t n, std::uint64_t warmup) {
  const std::uint64_t runs = (warmup + n + kFlushRun - 1) / kFlushRun;
  return 2 * (warmup + n + runs);
}

std::vector<std::int64_t> round_trip_floor(const std::string& conninfo, std::uint64_t n,
                                           std::uint64_t warmup, Clock& clock,
                                           const std::atomic<bool>& stop) {
  std::vector<std::int64_t> out;
  if (stopped(stop)) return out;
  out.reserve(n);
  auto conn = pg_connect(conninfo);
  for (std::uint64_t i = 0; i < warmup + n && !stopped(stop); ++i) {
    // An empty query string: the server answers EmptyQueryResponse + ReadyForQuery without
    // parsing, planning or touching a table, so this is the round trip and the protocol alone.
    const auto t0 = clock.now();
    PGresult* r = PQexec(conn.get(), "");
    const auto t1 = clock.now();
    pg_expect(conn.get(), r, PGRES_EMPTY_QUERY, "empty query");
    if (i >= warmup) out.push_back((t1 - t0).count());
  }
  return out;
}

FlushSamples commit_flush(const Endpoint& e, std::uint64_t n, std::uint64_t warmup,
                          std::uint64_t seed, Clock& clock, const std::atomic<bool>& stop,
                          const std::string& on, const std::string& off) {
  if (stopped(stop)) return {};
  auto conn = pg_connect(e.target);
  PGconn* c = conn.get();
  constexpr const char* kStmt = "wpbench_floor_insert";
  // The same statement and parameters as libpq/prepared, so p50(off) is that path minus its flush.
  pg_expect(c, PQprepare(c, kStmt, insert_sql_pg(e.table).c_str(), PgTextParams::count, nullptr),
            PGRES_COMMAND_OK, "prepare");
  return alternate(
      n, warmup, seed, clock, stop,
      [&](Durability d) {
        // Per session, so the server's own setting and other sessions are untouched.
        pg_exec(c, "SET synchronous_commit = " + (d == Durability::on ? on : off));
      },
      [&](const Decision& row) {
        const PgTextParams p(row);
        pg_expect(c, PQexecPrepared(c, kStmt, p.count, p.values(), nullptr, nullptr, 0),
                  PGRES_COMMAND_OK, "insert");
        if (e.ledger) e.ledger->add(1);  // so the table can be emptied after the probe
      });
}

DiskSyncSamples disk_sync(const std::string& dir, std::uint64_t n, std::uint64_t warmup,
                          Clock& clock, const std::atomic<bool>& stop) {
  DiskSyncSamples out;
  out.sync_call = kSyncCall;
  if (stopped(stop)) return out;
  out.samples_ns.reserve(n);
  ScratchFile f(dir);

  // Pseudo-random bytes, so a compressing or deduplicating filesystem (btrfs, ZFS) cannot shrink
  // the writes into nothing; the first 8 bytes of each later write change so no two are alike.
  std::vector<unsigned char> block(kBlock);
  SplitMix64 rng(0x5eed);
  for (std::size_t i = 0; i < kBlock; i += 8) {
    const std::uint64_t v = rng.next();
    std::memcpy(block.data() + i, &v, 8);
  }
  // Allocate every block up front and make the size durable, so a sample's fdatasync flushes the
  // data block alone, as PostgreSQL's does in a preallocated WAL segment.
  for (std::size_t b = 0; b < kBlocks; ++b) write_block(f, block.data(), b);
  if (::fsync(f.fd()) != 0) {
    throw std::runtime_error("disk sync: cannot fsync " + f.path() + ": " + errno_text());
  }

  for (std::uint64_t i = 0; i < warmup + n && !stopped(stop); ++i) {
    std::memcpy(block.data(), &i, sizeof i);
    const auto t0 = clock.now();
    write_block(f, block.data(), i % kBlocks);
    const int rc = sync_data(f.fd());
    const auto t1 = clock.now();
    if (rc != 0) {
      throw std::runtime_error("disk sync: " + out.sync_call + " " + f.path() + ": " +
                               errno_text());
    }
    if (i >= warmup) out.samples_ns.push_back((t1 - t0).count());
  }
  return out;
}

FlushSamples sqlite_flush(const std::string& path, const std::string& table, std::uint64_t n,
                          std::uint64_t warmup, std::uint64_t seed, Clock& clock,
                          const std::atomic<bool>& stop) {
  if (stopped(stop)) return {};
  SqliteSettings s;
  s.journal_mode = "WAL";
  s.synchronous = "FULL";
  auto db = sqlite_open(path, s);
  sqlite3* h = db.get();
  {
    // PRAGMA journal_mode=WAL answers with the mode it got; a filesystem without shared memory
    // leaves another one, and the probe would then measure a different commit.
    auto q = sqlite_prepare(h, "PRAGMA journal_mode");
    sqlite_check(h, sqlite3_step(q.get()), "PRAGMA journal_mode");
    const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    if (mode == nullptr || std::string(mode) != "wal") {
      throw DriverError("sqlite flush: " + path +
                        " is not in WAL mode (journal_mode=" + (mode ? mode : "?") + ")");
    }
  }
  auto insert = sqlite_prepare(h, insert_sql_sqlite(table));
  // A fresh WAL grows with every commit, and a sync that also has to record a new file size
  // costs more; a case's inserts mostly rewrite a WAL already grown past its first checkpoint
  // (1000 pages). Grow it the same way first, untimed and unsynced.
  sqlite_exec(h, "PRAGMA synchronous=OFF");
  {
    DecisionGenerator filler(seed ^ 0x5157ULL);
    for (std::uint64_t i = 0; i < kSqliteWalFill && !stopped(stop); ++i) {
      // Bound with SQLITE_STATIC: the decision must outlive the step.
      const Decision d = filler.next();
      sqlite3_reset(insert.get());
      sqlite_bind_decision(h, insert.get(), d);
      sqlite_check(h, sqlite3_step(insert.get()), "insert");
    }
  }
  // synchronous is per connection and read at each commit, so it can change between two
  // autocommit inserts (SQLite refuses the change only inside an open transaction). The PRAGMA
  // is compiled afresh each time: SQLite applies it while compiling, so re-stepping a prepared
  // one does not reliably set it again.
  return alternate(
      n, warmup, seed, clock, stop,
      [&](Durability d) {
        sqlite_exec(h, d == Durability::on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
      },
      [&](const Decision& row) {
        // As sqlite3/prepared does it: reset, re-bind, step (autocommit: one transaction).
        sqlite3_reset(insert.get());
        sqlite_bind_decision(h, insert.get(), row);
        sqlite_check(h, sqlite3_step(insert.get()), "insert");
      });
}

}  // namespace wpbench
