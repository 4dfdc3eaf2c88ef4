"""Markdown report and PNG plots from one or more wpbench result files.

Usage: report [--out DIR] RESULT.json|DIR...

Several files (or a directory of them) are pooled by case name. Writes DIR/report.md (run
context, one table per transport with overhead against the fastest path and its uncertainty),
DIR/spectrum-<transport>.png (latency by percentile, log scale to p99.99), DIR/p50-p99.png and,
when the runs measured where the time goes, DIR/decomposition.png. DIR defaults to
results/<run-id>/ of the first file. Exit 0, or 2 on bad input.
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402
import textwrap  # noqa: E402

import wpbench_results as wr  # noqa: E402
import wpstats as st  # noqa: E402

TRANSPORT_ORDER = ["unix", "tcp", "file"]
TRANSPORT_TITLE = {"unix": "Unix socket", "tcp": "TCP (127.0.0.1)", "file": "SQLite file (in-process)"}


def by_transport(runs):
    groups = {}
    for case in runs.cases.values():
        if case.samples:
            groups.setdefault(case.transport, []).append(case)
    order = sorted(groups, key=lambda t: TRANSPORT_ORDER.index(t) if t in TRANSPORT_ORDER else 99)
    return [(t, groups[t]) for t in order]


def throughput(case):
    n = sum(len(r["samples_ns"]) for r in case.records)
    elapsed = sum(r["elapsed_ns"] for r in case.records)
    return n * 1e9 / elapsed if elapsed > 0 else 0.0


def cpu_per_insert_us(case):
    """Client CPU time per insert (µs): the driver's and, for the Python arm, the interpreter's
    own work; None for runs written before cpu_ns existed."""
    recs = [r for r in case.records if "cpu_ns" in r and r["samples_ns"]]
    n = sum(len(r["samples_ns"]) for r in recs)
    return sum(r["cpu_ns"] for r in recs) / n / 1e3 if n else None


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
            lines.append(f"  - unix auth: {srv['unix']['auth']}; tcp auth: {srv['tcp']['auth']}")
        if sq.get("dir"):
            lines.append(f"  - SQLite {sq.get('version', '')} journal_mode={sq['journal_mode']} "
                         f"synchronous={sq['synchronous']} on {sq['filesystem']}")
        cfg = run["config"]
        lines.append(f"  - {cfg['samples']} samples per case after {cfg['warmup']} warm-up, seed {cfg['seed']}")
        for w in ctx["warnings"]:
            lines.append(f"  - **warning:** {w}")
    return lines


def colours(runs):
    """One colour per driver/variant for every plot, so libpq/tx is the same line on unix and
    on tcp."""
    keys = sorted({f"{c.driver}/{c.variant}" for c in runs.cases.values()})
    palette = plt.get_cmap("tab20").colors
    return {k: palette[i % len(palette)] for i, k in enumerate(keys)}


def transport_table(transport, cases):
    counted = [c for c in cases if c.ok and c.durable] or cases
    fastest = min(counted, key=lambda c: st.percentile(c.samples, 50))
    lines = [f"## {TRANSPORT_TITLE.get(transport, transport)}", "",
             f"Latency of one durable insert in ms. Overhead is p50 against the fastest path here "
             f"(`{fastest.name}`), with a 95 % bootstrap interval.", "",
             "| case | rt | p50 | p90 | p99 | p99.9 | max | inserts/s | client CPU µs/insert | vs fastest | status |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for c in sorted(cases, key=lambda c: st.percentile(c.samples, 50)):
        s = c.samples
        if c is fastest:
            rel = "1 (fastest)"
        else:
            ratio = st.percentile(s, 50) / st.percentile(fastest.samples, 50)
            lo, hi = st.bootstrap_ratio_ci(s, fastest.samples, 50)
            rel = f"{ratio:.2f}× [{lo:.2f}, {hi:.2f}]"
        status = "ok, verified" if c.ok else f"**{c.records[-1]['status']}**"
        if not c.durable:
            status += ", not durable"
        cells = [st.fmt_ms(st.percentile(s, p)) for p in (50, 90, 99, 99.9)]
        cpu = cpu_per_insert_us(c)
        lines.append(f"| `{c.name}` | {c.round_trips} | " + " | ".join(cells) +
                     f" | {st.fmt_ms(max(s))} | {throughput(c):.0f} | "
                     f"{'-' if cpu is None else f'{cpu:.0f}'} | {rel} | {status} |")
    return lines + [""]


# Percentile axis as in HdrHistogram plots: x = 1 / (1 - q) on a log scale, so the tail spreads.
TICKS = [(0.0, "0%"), (0.5, "50%"), (0.9, "90%"), (0.99, "99%"), (0.999, "99.9%"), (0.9999, "99.99%")]


def plot_spectrum(transport, cases, subtitle, path, colour):
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for c in sorted(cases, key=lambda c: st.percentile(c.samples, 50)):
        s = np.sort(np.asarray(c.samples)) / 1e6
        # Up to p99.99, but no further than the samples reach: past 1 - 1/n a curve would only
        # repeat the maximum.
        top = min(4.0, np.log10(len(s)))
        q = 1 - np.logspace(0, -top, 200)
        idx = np.clip(np.ceil(q * len(s)).astype(int), 1, len(s)) - 1
        ax.plot(1 / (1 - q), s[idx], label=f"{c.name} ({c.round_trips} rt)", linewidth=1.6,
                color=colour[f"{c.driver}/{c.variant}"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1 / (1 - q) for q, _ in TICKS], [t for _, t in TICKS])
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency of one durable insert (ms, log scale)")
    ax.set_title(f"Latency by percentile: {TRANSPORT_TITLE.get(transport, transport)}\n{subtitle}", fontsize=10)
    ax.set_xlim(0.9, 1.2e4)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bars(groups, subtitle, path):
    cases = [c for _, cs in groups for c in sorted(cs, key=lambda c: st.percentile(c.samples, 50))]
    names = [c.name for c in cases]
    p50 = [st.percentile(c.samples, 50) / 1e6 for c in cases]
    p99 = [st.percentile(c.samples, 99) / 1e6 for c in cases]
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 1.8))
    ax.barh(y - 0.2, p50, height=0.4, label="p50", color="#4C72B0")
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
    """Stacked bars of where each case's time goes, for runs that measured it."""
    cases = [c for c in cases if c.decomposition]
    keys = []
    for c in cases:
        keys += [k for k in c.decomposition if k.endswith("_ns") and k not in keys]
    y = np.arange(len(cases))
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(cases) + 1.8))
    left = np.zeros(len(cases))
    for k in keys:
        v = np.array([max(0.0, c.decomposition.get(k, 0) / 1e6) for c in cases])
        ax.barh(y, v, left=left, label=k[:-3].replace("_", " "))
        left += v
    ax.set_yticks(y, [c.name for c in cases], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms per durable insert (p50)")
    ax.set_title(f"Where the time goes\n{subtitle}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
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
    lines += [f"![p50 and p99 per case](p50-p99.png)", ""]
    plot_bars(groups, subtitle(), out / "p50-p99.png")
    for transport, cases in groups:
        lines += transport_table(transport, cases)
        png = f"spectrum-{transport}.png"
        plot_spectrum(transport, cases, subtitle(transport), out / png, colour)
        lines += [f"![latency by percentile, {transport}]({png})", ""]
    all_cases = [c for _, cs in groups for c in cs]
    if any(c.decomposition for c in all_cases):
        plot_decomposition(all_cases, subtitle(), out / "decomposition.png")
        lines += ["## Where the time goes", "", "![where the time goes](decomposition.png)", ""]
    lines += ["rt = client/server round trips per insert (0: SQLite, in-process). Client CPU is the "
              "measuring process's CPU time per insert: the driver's own work, for the Python arm "
              "the interpreter's too (the post's claims are about Python, so that cost is part of "
              "what they measure), and for in-process SQLite the database's. Percentiles are "
              "nearest-rank over all samples; intervals cover sampling noise within the runs, not "
              "drift between cases measured minutes apart.", ""]
    lines += context_section(runs)
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "report.md"


def main(argv):
    ap = wr.OneLineParser(prog="report", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="wpbench result files or directories")
    ap.add_argument("--out", help="output directory (default: results/<run-id>/)")
    args = ap.parse_args(argv[1:])
    try:
        runs = wr.RunSet(args.results)
        out = pathlib.Path(args.out) if args.out else wr.ROOT / "results" / runs.runs[0]["run_id"]
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
