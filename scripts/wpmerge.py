"""Merges wpbench runs made at the same time from several client hosts against one server into one
result: each case's latencies over every host, from their histograms summed bucket by bucket (never
from averaged percentiles), with each host's own context and figures kept beside them.

Usage: merge RUN.json RUN.json... -o MERGED.json [--allow-apart]

Each RUN is one client host's result (schema_version 3; a directory stands for its *.json and
*.json.gz files) of a run against the same existing server (--dsn), ideally started together
(wpbench --start-at TIME on every host). The merged file is a wpbench result of the same schema,
read by every other script (report, claims, validate-result, ...):

  - repetition i of a case holds repetition i of every host: its histogram is the hosts'
    histograms summed bucket by bucket (one layout, checked), its raw samples the hosts' laid end
    to end when every host kept them, and its latency summary recomputed from those (exactly, as
    wpbench computes it from raw samples; else from the summed histogram, nearest rank, as
    wpbench reads a histogram). A case's pooled summary, its intervals, the CV of its
    repetitions' p50, the ratios between cases and the transport costs (each case over the same
    driver path on its plainer twin transport) are recomputed the way wpbench computes them, from
    the merged repetitions;
  - what belongs to one client and cannot be merged honestly (the floors, the decomposition of
    a p50 into them, connection costs, schedule lag, pool waits, the verification of each host's
    table) is null or empty at the merged level and kept per host in `hosts`, with each input's
    file name, context, config and per-case figures; `merge` says how each field was made.

Refused (one line, exit 2): fewer than two runs; a file that is not a valid result; a run with
its own throwaway server, or against another server version or settings; different settings
(--samples, --warmup, -r, the loop, --clients, ...) or case sets; another PgBouncer pool_mode or
--standby mode (another topology is another load); a case whose repetitions or
histogram layout differ; runs whose measuring windows do not overlap (not at the same time),
unless --allow-apart. SQLite cases (each host's own file, not the shared server) are left out,
with a warning. -o replaces only a file wpbench wrote (an empty one too), never an input; the
file is written whole or not at all. Exit 0, 1 when the output cannot be written, 2 on bad input.
"""
import datetime
import json
import os
import pathlib
import re
import sys
import tempfile

import numpy as np

import wpbench_results as wr
import wphist
import wpstats as st

PROG = "merge"
SCHEMA_VERSION = 3
JOIN = " | "  # between the hosts' values of a context field that differ
# The config fields every host must share for a merge to mean anything, and what they are called
# on wpbench's command line.
SAME_CONFIG = (("samples", "--samples"), ("warmup", "--warmup"), ("repetitions", "-r"), ("timer", "the timer"),
               ("percentiles", "the percentile rule"), ("sync_commit", "--sync-commit"), ("clients", "--clients"),
               ("pool_size", "--pool-size"), ("interleave", "--interleave"),
               ("connect_per_write_samples", "--connect-per-write"), ("idle_ms", "--idle-ms"))
CONFIG_DEFAULTS = {"interleave": "case", "idle_ms": 0}  # what a file from before the field meant
# The config fields that count inserts or clients of one host: the merged run's are the sums.
SUMMED_CONFIG = ("samples", "clients", "pool_size", "raw_samples_max", "connect_per_write_samples")
# Worst first: the merged status of several is the worst of them.
RUN_STATUS = ("interrupted", "partial", "complete")
CASE_STATUS = ("interrupted", "failed", "pending", "not_measured", "ok")
REP_STATUS = ("interrupted", "failed", "ok")
# A repetition's fields kept per host (everything but the arrays the merged repetition holds).
HOST_REP_DROP = ("samples_ns", "back_to_back_ns", "histogram", "timeseries")
HOST_CASE_KEYS = ("status", "samples", "samples_requested", "latency_ns", "throughput_per_s", "interval", "cv_p50",
                  "noise", "decomposition", "idle", "instructions", "error")

# How each field of the merged result was made: written into it as merge.how, and the same words
# are docs/scripts.md's.
HOW = {
    "repetitions": "repetition i of a case holds repetition i of every host (the same round of the same "
                   "interleaved schedule when the hosts started together)",
    "histogram": "summed bucket by bucket (every host's in the one hdr-log-linear-v1 layout); count, sum and "
                 "overflow added, min and max of all, m2 by Chan's formula (exact from the raw samples when "
                 "every host kept them)",
    "samples_ns": "every host's raw samples laid end to end in host order, each host's in its own time order "
                  "(not one time order across hosts); null when a host kept only its histogram",
    "latency_ns": "recomputed as wpbench computes it: exactly from the merged raw samples when every host "
                  "kept them, else nearest-rank from the summed histogram (within its 0.1 %); the case's "
                  "pooled over its merged repetitions",
    "interval": "recomputed as wpbench computes it: a t interval over the merged repetitions (log scale) "
                "with two or more, else a block bootstrap over the one repetition's merged raw samples "
                "(blocks of consecutive samples of one host, but for the block where two hosts meet)",
    "cv_p50": "recomputed over the merged repetitions' p50",
    "ratios": "recomputed as wpbench computes them: each ok case's pooled p50 and p99 over the fastest ok "
              "case of its transport, paired t interval over the merged repetitions",
    "transport_costs": "recomputed as wpbench computes them: each ok case's pooled p50 over the same driver "
                       "path's on its plainer twin transport (tcp over unix, tls and pgbouncer over tcp), paired "
                       "t interval over the merged repetitions (each host's in hosts[].transport_costs)",
    "throughput_per_s": "summed over the hosts: their clients inserted at the same time",
    "elapsed_ns": "the longest host's",
    "connect_ns": "the longest host's",
    "cpu_ns": "summed over the hosts (the clients' CPU time per insert stays cpu_ns / samples)",
    "timeseries": "summed interval by interval, each host's counted from the start of its own repetition",
    "noise": "each host's, combined: warnings prefixed with the host, outlier repetitions of any host, "
             "slow_first when any host's first repetition was, sample_outlier_fraction the samples each "
             "host found outliers among its own over all samples",
    "verification": "null: each host verified its own table; verified is true when every host's was "
                    "(each host's in hosts[].cases)",
    "idle": "recomputed from every host's raw samples and back-to-back twins when all kept them, else null",
    "idle_gap_ns": "left out (a median per host's session; each host's in hosts[].cases)",
    "schedule_lag_ns": "null (a summary per host's schedule; each host's in hosts[].cases)",
    "pool_wait_ns": "null (a summary per host's pool; each host's in hosts[].cases)",
    "instructions": "the hosts' counted inserts and instructions added, per_insert over all of them",
    "decomposition": "null: each host's round-trip floor is its own network path to the server (each host's in "
                     "hosts[].cases)",
    "floors": "null: measured by each host over its own path (each host's in hosts[].floors)",
    "connect": "empty: measured by each host over its own path (each host's in hosts[].connect)",
    "machine_changes": "each host's, prefixed with the host",
    "config": "the first host's, but samples, clients, pool_size, raw_samples_max, connect_per_write_samples and "
              "an open loop's rate_per_s summed over the hosts, and table every host's (each host's config in "
              "hosts[].config)",
    "context": "the first host's, with the fields whose values differ between hosts joined with ' | ' and a "
               "warning saying it is a merge; every host has the same transports' pool_mode and "
               "server.standby.mode (checked), server.standby.checked_on is every host's joined with ' | ' "
               "when every host checked its rows on the standby, else null; start_at is the earliest host's "
               "when every host was given one, else null (each host's context in hosts[].context)",
    "run_id": "the earliest host's",
}


class MergeError(wr.InputError):
    """Runs that cannot be merged (one line; exit 2)."""


# -- reading and checking ---------------------------------------------------------------------------

def label(path, doc, whole=False):
    """How messages and warnings name one input: its host and file (the file's name, or with
    `whole` the path as given)."""
    return f"{doc['context']['host'].get('hostname', '?')} ({str(path) if whole else os.path.basename(str(path))})"


def labels(inputs):
    """Each input's label, unique: with the whole path where host and file name repeat."""
    short = [label(p, d) for p, d in inputs]
    return short if len(set(short)) == len(short) else [label(p, d, whole=True) for p, d in inputs]


def _postgres_transports(doc):
    return {name for name, row in doc["context"]["transports"].items() if row.get("backend") != "sqlite"}


def merged_case_names(doc):
    """The cases of one run that merge: those against the server, in the run's order."""
    pg = _postgres_transports(doc)
    return [c["name"] for c in doc["cases"] if c["transport"] in pg]


def _differs(a, b):
    """The first key whose value differs between two string maps, or None."""
    return next((k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)), None)


def _standby_mode(doc):
    """The run's --standby mode (None without one)."""
    return (doc["context"]["server"].get("standby") or {}).get("mode")


def _range_text(indexes):
    return ", ".join(map(str, indexes)) if indexes else "none"


def check_runs(inputs):
    """MergeError (one line) unless the runs [(path, doc)] can be merged: one existing server, the
    same settings and cases, repetitions and histogram layout."""
    if len(inputs) < 2:
        raise MergeError(f"needs two or more runs to merge, got {len(inputs)}")
    p0, d0 = inputs[0]
    for path, doc in inputs:
        if doc["schema_version"] != SCHEMA_VERSION:
            raise MergeError(f"{path}: schema_version {doc['schema_version']}; merge reads schema_version "
                             f"{SCHEMA_VERSION} runs only (transports keyed by name): run it again with this wpbench")
        srv = doc["context"]["server"]
        if srv["mode"] == "":
            raise MergeError(f"{path}: no PostgreSQL case ran, so nothing ran against a shared server")
        if srv["mode"] != "existing":
            raise MergeError(f"{path}: it ran against its own throwaway server, not one the hosts shared: "
                             "run every host with --dsn to the same server")
    seen = {}
    for path, doc in inputs:
        # The same run twice (a copy of a file): the same start, host, settings and first histogram.
        first_rep = next((r for c in doc["cases"] for r in c["repetitions"] if r["samples"]), None)
        key = json.dumps([doc["run_id"], doc["context"]["host"].get("hostname"), doc["config"],
                          first_rep and first_rep["histogram"]], sort_keys=True)
        if key in seen:
            raise MergeError(f"{seen[key]} and {path} are the same run (run {doc['run_id']} on "
                             f"{doc['context']['host'].get('hostname')}): merge runs of different clients")
        seen[key] = path
    s0, c0 = d0["context"]["server"], d0["config"]
    for path, doc in inputs[1:]:
        srv, cfg = doc["context"]["server"], doc["config"]
        if srv["version"] != s0["version"]:
            raise MergeError(f"{path}: PostgreSQL {srv['version']}, {p0}: {s0['version']}: not the same server")
        key = _differs(srv["settings"], s0["settings"])
        if key is not None:
            raise MergeError(f"{path}: server setting {key} is {srv['settings'].get(key)!r}, in {p0} "
                             f"{s0['settings'].get(key)!r}: not the same server, or it changed between the runs")
        # Another topology is another load: the same pooling and the same standby on every host
        # (where each host checked its rows, standby.checked_on, is its own).
        a, b = _standby_mode(doc), _standby_mode(d0)
        if a != b:
            raise MergeError(f"{path}: server.standby.mode is {json.dumps(a)}, in {p0} {json.dumps(b)}: the hosts' "
                             "commits waited for different standbys, a different load (give every host the same "
                             "--standby)")
        rows, rows0 = doc["context"]["transports"], d0["context"]["transports"]
        for name in (n for n in rows0 if n in rows):
            a, b = rows[name].get("pool_mode"), rows0[name].get("pool_mode")
            if a != b:
                raise MergeError(f"{path}: transport {name} has pool_mode {json.dumps(a)}, in {p0} {json.dumps(b)}: "
                                 "the hosts' pooler pooled differently, a different load (give every host the same "
                                 "--pgbouncer-mode)")
        for field, flag in SAME_CONFIG:
            a, b = cfg.get(field, CONFIG_DEFAULTS.get(field)), c0.get(field, CONFIG_DEFAULTS.get(field))
            if a != b:
                raise MergeError(f"{path}: config.{field} is {json.dumps(a)}, in {p0} {json.dumps(b)}: the hosts "
                                 f"ran different settings (give every host the same {flag})")
        la, lb = cfg["loop"], c0["loop"]
        if (la["mode"], la.get("rate_per_s"), la.get("schedule")) != (lb["mode"], lb.get("rate_per_s"),
                                                                       lb.get("schedule")):
            raise MergeError(f"{path}: config.loop is {json.dumps(la)}, in {p0} {json.dumps(lb)}: the hosts ran "
                             "different loops (give every host the same --rate and --schedule)")
        only = sorted(set(cfg["cases"]) ^ set(c0["cases"]))
        if only:
            where, other = (path, p0) if only[0] in cfg["cases"] else (p0, path)
            raise MergeError(f"case {only[0]} is in {where}, not in {other}: the hosts ran different cases "
                             "(give every host the same --drivers and --transports)")
        if c0.get("interleave", "case") != "sample" and cfg["order"] != c0["order"]:
            raise MergeError(f"{path}: its cases ran in another order than {p0}'s, each case's samples in one "
                             "stretch (--interleave case), so the hosts measured different cases at the same "
                             "time: give every host the same --order-seed")
    first = {c["name"]: c for c in d0["cases"]}
    for path, doc in inputs:
        by_name = {c["name"]: c for c in doc["cases"]}
        if len(by_name) != len(doc["cases"]):
            raise MergeError(f"{path}: a case appears twice")
        for name in merged_case_names(d0):
            a, b = by_name.get(name), first[name]
            if a is None:  # in config.cases but not written: a run cut short
                raise MergeError(f"case {name} is in {p0}, not in {path}: the hosts ran different cases")
            for key in ("transport", "round_trips", "capabilities", "loop", "durable"):
                if a.get(key) != b.get(key):
                    raise MergeError(f"{path}: case {name} has {key} {json.dumps(a.get(key))}, in {p0} "
                                     f"{json.dumps(b.get(key))}: not the same case (another wpbench?)")
            ra, rb = [r["repetition"] for r in a["repetitions"]], [r["repetition"] for r in b["repetitions"]]
            if ra != rb:
                raise MergeError(f"case {name}: {path} has repetitions {_range_text(ra)}, {p0} "
                                 f"{_range_text(rb)}: the runs did not measure the same repetitions (one "
                                 "stopped early?)")
            for r in a["repetitions"]:
                try:
                    wphist.check(r["histogram"])
                except ValueError as e:
                    raise MergeError(f"{path}: case {name} repetition {r['repetition']}: {e}; merge sums "
                                     f"histograms of the {wphist.FORMAT} layout wpbench writes only")


# -- time windows -----------------------------------------------------------------------------------

UTC = datetime.timezone.utc


def _run_start(doc):
    """The run's start (Unix seconds, to the millisecond) from its run_id."""
    m = re.match(r"(\d{8}T\d{6})(\.\d{3})?Z", doc["run_id"])
    try:
        start = datetime.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise MergeError(f"run_id {doc['run_id']} is not a time: when the run measured is unknown")
    return start + (float(m.group(2)) if m.group(2) else 0.0)


def parse_time(value):
    """Unix seconds of a time as wpbench --start-at takes it: ISO 8601 (UTC unless it says
    otherwise) or Unix seconds, as a number or a string; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if np.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return float(text)
    try:
        when = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def measured_seconds(doc):
    """About how long the run measured: its repetitions' spans from their per-interval time
    series (every case of an interleaved repetition spans all of it; with --interleave case each
    case's repetition is a stretch of its own), to the interval (a second). Floors, connection
    timing and set-up are not in it."""
    sample = doc["config"].get("interleave", "case") == "sample"
    per_rep, total = {}, 0
    for c in doc["cases"]:
        for r in c["repetitions"]:
            ts = r["timeseries"]
            span = len(ts["count"]) * ts["interval_ns"]
            if sample:
                per_rep[r["repetition"]] = max(per_rep.get(r["repetition"], 0), span)
            else:
                total += span
    return (total + sum(per_rep.values())) / 1e9


def utc_text(seconds):
    return datetime.datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def window(doc):
    """(start, end) in Unix seconds of when the run measured, and what its start is taken from:
    context.start_at (wpbench --start-at: measuring begins then) when it is given (wpbench writes
    it null without --start-at; older files lack it), else the run's start (run_id; its set-up
    follows, so measuring began a little later). The end is the start plus measured_seconds."""
    start, basis = _run_start(doc), "run start (run_id)"
    if doc["context"].get("start_at") is not None:
        at = parse_time(doc["context"]["start_at"])
        if at is not None:
            start, basis = at, "context.start_at"
        else:
            basis = f"run start (run_id; context.start_at {json.dumps(doc['context']['start_at'])[:40]} not read)"
    return start, start + measured_seconds(doc), basis


def check_windows(inputs, allow_apart):
    """The windows' overlap {start_utc, end_utc, overlap_s, apart}, and warnings; MergeError
    when they do not overlap (the runs were not at the same time), unless `allow_apart`."""
    wins = [window(d) for _, d in inputs]
    latest = max(range(len(wins)), key=lambda i: wins[i][0])
    earliest_end = min(range(len(wins)), key=lambda i: wins[i][1])
    overlap = wins[earliest_end][1] - wins[latest][0]
    apart = overlap < 0
    warnings = []
    if apart:
        text = (f"{inputs[earliest_end][0]} measured from {utc_text(wins[earliest_end][0])} to "
                f"{utc_text(wins[earliest_end][1])}, {inputs[latest][0]} from {utc_text(wins[latest][0])}: not at "
                "the same time")
        if not allow_apart:
            raise MergeError(text + " (start the hosts together, e.g. wpbench --start-at TIME on each; "
                             "--allow-apart merges them anyway)")
        warnings.append(text + "; merged anyway (--allow-apart): the merged latencies are not those of "
                               "one concurrent load")
    else:
        shortest = min(e - s for s, e, _ in wins)
        if shortest > 0 and overlap < shortest / 2:
            warnings.append(f"the runs measured at the same time for only {overlap:.1f} s of the shortest's "
                            f"{shortest:.1f} s: most of their samples are not of one concurrent load "
                            "(start the hosts together: wpbench --start-at TIME)")
    out = {"start_utc": utc_text(wins[latest][0]), "end_utc": utc_text(wins[earliest_end][1]),
           "overlap_s": round(overlap, 3), "apart": apart}
    return out, wins, warnings


# -- statistics of merged repetitions ---------------------------------------------------------------

def _moments(x):
    """(exact integer sum, squared deviations from the mean) of int64 samples."""
    n = len(x)
    if n == 0:
        return 0, 0.0
    total = int(x.sum()) if int(x.max()) <= (2**63 - 1) // n else sum(map(int, x))
    return total, float(((x - total / n) ** 2).sum())


def raw_summary(samples):
    """The latency summary wpbench writes of raw samples (harness/stats/stats.cpp summarize)."""
    x = np.sort(np.asarray(samples, dtype=np.int64))
    n = len(x)
    if n == 0:
        return empty_summary()
    total, m2 = _moments(x)
    out = {"min": int(x[0]), "mean": total / n, "stddev": (m2 / (n - 1)) ** 0.5 if n > 1 else 0.0}
    for key, p in wr.SUMMARY_PERCENTILES:
        out[key] = int(x[st.rank(n, p) - 1])
    out["max"] = int(x[-1])
    return {k: out[k] for k in ("min", "mean", "stddev", "p50", "p90", "p99", "p999", "max")}


def histogram_summary(h):
    """The latency summary wpbench writes from a histogram alone: min and max exact, mean and
    stddev from its moments, percentiles nearest-rank as LatencyHistogram::percentile."""
    if not h["count"]:
        return empty_summary()
    out = {"min": h["min"], "mean": wphist.mean(h), "stddev": wphist.stddev(h)}
    for key, p in wr.SUMMARY_PERCENTILES:
        out[key] = wphist.percentile(h, p)
    out["max"] = h["max"]
    return out


def empty_summary():
    return {"min": 0, "mean": 0.0, "stddev": 0.0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0}


def merge_timeseries(series):
    """Per-interval series of several hosts summed interval by interval (each from the start of its
    own repetition): counts added, means weighted by them, the largest max."""
    interval = series[0]["interval_ns"]
    if any(s["interval_ns"] != interval for s in series):
        raise MergeError("the hosts' time series have different intervals "
                         f"({', '.join(str(s['interval_ns']) for s in series)} ns): not the same wpbench")
    k = max(len(s["count"]) for s in series)
    count, total, top = [0] * k, [0.0] * k, [0] * k
    for s in series:
        for i, (c, m, x) in enumerate(zip(s["count"], s["mean_ns"], s["max_ns"])):
            count[i] += c
            total[i] += m * c
            top[i] = max(top[i], x)
    return {"interval_ns": interval, "count": count,
            "mean_ns": [t / c if c else 0.0 for t, c in zip(total, count)], "max_ns": top}


def _worst(values, order):
    return min(values, key=lambda v: order.index(v) if v in order else -1)


def _sum_or_none(values):
    return None if any(v is None for v in values) else sum(values)


def merge_repetition(reps, tags, position):
    """One merged repetition from the same repetition of every host (a list, host order)."""
    raw = all(r["samples_ns"] is not None for r in reps)
    samples = [np.asarray(r["samples_ns"], dtype=np.int64) for r in reps] if raw else None
    h = wphist.merge(r["histogram"] for r in reps)
    merged_raw = np.concatenate(samples) if raw else None
    if raw and len(merged_raw):
        h["m2"] = _moments(merged_raw)[1]  # exact, as the raw samples give it
    errors = [f"{name}: {r['error']}" for r, name in zip(reps, tags) if r.get("error")]
    out = {
        "repetition": reps[0]["repetition"], "position": position,
        "status": _worst([r["status"] for r in reps], REP_STATUS),
        "samples": sum(r["samples"] for r in reps),
        "connect_ns": max(r["connect_ns"] for r in reps),
        "elapsed_ns": max(r["elapsed_ns"] for r in reps),
        "cpu_ns": sum(r["cpu_ns"] for r in reps),
        "throughput_per_s": _sum_or_none([r["throughput_per_s"] for r in reps]),
        "latency_ns": raw_summary(merged_raw) if raw else histogram_summary(h),
        "verified": all(r["verified"] for r in reps),
        "verification": None,
        "error": errors[0] if errors else None,
        "samples_ns": merged_raw.tolist() if raw else None,
    }
    twins = [r.get("back_to_back_ns") for r in reps]
    if raw and all(t is not None and len(t) == len(r["samples_ns"]) for t, r in zip(twins, reps)):
        out["back_to_back_ns"] = [v for t in twins for v in t]
    out["histogram"] = h
    out["timeseries"] = merge_timeseries([r["timeseries"] for r in reps])
    out["schedule_lag_ns"] = None
    for key in ("clients", "connections", "errors"):
        if all(key in r for r in reps):
            out[key] = sum(r[key] for r in reps)
    if any("pool_wait_ns" in r for r in reps):
        out["pool_wait_ns"] = None
    return out


def _interval(reps, pooled, raw):
    """The case's interval as wpbench's pool_case draws it, of merged repetitions."""
    measured = [r for r in reps if r["samples"]]
    if len(measured) >= 2:
        def over(key):
            return list(st.t_interval([r["latency_ns"][key] for r in measured], pooled[key], log=True))
        return {"method": "t interval over repetitions (log scale)", "confidence": st.CONFIDENCE,
                "p50_ns": over("p50"), "mean_ns": over("mean"), "p90_ns": over("p90"), "p99_ns": over("p99"),
                "p999_ns": over("p999")}
    if len(measured) == 1 and raw is not None and st.can_block_bootstrap(len(raw)):
        out = {"method": "block bootstrap over samples", "confidence": st.CONFIDENCE,
               "p50_ns": list(st.percentile_ci(raw, 50)), "mean_ns": list(st.mean_ci(raw))}
        for key, p in (("p90_ns", 90), ("p99_ns", 99), ("p999_ns", 99.9)):
            out[key] = list(st.percentile_ci(raw, p)) if st.can_block_bootstrap(len(raw), p) else None
        return out
    return None


def _noise(cases, tags):
    """The hosts' noise findings of one case, combined (HOW["noise"])."""
    found = [(c["noise"], c["samples"], name) for c, name in zip(cases, tags) if c.get("noise")]
    if not found:
        return None
    fractions = [(n["sample_outlier_fraction"], k) for n, k, _ in found]
    total = sum(k for _, k in fractions)
    fraction = (None if any(f is None for f, _ in fractions) else
                sum(f * k for f, k in fractions) / total if total else 0.0)
    out = {"outlier_repetitions": sorted({i for n, _, _ in found for i in n["outlier_repetitions"]})}
    if any("mean_outlier_repetitions" in n for n, _, _ in found):
        out["mean_outlier_repetitions"] = sorted({i for n, _, _ in found
                                                   for i in n.get("mean_outlier_repetitions", [])})
    out.update({"slow_first": any(n["slow_first"] for n, _, _ in found),
                "sample_outlier_fraction": None if fraction is None else min(1.0, max(0.0, fraction)),
                "warnings": [f"{name}: {w}" for n, _, name in found for w in n["warnings"]]})
    return out


def median_interval(values):
    """wpbench's median_interval (harness/stats/stats.cpp): the median of paired differences and
    its order-statistic 95 % interval (binomial ranks; none under 10 pairs)."""
    x = sorted(values)
    n = len(x)
    out = {"median_ns": int(x[st.rank(n, 50) - 1]), "pairs": n, "interval_95_ns": None,
           "method": "median of paired differences, order-statistic interval (binomial ranks)"}
    if n >= 10:
        half = 1.959963984540054 * n ** 0.5 / 2.0
        j = int(max(1.0, np.floor(n / 2.0 - half)))
        k = int(min(float(n), np.ceil(1.0 + n / 2.0 + half)))
        out["interval_95_ns"] = [int(x[j - 1]), int(x[k - 1])]
    return out


def _idle(cases, merged_reps, idle_ms):
    """--idle-ms: the back-to-back twins of every host pooled and the idle-minus-twin differences
    pair by pair, as wpbench's pool_idle; None unless every host kept them all."""
    if not idle_ms or any(c.get("idle") is None for c in cases):
        return None
    measured = [r for r in merged_reps if r["samples"]]
    if not measured or any("back_to_back_ns" not in r for r in measured):
        return None
    twins = [v for r in measured for v in r["back_to_back_ns"]]
    if not twins:
        return None
    diffs = [a - b for r in measured for a, b in zip(r["samples_ns"], r["back_to_back_ns"])]
    return {"idle_ms": idle_ms, "back_to_back_ns": raw_summary(twins),
            "idle_minus_back_to_back": median_interval(diffs) if diffs else None}


def _instructions(cases):
    counts = [c.get("instructions") for c in cases]
    if any(n is None or n.get("error") is not None or not n.get("inserts") for n in counts):
        return None
    inserts, total = sum(n["inserts"] for n in counts), sum(n["total"] for n in counts)
    return {"inserts": inserts, "total": total, "per_insert": total / inserts, "error": None}


def merge_case(cases, tags, order, cfg):
    """One merged case from the same case of every host (host order); `order` is the merged
    config.order (a repetition's position is the case's place in it)."""
    first = cases[0]
    out = {k: first[k] for k in ("name", "driver", "variant", "transport", "how", "round_trips", "capabilities")}
    if "connect_round_trips" in first:
        values = {json.dumps(c.get("connect_round_trips")) for c in cases}
        out["connect_round_trips"] = first["connect_round_trips"] if len(values) == 1 else None
    out.update({k: first[k] for k in ("durable", "durability")})
    out["status"] = _worst([c["status"] for c in cases], CASE_STATUS)
    out["loop"] = first["loop"]
    reps = []
    for i, rep0 in enumerate(first["repetitions"]):
        r = rep0["repetition"]
        position = order[r].index(first["name"]) if r < len(order) and first["name"] in order[r] \
            else rep0["position"]
        reps.append(merge_repetition([c["repetitions"][i] for c in cases], tags, position))
    measured = [r for r in reps if r["samples"]]
    raw = None
    if measured and all(r["samples_ns"] is not None for r in measured):
        raw = np.concatenate([np.asarray(r["samples_ns"], dtype=np.int64) for r in measured])
        pooled = raw_summary(raw)
    elif measured:
        pooled = histogram_summary(wphist.merge(r["histogram"] for r in measured))
    else:
        pooled = empty_summary()
    p50s = [r["latency_ns"]["p50"] for r in measured]
    errors = [f"{name}: {c['error']}" for c, name in zip(cases, tags) if c.get("error")]
    out.update({
        "samples": sum(r["samples"] for r in reps),
        "samples_requested": sum(c["samples_requested"] for c in cases),
        "warmup": first["warmup"],
        "latency_ns": pooled,
        "throughput_per_s": _sum_or_none([c["throughput_per_s"] for c in cases]),
        "interval": _interval(reps, pooled, raw) if measured else None,
        "cv_p50": st.cv(p50s) if len(p50s) >= 2 else None,
        "noise": _noise(cases, tags),
        "decomposition": None,
    })
    if "idle" in first:
        out["idle"] = _idle(cases, reps, cfg.get("idle_ms", 0))
    if "instructions" in first:
        out["instructions"] = _instructions(cases)
    out["error"] = errors[0] if errors else None
    out["repetitions"] = reps
    return out


def _comparable(case):
    """An ok case with samples: one a ratio may have as numerator or denominator."""
    return case["status"] == "ok" and bool(case["samples"])


def compare(num, den, stat):
    """wpbench's compare (harness/analysis/pooling.cpp): the pooled `stat` of case `num` over the
    same of case `den`, and their difference, with paired t intervals over the per-repetition
    ratios (log scale) and differences when both have the same two or more measured repetitions:
    merged repetition i of each holds round i of every host, so drift that hit both cancels."""
    num_v, den_v = num["latency_ns"][stat], den["latency_ns"][stat]
    out = {"numerator": num["name"], "denominator": den["name"], "stat": stat, "ratio": num_v / den_v,
           "interval": None, "method": "none: needs --repetitions 2 or more",
           "difference_ns": float(num_v - den_v), "difference_interval": None}
    a = [r["latency_ns"][stat] for r in num["repetitions"] if r["samples"]]
    b = [r["latency_ns"][stat] for r in den["repetitions"] if r["samples"]]
    if len(a) >= 2 and len(a) == len(b):
        with np.errstate(divide="ignore", invalid="ignore"):  # a 0 ns statistic: ValueError, not a warning
            out["interval"] = list(st.t_ratio_interval(a, b, out["ratio"], paired=True))
        out["method"] = "paired t interval over repetitions"
        out["difference_interval"] = list(st.t_interval([x - y for x, y in zip(a, b)], out["difference_ns"]))
    return out


def case_ratios(cases):
    """wpbench's case_ratios (harness/analysis/pooling.cpp) over the merged cases: each ok case's
    pooled p50 and p99 over the fastest ok case (by p50) of its transport, paired by repetition."""
    fastest = {}
    for c in cases:
        if _comparable(c):
            f = fastest.get(c["transport"])
            if f is None or c["latency_ns"]["p50"] < f["latency_ns"]["p50"]:
                fastest[c["transport"]] = c
    out = []
    for c in cases:
        den = fastest.get(c["transport"])
        if _comparable(c) and den is not None and den is not c:
            out += [compare(c, den, stat) for stat in ("p50", "p99")]
    return out


# Each transport's plainer twin, what transport_costs measures it against (the compared_with
# column of harness/core/transport.cpp's transport table).
PLAINER_TWIN = {"tcp": "unix", "tls": "tcp", "pgbouncer": "tcp"}


def transport_costs(cases):
    """wpbench's transport_costs (harness/analysis/pooling.cpp) over the merged cases: each ok
    case's pooled p50 over the same driver path's on its transport's plainer twin, paired by
    repetition."""
    by_name = {c["name"]: c for c in cases}
    out = []
    for c in cases:
        twin = PLAINER_TWIN.get(c["transport"])
        den = by_name.get(f"{c['driver']}/{c['variant']}/{twin}") if twin else None
        if _comparable(c) and den is not None and _comparable(den):
            out.append(compare(c, den, "p50"))
    return out


# -- the merged document ----------------------------------------------------------------------------

def _joined(values):
    """One value for a context field: the hosts' value when they agree, else their distinct
    values joined in host order."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    if len(distinct) <= 1:
        return distinct[0] if distinct else None
    if all(isinstance(v, str) for v in distinct):
        return JOIN.join(distinct)
    return distinct[0]


def _joined_map(maps):
    keys = list(dict.fromkeys(k for m in maps for k in m))
    return {k: _joined([m.get(k) for m in maps]) for k in keys}


def merge_context(docs, tags, transports):
    ctxs = [d["context"] for d in docs]
    first = ctxs[0]
    out = {"timestamp_utc": min(c["timestamp_utc"] for c in ctxs)}
    for key in ("host", "build", "libraries"):
        out[key] = _joined_map([c[key] for c in ctxs])
    out["server"] = dict(first["server"], data_filesystem=_joined([c["server"]["data_filesystem"] for c in ctxs]))
    if first["server"].get("standby") is not None:  # one mode on every host (check_runs)
        checked = [c["server"]["standby"]["checked_on"] for c in ctxs]
        out["server"]["standby"] = {"mode": first["server"]["standby"]["mode"],
                                    "checked_on": None if None in checked else _joined(checked)}
    out["sqlite"] = {k: "" for k in first["sqlite"]}  # its cases are left out
    out["transports"] = {name: _joined_map([c["transports"][name] for c in ctxs if name in c["transports"]])
                         for name in first["transports"] if name in transports}
    hosts = ", ".join(tags)
    warnings = [f"merged by scripts/merge from {len(docs)} runs made at the same time against one server, "
                f"one per client ({hosts}): each case's latencies are every client's; the floors and the "
                "decomposition are each host's own (hosts in the file)"]
    every = [set(c["warnings"]) for c in ctxs]
    for c, name in zip(ctxs, tags):
        for w in c["warnings"]:
            text = w if all(w in e for e in every) else f"{name}: {w}"
            if text not in warnings:
                warnings.append(text)
    out["warnings"] = warnings
    for key in first:
        if key not in out and key != "start_at":
            out[key] = first[key]  # a field added later, as the first host has it
    starts = [c.get("start_at") for c in ctxs]
    if all(s is not None for s in starts):  # the earliest a host was told, as that host wrote it
        known = [i for i, s in enumerate(starts) if parse_time(s) is not None]
        out["start_at"] = starts[min(known, key=lambda i: parse_time(starts[i])) if known else 0]
    elif any("start_at" in c for c in ctxs):  # as wpbench writes it without --start-at
        out["start_at"] = None
    return {k: out[k] for k in [*first, *(k for k in out if k not in first)] if k in out}


def merge_config(docs, names):
    cfgs = [d["config"] for d in docs]
    out = json.loads(json.dumps(cfgs[0]))
    for key in SUMMED_CONFIG:
        if key in out:
            out[key] = _sum_or_none([c.get(key) for c in cfgs])
    if out["loop"]["mode"] == "open":
        out["loop"]["rate_per_s"] = sum(c["loop"]["rate_per_s"] for c in cfgs)
    out["table"] = JOIN.join(dict.fromkeys(c["table"] for c in cfgs))
    out["cases"] = [n for n in out["cases"] if n in names]
    out["order"] = [[n for n in rep if n in names] for rep in out["order"]]
    return out


def host_entry(path, doc, name, win, names):
    """What the merged file keeps of one input: its file, context and config, and its own figures."""
    cases = {}
    for c in doc["cases"]:
        entry = {k: c[k] for k in HOST_CASE_KEYS if k in c}
        entry["repetitions"] = [{k: v for k, v in r.items() if k not in HOST_REP_DROP} for r in c["repetitions"]]
        entry["merged"] = c["name"] in names
        cases[c["name"]] = entry
    out = {"file": str(path), "label": name, "run_id": doc["run_id"], "status": doc["status"],
           "window": {"start_utc": utc_text(win[0]), "end_utc": utc_text(win[1]), "start_from": win[2]},
           "context": doc["context"], "config": doc["config"], "floors": doc["floors"], "connect": doc["connect"],
           "ratios": doc["ratios"]}
    if "transport_costs" in doc:  # absent in files of a wpbench from before them
        out["transport_costs"] = doc["transport_costs"]
    out.update(machine_changes=doc.get("machine_changes", []), cases=cases)
    return out


def merge(inputs, allow_apart=False):
    """(the merged result, warnings) of the runs [(path, parsed document)], checked by
    check_runs and check_windows (MergeError otherwise)."""
    check_runs(inputs)
    window_info, wins, warnings = check_windows(inputs, allow_apart)
    docs = [d for _, d in inputs]
    names = merged_case_names(docs[0])
    left_out = [c["name"] for c in docs[0]["cases"] if c["name"] not in names]
    if left_out:
        warnings.append(f"left out {len(left_out)} SQLite case(s), each host's own database file, not the "
                        f"shared server: {', '.join(left_out)}")
    if not names:
        raise MergeError("no case ran against the server: nothing to merge")
    cfg = merge_config(docs, set(names))
    by_name = [{c["name"]: c for c in d["cases"]} for d in docs]
    tags = labels(inputs)
    cases = []
    for n in names:
        try:
            cases.append(merge_case([b[n] for b in by_name], tags, cfg["order"], cfg))
        except MergeError as e:
            raise MergeError(f"case {n}: {e}")
    changes = [f"{name}: {line}" for d, name in zip(docs, tags) for line in d.get("machine_changes", [])]
    transports = {c["transport"] for c in cases}
    doc = {"schema_version": SCHEMA_VERSION, "tool": "wpbench",
           "run_id": min((d["run_id"] for d in docs), key=lambda r: _run_start({"run_id": r})),
           "status": _worst([d["status"] for d in docs], RUN_STATUS),
           "context": merge_context(docs, tags, transports), "config": cfg, "cases": cases,
           "floors": None, "connect": [], "ratios": case_ratios(cases),
           "transport_costs": transport_costs(cases)}
    if any("machine_changes" in d for d in docs):
        doc["machine_changes"] = changes
    doc["hosts"] = [host_entry(p, d, name, w, set(names)) for (p, d), name, w in zip(inputs, tags, wins)]
    doc["merge"] = {"tool": "scripts/merge", "runs": len(docs), "window": window_info, "left_out": left_out,
                    "how": HOW}
    return doc, warnings


# -- writing ----------------------------------------------------------------------------------------

# wpbench's own test of a file it may replace (harness/export/json_writer.cpp is_json_file): its
# first two keys, as wpbench and this script write them.
HEAD = re.compile(rb'^\{"schema_version":')


def is_wpbench_file(head):
    return HEAD.match(head) is not None and b'"tool":"wpbench"' in head[:64]


def check_output(out, inputs):
    """The path to write (symlinks followed, as wpbench writes through them) and whether a file
    is there; MergeError when it may not be written: an input, or a file wpbench did not write."""
    target = pathlib.Path(os.path.realpath(out))
    if not target.parent.is_dir():
        raise MergeError(f"-o {out}: no such directory {target.parent}")
    if not os.path.lexists(target):
        return target, False
    if not target.is_file():
        raise MergeError(f"-o {out} exists and is not a regular file: not replacing it")
    for path, _ in inputs:
        try:
            if os.path.samefile(path, target):
                raise MergeError(f"-o {out} is one of the runs to merge ({path}): choose another path")
        except OSError:
            pass
    try:
        # O_NONBLOCK: should the path have become a FIFO since, opening it must not wait.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            head = f.read(64)
    except OSError as e:
        raise MergeError(f"-o {out}: cannot read: {e.strerror or e}")
    if head and not is_wpbench_file(head):
        raise MergeError(f"-o {out} exists and is not a file wpbench wrote: not replacing it (remove it or "
                         "choose another path)")
    return target, True


def write_atomic(target, data, replace):
    """Writes `data` to `target` whole or not at all: a synced temporary file beside it, renamed
    over it (`replace`), or linked in where nothing is (so a file that appeared meanwhile stays)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp.", dir=target.parent)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)  # as wpbench's files: mkstemp's 0600 would hide it from others
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise MergeError(f"{target} appeared while merging: not replacing it")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    dfd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def serialize(doc):
    """The merged result as wpbench writes JSON: compact, strict, schema_version and tool first."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode("utf-8")


def summary_lines(doc):
    """A few lines for the terminal: each merged case's samples, p50 and p99, and each host's."""
    lines = [f"merged {len(doc['hosts'])} runs: " + ", ".join(h["label"] for h in doc["hosts"])]
    for c in doc["cases"]:
        if not c["samples"]:
            lines.append(f"  {c['name']}: {c['status']}, no samples")
            continue
        lat = c["latency_ns"]
        per_host = "; ".join(f"{h['label']} {st.fmt_ms(h['cases'][c['name']]['latency_ns']['p50'])}"
                             for h in doc["hosts"])
        lines.append(f"  {c['name']}: {c['samples']} samples, p50 {st.fmt_ms(lat['p50'])} ms, "
                     f"p99 {st.fmt_ms(lat['p99'])} ms ({c['status']}; p50 per host: {per_host})")
    return lines


def main(argv):
    ap = wr.OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="two or more wpbench result files (or directories of them), one per "
                                            "client host")
    ap.add_argument("-o", "--out", required=True, help="the merged result file to write")
    ap.add_argument("--allow-apart", action="store_true",
                    help="merge runs whose measuring windows do not overlap (not made at the same time)")
    args = ap.parse_args(argv[1:])
    try:
        paths = wr.expand_paths(args.runs)
        if len(paths) < 2:
            raise MergeError(f"needs two or more runs to merge, got {len(paths)}")
        seen = []
        for p in paths:
            for q in seen:
                try:
                    same = os.path.samefile(p, q)
                except OSError:
                    same = False
                if same:
                    raise MergeError(f"{p} is given twice (as {q})")
            seen.append(p)
        inputs = [(p, wr.load_run(p)) for p in paths]
        target, existed = check_output(args.out, inputs)
        doc, warnings = merge(inputs, args.allow_apart)
        problem = wr.document_problem(doc)
        if problem:
            raise MergeError(f"these runs do not merge into a valid result: {problem}")
        data = serialize(doc)
    except wr.InputError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except (ValueError, ArithmeticError) as e:  # a statistic no finite JSON holds (or a 0 ns denominator)
        print(f"{PROG}: cannot merge: {e}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)
    try:
        write_atomic(target, data, existed)
    except MergeError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{PROG}: cannot write {args.out}: {e.strerror or e}", file=sys.stderr)
        return 1
    for line in summary_lines(doc):
        print(line)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
