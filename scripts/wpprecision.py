"""precision: how precise, and how reproducible, wpbench's answers are on this machine.

Usage: precision [--cases] RESULT [RESULT ...]

For each run (one result file each): the 95 % interval of each case's ratio to the fastest case
of its transport (the `x fastest` column), as a half-width in per cent of the ratio: the median
and the widest. With two runs or more, each pair of runs (consecutive files, in the order given):
for how many cases the two ratios differ by 5 % or less, and for how many each run's ratio lies
inside the other's interval, and how much the client's CPU time per insert changed (the median over
cases of each case's change): the same code taking 8 % more CPU means the machine's CPU got
slower between the runs, which moves every ratio that depends on client work and which no
interval drawn inside one run can foresee. These are the targets docs/methodology.md reports; the
runs should be of the same build on the same machine, back to back. With --cases, first a table of
every case: its p50 and its ratio to the fastest in each run, side by side (how an interleaved run
and a back-to-back one differ: give one of each).
Exit 0, or 2 on unusable input.
"""
import sys

import wpbench_results as wr
import wpstats as st


def ratios(run):
    """case -> (ratio, lo, hi): the p50 ratios the harness wrote in one result file (a run's own
    figures, never recomputed here; the p99 ones are the tail's, not the `x fastest` column)."""
    out = {}
    for r in run.get("ratios") or []:
        iv = r.get("interval")
        if r.get("stat", "p50") == "p50" and r.get("ratio") and iv:
            out[r["numerator"]] = (r["ratio"], iv[0], iv[1])
    return out


def cpu_per_insert(run):
    """case -> the client's CPU time per measured insert (ns), over every repetition."""
    cases = wr.RunSet.from_documents([run]).cases.values()
    return {c.name: c.cpu_per_insert_ns for c in cases if c.cpu_per_insert_ns}


def half_width_pct(r):
    ratio, lo, hi = r
    return 100 * st.half_width(ratio, lo, hi) / ratio


def describe(run):
    cfg = run.get("config") or {}
    return (f"{run['run_id']} ({cfg.get('interleave', 'case')}, {cfg.get('repetitions')} x "
            f"{cfg.get('samples')})")


def print_cases(runs, per_run):
    """Every case's p50 (ms) and ratio to its transport's fastest, one column pair per run."""
    head = " | ".join(f"p50 ms, x fastest: {describe(r)}" for r in runs)
    print(f"| case | {head} |")
    print("|---|" + "--:|" * len(runs))
    by_name = [{c["name"]: c for c in run.get("cases") or []} for run in runs]
    fastest = [{r.get("denominator") for r in run.get("ratios") or []} for run in runs]
    for name in by_name[0]:
        cells = []
        for cases, rs, fast in zip(by_name, per_run, fastest):
            p50 = ((cases.get(name) or {}).get("latency_ns") or {}).get("p50")
            if not p50:
                cells.append("not measured")
                continue
            ratio = (f"{rs[name][0]:.2f} ± {half_width_pct(rs[name]):.1f} %" if name in rs
                     else "1 (fastest)" if name in fast else "no interval")
            cells.append(f"{p50 / 1e6:.3f}, {ratio}")
        print(f"| `{name}` | " + " | ".join(cells) + " |")


def main(argv):
    ap = wr.OneLineParser(prog="precision", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="result files, one run each, in the order they ran")
    ap.add_argument("--cases", action="store_true", help="first, every case's p50 and ratio in each run")
    args = ap.parse_args(argv[1:])
    try:
        runs = [wr.load_run(p) for p in args.results]
    except wr.InputError as e:
        print(f"precision: {e}", file=sys.stderr)
        return 2
    per_run = [ratios(r) for r in runs]
    if not any(per_run):
        print("precision: no ratio with an interval in these runs (two repetitions or more are needed)",
              file=sys.stderr)
        return 2
    if args.cases:
        print_cases(runs, per_run)
        print()
    print("| run | cases | median half-width | widest | cases above 5 % |")
    print("|---|--:|--:|--:|--:|")
    for run, rs in zip(runs, per_run):
        widths = sorted((half_width_pct(r), name) for name, r in rs.items())
        if not widths:
            continue
        print(f"| {run['run_id']} | {len(widths)} | {st.median(w for w, _ in widths):.2f} % | "
              f"{widths[-1][0]:.2f} % (`{widths[-1][1]}`) | {sum(w > 5 for w, _ in widths)} |")
    if len(runs) >= 2:
        print()
        print("| runs | cases in both | ratios within 5 % | each inside the other's interval | "
              "client CPU per insert, median change |")
        print("|---|--:|--:|--:|--:|")
        cpus = [cpu_per_insert(r) for r in runs]
        rows = list(zip(runs, per_run, cpus))
        for (ra, a, ca), (rb, b, cb) in zip(rows, rows[1:]):
            both = sorted(set(a) & set(b))
            if not both:
                continue
            close = sum(abs(a[n][0] / b[n][0] - 1) <= 0.05 for n in both)
            inside = sum(b[n][1] <= a[n][0] <= b[n][2] and a[n][1] <= b[n][0] <= a[n][2] for n in both)
            cpu = [cb[n] / ca[n] - 1 for n in set(ca) & set(cb)]
            moved = f"{100 * st.median(cpu):+.1f} %" if cpu else "not measured"
            print(f"| {ra['run_id']} / {rb['run_id']} | {len(both)} | {close} ({100 * close / len(both):.0f} %) | "
                  f"{inside} ({100 * inside / len(both):.0f} %) | {moved} |")
    return 0
