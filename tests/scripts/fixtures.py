"""Fixture result files for the script tests: complete wpbench results with synthetic, seeded
latency samples, valid against results/wpbench-result.schema.json (schema_version 3, the
default) or results/wpbench-result.v1.schema.json (make_run(version=1), the published runs'
format); and how the tests run the scripts (Scratch, run_script)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.dont_write_bytecode = True

import wphist  # noqa: E402
import wpstats  # noqa: E402

SCRIPTS = ROOT / "scripts"
PYTHON = "/usr/bin/python3"  # Debian's, which sees the python3-* packages scripts/setup installs


def run_script(name, *args, env=None, timeout=600, memory_limit=None):
    """One script through its command line, as a user runs it: the CompletedProcess. With
    `memory_limit` (bytes of address space, set by util-linux's prlimit), a script that reads
    without bound fails instead of filling the machine's memory."""
    limit = ["prlimit", f"--as={memory_limit}", "--"] if memory_limit else []
    return subprocess.run([*limit, PYTHON, str(SCRIPTS / name), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


class Scratch(unittest.TestCase):
    """A test with its own scratch directory (self.tmp) and the scripts' one-line error check."""

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="wpbench-scripts-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fixture(self, name, **kw):
        return write(self.tmp / name, make_run(**kw))

    def assert_one_line_error(self, r, code, needle):
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn(needle, r.stderr)


# A plausible spread of cases: name -> (round trips, median ns).
DEFAULT_CASES = {
    "libpq/prepared/unix": (1, 200_000),
    "libpq/tx/unix": (3, 440_000),
    "libpqxx/work/unix": (3, 455_000),
    "soci-postgresql/transaction/unix": (3, 430_000),
    "libpq/prepared/tcp": (1, 240_000),
    "sqlite3/prepared/file": (0, 145_000),
}
# The floors the fixture's decompositions are made of (ns).
RT_FLOOR = {"unix": 60_000, "tcp": 80_000}
PG_FLUSH, PG_SERVER, SQLITE_FLUSH, SQLITE_WORK = 90_000, 30_000, 70_000, 20_000


def samples(median_ns, n, seed, scale=1.0):
    """Log-normal latencies around `median_ns` (times `scale`), as integers."""
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.lognormal(np.log(median_ns * scale), 0.25, n)]


def summary(data):
    """The 8-key latency summary the harness writes; all 0 for no samples."""
    if not len(data):
        return {"min": 0, "mean": 0.0, "stddev": 0.0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0}
    s = sorted(data)
    return {"min": s[0], "mean": float(np.mean(s)), "stddev": float(np.std(s, ddof=1)) if len(s) > 1 else 0.0,
            "p50": wpstats.percentile(s, 50), "p90": wpstats.percentile(s, 90),
            "p99": wpstats.percentile(s, 99), "p999": wpstats.percentile(s, 99.9), "max": s[-1]}


def histogram_summary(h):
    """The summary the harness writes of a repetition that kept only its histogram: min and max
    exact, percentiles within the bucket width (harness/measure/runner.cpp)."""
    if not h["count"]:
        return summary([])
    return {"min": h["min"], "mean": wphist.mean(h), "stddev": wphist.stddev(h),
            **{k: wphist.percentile(h, p) for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9))},
            "max": h["max"]}


def verification(rows, ok=True):
    return {"rows_expected": rows, "rows_found": rows if ok else rows // 2, "checksum_expected": "0" * 16,
            "checksum_found": "0" * 16 if ok else "1" * 16, "message": "" if ok else "row 7 differs"}


def context(hostname, version=1):
    ctx = {
        "timestamp_utc": "2026-11-24T00:00:00Z",
        "host": {"hostname": hostname, "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "Linux 6.1",
                 "arch": "x86_64", "cpu_model": "Fixture CPU", "logical_cpus": "2",
                 "memory_total": "24000000 kB"},
        "build": {"compiler": "g++ 12.2.0", "build_type": "Release", "git_commit": "fixture",
                  "wpbench_version": "0.1.0"},
        "libraries": {"libpq": "15.20", "libpqxx": "6.4.4", "soci": "4.0.3", "sqlite3": "3.40.1"},
        "server": {"mode": "throwaway", "version": "15.20 (Debian 15.20-0+deb12u1)",
                   "settings": {"synchronous_commit": "on", "fsync": "on", "wal_sync_method": "fdatasync",
                                "full_page_writes": "on"},
                   "data_filesystem": "ext2/ext3/ext4",
                   "unix": {"target": "host=/tmp/x port=5432", "auth": "peer"},
                   "tcp": {"target": "host=127.0.0.1 port=5432 password=***", "auth": "scram-sha-256"}},
        "sqlite": {"version": "3.40.1", "dir": "/tmp/x", "filesystem": "ext2/ext3/ext4",
                   "journal_mode": "wal", "synchronous": "FULL"},
        "warnings": [],
    }
    if version >= 3:
        # schema_version 3 keys the transports by name, beside the server instead of inside it.
        srv = ctx["server"]
        ctx["transports"] = {
            name: {"title": title, "backend": "sqlite" if name == "file" else "postgres", "reach": "fixture",
                   "round_trips": name != "file", **(srv.pop(name) if name in srv else
                                                     {"target": "/tmp/x/wpbench.sqlite", "auth": "none"})}
            for name, title in (("unix", "Unix socket"), ("tcp", "TCP"), ("file", "SQLite file (in-process)"))}
        ctx = {k: ctx[k] for k in ("timestamp_utc", "host", "build", "libraries", "server", "sqlite",
                                   "transports", "warnings")}
    return ctx


# --- schema_version 1 --------------------------------------------------------------------------

def case_record(name, rt, data, status="ok", error=None, durable=True):
    """A v1 case record: one run of the case with every raw sample."""
    driver, variant, transport = name.split("/")
    elapsed = int(sum(data) * 1.01)
    return {
        "name": name, "driver": driver, "variant": variant, "transport": transport,
        "how": "fixture", "round_trips": rt, "status": status, "samples": len(data),
        "samples_requested": len(data), "warmup": 10, "connect_ns": 1_000_000, "latency_ns": summary(data),
        "throughput_per_s": len(data) * 1e9 / elapsed, "elapsed_ns": elapsed, "cpu_ns": elapsed // 10,
        "verified": status == "ok", "durable": durable, "verification": verification(len(data) + 10),
        "error": error, "samples_ns": list(data),
    }


def make_run_v1(cases=None, n=2000, seed=1, slow=None, run_id="20261124T000000Z", hostname="fixture-host",
                drop=(), fail=()):
    """A whole schema_version 1 result, as the published runs are."""
    cases = cases or DEFAULT_CASES
    slow = slow or {}
    recs = []
    for i, (name, (rt, median)) in enumerate(cases.items()):
        if name in drop:
            continue
        data = samples(median, n, seed * 1000 + i, slow.get(name, 1.0))
        if name in fail:
            recs.append(case_record(name, rt, data[: n // 2], status="failed", error="server closed the connection"))
        else:
            recs.append(case_record(name, rt, data))
    return {
        "schema_version": 1, "tool": "wpbench", "run_id": run_id, "status": "complete",
        "context": context(hostname),
        "config": {"samples": n, "warmup": 10, "seed": seed, "table": "wpbench_trade_decisions",
                   "cases": [r["name"] for r in recs], "timer": "CLOCK_MONOTONIC", "percentiles": "nearest-rank"},
        "cases": recs,
    }


# --- schema_version 2 --------------------------------------------------------------------------

def timeseries(data, interval_ns=1_000_000_000):
    """Per-interval count, mean and max of closed-loop samples taken back to back."""
    x = np.asarray(data, dtype=np.int64)
    if not len(x):
        return {"interval_ns": interval_ns, "count": [], "mean_ns": [], "max_ns": []}
    slot = (np.cumsum(x) - x) // interval_ns
    k = int(slot[-1]) + 1
    count = np.bincount(slot, minlength=k)
    total = np.bincount(slot, weights=x, minlength=k)
    top = np.zeros(k, dtype=np.int64)
    np.maximum.at(top, slot, x)
    return {"interval_ns": interval_ns, "count": count.tolist(),
            "mean_ns": [float(t / c) if c else 0.0 for t, c in zip(total, count)], "max_ns": top.tolist()}


def repetition_record(i, position, data, status="ok", error=None, raw=True, lag=None):
    elapsed = int(sum(data) * 1.01)
    h = wphist.from_samples(data)
    return {
        "repetition": i, "position": position, "status": status, "samples": len(data), "connect_ns": 1_000_000,
        "elapsed_ns": elapsed, "cpu_ns": elapsed // 10,
        "throughput_per_s": len(data) * 1e9 / elapsed if elapsed else 0.0,
        "latency_ns": summary(data) if raw else histogram_summary(h),
        "verified": status == "ok", "verification": verification(len(data) + 10, status == "ok"),
        "error": error, "samples_ns": list(data) if raw else None, "histogram": h,
        "timeseries": timeseries(data), "schedule_lag_ns": None if lag is None else summary(lag),
    }


# The tail percentiles whose intervals the harness writes, by key.
TAILS = (("p90_ns", 90), ("p99_ns", 99), ("p999_ns", 99.9))


def interval(reps_data, raw=True, tails=True):
    """The case interval the harness writes: over repetitions with two or more, else blocks of
    the one repetition's raw samples (none when it kept only its histogram; a tail's none with
    fewer than wpstats.min_samples of it). Without `tails`, as files from before the harness
    wrote the tail percentiles' intervals."""
    reps_data = [d for d in reps_data if len(d)]
    if len(reps_data) >= 2:
        pooled = [v for d in reps_data for v in d]

        def over_reps(p):
            return list(wpstats.t_interval([wpstats.percentile(d, p) for d in reps_data],
                                           wpstats.percentile(pooled, p), log=True))
        p50 = over_reps(50)
        mean = wpstats.t_interval([sum(d) / len(d) for d in reps_data], sum(pooled) / len(pooled), log=True)
        tail = {key: over_reps(p) for key, p in TAILS}
        method = "t interval over repetitions (log scale)"
    elif reps_data and raw and len(reps_data[0]) >= 100:
        d = reps_data[0]
        p50, mean = wpstats.percentile_ci(d, 50, resamples=200), wpstats.mean_ci(d, resamples=200)
        tail = {key: list(wpstats.percentile_ci(d, p, resamples=200)) if wpstats.can_block_bootstrap(len(d), p)
                else None for key, p in TAILS}
        method = "block bootstrap over samples"
    else:
        return None
    out = {"method": method, "confidence": 0.95, "p50_ns": list(p50), "mean_ns": list(mean)}
    return {**out, **tail} if tails else out


def decomposition(rt, transport, p50, durable=True):
    if transport == "file":
        parts = {"round_trips_ns": 0, "flush_ns": SQLITE_FLUSH if durable else 0, "server_ns": SQLITE_WORK}
    else:
        parts = {"round_trips_ns": rt * RT_FLOOR[transport], "flush_ns": PG_FLUSH if durable else 0,
                 "server_ns": PG_SERVER}
    return {"basis": "p50", "total_ns": p50, **parts, "driver_ns": p50 - sum(parts.values()),
            "complete": True, "notes": []}


def floors(n=500, seed=7):
    rt = {t: summary(samples(v, n, seed + i)) for i, (t, v) in enumerate(RT_FLOOR.items())}
    on, off = summary(samples(200_000, n, seed + 3)), summary(samples(110_000, n, seed + 4))
    son, soff = summary(samples(100_000, n, seed + 5)), summary(samples(30_000, n, seed + 6))
    return {
        "round_trip_ns": rt,
        "commit_flush": {"on_ns": on, "off_ns": off, "flush_p50_ns": on["p50"] - off["p50"]},
        "disk_sync": {"dir": "/tmp/x", "filesystem": "ext2/ext3/ext4", "method": "write+fdatasync 8 kB",
                      "latency_ns": summary(samples(85_000, n, seed + 8))},
        "sqlite_flush": {"on_ns": son, "off_ns": soff, "flush_p50_ns": son["p50"] - soff["p50"]},
        "errors": [],
    }


def connect(n=50, seed=9):
    rows = [("libpq", "unix", "peer", 2_500_000), ("libpq", "tcp", "scram-sha-256", 6_000_000),
            ("libpqxx", "unix", "peer", 2_700_000), ("sqlite3", "file", "none", 90_000)]
    return [{"driver": d, "transport": t, "auth": a, "samples": n,
             "connect_ns": summary(samples(v, n, seed + i)), "close_ns": summary(samples(v // 40, n, seed + 50 + i)),
             "error": None} for i, (d, t, a, v) in enumerate(rows)]


def ratios(recs, pooled, tails=True):
    """Each ok case's p50, then its p99, over the same statistic of the fastest ok case (by p50)
    of its transport, with its interval (paired over repetitions; none with one repetition, as
    the harness writes). Without `tails` only the p50's, as older files."""
    out = []
    for transport in dict.fromkeys(r["transport"] for r in recs):
        ok = [r for r in recs if r["transport"] == transport and r["status"] == "ok"]
        if not ok:
            continue
        den = min(ok, key=lambda r: r["latency_ns"]["p50"])
        for num in ok:
            if num is den:
                continue
            a, b = pooled[num["name"]], pooled[den["name"]]
            for stat, p in (("p50", 50), ("p99", 99)) if tails else (("p50", 50),):
                ratio = num["latency_ns"][stat] / den["latency_ns"][stat]
                diff = num["latency_ns"][stat] - den["latency_ns"][stat]
                if len(a) >= 2:
                    lo, hi = wpstats.t_ratio_interval([wpstats.percentile(d, p) for d in a],
                                                      [wpstats.percentile(d, p) for d in b], ratio, paired=True)
                    method = "paired t interval over repetitions"
                    diff_iv = list(wpstats.t_interval([wpstats.percentile(x, p) - wpstats.percentile(y, p)
                                                       for x, y in zip(a, b)], diff))
                else:  # as the harness: no ratio interval from one repetition
                    lo = hi = diff_iv = None
                    method = "none: needs --repetitions 2 or more"
                out.append({"numerator": num["name"], "denominator": den["name"], "stat": stat, "ratio": ratio,
                            "interval": None if lo is None else [lo, hi], "method": method,
                            "difference_ns": float(diff), "difference_interval": diff_iv})
    return out


def make_run(cases=None, n=2000, seed=1, slow=None, run_id="20261124T000000Z", hostname="fixture-host",
             drop=(), fail=(), version=2, reps=1, raw=True, tweak=None, rep_slow=None, warnings=None,
             open_loop=False, not_measured=(), measured_floors=True, instructions=None, tails=True):
    """A whole result. `slow` maps case name -> latency factor (an injected slowdown); `drop`
    leaves cases out; `fail` marks cases failed (in v2 its last repetition). v2 only: `reps`
    repetitions per case; `raw` False drops every samples_ns (the histograms hold them);
    `tweak` maps case name -> f(samples, repetition) -> samples; `rep_slow` maps (case,
    repetition) -> factor; `warnings` maps case name -> noise warnings; `open_loop` runs at a
    fixed rate with a schedule lag; `not_measured` cases get no repetitions; without
    `measured_floors` there are no floors, connection costs or decompositions; without `tails`
    no tail intervals and p99 ratios, as version 3 files before the harness wrote them."""
    if version == 1:
        return make_run_v1(cases, n, seed, slow, run_id, hostname, drop, fail)
    cases = {k: v for k, v in (cases or DEFAULT_CASES).items() if k not in drop}
    slow, tweak, rep_slow, warnings = slow or {}, tweak or {}, rep_slow or {}, warnings or {}
    rng = np.random.default_rng(seed)
    order = [list(rng.permutation(list(cases))) for _ in range(reps)]
    recs, pooled = [], {}
    for i, (name, (rt, median)) in enumerate(cases.items()):
        driver, variant, transport = name.split("/")
        rec = {"name": name, "driver": driver, "variant": variant, "transport": transport, "how": "fixture",
               "round_trips": rt,
               "capabilities": {"statements": 3 if rt == 3 else 1, "explicit_transaction": rt == 3,
                                "named_prepared": variant == "prepared" and transport != "file",
                                "pooler_safe": not (variant == "prepared" and transport != "file")},
               "durable": True, "durability": "durable: every acknowledged commit is flushed",
               "status": "ok", "loop": "open" if open_loop else "closed", "samples": 0, "samples_requested": n,
               "warmup": 10}
        if name in not_measured:
            rec.update({"status": "not_measured", "latency_ns": summary([]), "throughput_per_s": 0.0,
                        "interval": None, "cv_p50": None, "noise": None, "decomposition": None,
                        "error": "python3-sqlalchemy is not installed", "repetitions": []})
            recs.append(rec)
            continue
        rep_recs, datas = [], []
        for r in range(reps):
            data = samples(median, n, seed * 1000 + i * 50 + r, slow.get(name, 1.0) * rep_slow.get((name, r), 1.0))
            if name in tweak:
                data = tweak[name](data, r)
            failed = name in fail and r == reps - 1
            if failed:
                data = data[: n // 2]
            lag = samples(20_000, len(data), seed + r) if open_loop else None
            rep_recs.append(repetition_record(r, order[r].index(name), data, "failed" if failed else "ok",
                                              "server closed the connection" if failed else None, raw, lag))
            datas.append(data)
        everything = [v for d in datas for v in d]
        # As the harness pools: exact from raw samples, else the merged histograms' summary.
        measured = [rr["histogram"] for rr in rep_recs if rr["samples"]]
        lat = summary(everything) if raw or not measured else histogram_summary(wphist.merge(measured))
        p50s = [rr["latency_ns"]["p50"] for rr in rep_recs if rr["samples"]]
        rec.update({
            "status": "failed" if name in fail else "ok", "samples": len(everything), "latency_ns": lat,
            "throughput_per_s": len(everything) * 1e9 / sum(rr["elapsed_ns"] for rr in rep_recs),
            "interval": interval(datas, raw, tails), "cv_p50": wpstats.cv(p50s),
            "noise": {"outlier_repetitions": [], "slow_first": False, "sample_outlier_fraction": 0.01,
                      "warnings": list(warnings.get(name, []))},
            "decomposition": decomposition(rt, transport, lat["p50"]) if measured_floors else None,
            "error": "server closed the connection" if name in fail else None, "repetitions": rep_recs})
        if instructions and name in instructions:
            rec["instructions"] = {"inserts": 200, "total": int(instructions[name] * 200),
                                   "per_insert": instructions[name], "error": None}
        recs.append(rec)
        pooled[name] = datas
    return {
        "schema_version": 3, "tool": "wpbench", "run_id": run_id, "status": "complete",
        "context": context(hostname, 3),
        "config": {"samples": n, "warmup": 10, "seed": seed, "table": "wpbench_trade_decisions",
                   "cases": list(cases), "timer": "CLOCK_MONOTONIC", "percentiles": "nearest-rank",
                   "repetitions": reps, "order_seed": 1000 + seed, "order": order,
                   "raw_samples_max": 100_000 if raw else max(1, n - 1),
                   "loop": {"mode": "open", "rate_per_s": 1000.0, "schedule": "fixed"} if open_loop
                   else {"mode": "closed"},
                   "sync_commit": "server", "clients": 1, "pool_size": None},
        "cases": recs,
        "floors": floors() if measured_floors else None,
        "connect": connect() if measured_floors else [],
        "ratios": ratios(recs, pooled, tails),
    }


def write(path, run):
    pathlib.Path(path).write_text(json.dumps(run), encoding="utf-8")
    return str(path)


def published_runs():
    """{path: document} of every published run in results/, plain wpbench.json or, as publish
    writes them now, wpbench.json.gz."""
    import wpbench_results as wr
    paths = sorted(ROOT.glob("results/2*/wpbench.json")) + sorted(ROOT.glob("results/2*/wpbench.json.gz"))
    return {p: wr.parse_json(wr.read_result_bytes(p)) for p in paths}
