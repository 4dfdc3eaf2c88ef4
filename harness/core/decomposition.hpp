#pragma once
/// Where one case's latency goes, as data: the floors measured on the same server (floors.hpp)
/// and a case's p50 split into round trips, the commit's flush, the database's own work and what
/// is left for the driver (decompose.hpp computes it).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wpbench {

/// Medians of the floor probes, in nanoseconds; a probe that did not run stays empty.
struct Floors {
  /// By transport name: p50 of round_trip_floor over it (transports whose row has round_trips).
  std::map<std::string, std::int64_t> rt_ns;
  /// --interleave sample: p50 of the same empty query taking its turn in the rounds, on a
  /// connection idle as long as the cases' (IdleRoundTrip): the round trip that wakes a backend.
  std::map<std::string, std::int64_t> rt_idle_ns;
  /// p50(on) - p50(off) of commit_flush: the commit's WAL flush wait. Below 0 when the flush is
  /// within noise (fsync=off, a write-back cache); the sign is kept.
  std::optional<std::int64_t> pg_flush_ns;
  std::optional<std::int64_t> pg_insert_off_ns;  ///< p50(off) of commit_flush
  /// --standby: p50(mode) - p50(local) of commit_flush: the commit's wait for the standby (the
  /// network to it, its write, flush or replay). Empty: no standby waited for.
  std::optional<std::int64_t> pg_standby_ns;
  /// The transport commit_flush ran over (e.g. "unix"): that round-trip floor is what
  /// pg_insert_off_ns holds besides the server's work.
  std::string pg_insert_off_transport = "unix";
  std::optional<std::int64_t> disk_sync_ns;          ///< p50 of disk_sync
  std::optional<std::int64_t> sqlite_flush_ns;       ///< p50(FULL) - p50(OFF) of sqlite_flush
  std::optional<std::int64_t> sqlite_insert_off_ns;  ///< p50(OFF) of sqlite_flush
};

/// One case's p50 in parts: total = round_trips + wake + flush + server + driver by
/// construction, driver being what the floors leave.
struct Decomposition {
  std::string basis = "p50";
  std::int64_t total_ns = 0;        ///< the case's p50
  std::int64_t round_trips_ns = 0;  ///< round trips x the transport's round-trip floor
  /// Waking a connection that sat idle (sample by sample): the idle round trip over the busy
  /// one, paid once per insert, by its first round trip; 0 back to back.
  std::int64_t wake_ns = 0;
  std::int64_t flush_ns = 0;       ///< the commit's flush wait (0 when not durable)
  std::int64_t standby_ns = 0;     ///< the commit's wait for a synchronous standby (--standby)
  std::int64_t server_ns = 0;      ///< the database's work for one INSERT, without flush
  std::int64_t driver_ns = 0;      ///< the rest: the driver's own cost and extra statements
  std::vector<std::string> notes;  ///< caveats, one line each
  bool complete = false;           ///< every floor this case needs was measured
};

}  // namespace wpbench
