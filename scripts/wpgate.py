"""CI regression gate: compares CURRENT wpbench results with BASELINE, and checks ratios inside
CURRENT against a policy file.

Usage: gate [options] BASELINE CURRENT
       gate --ratios-only [options] CURRENT

BASELINE and CURRENT are result files or directories of them; each file counts as one
repetition. Per case, a regression is a p50 (or p99) change beyond its threshold AND
statistically significant at --alpha by a one-sided Mann-Whitney U test:
  - over repetitions (each run's p50 / p99) when both sides have 3 or more;
  - otherwise over consecutive time blocks of each run (batch means), which sees noise within
    a run but not from run to run: with one run a side, prefer the ratio rules.
A case of BASELINE that is missing or failed in CURRENT fails the gate. Ratio rules
(--policy, default scripts/gate-policy.json) fail when a ratio's 95 % bootstrap interval lies
wholly above its max. Prints a Markdown table for a pull-request comment.
Exit 0 pass, 1 regression, 2 unusable input.
"""
import argparse
import json
import sys

import wpbench_results as wr
import wpstats as st

DEFAULT_POLICY = wr.ROOT / "scripts" / "gate-policy.json"
MIN_REPETITIONS = 3


def significance(base, cur, p, blocks):
    """(p-value that cur > base, p-value that cur < base, method) for percentile p."""
    nb, nc = len(base.repetitions), len(cur.repetitions)
    if min(nb, nc) >= MIN_REPETITIONS:
        vb = [st.percentile(r, p) for r in base.repetitions if r]
        vc = [st.percentile(r, p) for r in cur.repetitions if r]
        method = f"U over repetitions ({len(vb)} vs {len(vc)})"
    else:
        # A p99 needs enough samples per block to mean anything.
        min_size = 50 if p <= 50 else 200
        vb = [st.percentile(b, p) for r in base.repetitions for b in st.blocks(r, blocks, min_size)]
        vc = [st.percentile(b, p) for r in cur.repetitions for b in st.blocks(r, blocks, min_size)]
        method = f"U over time blocks ({len(vb)} vs {len(vc)})"
    return st.mann_whitney_greater(vc, vb), st.mann_whitney_less(vc, vb), method


def compare_case(name, base, cur, args):
    row = {"case": name}
    if cur is None:
        return {**row, "verdict": "missing", "fail": True, "note": "not in CURRENT"}
    if not cur.ok:
        err = next((r.get("error") or r["status"] for r in cur.records if r["status"] != "ok"), "")
        return {**row, "verdict": "failed", "fail": True, "note": f"failed in CURRENT: {err}"}
    if not base.ok or not base.samples:
        return {**row, "verdict": "no baseline", "fail": False, "note": "the baseline case did not complete"}
    checks = []
    for p, threshold in ((50, args.p50_threshold), (99, args.p99_threshold)):
        vb, vc = st.percentile(base.samples, p), st.percentile(cur.samples, p)
        change = 100.0 * (vc / vb - 1)
        p_up, p_down, method = significance(base, cur, p, args.blocks)
        if change > threshold and p_up < args.alpha:
            verdict = "regression"
        elif change < -threshold and p_down < args.alpha:
            verdict = "improvement"
        elif abs(change) > threshold:
            verdict = "not significant"
        else:
            verdict = "ok"
        checks.append({"p": p, "base_ns": vb, "cur_ns": vc, "change_pct": change, "threshold_pct": threshold,
                       "p_value": p_up if change >= 0 else p_down, "method": method, "verdict": verdict})
    worst = next((c["verdict"] for c in checks if c["verdict"] == "regression"),
                 next((c["verdict"] for c in checks if c["verdict"] == "improvement"), checks[0]["verdict"]))
    return {**row, "checks": checks, "verdict": worst, "fail": worst == "regression", "note": ""}


def check_ratio(rule, current):
    num, den = current.cases.get(rule["numerator"]), current.cases.get(rule["denominator"])
    label = f"{rule['numerator']} / {rule['denominator']}"
    if num is None or den is None or not num.samples or not den.samples:
        return {"rule": label, "verdict": "not applicable", "fail": False, "note": "case not in CURRENT"}
    p = float(rule.get("stat", "p50").lstrip("p"))
    ratio = st.percentile(num.samples, p) / st.percentile(den.samples, p)
    lo, hi = st.bootstrap_ratio_ci(num.samples, den.samples, p)
    fail = lo > rule["max"]
    return {"rule": label, "stat": rule.get("stat", "p50"), "ratio": ratio, "ci": [lo, hi], "max": rule["max"],
            "verdict": "exceeded" if fail else ("ok" if ratio <= rule["max"] else "above max, not significant"),
            "fail": fail, "note": rule.get("why", "")}


def load_policy(path):
    try:
        with open(path, encoding="utf-8") as f:
            policy = json.load(f)
        for r in policy["ratios"]:
            r["numerator"], r["denominator"], float(r["max"])
        return policy
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise wr.InputError(f"{path}: not a gate policy file ({type(e).__name__}: {e})")


def render(cases, ratios, base, cur, args):
    failed = [c for c in cases if c["fail"]] + [r for r in ratios if r["fail"]]
    lines = [f"### wpbench gate: {'FAIL' if failed else 'pass'}", ""]
    if args.ratios_only:
        lines += [f"- current: {cur.describe()}", "- ratio rules only (no baseline)"]
        return _render_ratios(lines, ratios), bool(failed)
    lines += [f"- baseline: {base.describe()}", f"- current: {cur.describe()}",
             f"- regression = change beyond {args.p50_threshold:g} % (p50) or {args.p99_threshold:g} % (p99) "
             f"AND one-sided Mann-Whitney U p < {args.alpha:g}"]
    if base.context["host"].get("cpu_model") != cur.context["host"].get("cpu_model") or \
            base.context["host"].get("hostname") != cur.context["host"].get("hostname"):
        lines.append("- **baseline and current ran on different machines: absolute times do not carry "
                     "across machines; trust the ratio rules below**")
    if min(len(c.repetitions) for c in list(base.cases.values()) + list(cur.cases.values())) < MIN_REPETITIONS:
        lines.append(f"- fewer than {MIN_REPETITIONS} repetitions a side: significance comes from time blocks "
                     "within each run and does not see run-to-run noise")
    lines += ["", "| case | p50 base → current (ms) | change | p99 base → current (ms) | change | test | verdict |",
              "|---|---|--:|---|--:|---|---|"]
    for c in cases:
        if "checks" not in c:
            lines.append(f"| `{c['case']}` | | | | | | **{c['verdict']}**: {c['note']} |")
            continue
        a, b = c["checks"]
        verdict = f"**{c['verdict']}**" if c["verdict"] in ("regression", "improvement") else c["verdict"]
        lines.append(f"| `{c['case']}` | {st.fmt_ms(a['base_ns'])} → {st.fmt_ms(a['cur_ns'])} | "
                     f"{a['change_pct']:+.1f} % (p={a['p_value']:.2g}) | {st.fmt_ms(b['base_ns'])} → "
                     f"{st.fmt_ms(b['cur_ns'])} | {b['change_pct']:+.1f} % (p={b['p_value']:.2g}) | "
                     f"{a['method']} | {verdict} |")
    return _render_ratios(lines, ratios), bool(failed)


def _render_ratios(lines, ratios):
    if ratios:
        lines += ["", "Ratios inside CURRENT (fail when the 95 % bootstrap interval lies wholly above max):", "",
                  "| ratio | stat | measured [95 % CI] | max | verdict | why |", "|---|---|---|--:|---|---|"]
        for r in ratios:
            if "ratio" not in r:
                lines.append(f"| `{r['rule']}` | | | | {r['verdict']} | {r['note']} |")
                continue
            verdict = f"**{r['verdict']}**" if r["fail"] else r["verdict"]
            lines.append(f"| `{r['rule']}` | {r['stat']} | {r['ratio']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}] | "
                         f"{r['max']:g} | {verdict} | {r['note']} |")
    return "\n".join(lines) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(prog="gate", description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", metavar="BASELINE CURRENT",
                    help="result files or directories of them (CURRENT alone with --ratios-only)")
    ap.add_argument("--ratios-only", action="store_true",
                    help="check only the ratio rules inside CURRENT: the gate for shared runners "
                         "where no baseline ran on the same machine")
    ap.add_argument("--p50-threshold", type=float, default=10.0, metavar="PCT", help="default 10")
    ap.add_argument("--p99-threshold", type=float, default=25.0, metavar="PCT", help="default 25")
    ap.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    ap.add_argument("--blocks", type=int, default=20, help="time blocks per run without repetitions (default 20)")
    ap.add_argument("--policy", default=str(DEFAULT_POLICY), help="ratio rules (default scripts/gate-policy.json)")
    ap.add_argument("--no-policy", action="store_true", help="skip the ratio rules")
    try:
        args = ap.parse_args(argv[1:])
    except SystemExit as e:
        return 2 if e.code else 0
    want = 1 if args.ratios_only else 2
    if len(args.runs) != want:
        print(f"gate: expected {'CURRENT' if want == 1 else 'BASELINE CURRENT'}, got {len(args.runs)} "
              "argument(s)", file=sys.stderr)
        return 2
    if args.ratios_only and args.no_policy:
        print("gate: --ratios-only with --no-policy leaves nothing to check", file=sys.stderr)
        return 2
    try:
        cur = wr.RunSet([args.runs[-1]])
        base = cur if args.ratios_only else wr.RunSet([args.runs[0]])
        common = set(base.cases) & set(cur.cases)
        if not common:
            raise wr.InputError("BASELINE and CURRENT have no case in common: not runs of the same suite")
        policy = {"ratios": []} if args.no_policy else load_policy(args.policy)
    except wr.InputError as e:
        print(f"gate: {e}", file=sys.stderr)
        return 2
    cases = [] if args.ratios_only else [compare_case(n, b, cur.cases.get(n), args)
                                         for n, b in base.cases.items()]
    ratios = [check_ratio(r, cur) for r in policy["ratios"]]
    text, failed = render(cases, ratios, base, cur, args)
    print(text, end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
