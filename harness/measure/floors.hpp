#pragma once
/// "Where the time goes": probes that measure the floors under a durable insert on the same
/// server and disk as the cases (one round trip, the commit's flush wait, the disk's own sync,
/// SQLite's sync). Each returns raw samples; the caller summarises them with stats.hpp and feeds
/// the medians to decompose.hpp.
///
/// Every probe polls `stop` between samples (warm-up included): a stop keeps what was measured,
/// and a stop already set when a probe is called returns no samples without touching anything.
/// Failures throw DriverError (database) or std::runtime_error (files) with one line.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "measure/clock.hpp"

namespace wpbench {

/// Inserts a flush probe makes under one setting before switching to the other.
inline constexpr std::uint64_t kFlushRun = 10;

/// Untimed, unsynced inserts sqlite_flush makes first, so the WAL has wrapped once (past its
/// 1000-page checkpoint) as it has for most of a case's inserts.
inline constexpr std::uint64_t kSqliteWalFill = 1200;

/// Rows commit_flush or sqlite_flush (plus kSqliteWalFill) insert for `n` samples after `warmup`
/// (of each setting): every run of kFlushRun begins with one untimed settling insert.
std::uint64_t flush_probe_rows(std::uint64_t n, std::uint64_t warmup);

/// Samples of a probe taken with durable commits (`on_ns`) and without (`off_ns`), alternated
/// in runs of kFlushRun on one connection so drift hits both alike. After a stop the two may differ
/// in length by up to kFlushRun.
struct FlushSamples {
  std::vector<std::int64_t> on_ns;
  std::vector<std::int64_t> off_ns;
};

/// The disk probe's samples and the sync call it timed.
struct DiskSyncSamples {
  std::vector<std::int64_t> samples_ns;
  std::string sync_call;  ///< "fdatasync" (what PostgreSQL's default wal_sync_method uses on
                          ///< Linux), or "fsync" where there is none
};

/// One client/server round trip with no parse or plan: PQexec(conn, "") (an empty query, answered
/// with EmptyQueryResponse) on one libpq connection to `conninfo`, `n` samples after `warmup`.
std::vector<std::int64_t> round_trip_floor(const std::string& conninfo, std::uint64_t n,
                                           std::uint64_t warmup, Clock& clock,
                                           const std::atomic<bool>& stop);

/// The commit's WAL flush wait: libpq/prepared's autocommit INSERT into `e.table` on one
/// connection to `e.target`, alternating `SET synchronous_commit = on` and `= off` (sent outside
/// the timed region) in runs of kFlushRun; `n` samples of each after `warmup` of each. p50(on) -
/// p50(off) is the flush. synchronous_commit is per session, so this works against an existing
/// server without changing its configuration. The table must exist (ensure_table); the probe
/// inserts flush_probe_rows(n, warmup) rows of `seed`'s stream into it, so the caller resets it
/// afterwards. `on` and `off` are the two synchronous_commit values compared: with a standby,
/// (local, off) gives the local flush and (the standby's mode, local) the wait for the standby.
FlushSamples commit_flush(const Endpoint& e, std::uint64_t n, std::uint64_t warmup,
                          std::uint64_t seed, Clock& clock, const std::atomic<bool>& stop,
                          const std::string& on = "on", const std::string& off = "off");

/// The disk floor under the files in `dir`, pg_test_fsync-style: a 16 MB file (a WAL segment's
/// size) is written and synced in `dir` under a unique name, then each sample overwrites one
/// 8 kB block (a WAL page; cycling through the file) and syncs it; write + sync is timed. The file
/// is removed at the end, on error too.
DiskSyncSamples disk_sync(const std::string& dir, std::uint64_t n, std::uint64_t warmup,
                          Clock& clock, const std::atomic<bool>& stop);

/// The SQLite twin of commit_flush: sqlite3/prepared's insert into `table` of the database file
/// `path` in journal_mode=WAL on one connection, alternating `PRAGMA synchronous=FULL` (one sync
/// of the WAL per commit) and `OFF` (none) in runs of kFlushRun; `n` samples of each after
/// `warmup` of each, after kSqliteWalFill untimed inserts. The table must exist
/// (ensure_table); flush_probe_rows(n, warmup) + kSqliteWalFill rows are inserted.
FlushSamples sqlite_flush(const std::string& path, const std::string& table, std::uint64_t n,
                          std::uint64_t warmup, std::uint64_t seed, Clock& clock,
                          const std::atomic<bool>& stop);

}  // namespace wpbench
