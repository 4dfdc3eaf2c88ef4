"""Verdict on the seed post's latency claims (scripts/claims.json) from wpbench results.

Usage: claims [--claims FILE] [--format text|markdown|json] RESULT.json|DIR...

Several files (or a directory of them) are pooled by case name, every repetition of every file.
Each claim names the cases that stand for it; a row per case says what was measured (p50 and p99
with 95 % intervals: a t interval over repetitions when a case has several, else blocks of
consecutive samples; for one file both are the ones wpbench wrote where it wrote them, and an
interval the scripts computed is marked *, as wpbench_results' rule says), the verdict (holds / does not hold / inconclusive / not measured) and why,
from the round trips and, when the run measured it, the decomposition of where the time goes
("3 round trips × 0.06 ms + flush 0.09 ms + server 0.05 ms + driver 0.02 ms"). Exit 0, or 2 on
bad input.
"""
import json
import sys

import wpbench_results as wr
import wpstats as st

DEFAULT_CLAIMS = wr.ROOT / "scripts" / "claims.json"


def rt_text(n):
    return "in-process (no round trip)" if n == 0 else f"{n} round trip{'s' if n != 1 else ''}"


def short_ms(ns):
    """0.06 ms, 0.187 -> 0.19 ms, 0.004 ms: two decimals, three below 0.01 ms."""
    v = ns / 1e6
    return f"{v:.2f}" if abs(v) >= 0.01 or v == 0 else f"{v:.3f}"


def breakdown(case):
    """'3 round trips + commit flush', or, when the run measured the floors, the decomposition
    of the p50: '3 round trips × 0.06 ms + flush 0.09 ms + server 0.05 ms + driver 0.02 ms'."""
    d = case.decomposition
    if not d:
        return f"{rt_text(case.round_trips)} + commit flush"
    if "server_ns" not in d or "round_trips_ns" not in d:  # a decomposition of another shape
        return "; ".join(f"{k.replace('_ns', '')} {st.fmt_ms(v)} ms" for k, v in d.items() if k.endswith("_ns"))
    rt = case.round_trips
    head = (f"{rt} round trip{'s' if rt != 1 else ''} × {short_ms(d['round_trips_ns'] / rt)} ms" if rt
            else "in-process")
    parts = [head]
    if d.get("wake_ns"):  # sample by sample: waking the connection that sat idle
        parts.append(f"wake {short_ms(d['wake_ns'])} ms")
    parts.append(f"flush {short_ms(d['flush_ns'])} ms")
    if d.get("standby_ns"):  # --standby: the commit also waited for the standby
        parts.append(f"standby {short_ms(d['standby_ns'])} ms")
    parts.append(f"server {short_ms(d['server_ns'])} ms")
    driver = f"driver {short_ms(d['driver_ns'])} ms"
    parts.append(driver + (" (below 0: within noise)" if d["driver_ns"] < 0 else ""))
    text = " + ".join(parts)
    if not d.get("complete", True):
        text += " (incomplete: " + ("; ".join(d.get("notes") or []) or "a floor was not measured") + ")"
    return text


STATS = {"p50": 50, "p90": 90, "p99": 99, "p99.9": 99.9}
KINDS = {"below": ("limit_ms", "cases"), "between": ("range_ms", "cases"), "overhead_between": ("range_pct", "pairs")}


def measured(case):
    """What a row shows of a case: p50 and p99 with their intervals (None where there is none),
    and how each interval was drawn and by whom (wpbench_results' rule: for one file the
    harness's, the scripts' only for a file that does not carry it)."""
    out = {"samples": case.count, "repetitions": len(case.measured)}
    for stat, p in (("p50", 50), ("p99", 99)):
        iv = case.interval(p)
        out.update({f"{stat}_ns": case.percentile(p), f"{stat}_ci_ns": [iv["lo"], iv["hi"]] if iv else None,
                    f"{stat}_interval_method": iv["method"] if iv else None,
                    f"{stat}_interval_source": iv["source"] if iv else None})
    out["interval_method"] = out["p50_interval_method"]  # the name earlier versions wrote
    return out


def unusable(case, p=50):
    """Why a case cannot stand for a claim about percentile p, or None."""
    if not case.ok:
        return f"the case did not complete: {case.first_error}"
    if not case.count:
        return "the case has no samples"
    if not case.durable:
        return "measured with non-durable settings; the claim is about durable writes"
    if case.count < st.min_samples(p):
        return f"{case.count} samples are too few to estimate p{p:g} (need {st.min_samples(p)})"
    if len(case.measured) == 1 and not case.time_ordered:
        return ("one repetition that kept only its histogram (more samples than --raw-samples): an interval "
                "needs its samples in time order or several repetitions (--repetitions)")
    if case.interval(p) is None:
        return (f"no interval of p{p:g}: one repetition needs at least {2 * st.MIN_BLOCK} raw samples "
                "for one (or run several, --repetitions)")
    return None


def judge_interval(lo, hi, low_limit, high_limit):
    """holds when the whole interval is inside [low, high], does not hold when it is wholly
    outside, inconclusive when it straddles a limit."""
    if lo >= low_limit and hi <= high_limit:
        return "holds"
    if hi < low_limit or lo > high_limit:
        return "does not hold"
    return "inconclusive"


def level_rows(claim, runs):
    rows = []
    stat, p = claim["stat"], STATS[claim["stat"]]
    for pattern in claim["cases"]:
        found = runs.match(pattern)
        if not found:
            rows.append({"case": pattern, "verdict": "not measured", "reason": "no such case in the run"})
            continue
        for case in found:
            why = unusable(case, p)
            if why:
                rows.append({"case": case.name, "verdict": "not measured", "reason": why})
                continue
            m = measured(case)
            ci = case.interval(p)
            lo, hi = ci["lo"] / 1e6, ci["hi"] / 1e6
            if claim["kind"] == "below":
                limit = claim["limit_ms"]
                verdict = judge_interval(lo, hi, float("-inf"), limit - 1e-12)
                values, counts = case.dist
                over = int(counts[values >= limit * 1e6].sum())
                target = (f"{stat} < {limit} ms: {stat} is {lo:.3f}-{hi:.3f} ms (95 % CI); "
                          f"{over} of {case.count} writes ({100 * over / case.count:.2f} %) "
                          f"took {limit} ms or more")
            else:
                a, b = claim["range_ms"]
                verdict = judge_interval(lo, hi, a, b)
                target = f"{stat} in {a}-{b} ms: {stat} is {lo:.3f}-{hi:.3f} ms (95 % CI)"
            rows.append({"case": case.name, "measured": m, "verdict": verdict,
                         "reason": f"{target}; {breakdown(case)}"})
    return rows


def overhead_rows(claim, runs):
    rows = []
    a, b = claim["range_pct"]
    stat, p = claim["stat"], STATS[claim["stat"]]
    for pair in claim["pairs"]:
        name = f"{pair['case']} vs {pair['baseline']}"
        case, base = runs.cases.get(pair["case"]), runs.cases.get(pair["baseline"])
        missing = [n for n, c in ((pair["case"], case), (pair["baseline"], base)) if c is None]
        if missing:
            rows.append({"case": name, "verdict": "not measured", "reason": f"{', '.join(missing)} not in the run"})
            continue
        why = unusable(case, p) or unusable(base, p)
        if why:
            rows.append({"case": name, "verdict": "not measured", "reason": why})
            continue
        r = wr.ratio_interval(case, base, p)
        if r["lo"] is None:
            rows.append({"case": name, "verdict": "not measured",
                         "reason": "no interval for the ratio: the two cases were not measured in a way that "
                                   "can be compared (several repetitions each, or raw samples of one each)"})
            continue
        ratio, lo, hi = r["ratio"], r["lo"], r["hi"]
        pct, pct_lo, pct_hi = (100 * (x - 1) for x in (ratio, lo, hi))
        verdict = judge_interval(pct_lo, pct_hi, a, b)
        d_iv = wr.difference_interval(case, base, p)
        diff = d_iv["diff"]
        diff_text = f"{diff / 1e6:+.3f} ms" + (f" ({d_iv['lo'] / 1e6:+.3f} to {d_iv['hi'] / 1e6:+.3f}, 95 % CI)"
                                              if d_iv["lo"] is not None else "")
        if case.round_trips != base.round_trips:
            cause = f"{case.round_trips} round trips vs {base.round_trips}; {stat} difference {diff_text}"
        else:
            drift = ("drift that hit both in a repetition cancels (paired by repetition)"
                     if r["method"] == "paired t interval over repetitions" else
                     "plus drift between cases run minutes apart")
            cause = (f"same {rt_text(case.round_trips)}; {stat} difference {diff_text} per insert, the "
                     f"layer's own cost, {drift}")
        ic, ib = case.instructions_per_insert, base.instructions_per_insert
        if ic and ib:
            cause += (f"; {ic / ib:.1f}x the client instructions per insert ({ic:,.0f} vs {ib:,.0f}, "
                      "callgrind)")
        d = base.decomposition
        if d and "flush_ns" in d:
            cause += f"; the flush is {st.fmt_ms(d['flush_ns'])} ms of it"
        mark = COMPUTED_MARK if r["source"] == wr.COMPUTED else ""
        rows.append({"case": name, "measured": measured(case), "overhead_pct": pct,
                     "overhead_ci_pct": [pct_lo, pct_hi], "overhead_interval_method": r["method"],
                     "overhead_interval_source": r["source"], "verdict": verdict,
                     "reason": f"{stat} overhead {pct:+.0f} % ({pct_lo:+.0f} to {pct_hi:+.0f} %, 95 % CI{mark}) "
                               f"vs claimed {a}-{b} %; {cause}"})
    return rows


def summary(rows):
    counted = [r["verdict"] for r in rows if r["verdict"] != "not measured"]
    if not counted:
        return "not measured"
    if all(v == "holds" for v in counted):
        return f"holds ({len(counted)} of {len(counted)} measured)"
    bad = sum(v == "does not hold" for v in counted)
    if bad:
        return f"does not hold ({bad} of {len(counted)} measured)"
    return f"inconclusive ({len(counted)} measured)"


def _check_claim(c):
    """Raises ValueError naming what is wrong with one claim."""
    if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not isinstance(c.get("text"), str):
        raise ValueError("every claim needs an id and a text")
    if c.get("kind") not in KINDS:
        raise ValueError(f"claim {c['id']}: kind must be one of {', '.join(KINDS)}")
    if c.get("stat") not in STATS:
        raise ValueError(f"claim {c['id']}: stat must be one of {', '.join(STATS)}")
    limit, members = KINDS[c["kind"]]
    value = c.get(limit)
    numbers = [value] if limit == "limit_ms" else (value if isinstance(value, list) and len(value) == 2 else None)
    if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise ValueError(f"claim {c['id']}: {limit} must be {'a number' if limit == 'limit_ms' else '[low, high]'}")
    items = c.get(members)
    if not isinstance(items, list) or not items:
        raise ValueError(f"claim {c['id']}: {members} must be a non-empty list")
    if members == "cases" and not all(isinstance(x, str) for x in items):
        raise ValueError(f"claim {c['id']}: cases must be names or patterns")
    if members == "pairs" and not all(isinstance(x, dict) and isinstance(x.get("case"), str)
                                      and isinstance(x.get("baseline"), str) for x in items):
        raise ValueError(f"claim {c['id']}: every pair needs a case and a baseline")


def load_claims(path):
    """The claims file; raises InputError when it is not one."""
    try:
        claims = wr.read_json(path)
        if not isinstance(claims, dict) or not isinstance(claims.get("claims"), list):
            raise ValueError("no list of claims")
        for c in claims["claims"]:
            _check_claim(c)
        return claims
    except (wr.InputError, ValueError) as e:
        raise wr.InputError(f"{path}: not a usable claims file: {e}")


def driver_of(row):
    """The driver a row stands for: the first part of its case name (of the layer, for a pair)."""
    return row["case"].split("/", 1)[0]


def by_driver(rows):
    """The verdict per driver, in the order the rows name them: the headline verdict of a claim
    is set by its noisiest case, but a reader asks about the driver they use."""
    drivers = list(dict.fromkeys(driver_of(r) for r in rows))
    return [{"driver": d, "verdict": summary([r for r in rows if driver_of(r) == d])} for d in drivers]


def evaluate(claims, runs):
    out = []
    for claim in claims["claims"]:
        rows = overhead_rows(claim, runs) if claim["kind"] == "overhead_between" else level_rows(claim, runs)
        out.append({"id": claim["id"], "text": claim["text"], "stat": claim["stat"],
                    "verdict": summary(rows), "by_driver": by_driver(rows), "rows": rows})
    return out


# The post's own stack, in the words its readers use: the direct driver and the layer over it.
POST_DRIVER = "psycopg2/direct/unix"
POST_LAYERS = (("sqlalchemy-core/creator/unix", "SQLAlchemy Core"), ("sqlalchemy-orm/creator/unix", "the ORM"))


def usable(runs, name, p=50):
    case = runs.cases.get(name)
    return case if case is not None and unusable(case, p) is None else None


def in_words(result, runs):
    """The verdict in a few plain sentences for a bot author: what the post's driver costs here,
    what the layer adds, and which claims hold, driver by driver. Empty when the post's driver
    was not measured."""
    base = usable(runs, POST_DRIVER)
    if base is None:
        return ""
    p99 = f" (p99 {st.fmt_ms(base.percentile(99))} ms)" if usable(runs, POST_DRIVER, 99) else ""
    words = [f"On this machine psycopg2, the post's driver, writes a decision durably in "
             f"{st.fmt_ms(base.percentile(50))} ms at p50{p99} over the Unix socket."]
    adds = []
    for name, label in POST_LAYERS:
        layer = usable(runs, name)
        if layer is not None:
            d = wr.difference_interval(layer, base, 50)["diff"]
            adds.append(f"{label} {'adds' if d >= 0 else 'takes'} {st.fmt_ms(abs(d))} ms"
                        f"{'' if d >= 0 else ' less'} ({100 * (layer.percentile(50) / base.percentile(50) - 1):+.0f} %)")
    if adds:
        words.append("; ".join(adds) + ".")
    for c in result:
        verdicts = [f"{d['driver']} {d['verdict'].split(' (')[0]}" for d in c["by_driver"]
                    if d["verdict"] != "not measured"]
        if verdicts:
            words.append(f"\"{c['text']}\": {'; '.join(verdicts)}.")
    found = origins_of(runs)["sentences"]
    if found:
        words.append("Where the post's 3-5 ms can come from, projected from this run's split of each write into "
                     "round trips, flush, server and client (scripts/whatif projects any RTT and flush): "
                     + " ".join(found))
    words += connect_words(runs)
    for run in runs.runs:
        for change in run.get("machine_changes") or []:
            words.append(f"Run {run['run_id']} saw its machine change ({change}): its absolute latencies mix "
                         "both states; the ratios between drivers do not.")
    return " ".join(words)


def origins_of(runs):
    """wpwhatif.origins of the last run that measured its floors (a projection starts from one run's
    split of its p50s): where the post's 3-5 ms can come from. No sentences without one."""
    import wpwhatif  # imports this module: only here, once both are loaded
    for run in reversed(runs.runs):
        if run.get("floors"):
            return wpwhatif.origins(run)
    return {"sentences": []}


def connect_p50(rows, driver, transport="unix"):
    """(p50 ns, authentication) of opening a `driver` connection over `transport` by the
    transport's own authentication (not its trust twin), from a run's `connect` rows; None when
    not timed."""
    row = next((r for r in rows if r["driver"] == driver and r["transport"] == transport and r["connect_ns"]
                and r["auth"] != "trust"), None)
    return (row["connect_ns"]["p50"], row["auth"]) if row else None


def connect_words(runs):
    """What a connection per write would add, from the connect costs the last file measured: the
    post's driver, and SQLAlchemy's new Engine with its first connect, over the socket."""
    rows = runs.connect[-1][1] if runs.connect else []
    pg2, sa = connect_p50(rows, "psycopg2"), connect_p50(rows, "sqlalchemy")
    if pg2 is None:
        return []
    text = (f"Opening a connection per write (the post's get_connection() called for every decision) would add "
            f"{st.fmt_ms(pg2[0])} ms to each with psycopg2 over the socket ({pg2[1]})")
    if sa is not None:
        text += f", and a new SQLAlchemy Engine per write {st.fmt_ms(sa[0])} ms (its first connect)"
    return [text + "."]


# A mark after an interval the scripts computed, in tables where others are the file's.
COMPUTED_MARK = "*"


def cell_measured(row):
    m = row.get("measured")
    if not m:
        return "-", "-"

    def one(k):
        if m[f"{k}_ci_ns"] is None:
            return f"{st.fmt_ms(m[f'{k}_ns'])} (no interval)"
        lo, hi = m[f"{k}_ci_ns"]
        mark = COMPUTED_MARK if m[f"{k}_interval_source"] == wr.COMPUTED else ""
        return f"{st.fmt_ms(m[f'{k}_ns'])} [{st.fmt_ms(lo)}, {st.fmt_ms(hi)}]{mark}"
    return one("p50"), one("p99")


def interval_legend(result):
    """One sentence on how the intervals shown were drawn and by whom, naming each method."""
    seen = {}
    for c in result:
        for r in c["rows"]:
            m = r.get("measured") or {}
            for k in ("p50", "p99"):
                if m.get(f"{k}_ci_ns") is not None:
                    seen.setdefault(m[f"{k}_interval_source"], set()).add(m[f"{k}_interval_method"])
            if r.get("overhead_interval_source"):
                seen.setdefault(r["overhead_interval_source"], set()).add(r["overhead_interval_method"])
    parts = []
    if wr.FROM_FILE in seen:
        parts.append(f"unmarked intervals were written by wpbench ({'; '.join(sorted(seen[wr.FROM_FILE]))})")
    if wr.COMPUTED in seen:
        parts.append(f"intervals marked {COMPUTED_MARK} were computed by the scripts, which the file does not "
                     f"carry or which pool several files ({'; '.join(sorted(seen[wr.COMPUTED]))})")
    return ("95 % intervals: " + "; ".join(parts) + ".") if parts else "No intervals."


def render_markdown(result, runs):
    words = in_words(result, runs)
    lines = ([words, ""] if words else []) + [f"Measured on: {runs.describe()}", "",
             "p50 and p99 in ms with 95 % confidence intervals: a t interval over repetitions when a "
             "case has several (it sees drift from one repetition to the next), else blocks of "
             "consecutive samples of its one repetition (noise within it only). " + interval_legend(result), "",
             "| claim | case | p50 ms | p99 ms | verdict | why |", "|---|---|---|---|---|---|"]
    for c in result:
        per = "; ".join(f"{d['driver']}: {d['verdict']}" for d in c["by_driver"])
        lines.append(f"| **{c['text']}** | | | | **{c['verdict']}** | {per} |")
        for r in c["rows"]:
            p50, p99 = cell_measured(r)
            lines.append(f"| | `{r['case']}` | {p50} | {p99} | {r['verdict']} | {r['reason']} |")
    return "\n".join(lines) + "\n"


def render_text(result, runs):
    words = in_words(result, runs)
    out = ([words, ""] if words else []) + [f"Measured on: {runs.describe()}", interval_legend(result), ""]
    for c in result:
        out.append(f"{c['text']}: {c['verdict'].upper()}")
        out.append("  by driver: " + "; ".join(f"{d['driver']} {d['verdict']}" for d in c["by_driver"]))
        for r in c["rows"]:
            p50, p99 = cell_measured(r)
            out.append(f"  {r['case']:<52} p50 {p50:<26} p99 {p99:<26} {r['verdict']}")
            out.append(f"  {'':<52} {r['reason']}")
        out.append("")
    return "\n".join(out)


def main(argv):
    ap = wr.OneLineParser(prog="claims", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="wpbench result files or directories")
    ap.add_argument("--claims", default=str(DEFAULT_CLAIMS), help="claims file (default: scripts/claims.json)")
    ap.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    args = ap.parse_args(argv[1:])
    try:
        runs = wr.RunSet(args.results)
        result = evaluate(load_claims(args.claims), runs)
    except wr.InputError as e:
        print(f"claims: {e}", file=sys.stderr)
        return 2
    if args.format == "json":
        found = origins_of(runs)
        print(json.dumps({"context": runs.describe(), "summary": in_words(result, runs), "claims": result,
                          "origins_3_5ms": found}, indent=1))
    elif args.format == "markdown":
        print(render_markdown(result, runs), end="")
    else:
        print(render_text(result, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
