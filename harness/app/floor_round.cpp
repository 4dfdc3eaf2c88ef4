#include "app/floor_round.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "app/cases.hpp"
#include "app/signals.hpp"
#include "app/targets.hpp"
#include "db/schema.hpp"
#include "measure/floors.hpp"
#include "sys/machine.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
double p50_of(const std::vector<std::int64_t>& xs) {
  return xs.empty() ? 0.0 : static_cast<double>(summarize(xs).p50_ns);
}

void append(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// A floor probe's share of this repetition, kept whole and as its p50.
void append(FloorSamples& f, const char* floor, std::vector<std::int64_t>& to,
            const std::vector<std::int64_t>& from) {
  append(to, from);
  if (!from.empty()) f.per_repetition[floor].push_back(p50_of(from));
}

// A flush probe's share: both settings kept; the p50 difference is the flush of this repetition.
void append_flush(FloorSamples& f, const char* floor, std::vector<std::int64_t>& on,
                  std::vector<std::int64_t>& off, const FlushSamples& fl) {
  append(on, fl.on_ns);
  append(off, fl.off_ns);
  if (!fl.on_ns.empty() && !fl.off_ns.empty()) {
    f.per_repetition[floor].push_back(p50_of(fl.on_ns) - p50_of(fl.off_ns));
  }
}

std::optional<std::int64_t> p50_of(const std::optional<LatencySummary>& s) {
  return s ? std::optional<std::int64_t>(s->p50_ns) : std::nullopt;
}
}  // namespace

void measure_floors(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    const RunConfig& cfg, const std::string& journal_mode, int rep, FloorSamples& f,
                    Clock& clock) {
  const bool wal = journal_mode == "wal";
  const std::uint64_t n = (opt.floor_samples + opt.repetitions - 1) / opt.repetitions;
  const std::uint64_t warmup = 20;
  const auto note = [&](const std::string& what, const std::exception& e) {
    const std::string line = what + ": " + one_line(e.what());
    if (std::find(f.errors.begin(), f.errors.end(), line) == f.errors.end()) {
      f.errors.push_back(line);
    }
  };
  const std::uint64_t seed = cfg.seed + 1000003ULL * static_cast<std::uint64_t>(rep + 1);
  if (any_backend(cases, Backend::postgres)) {
    try {
      for (const auto& [tr, conninfo] : t.conninfo) {
        if (!spec_of(tr).round_trips) continue;
        const std::string name = transport_name(tr);
        append(f, ("round_trip_" + name).c_str(), f.rt[name],
               round_trip_floor(conninfo, n, warmup, clock, stop_flag()));
      }
    } catch (const std::exception& e) {
      note("round-trip floor", e);
    }
    // The flush floor on the first transport used in table order (the socket when used): the
    // difference on/off does not depend on the transport, the insert's own time does (it is the
    // server-work estimate, net of that transport's round trip).
    // Never through a pooler: the probe keeps a named statement and switches session settings.
    const Endpoint e{t.direct, t.direct_conninfo, opt.table, opt.sqlite, &t.pg_table};
    f.pg_transport = transport_name(e.transport);
    // With a standby the flush is the local one (local against off), and the wait for the
    // standby its own floor (the mode against local), each pair alternated on one connection.
    const bool standby = !opt.standby.empty() && opt.standby != "async";
    try {
      append_flush(f, "commit_flush", f.pg_on, f.pg_off,
                   commit_flush(e, n, warmup, seed, clock, stop_flag(),
                                opt.standby.empty() ? "on" : "local"));
      if (standby) {
        append_flush(f, "standby_wait", f.standby_on, f.standby_off,
                     commit_flush(e, n, warmup, seed + 1, clock, stop_flag(),
                                  standby_sync_commit(opt.standby), "local"));
      }
    } catch (const std::exception& ex) {
      note("commit flush", ex);
    }
    // Emptied whatever happened: the ledger counted every row the probe wrote. A table that
    // holds other rows (UnaccountedRows) stops the run.
    try {
      reset_table(Backend::postgres, e);
    } catch (const UnaccountedRows&) {
      throw;
    } catch (const std::exception& ex) {
      note("commit flush", ex);
    }
  }
  // The disk under the data: the throwaway cluster's temp dir, else the SQLite file's; a
  // server reached by --dsn may sit on another machine's disk, so it is not probed.
  f.disk_dir = t.server                ? t.server->dir()
               : t.sqlite_path.empty() ? ""
                                       : fs::path(t.sqlite_path).parent_path().string();
  if (!f.disk_dir.empty()) {
    try {
      const auto d = disk_sync(f.disk_dir, n, warmup, clock, stop_flag());
      append(f, "disk_sync", f.disk, d.samples_ns);
      f.disk_method = "write + " + d.sync_call + " of 8 kB";
    } catch (const std::exception& e) {
      note("disk sync", e);
    }
  }
  if (any_backend(cases, Backend::sqlite)) {
    if (wal) {
      // A file of its own beside the cases' (same disk): the probe switches synchronous back and
      // forth and must not leave anything in the file the cases use.
      const std::string scratch =
          (fs::path(t.sqlite_path).parent_path() / "wpbench-floor.sqlite").string();
      try {
        ensure_table(Backend::sqlite, Endpoint{Transport::file, scratch, opt.table, opt.sqlite});
        append_flush(f, "sqlite_flush", f.sqlite_on, f.sqlite_off,
                     sqlite_flush(scratch, opt.table, n, warmup, seed, clock, stop_flag()));
      } catch (const std::exception& e) {
        note("SQLite flush", e);
      }
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(scratch + suffix, ec);
    } else if (rep == 0) {
      f.errors.push_back(
          "SQLite flush: not measured; the probe compares WAL commits and this run's "
          "journal_mode is " +
          journal_mode);
    }
  }
}

std::vector<IdleRoundTrip> idle_round_trip_probes(const Options& opt, const Targets& t) {
  std::vector<IdleRoundTrip> probes;
  if (opt.floor_samples == 0) return probes;
  for (const auto& [tr, conninfo] : t.conninfo) {
    if (spec_of(tr).round_trips) probes.push_back({tr, conninfo, {}, {}});
  }
  return probes;
}

void append_idle(FloorSamples& f, const std::vector<IdleRoundTrip>& probes) {
  for (const auto& p : probes) {
    const std::string name = transport_name(p.transport);
    append(f, ("round_trip_idle_" + name).c_str(), f.rt_idle[name], p.samples_ns);
    if (p.error) f.errors.push_back("idle round trip: " + *p.error);
  }
}

FloorsResult summarize_floors(const FloorSamples& f) {
  FloorsResult r;
  for (const auto& [name, xs] : f.rt) {
    if (const auto s = summary_of(xs)) r.rt[name] = *s;
  }
  for (const auto& [name, xs] : f.rt_idle) {
    if (const auto s = summary_of(xs)) r.rt_idle[name] = *s;
  }
  r.pg_on = summary_of(f.pg_on);
  r.pg_off = summary_of(f.pg_off);
  r.standby_on = summary_of(f.standby_on);
  r.standby_off = summary_of(f.standby_off);
  r.disk_sync = summary_of(f.disk);
  r.disk_sync_dir = f.disk_dir;
  r.disk_sync_filesystem = f.disk_dir.empty() ? "" : filesystem_type(f.disk_dir);
  r.disk_sync_method = f.disk_method;
  r.sqlite_on = summary_of(f.sqlite_on);
  r.sqlite_off = summary_of(f.sqlite_off);
  r.errors = f.errors;
  r.per_repetition_p50_ns = f.per_repetition;
  Floors& fl = r.floors;
  for (const auto& [name, s] : r.rt) fl.rt_ns[name] = s.p50_ns;
  for (const auto& [name, s] : r.rt_idle) fl.rt_idle_ns[name] = s.p50_ns;
  if (r.pg_on && r.pg_off) {
    fl.pg_flush_ns = r.pg_on->p50_ns - r.pg_off->p50_ns;
    fl.pg_insert_off_ns = r.pg_off->p50_ns;
    fl.pg_insert_off_transport = f.pg_transport;
  }
  if (r.standby_on && r.standby_off)
    fl.pg_standby_ns = r.standby_on->p50_ns - r.standby_off->p50_ns;
  fl.disk_sync_ns = p50_of(r.disk_sync);
  if (r.sqlite_on && r.sqlite_off) {
    fl.sqlite_flush_ns = r.sqlite_on->p50_ns - r.sqlite_off->p50_ns;
    fl.sqlite_insert_off_ns = r.sqlite_off->p50_ns;
  }
  return r;
}

}  // namespace wpbench
