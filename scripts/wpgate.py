"""CI regression gate: compares CURRENT wpbench results with BASELINE, and checks ratios inside
CURRENT against a policy file.

Usage: gate [options] BASELINE CURRENT
       gate --ratios-only [options] CURRENT

BASELINE and CURRENT are result files or directories of them; a side's repetitions are every
repetition of every file (a schema_version 1 file is one; a v2 file holds config.repetitions).
Per case, a regression is a p50 (or p99) change beyond its threshold AND statistically
significant at --alpha by a one-sided Mann-Whitney U test, Holm-corrected over every test the
gate makes (two per case), so the chance that a build compared with itself fails stays below
--alpha however many cases there are:
  - over repetitions (each repetition's p50 / p99) when there are enough a side for the test to
    reach --alpha / (number of tests) at all (1 / C(n1 + n2, n1) must be below it: 6 a side for
    4 cases at 0.01, 8 a side for the full suite);
  - with one repetition a side, over consecutive time blocks of each (batch means), which sees
    noise within a repetition but not from one to the next: prefer the ratio rules then. Time
    blocks need the raw samples in time order; a repetition that kept only its histogram
    (more samples than --raw-samples) is refused (exit 2).
Any other number of repetitions is refused (exit 2): it could never show a regression.
A case of BASELINE that is missing or failed in CURRENT fails the gate. Ratio rules
(--policy, default scripts/gate-policy.json) fail when a ratio's 95 % bootstrap interval (paired
over repetitions when there are several, blocks of consecutive samples with one) lies wholly
above its max, or when a case they name was selected in CURRENT but did not
complete. Prints a Markdown table for a pull-request comment.
Exit 0 pass, 1 regression, 2 unusable input.
"""
import math
import sys

import wpbench_results as wr
import wpstats as st

DEFAULT_POLICY = wr.ROOT / "scripts" / "gate-policy.json"
STATS = {"p50": 50, "p90": 90, "p99": 99, "p99.9": 99.9}
SEVERITY = ["regression", "improvement", "not significant", "ok"]  # the worst check names a case


def method(base, cur, alpha, tests):
    """'repetitions' or 'blocks'; raises InputError for repetition counts that can never reach
    alpha / tests, the smallest p-value Holm's correction asks of the first of `tests` tests,
    and for time blocks over samples that are not in time order."""
    nb, nc = base.repetitions, cur.repetitions
    if nb == 1 and nc == 1:
        for side, runs in (("BASELINE", base), ("CURRENT", cur)):
            late = next((c.name for n, c in runs.cases.items()
                         if n in base.cases and n in cur.cases and not c.time_ordered), None)
            if late:
                raise wr.InputError(f"{side}: {late} kept only its histogram (more samples than --raw-samples), "
                                    "and time blocks of one repetition a side need the raw samples in time "
                                    "order; rerun with --repetitions or a larger --raw-samples")
        return "blocks"
    level = alpha / tests
    if st.smallest_u_p_value(nb, nc) < level:
        return "repetitions"
    need = next(n for n in range(2, 200) if st.smallest_u_p_value(n, n) < level)
    raise wr.InputError(f"{nb} vs {nc} repetitions: a Mann-Whitney U test cannot reach p < {alpha:g} / {tests} "
                        f"(Holm over {tests} tests) with so few; give {need} or more a side (or one a side)")


def holm(p_values):
    """Holm-adjusted p-values, in the input's order: the family-wise error stays below alpha
    when each adjusted p is compared with alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [1.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def judge(cases, alpha):
    """Verdicts for every check once all p-values are known: Holm over the whole family."""
    checks = [ch for c in cases for ch in c.get("checks", [])]
    for ch, adj in zip(checks, holm([ch["raw_p"] for ch in checks])):
        ch["p_value"] = adj
        if ch["change_pct"] > ch["threshold_pct"] and adj < alpha:
            ch["verdict"] = "regression"
        elif ch["change_pct"] < -ch["threshold_pct"] and adj < alpha:
            ch["verdict"] = "improvement"
        elif abs(ch["change_pct"]) > ch["threshold_pct"]:
            ch["verdict"] = "not significant"
        else:
            ch["verdict"] = "ok"
    for c in cases:
        if "checks" in c:
            c["verdict"] = min((ch["verdict"] for ch in c["checks"]), key=SEVERITY.index)
            c["fail"] = c["verdict"] == "regression"


def values(case, p, how, blocks):
    """What the U test compares: each repetition's percentile, or each time block's."""
    if how == "repetitions":
        return [r.percentile(p) for r in case.measured]
    min_size = 50 if p <= 50 else 200  # a block's p99 needs enough samples to mean anything
    return [st.percentile(b, p) for r in case.measured for b in st.blocks(r.samples, blocks, min_size)]


def compare_case(name, base, cur, how, args):
    row = {"case": name}
    if cur is None:
        return {**row, "verdict": "missing", "fail": True, "note": "not in CURRENT"}
    if not cur.ok or not cur.count:
        return {**row, "verdict": "failed", "fail": True, "note": f"failed in CURRENT: {cur.first_error or 'no samples'}"}
    if not base.ok or not base.count:
        return {**row, "verdict": "no baseline", "fail": False, "note": "the baseline case did not complete"}
    checks = []
    for p, threshold in ((50, args.p50_threshold), (99, args.p99_threshold)):
        vb, vc = base.percentile(p), cur.percentile(p)
        change = 100.0 * (vc / vb - 1)
        xb, xc = values(base, p, how, args.blocks), values(cur, p, how, args.blocks)
        # One-sided in the direction the change went; judge() corrects for the whole family.
        raw_p = st.mann_whitney(xc, xb, "greater" if change >= 0 else "less")
        test = f"U over {how if how == 'repetitions' else 'time blocks'} ({len(xb)} vs {len(xc)})"
        checks.append({"p": p, "base_ns": vb, "cur_ns": vc, "change_pct": change, "threshold_pct": threshold,
                       "raw_p": raw_p, "test": test})
    return {**row, "checks": checks, "note": ""}


def check_ratio(rule, current):
    label = f"{rule['numerator']} / {rule['denominator']}"
    selected = {n for run in current.runs for n in run["config"]["cases"]}
    for name in (rule["numerator"], rule["denominator"]):
        case = current.cases.get(name)
        if case is None and name not in selected:
            return {"rule": label, "verdict": "not applicable", "fail": False, "note": f"{name} was not run"}
        if case is None or not case.ok or not case.count:
            why = "missing" if case is None else (case.first_error or "no samples")
            return {"rule": label, "verdict": "failed", "fail": True, "note": f"{name}: {why}"}
    num, den = current.cases[rule["numerator"]], current.cases[rule["denominator"]]
    p = STATS[rule.get("stat", "p50")]
    r = wr.ratio_interval(num, den, p)
    ratio, lo, hi = r["ratio"], r["lo"], r["hi"]
    fail = lo is not None and lo > rule["max"]
    return {"rule": label, "stat": rule.get("stat", "p50"), "ratio": ratio, "ci": [lo, hi], "max": rule["max"],
            "verdict": "exceeded" if fail else ("ok" if ratio <= rule["max"] else "above max, not significant"),
            "fail": fail, "note": rule.get("why", "")}


def load_policy(path):
    try:
        policy = wr.read_json(path)
        if not isinstance(policy, dict) or not isinstance(policy.get("ratios"), list):
            raise ValueError("no list of ratios")
        for r in policy["ratios"]:
            if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("numerator", "denominator")):
                raise ValueError("every rule needs a numerator and a denominator case name")
            m = r.get("max")
            if isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m) or m <= 0:
                raise ValueError(f"{r['numerator']} / {r['denominator']}: max must be a positive number")
            if r.get("stat", "p50") not in STATS:
                raise ValueError(f"{r['numerator']} / {r['denominator']}: stat must be one of {', '.join(STATS)}")
        return policy
    except (wr.InputError, ValueError) as e:
        raise wr.InputError(f"{path}: not a usable gate policy: {e}")


def render_ratios(lines, ratios):
    if ratios:
        lines += ["", "Ratios inside CURRENT (fail when the 95 % bootstrap interval lies wholly above max; paired "
                  "over repetitions when there are several, else blocks of consecutive samples):", "",
                  "| ratio | stat | measured [95 % CI] | max | verdict | why |", "|---|---|---|--:|---|---|"]
        for r in ratios:
            if "ratio" not in r:
                verdict = f"**{r['verdict']}**" if r["fail"] else r["verdict"]
                lines.append(f"| `{r['rule']}` | | | | {verdict} | {r['note']} |")
                continue
            verdict = f"**{r['verdict']}**" if r["fail"] else r["verdict"]
            ci = "no interval" if r["ci"][0] is None else f"[{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
            lines.append(f"| `{r['rule']}` | {r['stat']} | {r['ratio']:.2f} {ci} | "
                         f"{r['max']:g} | {verdict} | {r['note']} |")
    return "\n".join(lines) + "\n"


def render(cases, ratios, base, cur, how, args):
    tests = sum(len(c.get("checks", [])) for c in cases)
    failed = any(c["fail"] for c in cases) or any(r["fail"] for r in ratios)
    lines = [f"### wpbench gate: {'FAIL' if failed else 'pass'}", ""]
    if args.ratios_only:
        lines += [f"- current: {cur.describe()}", "- ratio rules only (no baseline)"]
        return render_ratios(lines, ratios), failed
    lines += [f"- baseline: {base.describe()}", f"- current: {cur.describe()}",
              f"- regression = change beyond {args.p50_threshold:g} % (p50) or {args.p99_threshold:g} % (p99) "
              f"AND one-sided Mann-Whitney U p < {args.alpha:g}, "
              f"Holm-corrected over the {tests} tests below (p shown corrected)"]
    if wr.machine(base.runs[0]) != wr.machine(cur.runs[0]):
        lines.append("- **baseline and current ran on different machines: absolute times do not carry "
                     "across machines; trust the ratio rules below**")
    if how == "blocks":
        lines.append("- one repetition a side: significance comes from time blocks within each, which do not "
                     "see noise from one repetition or run to the next; give enough repetitions a side "
                     "(--repetitions, or alternated runs) for a gate to trust (see --help)")
    lines += ["", "| case | p50 base → current (ms) | change | p99 base → current (ms) | change | test | verdict |",
              "|---|---|--:|---|--:|---|---|"]
    for c in cases:
        if "checks" not in c:
            lines.append(f"| `{c['case']}` | | | | | | **{c['verdict']}**: {c['note']} |")
            continue
        a, b = c["checks"]
        verdict = f"**{c['verdict']}**" if c["verdict"] in ("regression", "improvement") else c["verdict"]
        test = a["test"] if a["test"] == b["test"] else f"p50: {a['test']}; p99: {b['test']}"
        lines.append(f"| `{c['case']}` | {st.fmt_ms(a['base_ns'])} → {st.fmt_ms(a['cur_ns'])} | "
                     f"{a['change_pct']:+.1f} % (p={a['p_value']:.2g}) | {st.fmt_ms(b['base_ns'])} → "
                     f"{st.fmt_ms(b['cur_ns'])} | {b['change_pct']:+.1f} % (p={b['p_value']:.2g}) | "
                     f"{test} | {verdict} |")
    return render_ratios(lines, ratios), failed


def main(argv):
    ap = wr.OneLineParser(prog="gate", description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", metavar="BASELINE CURRENT",
                    help="result files or directories of them (CURRENT alone with --ratios-only)")
    ap.add_argument("--ratios-only", action="store_true",
                    help="check only the ratio rules inside CURRENT: the gate for shared runners "
                         "where no baseline ran on the same machine")
    ap.add_argument("--p50-threshold", type=float, default=10.0, metavar="PCT", help="default 10")
    ap.add_argument("--p99-threshold", type=float, default=25.0, metavar="PCT", help="default 25")
    ap.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    ap.add_argument("--blocks", type=int, default=20,
                    help="time blocks per repetition with one repetition a side (default 20)")
    ap.add_argument("--policy", default=str(DEFAULT_POLICY), help="ratio rules (default scripts/gate-policy.json)")
    ap.add_argument("--no-policy", action="store_true", help="skip the ratio rules")
    args = ap.parse_args(argv[1:])
    want = 1 if args.ratios_only else 2
    if len(args.runs) != want:
        ap.error(f"expected {'CURRENT' if want == 1 else 'BASELINE CURRENT'}, got {len(args.runs)} argument(s)")
    if args.ratios_only and args.no_policy:
        ap.error("--ratios-only with --no-policy leaves nothing to check")
    if not (0 < args.alpha < 1) or args.blocks < 2 or not all(
            math.isfinite(t) and t >= 0 for t in (args.p50_threshold, args.p99_threshold)):
        ap.error("--alpha must be in (0, 1), --blocks at least 2, thresholds finite and >= 0")
    try:
        cur = wr.RunSet([args.runs[-1]])
        base = cur if args.ratios_only else wr.RunSet([args.runs[0]])
        if not set(base.cases) & set(cur.cases):
            raise wr.InputError("BASELINE and CURRENT have no case in common: not runs of the same suite")
        common = [n for n in base.cases if n in cur.cases]
        how = "repetitions" if args.ratios_only else method(base, cur, args.alpha, max(1, 2 * len(common)))
        policy = {"ratios": []} if args.no_policy else load_policy(args.policy)
    except wr.InputError as e:
        print(f"gate: {e}", file=sys.stderr)
        return 2
    cases = [] if args.ratios_only else [compare_case(n, b, cur.cases.get(n), how, args)
                                         for n, b in base.cases.items()]
    judge(cases, args.alpha)
    ratios = [check_ratio(r, cur) for r in policy["ratios"]]
    text, failed = render(cases, ratios, base, cur, how, args)
    print(text, end="")
    return 1 if failed else 0
