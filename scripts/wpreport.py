"""Markdown report and PNG plots from one or more wpbench result files.

Usage: report [--out DIR] RESULT.json|DIR...

Several files (or a directory of them) are pooled by case name, every repetition of every file.
Writes DIR/report.md: run context; one table per transport (pooled p50 and mean with their 95 %
intervals, overhead against the fastest path as "2.41 ± 0.05 ×"); the p50 of every repetition
with the CV across them and the order seed; noise warnings; where the time goes; the floors
(round trip, commit flush, disk sync, SQLite sync); connection cost; schedule lag in an open
loop. And the PNGs: DIR/spectrum-<transport>.png (latency by percentile, log scale to p99.99),
DIR/p50-p99.png, DIR/timeseries.png (mean and max latency per second over the run: stalls such
as checkpoints show there) and, when the runs measured where the time goes,
DIR/decomposition.png. DIR defaults to results/<run-id>/ of the first file. Exit 0, or 2 on bad
input.
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import textwrap  # noqa: E402

import wpbench_results as wr  # noqa: E402
import wpstats as st  # noqa: E402

# The parts of a decomposition, in the order they stack (total_ns is their sum, not a part).
PARTS = [("round_trips_ns", "round trips"), ("wake_ns", "waking an idle connection"), ("flush_ns", "commit flush"),
         ("server_ns", "server work"), ("driver_ns", "driver (the rest)")]


def by_transport(runs):
    groups = {}
    for case in runs.cases.values():
        if case.count:
            groups.setdefault(case.transport, []).append(case)
    table = list(runs.transports)
    order = sorted(groups, key=lambda t: table.index(t) if t in table else len(table))
    return [(t, sorted(groups[t], key=lambda c: c.percentile(50))) for t in order]


def title(runs, transport):
    """A transport's heading, from its row in the files' transport table."""
    return runs.transports.get(transport, {}).get("title", transport)


def ms_cell(ns, digits=3):
    return st.fmt_ms(ns, digits)


def with_interval(value_ns, iv):
    """'0.288 [0.279, 0.296]', or the value alone when there is no interval."""
    if iv is None:
        return f"{ms_cell(value_ns)} (no interval)"
    return f"{ms_cell(value_ns)} [{ms_cell(iv['lo'])}, {ms_cell(iv['hi'])}]"


def context_section(runs):
    lines = ["## Context", ""]
    for path, run in zip(runs.paths, runs.runs):
        ctx = run["context"]
        h, b, lib, srv, sq = ctx["host"], ctx["build"], ctx["libraries"], ctx["server"], ctx["sqlite"]
        lines.append(f"- **run {run['run_id']}** ({run['status']}), `{path}`")
        lines.append(f"  - machine: {h.get('hostname')}, {h.get('cpu_model')} x{h.get('logical_cpus')}, "
                     f"{h.get('memory_total')}, {h.get('os')}, {h.get('kernel')}")
        lines.append(f"  - build: {b.get('compiler')}, {b.get('build_type')}, commit {b.get('git_commit')}")
        lines.append("  - libraries: " + ", ".join(f"{k} {v}" for k, v in sorted(lib.items())))
        if srv.get("version"):
            settings = ", ".join(f"{k}={v}" for k, v in srv["settings"].items())
            lines.append(f"  - PostgreSQL {srv['version']} ({srv['mode']}) on {srv.get('data_filesystem') or '?'}: {settings}")
            lines.append("  - " + "; ".join(f"{name} auth: {row['auth']}" for name, row in wr.transports(run).items()
                                            if name != "file" and row["auth"]))
        if sq.get("dir"):
            lines.append(f"  - SQLite {sq.get('version', '')} journal_mode={sq['journal_mode']} "
                         f"synchronous={sq['synchronous']} on {sq['filesystem']}")
        cfg = run["config"]
        if run["schema_version"] >= 2:
            loop = cfg["loop"]
            loop_text = ("closed loop" if loop["mode"] == "closed"
                         else f"open loop at {loop['rate_per_s']:g}/s ({loop['schedule']} schedule)")
            lines.append(f"  - {cfg['samples']} samples per case and repetition after {cfg['warmup']} warm-up, "
                         f"{cfg['repetitions']} repetition(s) in shuffled order (order seed {cfg['order_seed']}), "
                         f"seed {cfg['seed']}, {loop_text}, synchronous_commit {cfg['sync_commit']}, "
                         f"{cfg['clients']} client(s), raw samples kept up to {cfg['raw_samples_max']} a repetition")
        else:
            lines.append(f"  - {cfg['samples']} samples per case after {cfg['warmup']} warm-up, seed {cfg['seed']}")
        for w in ctx["warnings"]:
            lines.append(f"  - **warning:** {w}")
    return lines


def colours(runs):
    """One colour per driver/variant for every plot, so libpq/tx is the same line on unix and
    on tcp."""
    keys = sorted({f"{c.driver}/{c.variant}" for c in runs.cases.values()})
    # tab20 in pairs of a dark and a light shade of one hue: the dark ones first, so up to ten
    # keys get ten distinct hues.
    tab20 = plt.get_cmap("tab20").colors
    palette = tab20[0::2] + tab20[1::2]
    return {k: palette[i % len(palette)] for i, k in enumerate(keys)}


def ratio_cells(runs, transport, cases):
    """(fastest case, {case name: 'vs fastest' cell}, how the intervals were drawn). The fastest
    is the one the file's ratios divide by when the report is of one v2 file, else the fastest
    durable ok case; each ratio is the file's where it has it (wr.ratio_interval's rule)."""
    by_name = {c.name: c for c in cases}
    from_file = [r for r in (runs.ratios or []) if r["denominator"] in by_name]
    if from_file:
        fastest = by_name[from_file[0]["denominator"]]
    else:
        counted = [c for c in cases if c.ok and c.durable] or cases
        fastest = min(counted, key=lambda c: c.percentile(50))
    cells, methods = {fastest.name: "1 (fastest)"}, set()
    for c in cases:
        if c is fastest:
            continue
        r = wr.ratio_interval(c, fastest, 50)
        if r["lo"] is None:
            cells[c.name] = f"{r['ratio']:.2f} × `{fastest.name}` (no interval)"
        else:
            cells[c.name] = f"{st.plus_minus(r['ratio'], r['lo'], r['hi'])} × `{fastest.name}`"
            methods.add(wr.how(r))
    return fastest, cells, methods


def transport_table(runs, transport, cases):
    fastest, rel, ratio_methods = ratio_cells(runs, transport, cases)
    intervals = {c.name: (c.interval(50), c.mean_interval()) for c in cases}
    methods = {wr.how(iv) for pair in intervals.values() for iv in pair if iv}
    per_case = len(methods) > 1
    how = (f"95 % intervals: {next(iter(methods))}" if len(methods) == 1 else
           "95 % intervals as the interval column says" if methods else "no intervals could be estimated")
    lines = [f"## {title(runs, transport)}", "",
             f"Latency of one durable insert in ms, pooled over every repetition ({how}). "
             f"\"vs fastest\" is p50 over the fastest path's, ± the larger half of its 95 % interval"
             + (f" ({'; '.join(sorted(ratio_methods))})" if ratio_methods else "") + ".", "",
             "| case | rt | p50 [95 % CI] | mean [95 % CI] | p90 | p99 | p99.9 | max | inserts/s | "
             "client CPU µs/insert | vs fastest | status |" + (" interval |" if per_case else ""),
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|" + ("---|" if per_case else "")]
    for c in cases:
        i50, imean = intervals[c.name]
        status = "ok, verified" if c.ok else f"**{c.records[-1]['status']}**"
        if not c.durable:
            status += ", not durable"
        cells = [ms_cell(c.percentile(p)) for p in (90, 99, 99.9)]
        cpu = c.cpu_per_insert_ns
        row = (f"| `{c.name}` | {c.round_trips} | {with_interval(c.percentile(50), i50)} | "
               f"{with_interval(c.mean, imean)} | " + " | ".join(cells) +
               f" | {ms_cell(c.percentile(100))} | {c.throughput:.0f} | "
               f"{'-' if cpu is None else f'{cpu / 1e3:.0f}'} | {rel.get(c.name, '-')} | {status} |")
        if per_case:
            row += f" {wr.how(i50 or imean) if i50 or imean else '-'} |"
        lines.append(row)
    return lines + [""]


def repetitions_section(runs, cases):
    """p50 of every repetition per case, the CV across them, and the order seed."""
    most = max(len(c.measured) for c in cases)
    seeds = ", ".join(f"{s}" + (f" (run {rid})" if len(runs.runs) > 1 else "") for rid, s in runs.order_seeds)
    lines = ["## Repetitions", ""]
    if most < 2:
        return lines + ["One repetition per case: the intervals come from blocks of consecutive samples and "
                        "do not see drift from one repetition to the next (`--repetitions` measures it)."
                        + (f" Order seed {seeds}." if seeds else ""), ""]
    lines += [f"p50 (ms) of each repetition, in the order they ran"
              + (" (files in the order given, then their repetitions)" if len(runs.runs) > 1 else "")
              + "; **bold**: an outlier among the case's repetitions. CV is the coefficient of variation "
              "of these p50s: how far repetitions of one case disagree."
              + (f" Case order shuffled per repetition with order seed {seeds}." if seeds else ""), "",
              "| case | " + " | ".join(str(i + 1) for i in range(most)) + " | CV of p50 |",
              "|---|" + "--:|" * most + "--:|"]
    for c in cases:
        outliers = set()
        for rec, run_index in zip(c.records, c.run_indices):
            outliers |= {(run_index, i) for i in (rec.get("noise") or {}).get("outlier_repetitions", [])}
        cells = []
        for r in c.measured:
            v = ms_cell(r.percentile(50))
            cells.append(f"**{v}**" if r.key in outliers else v)
        cells += [""] * (most - len(cells))
        cv = c.cv_p50
        lines.append(f"| `{c.name}` | " + " | ".join(cells) + f" | {'-' if cv is None else f'{100 * cv:.1f} %'} |")
    return lines + [""]


def noise_section(cases):
    found = [(c.name, w) for c in cases for w in c.noise_warnings]
    lines = ["## Noise", ""]
    if not found:
        return lines + ["No noise warnings: no repetition stood out and no case's samples had many outliers.", ""]
    return lines + [f"- `{name}`: {w}" for name, w in found] + [""]


def machine_section(runs):
    """What the harness saw the machine do during each run (a floor that moved, every case
    shifted from one repetition on), and which results it touches."""
    found = [(run["run_id"], line) for run in runs.runs for line in run.get("machine_changes") or []]
    if not found:
        return []
    lines = ["## The machine during the run", ""]
    return lines + [f"- run {run_id}: {line}" for run_id, line in found] + [""]


def instructions_section(cases):
    """--instructions: the client's own instructions per insert, with the fastest C++ path of
    the transport as the yardstick."""
    counted = [c for c in cases if c.instructions_per_insert]
    if not counted:
        return []
    lines = ["## Client instructions per insert", "",
             "Counted by valgrind's callgrind around each insert alone (wpbench --instructions): the "
             "client's own work (driver, library, interpreter; for SQLite the engine too), not the server, "
             "the network's wait or the flush. The same on every run of a build: the CI gate for shared "
             "runners.", "", "| case | instructions per insert | x fewest of its transport |", "|---|--:|--:|"]
    fewest = {}
    for c in counted:
        fewest[c.transport] = min(fewest.get(c.transport, c.instructions_per_insert), c.instructions_per_insert)
    for c in counted:
        n = c.instructions_per_insert
        lines.append(f"| `{c.name}` | {n:,.0f} | {n / fewest[c.transport]:.1f} |")
    return lines + [""]


def decomposition_section(cases, notes):
    lines = ["## Where the time goes", "",
             "The p50 of each case split by the floors measured on the same server and disk (below): round "
             "trips × the transport's round-trip floor, waking a connection that sat idle (sample by sample: "
             "the idle round trip over the busy one, once per insert), the commit's flush, the server's own "
             "work for one INSERT, and what is left for the driver. ms.", "",
             "| case | p50 | round trips | wake | flush | server | driver | complete | notes |",
             "|---|--:|--:|--:|--:|--:|--:|---|---|"]
    for c in cases:
        d = c.decomposition
        if not d:
            continue
        parts = [ms_cell(d.get(k)) if k in d else "-" for k, _ in PARTS]
        lines.append(f"| `{c.name}` | {ms_cell(d.get('total_ns', c.percentile(50)))} | " + " | ".join(parts) +
                     f" | {'yes' if d.get('complete', True) else 'no'} | {'; '.join(d.get('notes') or [])} |")
    lines += ["", "![where the time goes](decomposition.png)", ""]
    if notes:
        lines += ["Drawn as 0 in the plot (a part below 0 is within the floors' noise): " + "; ".join(notes) + ".", ""]
    return lines


def floors_section(runs):
    lines = ["## Floors", "",
             "What a durable insert cannot go below on this machine, measured by the same run: p50 and p99 in ms.",
             ""]
    for run_id, f in runs.floors:
        if len(runs.floors) > 1:
            lines += [f"Run {run_id}:", ""]
        lines += ["| floor | p50 | p99 | what it is |", "|---|--:|--:|---|"]
        for t, title in (("unix", "round trip, Unix socket"), ("tcp", "round trip, TCP")):
            s = (f.get("round_trip_ns") or {}).get(t)
            if s:
                lines.append(f"| {title} | {ms_cell(s['p50'])} | {ms_cell(s['p99'])} | an empty query via libpq: "
                             "one round trip, no parse or plan |")
        # Each flush probe: the insert waiting for the disk, without, and the difference.
        flush_rows = (("commit_flush", "PostgreSQL insert, synchronous_commit=", "on", "off", "commit flush",
                       "autocommit INSERT that waits for the WAL flush"),
                      ("sqlite_flush", "SQLite insert, synchronous=", "FULL", "OFF", "SQLite flush",
                       "insert + commit that syncs"))
        for key, title, on, off, total, what in flush_rows:
            fl = f.get(key)
            if fl:
                lines += [f"| {title}{on} | {ms_cell(fl['on_ns']['p50'])} | {ms_cell(fl['on_ns']['p99'])} | {what} |",
                          f"| {title}{off} | {ms_cell(fl['off_ns']['p50'])} | {ms_cell(fl['off_ns']['p99'])} | "
                          "the same without waiting for the disk |",
                          f"| **{total}** | **{ms_cell(fl['flush_p50_ns'])}** | | p50 {on} - p50 {off} |"]
            if key == "commit_flush":
                ds = f.get("disk_sync")
                if ds:
                    lines.append(f"| disk sync | {ms_cell(ds['latency_ns']['p50'])} | "
                                 f"{ms_cell(ds['latency_ns']['p99'])} | {ds['method']} in {ds['dir']} "
                                 f"({ds['filesystem']}) |")
        lines.append("")
        lines += [f"- **probe failed:** {e}" for e in f.get("errors", [])] + ([""] if f.get("errors") else [])
    return lines


def connect_section(runs):
    lines = ["## Connection cost", "",
             "Opening and closing a plain connection, timed apart from the inserts (which always run on a "
             "connection opened beforehand): what a connection per transaction (pgbench -C) would add. ms.", ""]
    for run_id, rows in runs.connect:
        if len(runs.connect) > 1:
            lines += [f"Run {run_id}:", ""]
        lines += ["| driver | transport | auth | samples | connect p50 | connect p99 | close p50 | close p99 | error |",
                  "|---|---|---|--:|--:|--:|--:|--:|---|"]
        for r in rows:
            con, close = r["connect_ns"] or {}, r["close_ns"] or {}
            lines.append(f"| {r['driver']} | {r['transport']} | {r['auth']} | {r['samples']} | "
                         f"{ms_cell(con.get('p50'))} | {ms_cell(con.get('p99'))} | "
                         f"{ms_cell(close.get('p50'))} | {ms_cell(close.get('p99'))} | {r['error'] or ''} |")
        lines.append("")
    return lines


def schedule_lag_section(runs, cases):
    loops = [l for l in runs.loops if l["mode"] == "open"]
    rate = "; ".join(sorted({f"{l['rate_per_s']:g} inserts/s on a {l['schedule']} schedule" for l in loops}))
    lines = ["## Open loop: schedule lag", "",
             f"Inserts were started on a schedule ({rate}), not one after another, and each latency counts from "
             "its intended start (as wrk2 and pgbench -R do), so a stall also shows in the inserts queued "
             "behind it. Lag is how late inserts started behind the schedule, ms: p50 is the median of the "
             "repetitions' p50s, p99 and max the worst repetition's.", "",
             "| case | lag p50 | lag p99 | lag max |", "|---|--:|--:|--:|"]
    for c in cases:
        lags = c.schedule_lags
        if lags:
            lines.append(f"| `{c.name}` | {ms_cell(st.median(l['p50'] for l in lags))} | "
                         f"{ms_cell(max(l['p99'] for l in lags))} | {ms_cell(max(l['max'] for l in lags))} |")
    return lines + [""]


# Percentile axis as in HdrHistogram plots: x = 1 / (1 - q) on a log scale, so the tail spreads.
TICKS = [(0.0, "0%"), (0.5, "50%"), (0.9, "90%"), (0.99, "99%"), (0.999, "99.9%"), (0.9999, "99.99%")]


def log_ms_axis(axis):
    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def plot_spectrum(transport, heading, cases, subtitle, path, colour):
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for c in cases:
        values, counts = c.dist
        below = np.cumsum(counts)
        n = int(below[-1])
        # Up to p99.99, but no further than the samples reach: past 1 - 1/n a curve would only
        # repeat the maximum.
        top = min(4.0, np.log10(n))
        q = 1 - np.logspace(0, -top, 200)
        ranks = np.clip(np.ceil(q * n), 1, n)  # the nearest rank of each q, 1-based
        ax.plot(1 / (1 - q), values[np.searchsorted(below, ranks)] / 1e6, label=f"{c.name} ({c.round_trips} rt)",
                linewidth=1.6, color=colour[f"{c.driver}/{c.variant}"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1 / (1 - q) for q, _ in TICKS], [t for _, t in TICKS])
    log_ms_axis(ax.yaxis)
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency of one durable insert (ms, log scale)")
    ax.set_title(f"Latency by percentile: {heading}\n{subtitle}", fontsize=10)
    ax.set_xlim(0.9, 1.2e4)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bars(groups, subtitle, path):
    cases = [c for _, cs in groups for c in cs]
    names = [c.name for c in cases]
    p50 = np.array([c.percentile(50) / 1e6 for c in cases])
    p99 = [c.percentile(99) / 1e6 for c in cases]
    # The p50's 95 % interval as an error bar, where there is one.
    err = np.zeros((2, len(cases)))
    for i, c in enumerate(cases):
        iv = c.interval(50)
        if iv:
            err[:, i] = [max(0.0, p50[i] - iv["lo"] / 1e6), max(0.0, iv["hi"] / 1e6 - p50[i])]
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 1.8))
    ax.barh(y - 0.2, p50, height=0.4, label="p50 (whisker: 95 % interval)", color="#4C72B0",
            xerr=err, error_kw={"ecolor": "black", "elinewidth": 0.8, "capsize": 2})
    ax.barh(y + 0.2, p99, height=0.4, label="p99", color="#DD8452")
    ax.set_yticks(y, names, fontsize=8)
    # A rule between transports: the groups are not comparable bar for bar.
    edge = -0.5
    for _, cs in groups[:-1]:
        edge += len(cs)
        ax.axhline(edge, color="grey", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("latency of one durable insert (ms)")
    ax.set_title(f"p50 and p99 per case\n{subtitle}", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_decomposition(cases, subtitle, path):
    """Stacked bars of where each case's p50 goes, for runs that measured it. A part below 0
    (the driver's rest, within the floors' noise) cannot be drawn as a length: it is drawn as 0
    and named in the returned notes."""
    cases = [c for c in cases if c.decomposition]
    notes = []
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 1.8))
    left = np.zeros(len(cases))
    palette = ["#4C72B0", "#937860", "#DD8452", "#55A868", "#8172B3"]
    for (key, label), col in zip(PARTS, palette):
        if not any(key in c.decomposition for c in cases):
            continue
        raw = np.array([c.decomposition.get(key, 0) / 1e6 for c in cases])
        notes += [f"`{c.name}` {label} {v:.3f} ms" for c, v in zip(cases, raw) if v < 0]
        v = np.maximum(raw, 0.0)
        ax.barh(y, v, left=left, label=label, color=col)
        left += v
    totals = [c.decomposition.get("total_ns") for c in cases]
    if all(t is not None for t in totals):
        ax.scatter(np.array(totals) / 1e6, y, marker="|", s=200, color="black", label="p50 (total)", zorder=3)
    ax.set_yticks(y, [c.name for c in cases], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms per durable insert (p50, split by the measured floors)")
    ax.set_title(f"Where the time goes\n{subtitle}", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return notes


def timeline(runs):
    """Every repetition that has a time series, in the order it ran: files in the order given,
    then repetition, then its position in that repetition's order. Returns (start s, case, rep)
    with the measured phases laid back to back (connecting, warm-up and verifying between them
    are not in the file, so they are left out)."""
    reps = [(r.run_index, r.index, r.position if r.position is not None else 0, c, r)
            for c in runs.cases.values() for r in c.measured if r.timeseries and r.timeseries["count"]]
    reps.sort(key=lambda x: x[:3])
    out, t = [], 0.0
    for *_, c, r in reps:
        out.append((t, c, r))
        t += r.elapsed_ns / 1e9
    return out


def plot_timeseries(groups, runs, subtitle, path, colour):
    """Mean (line) and max (faint) latency per interval over the run, one panel per transport on
    a shared time axis, so a stall that hit the machine lines up across the panels."""
    line = timeline(runs)
    fig, axes = plt.subplots(len(groups), 1, figsize=(13, 2.9 * len(groups) + 1.2), sharex=True, squeeze=False)
    interval_s = None
    for ax, (transport, cases) in zip(axes[:, 0], groups):
        names = {c.name for c in cases}
        handles = {}
        for start, c, r in line:
            if c.name not in names:
                continue
            ts = r.timeseries
            dt = ts["interval_ns"] / 1e9
            interval_s = dt
            count = np.asarray(ts["count"])
            keep = count > 0
            # An interval's mid-point, the last one cut to the end of the measured phase.
            x = start + np.minimum((np.arange(len(count)) + 0.5) * dt, r.elapsed_ns / 1e9)
            col = colour[f"{c.driver}/{c.variant}"]
            ax.plot(x[keep], np.asarray(ts["max_ns"])[keep] / 1e6, color=col, alpha=0.45, linewidth=0.8,
                    marker="^", markersize=3, linestyle=":")
            h, = ax.plot(x[keep], np.asarray(ts["mean_ns"])[keep] / 1e6, color=col, linewidth=1.6,
                         marker="o", markersize=3)
            handles.setdefault(c.name, h)
        ax.set_yscale("log")
        log_ms_axis(ax.yaxis)
        ax.set_ylabel("latency (ms, log)")
        ax.set_title(title(runs, transport), fontsize=9, loc="left")
        ax.grid(True, which="both", alpha=0.3)
        keys = [Line2D([], [], color="grey", linewidth=1.6, marker="o", markersize=3, label="mean per interval"),
                Line2D([], [], color="grey", alpha=0.6, linewidth=0.8, marker="^", markersize=3, linestyle=":",
                       label="max per interval")]
        ax.legend(handles=keys + [handles[n] for n in [c.name for c in cases] if n in handles],
                  labels=["mean per interval", "max per interval"] + [n for n in [c.name for c in cases]
                                                                    if n in handles],
                  fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    axes[-1, 0].set_xlabel("measured time (s): the cases' measured phases back to back in run order")
    every = "second" if interval_s == 1 else f"{interval_s:g} s interval" if interval_s else "interval"
    fig.suptitle(f"Latency per {every} over the run (mean and max)\n{subtitle}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(runs, out):
    out.mkdir(parents=True, exist_ok=True)
    groups = by_transport(runs)
    if not groups:
        raise wr.InputError("no case with samples to report")
    lines = ["# wpbench report", "", f"Measured on: {runs.describe()}", ""]

    def subtitle(transport=None):
        return "\n".join(textwrap.wrap(runs.describe(transport), 100))

    colour = colours(runs)
    lines += ["![p50 and p99 per case](p50-p99.png)", ""]
    plot_bars(groups, subtitle(), out / "p50-p99.png")
    for transport, cases in groups:
        lines += transport_table(runs, transport, cases)
        png = f"spectrum-{transport}.png"
        plot_spectrum(transport, title(runs, transport), cases, subtitle(transport), out / png, colour)
        lines += [f"![latency by percentile, {transport}]({png})", ""]
    all_cases = [c for _, cs in groups for c in cs]
    lines += repetitions_section(runs, all_cases)
    if any(r["schema_version"] >= 2 for r in runs.runs):
        lines += noise_section(all_cases)
    lines += machine_section(runs)
    lines += instructions_section(all_cases)
    if any(c.loop == "open" for c in all_cases):
        lines += schedule_lag_section(runs, all_cases)
    if timeline(runs):
        plot_timeseries(groups, runs, subtitle(), out / "timeseries.png", colour)
        lines += ["## Latency over time", "",
                  "Mean and max latency per interval of each repetition, the repetitions in the order they ran: "
                  "a checkpoint or an fsync stall shows as a spike that lines up across transports.", "",
                  "![latency over time](timeseries.png)", ""]
    if any(c.decomposition for c in all_cases):
        notes = plot_decomposition(all_cases, subtitle(), out / "decomposition.png")
        lines += decomposition_section(all_cases, notes)
    if runs.floors:
        lines += floors_section(runs)
    if runs.connect:
        lines += connect_section(runs)
    lines += ["rt = client/server round trips per insert (0: SQLite, in-process). Client CPU is the "
              "measuring process's CPU time per insert: the driver's own work, for the Python arm "
              "the interpreter's too (the post's claims are about Python, so that cost is part of "
              "what they measure), and for in-process SQLite the database's. Percentiles are "
              "nearest-rank over all samples of all repetitions (within 0.1 % where a repetition kept "
              "only its histogram). An interval over repetitions sees drift from one repetition to the "
              "next; one from blocks of consecutive samples sees only the noise within one repetition. "
              "A figure the result file carries (a case's percentiles and mean with their intervals, its p50 "
              "and p99 ratios to the fastest case) is the one wpbench wrote when the report is of one file; the scripts "
              "compute it only over pooled files, and each legend says which.", ""]
    lines += context_section(runs)
    # errors: a result's path that is not UTF-8 is written escaped, not refused.
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="backslashreplace")
    return out / "report.md"


def main(argv):
    ap = wr.OneLineParser(prog="report", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="wpbench result files or directories")
    ap.add_argument("--out", help="output directory (default: results/<run-id>/; installed, beside wpbench's "
                                  "runs: results/<run-id>/ here or under $XDG_DATA_HOME/wpbench)")
    args = ap.parse_args(argv[1:])
    try:
        runs = wr.RunSet(args.results)
        out = pathlib.Path(args.out) if args.out else wr.default_results_dir() / runs.runs[0]["run_id"]
        path = write_report(runs, out)
    except wr.InputError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"report: cannot write: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
