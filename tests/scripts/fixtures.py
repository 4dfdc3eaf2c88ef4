"""Fixture result files for the script tests: complete wpbench results (valid against
results/wpbench-result.schema.json) with synthetic, seeded latency samples."""
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.dont_write_bytecode = True

import wpstats  # noqa: E402

# A plausible spread of cases: name -> (round trips, median ns).
DEFAULT_CASES = {
    "libpq/prepared/unix": (1, 200_000),
    "libpq/tx/unix": (3, 440_000),
    "libpqxx/work/unix": (3, 455_000),
    "soci-postgresql/transaction/unix": (3, 430_000),
    "libpq/prepared/tcp": (1, 240_000),
    "sqlite3/prepared/file": (0, 145_000),
}


def samples(median_ns, n, seed, scale=1.0):
    """Log-normal latencies around `median_ns` (times `scale`), as integers."""
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.lognormal(np.log(median_ns * scale), 0.25, n)]


def case_record(name, rt, data, status="ok", error=None, durable=True):
    driver, variant, transport = name.split("/")
    s = sorted(data)
    lat = {"min": s[0], "mean": float(np.mean(s)), "stddev": float(np.std(s, ddof=1)),
           "p50": wpstats.percentile(s, 50), "p90": wpstats.percentile(s, 90),
           "p99": wpstats.percentile(s, 99), "p999": wpstats.percentile(s, 99.9), "max": s[-1]}
    elapsed = int(sum(data) * 1.01)
    return {
        "name": name, "driver": driver, "variant": variant, "transport": transport,
        "how": "fixture", "round_trips": rt, "status": status, "samples": len(data),
        "samples_requested": len(data), "warmup": 10, "connect_ns": 1_000_000, "latency_ns": lat,
        "throughput_per_s": len(data) * 1e9 / elapsed, "elapsed_ns": elapsed, "cpu_ns": elapsed // 10,
        "verified": status == "ok", "durable": durable,
        "verification": {"rows_expected": len(data) + 10, "rows_found": len(data) + 10,
                         "checksum_expected": "0" * 16, "checksum_found": "0" * 16, "message": ""},
        "error": error, "samples_ns": list(data),
    }


def make_run(cases=None, n=2000, seed=1, slow=None, run_id="20261124T000000Z", hostname="fixture-host",
             drop=(), fail=()):
    """A whole result. `slow` maps case name -> latency factor (an injected slowdown); `drop`
    leaves cases out; `fail` marks cases failed."""
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
        "context": {
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
        },
        "config": {"samples": n, "warmup": 10, "seed": seed, "table": "wpbench_trade_decisions",
                   "cases": [r["name"] for r in recs], "timer": "CLOCK_MONOTONIC", "percentiles": "nearest-rank"},
        "cases": recs,
    }


def write(path, run):
    pathlib.Path(path).write_text(json.dumps(run), encoding="utf-8")
    return str(path)
