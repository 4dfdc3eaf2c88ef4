#include "analysis/decompose.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/transport.hpp"

namespace wpbench {

namespace {

std::string us(std::int64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

std::optional<std::int64_t> at(const std::map<std::string, std::int64_t>& m,
                               const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
}

// The name a missing round-trip floor goes by in the notes, e.g. "rt_unix_ns".
std::string rt_name(const std::string& transport) { return "rt_" + transport + "_ns"; }

}  // namespace

Decomposition decompose(int round_trips, const std::string& transport, bool durable_commit,
                        std::int64_t case_p50_ns, const Floors& f, bool idle) {
  const TransportSpec* spec = find_transport(transport);
  if (!spec) {
    throw std::invalid_argument("decompose: unknown transport '" + transport + "' (" +
                                transport_names() + ")");
  }
  const bool file = !spec->round_trips;
  if (round_trips < 0) throw std::invalid_argument("decompose: negative round trips");
  if (file && round_trips != 0) {
    throw std::invalid_argument("decompose: a file (SQLite) case has no round trips, got " +
                                std::to_string(round_trips));
  }
  if (case_p50_ns < 0) throw std::invalid_argument("decompose: negative case p50");
  const TransportSpec* off_spec = find_transport(f.pg_insert_off_transport);
  if (!off_spec || !off_spec->round_trips) {
    throw std::invalid_argument(
        "decompose: pg_insert_off_transport must be a transport with round trips, not '" +
        f.pg_insert_off_transport + "'");
  }

  Decomposition d;
  d.total_ns = case_p50_ns;
  // Each term comes from its own probe's median, and the median of a sum is not the sum of the
  // medians: the split is an estimate, and the residual absorbs the difference.
  d.notes.push_back(
      "medians do not add exactly: each term is the p50 of its own probe, so the parts are "
      "estimates and driver_ns is what is left");
  std::vector<std::string> missing;
  auto need = [&](const std::optional<std::int64_t>& v, const std::string& name) -> std::int64_t {
    if (v) return *v;
    // Once each: the case's round-trip floor may also be the one the server term needs.
    if (std::find(missing.begin(), missing.end(), name) == missing.end()) missing.push_back(name);
    return 0;
  };

  if (file) {
    // In-process SQLite: no round trips. The flush is FULL minus OFF on one connection, the
    // SQLite twin of synchronous_commit on minus off.
    if (durable_commit) d.flush_ns = need(f.sqlite_flush_ns, "sqlite_flush_ns");
    // The raw C API's prepared insert without the sync is the engine's work (B-tree, WAL append)
    // plus the thinnest possible client, so driver_ns is what a path costs beyond sqlite3/prepared.
    d.server_ns = need(f.sqlite_insert_off_ns, "sqlite_insert_off_ns");
  } else {
    // Every round trip of the case costs at least the empty query's: the network path, both
    // kernels' wake-ups and the protocol, with no parse or plan.
    const auto rt = at(f.rt_ns, transport);
    if (round_trips > 0) d.round_trips_ns = round_trips * need(rt, rt_name(transport));
    // Sample by sample, the insert's first round trip also wakes a backend that slept while the
    // other cases took their turns (and the client's caches went cold): the idle empty query
    // over the busy one. Once per insert: the later round trips find it awake.
    const auto rt_idle = at(f.rt_idle_ns, transport);
    if (idle && round_trips > 0 && rt_idle && rt) {
      d.wake_ns = std::max<std::int64_t>(0, *rt_idle - *rt);
    } else if (idle && round_trips > 0) {
      d.notes.push_back(
          "sample by sample without the idle round trip measured: waking the connection is left "
          "in driver_ns");
    }
    // synchronous_commit on minus off, same statement and connection: only the wait for the WAL
    // flush differs. A transaction of several statements still flushes once, at its commit.
    if (durable_commit) d.flush_ns = need(f.pg_flush_ns, "pg_flush_ns");
    // A synchronous standby: the wait for it on top of the local flush, once per commit.
    if (durable_commit && f.pg_standby_ns) d.standby_ns = *f.pg_standby_ns;
    // The leanest insert there is (libpq, prepared, autocommit) with the flush switched off,
    // minus its one round trip: the server's parse/bind/execute and WAL insert for one INSERT.
    // Raw libpq's own client cost stays in it, so driver_ns is what a path costs beyond raw libpq
    // (for libpq/prepared itself, about 0).
    const auto off_rt = at(f.rt_ns, f.pg_insert_off_transport);
    if (f.pg_insert_off_ns && off_rt) {
      const std::int64_t server = *f.pg_insert_off_ns - *off_rt;
      if (server < 0) {
        d.notes.push_back("server_ns clamped at 0: the insert without flush (p50 " +
                          us(*f.pg_insert_off_ns) + ") was not slower than the round-trip floor (" +
                          us(*off_rt) + "), within noise");
      }
      d.server_ns = server < 0 ? 0 : server;
    } else {
      need(f.pg_insert_off_ns, "pg_insert_off_ns");
      need(off_rt, rt_name(f.pg_insert_off_transport));
    }
    if (round_trips > 1) {
      d.notes.push_back("server_ns is one INSERT's work; the server's work for the other " +
                        std::to_string(round_trips - 1) + " statements is in driver_ns");
    }
  }

  if (!durable_commit) d.notes.push_back("the commit is not durable: no flush counted");
  if (d.flush_ns < 0) {
    d.notes.push_back("flush_ns is negative (" + us(d.flush_ns) +
                      "): durable and non-durable commits measured alike, the flush is within "
                      "noise");
  }
  if (durable_commit && f.disk_sync_ns) {
    d.notes.push_back("for scale: one 8 kB write + sync of the disk takes " + us(*f.disk_sync_ns) +
                      " (p50)");
  }

  if (idle && file) {
    d.notes.push_back(
        "sample by sample, the commit's sync also follows the other cases' flushes on the same "
        "disk, and the client's caches are cold: not split, it is in driver_ns");
  }
  d.driver_ns = d.total_ns - d.round_trips_ns - d.wake_ns - d.flush_ns - d.standby_ns - d.server_ns;
  if (d.driver_ns < 0) {
    d.notes.push_back("driver_ns is negative (" + us(d.driver_ns) +
                      "): the floors add up to more than this p50, within noise");
  }
  d.complete = missing.empty();
  if (!d.complete) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    d.notes.push_back("not measured: " + list + "; their share is left in driver_ns");
  }
  return d;
}

}  // namespace wpbench
