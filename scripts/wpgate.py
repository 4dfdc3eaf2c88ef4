"""CI regression gate: compares CURRENT wpbench results with BASELINE, and checks ratios inside
CURRENT against a policy file.

Usage: gate [options] BASELINE CURRENT
       gate --ratios-only [options] CURRENT

BASELINE and CURRENT are result files or directories of them (one default run a side is
enough). Every case gets one of three answers, as Chromium's Pinpoint gives them:
  - regression: its p50 (or p99) changed by more than the threshold (--p50-threshold,
    --p99-threshold) AND the change is significant: p = min(Kolmogorov-Smirnov, Mann-Whitney U),
    one-sided, over time blocks of each repetition (--blocks per repetition), below --alpha after
    Holm's correction over every test the gate makes (two per case), so a build compared with
    itself fails with probability below --alpha however many cases there are. KS sees a change
    in the tail that Mann-Whitney misses;
  - inconclusive: the change is beyond the threshold but not significant; the gate says about
    how many more repetitions a side would decide it;
  - pass: anything else (a change within the threshold, or an improvement).
With --instructions counts on both sides (wpbench --instructions N), each case's client
instructions per insert are gated too, at --instructions-threshold (default 2 %): the counts are
deterministic, so no statistics are needed; the gate for shared CI runners.
A case of BASELINE that is missing or failed in CURRENT fails the gate. Ratio rules
(--policy, default scripts/gate-policy.json) fail when a ratio's 95 % interval (paired over
repetitions) lies wholly above its max, or when a case they name was selected in CURRENT but did
not complete; with --ratios-only, a policy none of whose rules applies to CURRENT is refused
(exit 2): a gate that checked nothing must not pass. Prints a Markdown table for a pull-request
comment, or with --format json the same verdicts for a machine (json_verdict(): per case and
statistic the baseline and current values with their 95 % intervals, the threshold, the p-value
and the verdict; per ratio rule the ratio, its interval, the max and the verdict; the overall
verdict and exit code).
Exit 0 pass, 1 regression, 2 unusable input, 3 inconclusive (no regression, but a change beyond a
threshold that these runs cannot call), whichever the format.
"""
import json
import math
import sys

import wpbench_results as wr
import wpstats as st

DEFAULT_POLICY = wr.ROOT / "scripts" / "gate-policy.json"
STATS = {"p50": 50, "p90": 90, "p99": 99, "p99.9": 99.9}
SEVERITY = ["regression", "inconclusive", "improvement", "ok"]  # the worst check names a case


def check_histograms(base, cur):
    """Time blocks need the raw samples in time order; raises InputError naming a case that kept
    only its histogram (more samples than --raw-samples)."""
    for side, runs in (("BASELINE", base), ("CURRENT", cur)):
        late = next((c.name for n, c in runs.cases.items()
                     if n in base.cases and n in cur.cases and not c.time_ordered), None)
        if late:
            raise wr.InputError(f"{side}: {late} kept only its histogram (more samples than --raw-samples), "
                                "and the gate's time blocks need the raw samples in time order; rerun with a "
                                "larger --raw-samples")


def holm(p_values):
    """Holm-adjusted p-values, in the input's order: the family-wise error stays below alpha
    when each adjusted p is compared with alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [1.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def more_repetitions(raw_p, alpha, tests, reps):
    """About how many more repetitions a side would make a change as large as this one
    significant: the test statistic grows with the square root of the data, so the z-score
    needed over the one seen, squared, scales the repetitions. None when the change looks like
    noise (more data would not show it) or would need more than 100."""
    need = st.normal_quantile(1 - alpha / max(1, tests))
    seen = st.normal_quantile(1 - max(raw_p, 1e-300))
    if seen <= 0.5:
        return None
    more = math.ceil(reps * (need / seen) ** 2) - reps
    return max(1, more) if more <= 100 else None


def judge(cases, alpha):
    """Verdicts for every check once all p-values are known: Holm over the whole family."""
    checks = [ch for c in cases for ch in c.get("checks", [])]
    for ch, adj in zip(checks, holm([ch["raw_p"] for ch in checks])):
        ch["p_value"] = adj
        beyond = abs(ch["change_pct"]) > ch["threshold_pct"]
        if beyond and adj < alpha:
            ch["verdict"] = "regression" if ch["change_pct"] > 0 else "improvement"
        elif beyond and ch["change_pct"] > 0:
            ch["verdict"] = "inconclusive"
            ch["more"] = more_repetitions(ch["raw_p"], alpha, len(checks), ch["reps"])
        else:
            ch["verdict"] = "ok"
    for c in cases:
        if "checks" in c:
            c["verdict"] = min((ch["verdict"] for ch in c["checks"]), key=SEVERITY.index)
            c["fail"] = c["verdict"] == "regression"


def block_values(case, p, blocks):
    """Each time block's percentile p, every repetition cut into `blocks` blocks of consecutive
    samples: what the tests compare. Blocks keep the time structure that single samples would
    hide (a slow minute is one block's worth, not thousands of independent draws)."""
    min_size = 50 if p <= 50 else 200  # a block's p99 needs enough samples to mean anything
    return [st.percentile(b, p) for r in case.measured for b in st.blocks(r.samples, blocks, min_size)]


def machine_changes(runs):
    """What wpbench saw change under each run of a side (every case slower from some repetition
    on, a frequency or governor change), with the run id when the side pools several files."""
    return [m if len(runs.runs) == 1 else f"run {run['run_id']}: {m}"
            for run in runs.runs for m in run.get("machine_changes") or []]


def compare_case(name, base, cur, args):
    row = {"case": name}
    if cur is None:
        return {**row, "verdict": "missing", "fail": True, "note": "not in CURRENT"}
    if cur.not_measured and (base is None or base.not_measured):
        # Neither side could run it (a peer-only DSN leaves TCP out of both): nothing to compare,
        # and nothing that changed.
        return {**row, "verdict": "not measured", "fail": False,
                "note": f"not measured in either run: {cur.first_error or 'not measured'}"}
    if not cur.ok or not cur.count:
        return {**row, "verdict": "failed", "fail": True, "note": f"failed in CURRENT: {cur.first_error or 'no samples'}"}
    if not base.ok or not base.count:
        return {**row, "verdict": "no baseline", "fail": False, "note": "the baseline case did not complete"}
    checks = []
    for p, threshold in ((50, args.p50_threshold), (99, args.p99_threshold)):
        vb, vc = base.percentile(p), cur.percentile(p)
        change = 100.0 * (vc / vb - 1)
        xb, xc = block_values(base, p, args.blocks), block_values(cur, p, args.blocks)
        # One-sided in the direction the change went; judge() corrects for the whole family.
        direction = "greater" if change >= 0 else "less"
        raw_p = min(st.mann_whitney(xc, xb, direction), st.kolmogorov_smirnov(xc, xb, direction))
        test = f"min(KS, U) over time blocks ({len(xb)} vs {len(xc)})"
        checks.append({"p": p, "base_ns": vb, "cur_ns": vc, "change_pct": change, "threshold_pct": threshold,
                       "raw_p": raw_p, "test": test, "reps": min(len(base.measured), len(cur.measured))})
    return {**row, "checks": checks, "note": ""}


def compare_instructions(name, base, cur, threshold):
    """The client's instructions per insert, both sides counted: a change beyond the threshold
    fails; the counts are deterministic, so there is nothing to test for significance."""
    b = base.instructions_per_insert if base else None
    c = cur.instructions_per_insert if cur else None
    if b is None or c is None:
        return None
    change = 100.0 * (c / b - 1)
    verdict = "regression" if change > threshold else ("improvement" if change < -threshold else "ok")
    return {"case": name, "base": b, "cur": c, "change_pct": change, "threshold_pct": threshold,
            "verdict": verdict, "fail": verdict == "regression"}


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
    return {"rule": label, "numerator": num.name, "denominator": den.name, "stat": rule.get("stat", "p50"),
            "ratio": ratio, "ci": [lo, hi], "method": r["method"], "source": r["source"], "max": rule["max"],
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
        with_ci = [r for r in ratios if "ratio" in r and r["ci"][0] is not None]
        methods = sorted({wr.how(r) for r in with_ci})
        # Where the file's intervals and the scripts' meet in one table, the scripts' are marked.
        mixed = len({r["source"] for r in with_ci}) > 1
        lines += ["", "Ratios inside CURRENT (fail when the 95 % interval lies wholly above max; paired "
                  "over repetitions when there are several, else blocks of consecutive samples"
                  + (f"; here: {'; '.join(methods)}" if methods else "")
                  + ("; * computed by the scripts" if mixed else "") + "):", "",
                  "| ratio | stat | measured [95 % CI] | max | verdict | why |", "|---|---|---|--:|---|---|"]
        for r in ratios:
            if "ratio" not in r:
                verdict = f"**{r['verdict']}**" if r["fail"] else r["verdict"]
                lines.append(f"| `{r['rule']}` | | | | {verdict} | {r['note']} |")
                continue
            verdict = f"**{r['verdict']}**" if r["fail"] else r["verdict"]
            ci = "no interval" if r["ci"][0] is None else f"[{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
            if mixed and r["ci"][0] is not None and r["source"] == wr.COMPUTED:
                ci += "*"
            lines.append(f"| `{r['rule']}` | {r['stat']} | {r['ratio']:.2f} {ci} | "
                         f"{r['max']:g} | {verdict} | {r['note']} |")
    return "\n".join(lines) + "\n"


def outcome(cases, ratios, instructions):
    """'FAIL', 'inconclusive' or 'pass', with the exit code."""
    if any(c["fail"] for c in cases) or any(r["fail"] for r in ratios) or any(i["fail"] for i in instructions):
        return "FAIL", 1
    if any(c.get("verdict") == "inconclusive" for c in cases):
        return "inconclusive", 3
    return "pass", 0


def render_instructions(lines, instructions, args):
    if instructions:
        lines += ["", f"Client instructions per insert (callgrind; deterministic, so a change beyond "
                      f"{args.instructions_threshold:g} % fails without a test):", "",
                  "| case | base → current | change | verdict |", "|---|---|--:|---|"]
        for i in instructions:
            verdict = f"**{i['verdict']}**" if i["verdict"] != "ok" else "ok"
            lines.append(f"| `{i['case']}` | {i['base']:.0f} → {i['cur']:.0f} | {i['change_pct']:+.2f} % | {verdict} |")


def verdict_cell(c):
    v = c["verdict"]
    text = f"**{v}**" if v in ("regression", "improvement", "inconclusive") else v
    if v == "inconclusive":
        more = [ch.get("more") for ch in c["checks"] if ch["verdict"] == "inconclusive"]
        known = [m for m in more if m is not None]
        text += (f": about {max(known)} more repetitions a side would decide it" if known and len(known) == len(more)
                 else ": within run-to-run noise; more repetitions would likely not show it")
    return text


def render(cases, ratios, instructions, base, cur, args):
    tests = sum(len(c.get("checks", [])) for c in cases)
    word, code = outcome(cases, ratios, instructions)
    lines = [f"### wpbench gate: {word}", ""]
    if args.ratios_only:
        lines += [f"- current: {cur.describe()}", "- ratio rules only (no baseline)"]
        render_instructions(lines, instructions, args)
        return render_ratios(lines, ratios), code
    lines += [f"- baseline: {base.describe()}", f"- current: {cur.describe()}",
              f"- regression = change beyond {args.p50_threshold:g} % (p50) or {args.p99_threshold:g} % (p99) "
              f"AND one-sided p = min(Kolmogorov-Smirnov, Mann-Whitney U) over time blocks below {args.alpha:g}, "
              f"Holm-corrected over the {tests} tests below (p shown corrected); inconclusive = beyond the "
              "threshold but not significant"]
    if not st.exact_tests():
        lines.append("- scipy is not installed: the Kolmogorov-Smirnov p-values are its asymptotic approximation "
                     "(scripts/wpdist.py), a few per cent below the exact ones at these sizes")
    for side, runs in (("baseline", base), ("current", cur)):
        for change in machine_changes(runs):
            lines.append(f"- **the {side} run saw its machine change** ({change}): a difference between the runs "
                         "may be the machine's, not the code's; rerun, or trust the instruction counts and the "
                         "ratio rules below")
    if wr.machine(base.runs[0]) != wr.machine(cur.runs[0]):
        lines.append("- **baseline and current ran on different machines: absolute times do not carry "
                     "across machines; trust the instruction counts and the ratio rules below**")
    lines += ["", "| case | p50 base → current (ms) | change | p99 base → current (ms) | change | test | verdict |",
              "|---|---|--:|---|--:|---|---|"]
    for c in cases:
        if "checks" not in c:
            lines.append(f"| `{c['case']}` | | | | | | **{c['verdict']}**: {c['note']} |")
            continue
        a, b = c["checks"]
        test = a["test"] if a["test"] == b["test"] else f"p50: {a['test']}; p99: {b['test']}"
        lines.append(f"| `{c['case']}` | {st.fmt_ms(a['base_ns'])} → {st.fmt_ms(a['cur_ns'])} | "
                     f"{a['change_pct']:+.1f} % (p={a['p_value']:.2g}) | {st.fmt_ms(b['base_ns'])} → "
                     f"{st.fmt_ms(b['cur_ns'])} | {b['change_pct']:+.1f} % (p={b['p_value']:.2g}) | "
                     f"{test} | {verdict_cell(c)} |")
    render_instructions(lines, instructions, args)
    return render_ratios(lines, ratios), code


def _interval(case, p):
    """[lo, hi] of a case's percentile p with how it was drawn, or None (wr's rule)."""
    iv = case.interval(p)
    return {"lo": iv["lo"], "hi": iv["hi"], "method": iv["method"], "source": iv["source"]} if iv else None


def json_verdict(cases, ratios, instructions, base, cur, args):
    """The gate's verdicts as one JSON-ready dict (what --format json prints), and the exit code."""
    word, code = outcome(cases, ratios, instructions)
    out = {"verdict": {"FAIL": "fail"}.get(word, word), "exit_code": code,
           "baseline": None if args.ratios_only else {"paths": base.paths, "describe": base.describe(),
                                                      "machine_changes": machine_changes(base)},
           "current": {"paths": cur.paths, "describe": cur.describe(), "machine_changes": machine_changes(cur)},
           "ratios_only": args.ratios_only,
           "different_machines": not args.ratios_only and wr.machine(base.runs[0]) != wr.machine(cur.runs[0]),
           "alpha": args.alpha, "blocks": args.blocks,
           "thresholds_pct": {"p50": args.p50_threshold, "p99": args.p99_threshold,
                              "instructions": args.instructions_threshold},
           "cases": [], "instructions": [], "ratios": []}
    for c in cases:
        row = {"case": c["case"], "verdict": c["verdict"], "fail": c["fail"], "note": c["note"], "checks": []}
        for ch in c.get("checks", []):
            row["checks"].append({
                "stat": f"p{ch['p']:g}", "baseline_ns": ch["base_ns"], "current_ns": ch["cur_ns"],
                "baseline_interval_ns": _interval(base.cases[c["case"]], ch["p"]),
                "current_interval_ns": _interval(cur.cases[c["case"]], ch["p"]),
                "change_pct": ch["change_pct"], "threshold_pct": ch["threshold_pct"], "test": ch["test"],
                "p_value": ch["p_value"], "raw_p_value": ch["raw_p"], "verdict": ch["verdict"],
                "more_repetitions": ch.get("more")})
        out["cases"].append(row)
    for i in instructions:
        out["instructions"].append({"case": i["case"], "stat": "instructions per insert", "baseline": i["base"],
                                    "current": i["cur"], "change_pct": i["change_pct"],
                                    "threshold_pct": i["threshold_pct"], "verdict": i["verdict"], "fail": i["fail"]})
    for r in ratios:
        row = {"rule": r["rule"], "verdict": r["verdict"], "fail": r["fail"], "note": r["note"]}
        if "ratio" in r:
            lo, hi = r["ci"]
            row.update({"numerator": r["numerator"], "denominator": r["denominator"], "stat": r["stat"],
                        "ratio": r["ratio"], "interval": None if lo is None else [lo, hi],
                        "interval_method": r["method"] if lo is not None else None,
                        "interval_source": r["source"] if lo is not None else None, "max": r["max"]})
        out["ratios"].append(row)
    return out, code


def main(argv):
    ap = wr.OneLineParser(prog="gate", description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", metavar="BASELINE CURRENT",
                    help="result files or directories of them (CURRENT alone with --ratios-only)")
    ap.add_argument("--ratios-only", action="store_true",
                    help="check only the ratio rules inside CURRENT: the gate for shared runners "
                         "where no baseline ran on the same machine")
    ap.add_argument("--p50-threshold", type=float, default=10.0, metavar="PCT", help="default 10")
    ap.add_argument("--p99-threshold", type=float, default=25.0, metavar="PCT", help="default 25")
    ap.add_argument("--instructions-threshold", type=float, default=2.0, metavar="PCT",
                    help="client instructions per insert, when both sides counted them (default 2)")
    ap.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    ap.add_argument("--blocks", type=int, default=10,
                    help="time blocks per repetition the tests compare (default 10)")
    ap.add_argument("--policy", default=str(DEFAULT_POLICY), help="ratio rules (default scripts/gate-policy.json)")
    ap.add_argument("--no-policy", action="store_true", help="skip the ratio rules")
    ap.add_argument("--format", choices=["markdown", "json"], default="markdown",
                    help="markdown for a pull-request comment (default), or json for a machine; "
                         "the exit code is the same")
    args = ap.parse_args(argv[1:])
    want = 1 if args.ratios_only else 2
    if len(args.runs) != want:
        ap.error(f"expected {'CURRENT' if want == 1 else 'BASELINE CURRENT'}, got {len(args.runs)} argument(s)")
    if args.ratios_only and args.no_policy:
        ap.error("--ratios-only with --no-policy leaves nothing to check")
    if not (0 < args.alpha < 1) or args.blocks < 2 or not all(
            math.isfinite(t) and t >= 0 for t in (args.p50_threshold, args.p99_threshold,
                                                    args.instructions_threshold)):
        ap.error("--alpha must be in (0, 1), --blocks at least 2, thresholds finite and >= 0")
    try:
        cur = wr.RunSet([args.runs[-1]])
        base = cur if args.ratios_only else wr.RunSet([args.runs[0]])
        if not set(base.cases) & set(cur.cases):
            raise wr.InputError("BASELINE and CURRENT have no case in common: not runs of the same suite")
        if not args.ratios_only:
            check_histograms(base, cur)
        policy = {"ratios": []} if args.no_policy else load_policy(args.policy)
        ratios = [check_ratio(r, cur) for r in policy["ratios"]]
        if args.ratios_only and all(r["verdict"] == "not applicable" for r in ratios):
            raise wr.InputError(f"none of the {len(ratios)} ratio rules of {args.policy} applies to CURRENT "
                                "(none of its cases ran): the gate would check nothing")
    except wr.InputError as e:
        print(f"gate: {e}", file=sys.stderr)
        return 2
    cases = [] if args.ratios_only else [compare_case(n, b, cur.cases.get(n), args) for n, b in base.cases.items()]
    judge(cases, args.alpha)
    instructions = [] if args.ratios_only else [
        i for i in (compare_instructions(n, b, cur.cases.get(n), args.instructions_threshold)
                    for n, b in base.cases.items()) if i]
    if args.format == "json":
        verdict, code = json_verdict(cases, ratios, instructions, base, cur, args)
        print(json.dumps(verdict, indent=1, allow_nan=False))
        return code
    text, code = render(cases, ratios, instructions, base, cur, args)
    print(text, end="")
    return code
