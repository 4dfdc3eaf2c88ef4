"""Markdown and HTML report and PNG plots from one or more wpbench result files.

Usage: report [--out DIR] RESULT.json|RESULT.json.gz|DIR...

Several files (or a directory of them) are pooled by case name, every repetition of every file.
Writes DIR/report.md: the verdict on the post's claims (scripts/claims, in words and per driver);
one table per transport (pooled p50 and mean with their 95 % intervals, overhead against the
fastest path as "2.41 ± 0.05 ×"); the p50 of every repetition with the CV across them and the
order seed; noise warnings; where the time goes; the floors (round trip, commit flush, disk sync,
SQLite sync); connection cost; schedule lag in an open loop; the run's context. And the PNGs:
DIR/spectrum-<transport>.png (latency by percentile, log scale to p99.99), DIR/p50-p99.png (with
the post's 2 ms line), DIR/timeseries.png (latency per second over the run, where stalls such as
checkpoints show, or each repetition's p50 and p99 when the repetitions are too short for a
series; left out with one short repetition) and, when the runs measured where the time goes,
DIR/decomposition.png. And DIR/report.html: the same report as one self-contained page, the plots
embedded, nothing loaded from anywhere. DIR defaults to results/<run-id>/ of the first file.
Exit 0, or 2 on bad input.
"""
import colorsys
import pathlib
import re
import sys

import textwrap

import numpy as np

# matplotlib draws the plots; without it (the Debian package only suggests it: in Debian 12 its
# default dependencies bring scipy and a compiler, docs/target-vm.md) the report has every table
# and says how to add the plots.
try:
    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt
    from matplotlib import ticker
    from matplotlib.lines import Line2D
except ModuleNotFoundError as e:
    if (e.name or "").partition(".")[0] != "matplotlib":
        raise
    matplotlib = None
ADD_PLOTS = "apt-get install --no-install-recommends python3-matplotlib python3-munkres"

import wpbench_results as wr  # noqa: E402
import wpclaims  # noqa: E402
import wphtml  # noqa: E402
import wpstats as st  # noqa: E402

# The parts of a decomposition, in the order they stack (total_ns is their sum, not a part).
PARTS = [("round_trips_ns", "round trips"), ("wake_ns", "waking an idle connection"), ("flush_ns", "commit flush"),
         ("standby_ns", "waiting for the standby"), ("server_ns", "server work"), ("driver_ns", "driver (the rest)")]


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


def cell(text):
    """A string from a result file as Markdown table text: a | in it must not end the cell."""
    return str(text).replace("|", "\\|")


def code(text):
    """A name from a result file as a Markdown code span, whatever backticks or | it holds."""
    text = cell(text)
    ticks = max((len(run) for run in re.findall("`+", text)), default=0)
    if not ticks:
        return f"`{text}`"
    fence = "`" * (ticks + 1)
    return f"{fence} {text} {fence}"


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
        lines.append(f"- **run {run['run_id']}** ({run['status']}), {code(path)}")
        lines.append(f"  - machine: {h.get('hostname')}, {h.get('cpu_model')} x{h.get('logical_cpus')}, "
                     f"{h.get('memory_total')}, {h.get('os')}, {h.get('kernel')}")
        lines.append(f"  - build: {b.get('compiler')}, {b.get('build_type')}, commit {b.get('git_commit')}")
        lines.append("  - libraries: " + ", ".join(f"{k} {v}" for k, v in sorted(lib.items())))
        if srv.get("version"):
            settings = ", ".join(f"{k}={v}" for k, v in srv["settings"].items())
            lines.append(f"  - PostgreSQL {srv['version']} ({srv['mode']}) on {srv.get('data_filesystem') or '?'}: {settings}")
        if sq.get("dir"):
            lines.append(f"  - SQLite {sq.get('version', '')} journal_mode={sq['journal_mode']} "
                         f"synchronous={sq['synchronous']} on {sq['filesystem']}")
        used = {c.transport for c in runs.cases.values()}
        rows = [transport_text(name, row) for name, row in wr.transports(run).items() if name in used]
        lines.append("  - transports: " + "; ".join(rows))
        cfg = run["config"]
        if run["schema_version"] >= 2:
            loop = cfg["loop"]
            loop_text = ("closed loop" if loop["mode"] == "closed"
                         else f"open loop at {loop['rate_per_s']:g}/s ({loop['schedule']} schedule)")
            order = ("every case's inserts interleaved one by one" if cfg.get("interleave") == "sample"
                     else "each case's inserts in one stretch")
            lines.append(f"  - {cfg['samples']} samples per case and repetition after {cfg['warmup']} warm-up, "
                         f"{order}, "
                         f"{cfg['repetitions']} repetition(s) in shuffled order (order seed {cfg['order_seed']}), "
                         f"seed {cfg['seed']}, {loop_text}, synchronous_commit {cfg['sync_commit']}, "
                         f"{cfg['clients']} client(s), raw samples kept up to {cfg['raw_samples_max']} a repetition"
                         + (f"; connect-per-write cases {min(cfg['samples'], cfg['connect_per_write_samples'])} "
                            "samples a repetition" if any((c.get("capabilities") or {}).get("connects")
                                                          for c in run["cases"]) else "")
                         + (f"; each insert after {cfg['idle_ms']} ms idle, with a back-to-back twin"
                            if cfg.get("idle_ms") else ""))
        else:
            lines.append(f"  - {cfg['samples']} samples per case after {cfg['warmup']} warm-up, seed {cfg['seed']}")
        for w in ctx["warnings"]:
            lines.append(f"  - **warning:** {w}")
    return lines


def transport_text(name, row):
    """One transport of the context: `unix` Unix socket (its redacted target, its authentication)."""
    auth = row.get("auth") if row.get("auth") not in (None, "", "none") else None
    what = ", ".join(x for x in (row.get("target"), f"{auth} auth" if auth else "") if x)
    return f"{code(name)} {row.get('title', name)}" + (f" ({what})" if what else "")


# One hue per driver family, so a library is found by its colour on every plot; its variants are
# shades of that hue, dark to light, and line styles. A driver of no family listed here is a family
# of its own, with a hue in the widest gap the others leave on the colour circle.
FAMILIES = {"libpq": "libpq", "libpqxx": "libpqxx", "sqlite3": "sqlite3", "psycopg2": "psycopg2",
            "psycopg3": "psycopg3", "python-sqlite3": "Python sqlite3"}
FAMILY_PREFIXES = (("soci-", "SOCI"), ("sqlalchemy-", "SQLAlchemy"))
FAMILY_HUES = {"libpq": "#1f77b4", "libpqxx": "#ff7f0e", "SOCI": "#2ca02c", "sqlite3": "#8c564b",
               "psycopg2": "#d62728", "SQLAlchemy": "#9467bd", "psycopg3": "#bcbd22", "Python sqlite3": "#17becf"}
LINE_STYLES = ("-", "--", "-.", ":")


def family(driver):
    """The family a driver's colour comes from: SOCI's backends are one, as are SQLAlchemy's layers."""
    return FAMILIES.get(driver) or next((f for p, f in FAMILY_PREFIXES if driver.startswith(p)), driver)


def rgb(hex_colour):
    """'#1f77b4' -> (r, g, b) in 0..1, as matplotlib.colors.to_rgb (which may not be installed)."""
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def case_styles(keys):
    """{key: (colour, line style)} for "driver/variant" keys: one hue per family, its variants
    shades from dark to light (lightness 0.22 to 0.62 in HLS) with a line style each, so no two
    keys share a colour however many there are. The same key gets the same style on every plot."""
    members = {}
    for k in sorted(set(keys)):
        members.setdefault(family(k.split("/", 1)[0]), []).append(k)
    hues = sorted(colorsys.rgb_to_hls(*rgb(c))[0] for c in FAMILY_HUES.values())
    out = {}
    for fam, ks in sorted(members.items(), key=lambda kv: (kv[0] not in FAMILY_HUES, kv[0])):
        if fam in FAMILY_HUES:
            base = rgb(FAMILY_HUES[fam])
        else:  # the middle of the widest gap between the hues taken so far, round the circle
            gap, at = max((((b - a) % 1.0 or 1.0), a) for a, b in zip(hues, hues[1:] + hues[:1]))
            hues = sorted(hues + [(at + gap / 2) % 1.0])
            base = colorsys.hls_to_rgb((at + gap / 2) % 1.0, 0.45, 0.65)
        hue, light, sat = colorsys.rgb_to_hls(*base)
        for j, k in enumerate(ks):
            if len(ks) > 1:
                light = 0.22 + 0.40 * j / (len(ks) - 1)
            out[k] = (tuple(round(v, 4) for v in colorsys.hls_to_rgb(hue, light, max(sat, 0.35))),
                      LINE_STYLES[j % len(LINE_STYLES)])
    return out


def colours(runs):
    """case_styles for the runs' cases, keyed by driver/variant, so libpq/tx is the same line on
    unix and on tcp."""
    return case_styles(f"{c.driver}/{c.variant}" for c in runs.cases.values())


def style_of(colour, c):
    """(colour, line style) of a case, from colours()."""
    return colour[f"{c.driver}/{c.variant}"]


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
            cells[c.name] = f"{r['ratio']:.2f} × {code(fastest.name)} (no interval)"
        else:
            cells[c.name] = f"{st.plus_minus(r['ratio'], r['lo'], r['hi'])} × {code(fastest.name)}"
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
        row = (f"| {code(c.name)} | {c.round_trips} | {with_interval(c.percentile(50), i50)} | "
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
    lines += ["p50 (ms) of each repetition, in the order they ran"
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
        lines.append(f"| {code(c.name)} | " + " | ".join(cells) + f" | {'-' if cv is None else f'{100 * cv:.1f} %'} |")
    return lines + [""]


def verdict_section(runs):
    """The verdict on the post's claims, as scripts/claims gives it: in words, then each claim's
    verdict, overall and driver by driver."""
    result = wpclaims.evaluate(wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS), runs)
    words = wpclaims.in_words(result, runs)
    lines = ["## Verdict on the post's claims", ""] + ([words, ""] if words else [])
    lines += ["| claim | verdict | by driver |", "|---|---|---|"]
    for c in result:
        per = "; ".join(f"{d['driver']}: {d['verdict']}" for d in c["by_driver"])
        lines.append(f"| {cell(c['text'])} | **{c['verdict']}** | {cell(per)} |")
    return lines + ["", "Every case's numbers and the reasons: `scripts/claims` (`claims.md` beside a published run).",
                    ""]


def noise_section(cases):
    found = [(c.name, w) for c in cases for w in c.noise_warnings]
    lines = ["## Noise", ""]
    if not found:
        return lines + ["No noise warnings: no repetition stood out and no case's samples had many outliers.", ""]
    return lines + [f"- {code(name)}: {w}" for name, w in found] + [""]


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
        lines.append(f"| {code(c.name)} | {n:,.0f} | {n / fewest[c.transport]:.1f} |")
    return lines + [""]


def shown_parts(cases):
    """PARTS, without the standby's wait unless a case waited for one (--standby)."""
    standby = any((c.decomposition or {}).get("standby_ns") for c in cases)
    return [(k, label) for k, label in PARTS if k != "standby_ns" or standby]


def decomposition_section(cases, notes, plotted=True):
    parts_shown = shown_parts(cases)
    standby = any(k == "standby_ns" for k, _ in parts_shown)
    heads = {"round_trips_ns": "round trips", "wake_ns": "wake", "flush_ns": "flush", "standby_ns": "standby",
             "server_ns": "server", "driver_ns": "driver"}
    lines = ["## Where the time goes", "",
             "The p50 of each case split by the floors measured on the same server and disk (below): round "
             "trips × the transport's round-trip floor, waking a connection that sat idle (sample by sample: "
             "the idle round trip over the busy one, once per insert), the commit's flush, "
             + ("the commit's wait for the synchronous standby, " if standby else "")
             + "the server's own work for one INSERT, and what is left for the driver. ms.", "",
             "| case | p50 | " + " | ".join(heads[k] for k, _ in parts_shown) + " | complete | notes |",
             "|---|--:|" + "--:|" * len(parts_shown) + "---|---|"]
    for c in cases:
        d = c.decomposition
        if not d:
            continue
        parts = [ms_cell(d.get(k)) if k in d else "-" for k, _ in parts_shown]
        lines.append(f"| {code(c.name)} | {ms_cell(d.get('total_ns', c.percentile(50)))} | " + " | ".join(parts) +
                     f" | {'yes' if d.get('complete', True) else 'no'} | {cell('; '.join(d.get('notes') or []))} |")
    lines += ["", "![where the time goes](decomposition.png)", ""] if plotted else [""]
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
        titles = {"unix": "Unix socket", "tcp": "TCP", "tls": "TLS", "pgbouncer": "PgBouncer"}
        for t, s in (f.get("round_trip_ns") or {}).items():
            if s:
                lines.append(f"| round trip, {titles.get(t, t)} | {ms_cell(s['p50'])} | {ms_cell(s['p99'])} | an "
                             "empty query via libpq: one round trip, no parse or plan |")
        # Each flush probe: the insert waiting for the disk, without, and the difference. With
        # --standby the commit flush is the local one, and the wait for the standby its own probe.
        standby = (runs.context["server"].get("standby") or {}).get("mode")
        flush_rows = (("commit_flush", "PostgreSQL insert, synchronous_commit=", "local" if standby else "on", "off",
                       "commit flush", "autocommit INSERT that waits for the WAL flush"),
                      ("standby_wait", "PostgreSQL insert, synchronous_commit=",
                       {"sync": "on", "async": "local"}.get(standby, standby), "local", "waiting for the standby",
                       f"the same, waiting for the standby (--standby {standby})"),
                      ("sqlite_flush", "SQLite insert, synchronous=", "FULL", "OFF", "SQLite flush",
                       "insert + commit that syncs"))
        for key, title, on, off, total, what in flush_rows:
            fl = f.get(key)
            if fl:
                lines += [f"| {title}{on} | {ms_cell(fl['on_ns']['p50'])} | {ms_cell(fl['on_ns']['p99'])} | {what} |",
                          f"| {title}{off} | {ms_cell(fl['off_ns']['p50'])} | {ms_cell(fl['off_ns']['p99'])} | "
                          f"the same without waiting for {'the standby' if key == 'standby_wait' else 'the disk'} |",
                          f"| **{total}** | **{ms_cell(fl['flush_p50_ns'])}** | | p50 {on} - p50 {off} |"]
            if key == "commit_flush":
                ds = f.get("disk_sync")
                if ds:
                    lines.append(f"| disk sync | {ms_cell(ds['latency_ns']['p50'])} | "
                                 f"{ms_cell(ds['latency_ns']['p99'])} | {cell(ds['method'])} in {cell(ds['dir'])} "
                                 f"({cell(ds['filesystem'])}) |")
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
            lines.append(f"| {cell(r['driver'])} | {r['transport']} | {cell(r['auth'])} | {r['samples']} | "
                         f"{ms_cell(con.get('p50'))} | {ms_cell(con.get('p99'))} | "
                         f"{ms_cell(close.get('p50'))} | {ms_cell(close.get('p99'))} | {cell(r['error'] or '')} |")
        lines.append("")
    return lines


def idle_section(cases):
    """--idle-ms: each case's inserts after the idle wait against their back-to-back twins, from
    the files' `idle` (one line per file that has it)."""
    # One row per file that ran with --idle-ms, each with that file's own p50 (not the pooled one).
    rows = [(c, rec["idle"], rec["latency_ns"]["p50"]) for c in cases for rec in c.records if rec.get("idle")]
    if not rows:
        return []
    waits = sorted({idle["idle_ms"] for _, idle, _ in rows})
    lines = ["## After an idle wait, and back to back", "",
             f"With --idle-ms ({', '.join(f'{w} ms' for w in waits)}), every measured insert came after its "
             "connection sat idle that long, as a bot writing a decision every so often; the same connection's "
             "next insert followed at once, its back-to-back twin. A pair shares its moment of the run, so the "
             "machine's drift cancels in their difference: its median, with a distribution-free 95 % interval "
             "(binomial order statistics). ms.", "",
             "| case | idle p50 | back-to-back p50 | idle − back to back (median of pairs) | pairs |",
             "|---|--:|--:|--:|--:|"]
    for c, idle, rec_p50 in rows:
        d = idle["idle_minus_back_to_back"] or {}
        iv = d.get("interval_95_ns")
        diff = "-" if not d else (f"{d['median_ns'] / 1e6:+.3f}" +
                                  (f" [{iv[0] / 1e6:+.3f}, {iv[1] / 1e6:+.3f}]" if iv else ""))
        lines.append(f"| {code(c.name)} | {ms_cell(rec_p50)} | {ms_cell(idle['back_to_back_ns']['p50'])} | "
                     f"{diff} | {d.get('pairs', '-')} |")
    return lines + [""]


def transport_costs_section(runs):
    """What each transport adds per insert over its plainer twin, as the files computed it: the same
    driver path over both in one run, paired by repetition."""
    if not runs.transport_costs:
        return []
    lines = ["## What each transport adds", "",
             "Each driver path's p50 over a transport minus its p50 over the plainer one (TLS and PgBouncer "
             "over TCP, TCP over the Unix socket), both measured in the same run and paired by repetition, "
             "with a 95 % t interval over the repetitions' differences. ms.", ""]
    for run_id, costs in runs.transport_costs:
        if len(runs.transport_costs) > 1:
            lines += [f"Run {run_id}:", ""]
        lines += ["| case | over | adds (p50) | 95 % interval | ratio |", "|---|---|--:|---|--:|"]
        for r in costs:
            iv = r.get("difference_interval") or [None, None]
            ci = "-" if None in iv else f"[{iv[0] / 1e6:+.3f}, {iv[1] / 1e6:+.3f}]"
            diff = "-" if r.get("difference_ns") is None else f"{r['difference_ns'] / 1e6:+.3f}"
            ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}"
            lines.append(f"| {code(r['numerator'])} | {r['denominator'].rsplit('/', 1)[-1]} | {diff} | {ci} | {ratio} |")
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
            lines.append(f"| {code(c.name)} | {ms_cell(st.median(l['p50'] for l in lags))} | "
                         f"{ms_cell(max(l['p99'] for l in lags))} | {ms_cell(max(l['max'] for l in lags))} |")
    return lines + [""]


# Percentile axis as in HdrHistogram plots: x = 1 / (1 - q) on a log scale, so the tail spreads.
TICKS = [(0.0, "0%"), (0.5, "50%"), (0.9, "90%"), (0.99, "99%"), (0.999, "99.9%"), (0.9999, "99.99%")]


def log_ms_axis(axis):
    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def spread_labels(positions, gap, low, high):
    """Label positions as close to `positions` as they can be with `gap` between neighbours,
    inside [low, high] where there is room (the top one may reach past `high` where there is
    none), in the order given: direct labels at the ends of lines that end close together."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [min(max(positions[i], low), high) for i in order]
    for k in range(1, len(placed)):  # upwards: each at least a gap above the one below
        placed[k] = max(placed[k], placed[k - 1] + gap)
    if placed and placed[-1] > high:  # then back down from the top, as far as the bottom allows
        placed[-1] = max(high, low + gap * (len(placed) - 1))
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(positions)
    for i, y in zip(order, placed):
        out[i] = y
    return out


def label_line_ends(ax, ends, fontsize=7.5):
    """Direct labels in the right margin, one per line, each joined to where its line ends:
    `ends` is [(x, y, text, colour)] in data coordinates (log y)."""
    lo, hi = (np.log10(v) for v in ax.get_ylim())
    frac = [(np.log10(y) - lo) / (hi - lo) for _, y, _, _ in ends]
    height_pt = ax.get_window_extent().height * 72 / ax.figure.dpi
    placed = spread_labels(frac, 1.15 * fontsize / height_pt, 0.0, 1.0)
    for (x, y, text, col), at in zip(ends, placed):
        ax.annotate(text, xy=(x, y), xycoords="data", xytext=(1.02, at), textcoords="axes fraction",
                    fontsize=fontsize, color=col, va="center", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": col, "linewidth": 0.6, "alpha": 0.7})


def plot_spectrum(transport, heading, cases, subtitle, path, colour):
    fig, ax = plt.subplots(figsize=(12, 0.17 * len(cases) + 5.2))
    ends = []
    for c in cases:
        values, counts = c.dist
        below = np.cumsum(counts)
        n = int(below[-1])
        # Up to p99.99, but no further than the samples reach: past 1 - 1/n a curve would only
        # repeat the maximum.
        top = min(4.0, np.log10(n))
        q = 1 - np.logspace(0, -top, 200)
        ranks = np.clip(np.ceil(q * n), 1, n)  # the nearest rank of each q, 1-based
        x, y = 1 / (1 - q), values[np.searchsorted(below, ranks)] / 1e6
        col, dash = style_of(colour, c)
        ax.plot(x, y, linewidth=1.6, color=col, linestyle=dash)
        ends.append((x[-1], y[-1], f"{c.name} ({c.round_trips} rt)", col))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1 / (1 - q) for q, _ in TICKS], [t for _, t in TICKS])
    log_ms_axis(ax.yaxis)
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency of one durable insert (ms, log scale)")
    ax.set_title(f"Latency by percentile: {heading}\n{subtitle}", fontsize=10)
    ax.set_xlim(0.9, 1.2e4)
    ax.grid(True, which="both", alpha=0.3)
    fig.subplots_adjust(left=0.07, right=0.70, top=0.88, bottom=0.1)
    label_line_ends(ax, ends)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def whiskers(values, intervals):
    """Error-bar lengths, shape (2, n): below and above each of `values` to its 95 % interval
    ((lo, hi), or None for no interval: no whisker). Never negative, and the lower one never
    longer than the value itself, so no whisker reaches below 0 on a linear axis."""
    err = np.zeros((2, len(values)))
    for i, (v, iv) in enumerate(zip(values, intervals)):
        if iv is not None:
            err[0, i] = min(max(0.0, v - iv[0]), max(0.0, v))
            err[1, i] = max(0.0, iv[1] - v)
    return err


def claim_lines():
    """(limit ms, label) of each claim of scripts/claims.json that a latency is below a limit:
    the post's 2 ms, drawn on the p50/p99 chart."""
    claims = wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS)["claims"]
    return [(c["limit_ms"], f"the post's claim: {c['stat']} under {c['limit_ms']:g} ms (a direct driver, Unix socket)")
            for c in claims if c["kind"] == "below"]


def plot_bars(groups, subtitle, path):
    cases = [c for _, cs in groups for c in cs]
    names = [c.name for c in cases]
    bars = {}
    for p in (50, 99):
        values = [c.percentile(p) / 1e6 for c in cases]
        ivs = [(iv["lo"] / 1e6, iv["hi"] / 1e6) if iv else None for iv in (c.interval(p) for c in cases)]
        bars[p] = (np.array(values), whiskers(values, ivs))
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 2.2))
    style = {"ecolor": "black", "elinewidth": 0.8, "capsize": 2}
    ax.barh(y - 0.2, bars[50][0], height=0.4, label="p50 (whisker: 95 % interval)", color="#4C72B0",
            xerr=bars[50][1], error_kw=style)
    ax.barh(y + 0.2, bars[99][0], height=0.4, label="p99 (whisker: 95 % interval)", color="#DD8452",
            xerr=bars[99][1], error_kw=style)
    # The axis is the bars', not the whiskers': an interval from two short repetitions can reach a
    # thousand times past its value, and would shrink every bar to nothing. Such a whisker ends at
    # the edge in an arrowhead.
    tallest = float(max(bars[99][0].max(), bars[50][0].max()))
    ends = np.concatenate([bars[p][0] + bars[p][1][1] for p in (50, 99)])
    right = max(1.12 * tallest, min(float(ends.max()) * 1.04, 1.6 * tallest))
    for limit, label in claim_lines():
        ax.axvline(limit, color="#C0392B", linestyle="--", linewidth=1.4, label=label)
        right = max(right, limit * 1.08)
    ax.set_xlim(0, right)
    # ends holds the p50 bars' whiskers, then the p99 bars' (0.2 below and above each case's line).
    past = [y[i % len(cases)] + (-0.2 if i < len(cases) else 0.2) for i in np.flatnonzero(ends > right)]
    if past:
        ax.scatter([right] * len(past), past, marker=">", s=30, color="black", clip_on=False, zorder=4,
                   label="95 % interval reaches past the edge (the table has it)")
    ax.set_yticks(y, names, fontsize=8)
    # A rule between transports: the groups are not comparable bar for bar.
    edge = -0.5
    for _, cs in groups[:-1]:
        edge += len(cs)
        ax.axhline(edge, color="grey", linewidth=0.8)
    ax.set_ylim(len(cases) - 0.5, -0.5)  # the first case on top
    ax.set_xlabel("latency of one durable insert (ms)")
    ax.set_title(f"p50 and p99 per case\n{subtitle}", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    # Below the axis title, out of the bars' way (the claim's label is long).
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=4.2, ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def decomposition_notes(cases):
    """The parts below 0 (the driver's rest, within the floors' noise), which a bar cannot draw as
    a length: one note each."""
    return [f"{code(c.name)} {label} {c.decomposition[key] / 1e6:.3f} ms"
            for key, label in PARTS for c in cases if c.decomposition and c.decomposition.get(key, 0) < 0]


def plot_decomposition(cases, subtitle, path):
    """Stacked bars of where each case's p50 goes, for runs that measured it. A part below 0
    (the driver's rest, within the floors' noise) cannot be drawn as a length: it is drawn as 0
    and named in the returned notes."""
    cases = [c for c in cases if c.decomposition]
    notes = []
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 1.8))
    left = np.zeros(len(cases))
    palette = ["#4C72B0", "#937860", "#DD8452", "#C44E52", "#55A868", "#8172B3"]
    for (key, label), col in zip(PARTS, palette):
        if (key, label) not in shown_parts(cases):
            continue
        if not any(key in c.decomposition for c in cases):
            continue
        raw = np.array([c.decomposition.get(key, 0) / 1e6 for c in cases])
        notes += [f"{code(c.name)} {label} {v:.3f} ms" for c, v in zip(cases, raw) if v < 0]
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


# A series over time with a median of fewer intervals than this a repetition is a scatter of
# dots, not a line: the plot then shows each repetition's p50 and p99 instead.
MIN_INTERVALS = 5


def timeline(runs):
    """Every repetition that has a time series, placed on one time axis: [(start s, span s, case,
    repetition)], files in the order given, then repetition. A file run sample by sample
    (config.interleave "sample") measured every case of a repetition at once, each series
    counting from the same start: they share one window, as long as the longest series. Else
    each case's measured phase ran alone, one after another in the repetition's order: they are
    laid back to back (connecting, warm-up and verifying between them are not in the file, so
    they are left out)."""
    reps = [(r.run_index, r.index, r.position if r.position is not None else 0, c, r)
            for c in runs.cases.values() for r in c.measured if r.timeseries and r.timeseries["count"]]
    reps.sort(key=lambda x: x[:3])
    sample = {i for i, run in enumerate(runs.runs) if run["config"].get("interleave") == "sample"}
    windows = {}
    for run_index, index, _, _, r in reps:
        if run_index in sample:
            span = len(r.timeseries["count"]) * r.timeseries["interval_ns"] / 1e9
            windows[run_index, index] = max(windows.get((run_index, index), 0.0), span)
    out, t, last = [], 0.0, None
    for run_index, index, _, c, r in reps:
        key = (run_index, index)
        if key in windows:
            if key != last:
                start, t, last = t, t + windows[key], key
            out.append((start, windows[key], c, r))
        else:
            out.append((t, r.elapsed_ns / 1e9, c, r))
            t += r.elapsed_ns / 1e9
            last = None
    return out


def over_time(runs, cases):
    """What the report shows over time, and the words that say so: ("intervals", text) when the
    time series hold a median of MIN_INTERVALS intervals a repetition or more; ("repetitions",
    text) when they hold fewer but a case has two repetitions or more: each repetition's p50 and
    p99 then; (None, text) when neither, and the plot is left out."""
    line = timeline(runs)
    if line:
        points = st.median([int(np.count_nonzero(r.timeseries["count"])) for *_, r in line])
        dt = line[0][3].timeseries["interval_ns"] / 1e9
        every = "second" if dt == 1 else f"{dt:g} s interval"
        short = f"a median of {points:g} interval(s) of {dt:g} s a repetition, fewer than {MIN_INTERVALS}"
    else:
        points, short = 0, "no time series in the file (schema_version 1)"
    if points >= MIN_INTERVALS:
        sample = any(run["config"].get("interleave") == "sample" for run in runs.runs)
        return "intervals", (f"Mean (line) and max (faint) latency per {every} of each repetition, on one time axis "
                             + ("(the cases of a repetition side by side, as they ran sample by sample)" if sample
                                else "(the cases' measured phases back to back, in the order they ran)")
                             + ": a checkpoint or an fsync stall shows as a spike that lines up across cases "
                             "and transports.")
    if max(len(c.measured) for c in cases) >= 2:
        return "repetitions", (f"The repetitions are too short for a line over time ({short}), so the plot shows "
                               "each repetition's p50 (line) and p99 (faint) instead, in the order they ran: "
                               "drift from one repetition to the next shows there.")
    return None, (f"No plot: one repetition per case, and {short}: too few points for a change over time "
                  "(`--repetitions` or longer runs give one).")


def time_panels(groups, runs):
    """One panel per transport on a shared x axis, tall enough for a direct label per case."""
    heights = [max(2.9, 0.16 * len(cases) + 0.9) for _, cases in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(13, sum(heights) + 1.2), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (transport, _) in zip(axes[:, 0], groups):
        ax.set_yscale("log")
        ax.set_ylabel("latency (ms, log)")
        ax.set_title(title(runs, transport), fontsize=9, loc="left")
        ax.grid(True, which="both", alpha=0.3)
    return fig, axes[:, 0]


def finish_panels(fig, axes, panel_ends, keys, xlabel, heading, path):
    """Log axes, a key to the line kinds in the first panel, a direct label at the end of each
    case's line, and the file."""
    for ax in axes:
        log_ms_axis(ax.yaxis)
    axes[0].legend(handles=keys, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.01), ncol=len(keys),
                   borderaxespad=0, frameon=False)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(heading, fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.78, top=1 - 1.3 / fig.get_figheight(), bottom=0.5 / fig.get_figheight(),
                        hspace=0.35)
    for ax, ends in zip(axes, panel_ends):
        label_line_ends(ax, ends)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_timeseries(groups, runs, subtitle, path, colour):
    """Mean (line) and max (faint) latency per interval over the run, one panel per transport on
    a shared time axis, so a stall that hit the machine lines up across the panels."""
    line = timeline(runs)
    fig, axes = time_panels(groups, runs)
    interval_s, panel_ends = None, []
    for ax, (transport, cases) in zip(axes, groups):
        names = {c.name for c in cases}
        ends = {}
        series = [(start, span, c, r) for start, span, c, r in line if c.name in names]
        # Markers only where a case has few points over the whole run; else they hide the lines.
        dots = sum(len(r.timeseries["count"]) for *_, r in series) < 40 * max(1, len(cases))
        for start, span, c, r in series:
            ts = r.timeseries
            dt = ts["interval_ns"] / 1e9
            interval_s = dt
            count = np.asarray(ts["count"])
            keep = count > 0
            # An interval's mid-point, the last one cut to the end of the measured phase.
            x = (start + np.minimum((np.arange(len(count)) + 0.5) * dt, span))[keep]
            col, dash = style_of(colour, c)
            ax.plot(x, np.asarray(ts["max_ns"])[keep] / 1e6, color=col, alpha=0.3, linewidth=0.6, linestyle=":",
                    marker="^" if dots else None, markersize=2.5)
            mean = np.asarray(ts["mean_ns"])[keep] / 1e6
            ax.plot(x, mean, color=col, linewidth=1.3, linestyle=dash, marker="o" if dots else None, markersize=3)
            if len(x):
                ends[c.name] = (x[-1], mean[-1], c.name, col)
        panel_ends.append([ends[c.name] for c in cases if c.name in ends])
    every = "second" if interval_s == 1 else f"{interval_s:g} s interval" if interval_s else "interval"
    keys = [Line2D([], [], color="grey", linewidth=1.3, label=f"mean per {every}"),
            Line2D([], [], color="grey", alpha=0.6, linewidth=0.7, linestyle=":", label=f"max per {every}")]
    finish_panels(fig, axes, panel_ends, keys, "measured time (s), the repetitions in the order they ran",
                  f"Latency per {every} over the run (mean and max)\n{subtitle}", path)


def plot_repetitions(groups, runs, subtitle, path, colour):
    """Each repetition's p50 (line) and p99 (faint) per case, in the order the repetitions ran
    (files in the order given): what a run too short for a series over time can show of drift."""
    fig, axes = time_panels(groups, runs)
    panel_ends = []
    for ax, (_, cases) in zip(axes, groups):
        ends = []
        for c in cases:
            x = np.arange(1, len(c.measured) + 1)
            p50 = np.array([r.percentile(50) for r in c.measured]) / 1e6
            col, dash = style_of(colour, c)
            ax.plot(x, np.array([r.percentile(99) for r in c.measured]) / 1e6, color=col, alpha=0.35,
                    linewidth=0.8, linestyle=":", marker="^", markersize=2.5)
            ax.plot(x, p50, color=col, linewidth=1.4, linestyle=dash, marker="o", markersize=3.5)
            ends.append((x[-1], p50[-1], c.name, col))
        panel_ends.append(ends)
    axes[-1].xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    keys = [Line2D([], [], color="grey", linewidth=1.4, marker="o", markersize=3.5, label="p50 of the repetition"),
            Line2D([], [], color="grey", alpha=0.6, linewidth=0.8, linestyle=":", marker="^", markersize=2.5,
                   label="p99 of the repetition")]
    finish_panels(fig, axes, panel_ends, keys, "repetition, in the order they ran",
                  f"p50 and p99 of each repetition\n{subtitle}", path)


def write_report(runs, out):
    out.mkdir(parents=True, exist_ok=True)
    groups = by_transport(runs)
    if not groups:
        raise wr.InputError("no case with samples to report")
    lines = ["# wpbench report", "", f"Measured on: {runs.describe()}", ""]
    lines += verdict_section(runs)

    def subtitle(transport=None):
        return "\n".join(textwrap.wrap(runs.describe(transport), 100))

    colour = colours(runs)
    plots = matplotlib is not None
    if plots:
        lines += ["![p50 and p99 per case](p50-p99.png)", ""]
        plot_bars(groups, subtitle(), out / "p50-p99.png")
    else:
        lines += [f"No plots: python3's matplotlib is not installed here ({ADD_PLOTS} adds it without "
                  "a compiler; or run this report on another machine). Every table is below.", ""]
    for transport, cases in groups:
        lines += transport_table(runs, transport, cases)
        if plots:
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
    lines += idle_section(all_cases)
    lines += transport_costs_section(runs)
    kind, words = over_time(runs, all_cases)
    lines += ["## Latency over time", "", words, ""]
    if kind is not None and plots:
        draw = plot_timeseries if kind == "intervals" else plot_repetitions
        draw(groups, runs, subtitle(), out / "timeseries.png", colour)
        lines += ["![latency over time](timeseries.png)", ""]
    if any(c.decomposition for c in all_cases):
        notes = plot_decomposition(all_cases, subtitle(), out / "decomposition.png") if plots else \
            decomposition_notes(all_cases)
        lines += decomposition_section(all_cases, notes, plots)
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
    text = "\n".join(lines) + "\n"
    # errors: a result's path that is not UTF-8 is written escaped, not refused.
    (out / "report.md").write_text(text, encoding="utf-8", errors="backslashreplace")
    drawn = re.findall(r"^!\[[^\]]*\]\(([^)/]+\.png)\)$", text, flags=re.M)  # the plots just written
    page = wphtml.page(text, {name: (out / name).read_bytes() for name in drawn},
                       "wpbench report: " + ", ".join(run["run_id"] for run in runs.runs))
    (out / "report.html").write_text(page, encoding="utf-8", errors="backslashreplace")
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
    print(path.with_name("report.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
