"""What a run's cases would take on another deployment: each p50 projected to another round-trip
time (RTT) and commit flush, and the RTT at which each of the post's claims (scripts/claims.json)
would hold.

Usage: whatif RUN.json [--rtt DURATION] [--flush DURATION] [--claims] [--no-tcp-handshake]
              [--transports tcp,unix] [--connect-rt N] [--claims-file FILE] [--format text|markdown|json]

A duration is 0.5ms, 500us, 500000ns or 0.0005s; a bare number is ms. The model
(docs/scripts.md, "The projection"): the run splits each case's p50 into round trips × the
transport's round-trip floor (RTT0), the commit's flush (F0), the server's work and the driver's;
on another deployment with the same client and server machines only the first two change, and
they add:

    delta = (n + c + h) × (RTT - RTT0) + (F - F0 when the commit waits for the flush)

n the case's statement round trips per insert, c the protocol round trips of the connections it
opens per insert (connect_round_trips; 0 when it keeps its connection), h the TCP three-way
handshake of a connection per insert over tcp or tls (capabilities.connects; the kernel's, which
loopback makes free, so the run's own count leaves it out; --no-tcp-handshake leaves it out here
too). The prediction is the measured p50 plus delta; its interval is the measured 95 % interval
shifted by delta, which does not include the model's own error. SQLite's in-process cases have
no round trips; a --flush replaces their sync too (the same disk). --claims prints only the RTT
at which each claim holds (at --flush when given). Exit 0, or 2 on bad input.
"""
import argparse
import json
import math
import re
import sys

import wpbench_results as wr
import wpclaims

FILE = "file"  # SQLite's in-process transport: no round trips
NETWORK = ("tcp", "tls")  # transports whose connection opens with the kernel's TCP handshake
INF = math.inf


class NotProjected(ValueError):
    """A case the run cannot project (a floor it did not measure, a case that did not run); the
    message says why."""


# -- durations ---------------------------------------------------------------------------------

UNITS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}
_DURATION = re.compile(r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)\s*(ns|us|µs|ms|s)?")


def parse_duration(text):
    """'0.5ms', '500us', '500000ns', '0.0005s', or a bare number of ms: the duration in whole ns.
    ValueError saying what is wrong otherwise (a duration is never negative or endless)."""
    m = _DURATION.fullmatch(text.strip().lower())
    if not m:
        raise ValueError(f"{text!r} is not a duration (e.g. 0.5ms, 500us, 500000ns, 0.0005s; a bare number is ms)")
    value = float(m.group(1)) * UNITS[m.group(2) or "ms"]
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is too long a duration")
    if value < 0:
        raise ValueError(f"{text!r} is negative; a round trip or flush takes 0 or more")
    return int(round(value))  # below a nanosecond the clock says nothing


# -- what the run measured ---------------------------------------------------------------------

def has_round_trips(run, transport):
    """A sample over `transport` crosses to a server: the transport table says so (schema 3),
    older files have one transport without, SQLite's file."""
    row = ((run.get("context") or {}).get("transports") or {}).get(transport) or {}
    return bool(row.get("round_trips", transport != FILE))


def round_trip_floor(run, transport):
    """The run's round trip over `transport` (p50 of an empty query, ns); None when not measured."""
    found = ((run.get("floors") or {}).get("round_trip_ns") or {}).get(transport)
    return found.get("p50") if found else None


def flush_floor(run, transport):
    """The run's commit flush (p50 of durable commits minus non-durable ones, ns): PostgreSQL's, or
    for SQLite's file its sync; None when not measured."""
    found = (run.get("floors") or {}).get("sqlite_flush" if transport == FILE else "commit_flush")
    return found.get("flush_p50_ns") if found else None


def connects_per_insert(rec):
    """Connections one insert of the case opens: connects_per_insert, or the harness's
    capabilities.connects; 0 in files from before either (every case kept its connection)."""
    if rec.get("connects_per_insert") is not None:
        return rec["connects_per_insert"]
    return (rec.get("capabilities") or {}).get("connects") or 0


def _cases(run):
    """The run's cases as wpbench_results reads them (the file's p50 and interval, as every
    script takes them), with their records."""
    runs = wr.RunSet.from_documents([run])
    return runs, [(runs.cases[rec["name"]], rec) for rec in run["cases"]]


def params(run, case, rec, rtt_ns=None, flush_ns=None, tcp_handshake=True, need_rtt=False, connect_rt=None):
    """What the projection of one case is made of, or NotProjected with the reason: the round
    trips that move with the RTT (n, c, h and their sum k), the floors, and the flush's change.
    A floor is needed only where its term moves (an RTT is given or solved for, `need_rtt`; a
    flush is given and the case waits for it), so a run without one still projects the rest."""
    if case.count == 0:
        raise NotProjected(f"not measured: {case.first_error or 'no samples'}")
    if not case.ok:
        raise NotProjected(f"the case did not complete: {case.first_error}")
    if not case.decomposition:
        raise NotProjected("the run did not split its p50 into round trips, flush, server and driver "
                           "(no floors measured)")
    t = case.transport
    wire = has_round_trips(run, t)
    n = rec["round_trips"] if wire else 0
    per_insert = connects_per_insert(rec)
    c = rec.get("connect_round_trips", 0) if wire else 0
    if c is None and per_insert and connect_rt is not None:  # --connect-rt: the user knows the method
        c = connect_rt * per_insert
    if c is None:  # the harness could not tell how the transport authenticated (--dsn)
        if per_insert and (rtt_ns is not None or need_rtt):
            raise NotProjected("it opens a connection per insert, and the run does not know its round trips "
                               "(connect_round_trips null: the authentication method was not known; "
                               "--connect-rt N gives them: trust or peer 1, md5 2, scram-sha-256 3, "
                               "TLS 2 more)")
        c = 0
    # Loopback's handshake costs about nothing, so no floor counts it; a real network charges a
    # round trip for it before the connection's first protocol message. TLS's own round trips are
    # the protocol's, in connect_round_trips.
    h = per_insert if tcp_handshake and t in NETWORK else 0
    rtt0 = round_trip_floor(run, t) if wire else None
    if wire and (rtt_ns is not None or need_rtt) and rtt0 is None:
        raise NotProjected(f"the run measured no round trip over {t} (floors.round_trip_ns.{t})")
    flush0 = flush_floor(run, t)
    moves = flush_ns is not None and case.durable
    if moves and flush0 is None:
        raise NotProjected("the run measured no " + ("SQLite sync (floors.sqlite_flush)" if t == FILE
                                                     else "commit flush (floors.commit_flush)"))
    return {"n": n, "c": c, "h": h, "k": n + c + h, "connects_per_insert": per_insert, "durable": case.durable,
            "rtt0_ns": rtt0, "flush0_ns": flush0, "flush_ns": flush_ns if moves else flush0,
            "flush_delta_ns": flush_ns - flush0 if moves else 0, "wire": wire}


def delta_ns(p, rtt_ns=None):
    """The change the model adds at `rtt_ns` (None: the run's own round trip)."""
    moved = p["k"] * (rtt_ns - p["rtt0_ns"]) if rtt_ns is not None and p["k"] else 0
    return moved + p["flush_delta_ns"]


def solve_rtt(p, value_ns, target_ns):
    """The RTT (ns, not clamped: below 0 means never reachable) at which a figure measured as
    `value_ns` reaches `target_ns` under params `p`; None when it does not move with the RTT (no
    round trips)."""
    if not p["k"]:
        return None
    return p["rtt0_ns"] + (target_ns - value_ns - p["flush_delta_ns"]) / p["k"]


def rtt_range(p, value_ns, lo_ns, hi_ns):
    """The RTTs (lo, hi), lo >= 0, at which a figure measured as `value_ns` lies in [lo_ns, hi_ns]
    (either end may be infinite), or None when at none. With round trips the figure grows with
    the RTT, so the range is one interval; without, it holds at every RTT or at none."""
    if lo_ns > hi_ns:
        return None
    if not p["k"]:
        at = value_ns + p["flush_delta_ns"]
        return (0.0, INF) if lo_ns <= at <= hi_ns else None
    lo = 0.0 if lo_ns == -INF else max(0.0, solve_rtt(p, value_ns, lo_ns))
    hi = INF if hi_ns == INF else solve_rtt(p, value_ns, hi_ns)
    return (lo, hi) if hi >= lo else None  # hi < 0: above hi_ns even with no round trip at all


def _intersect(a, b):
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


# -- the projection ----------------------------------------------------------------------------

def _notes(run, case, p, rtt_ns, flush_ns, tcp_handshake, iv):
    notes = []
    if iv is None:
        notes.append("no 95 % interval of the measured p50 in the run (one short repetition, or only its histogram)")
    if case.transport == FILE:
        sync = flush_floor(run, FILE)
        notes.append("same disk flush model: in-process, no round trips; a target flush replaces SQLite's sync"
                     + (f" ({wpclaims.short_ms(sync)} ms measured)" if sync is not None else ""))
    if flush_ns is not None and not case.durable:
        notes.append("not durable: the commit does not wait for the flush, which moves nothing here")
    if p["h"]:
        notes.append(f"{p['h']} TCP handshake per insert (a connection per insert)")
    elif p["connects_per_insert"] and case.transport in NETWORK and not tcp_handshake:
        notes.append("a connection per insert; its TCP handshake is not counted (--no-tcp-handshake)")
    if rtt_ns is not None and p["wire"] and p["k"] == 0:
        notes.append("no round trip per insert: the RTT does not move it")
    return "; ".join(notes) or None


def project_case(run, case, rec, rtt_ns=None, flush_ns=None, tcp_handshake=True, connect_rt=None):
    """One case's projection (the dict project() lists)."""
    measured = case.percentile(50) if case.count else None
    iv = case.interval(50) if case.count else None
    row = {"name": case.name, "transport": case.transport, "round_trips": rec["round_trips"],
           "connect_round_trips": rec.get("connect_round_trips", 0),  # None: not known
           "connects_per_insert": connects_per_insert(rec), "handshake_round_trips": 0,
           "durable": case.durable, "measured_p50_ns": measured,
           "measured_interval_ns": [iv["lo"], iv["hi"]] if iv else None,
           "predicted_p50_ns": None, "predicted_interval_ns": None, "delta_ns": None, "terms": None, "note": None}
    try:
        p = params(run, case, rec, rtt_ns, flush_ns, tcp_handshake, connect_rt=connect_rt)
    except NotProjected as e:
        return {**row, "note": f"not projected: {e}"}
    row["connect_round_trips"] = p["c"]
    d = delta_ns(p, rtt_ns)
    row.update({
        "handshake_round_trips": p["h"], "predicted_p50_ns": measured + d, "delta_ns": d,
        # The measured interval moved by the same amount: it says how well the run pinned the p50,
        # not how well the model predicts another deployment.
        "predicted_interval_ns": [iv["lo"] + d, iv["hi"] + d] if iv else None,
        "terms": {"rtt_ns": rtt_ns if rtt_ns is not None and p["wire"] else p["rtt0_ns"], "flush_ns": p["flush_ns"],
                  "rtt0_ns": p["rtt0_ns"], "flush0_ns": p["flush0_ns"], "rtt_round_trips": p["k"],
                  "rtt_delta_ns": d - p["flush_delta_ns"], "flush_delta_ns": p["flush_delta_ns"]},
        "note": _notes(run, case, p, rtt_ns, flush_ns, tcp_handshake, iv)})
    return row


def project(run, rtt_ns=None, flush_ns=None, tcp_handshake=True, transports=None, connect_rt=None):
    """Every case of `run` (the dict wpbench_results.load_run returns), in run order, projected to
    a round trip of `rtt_ns` and a commit flush of `flush_ns` (None: the run's own); only the
    cases over `transports` when given. A case that cannot be projected has predicted_p50_ns None
    and its note says why."""
    _, cases = _cases(run)
    return [project_case(run, case, rec, rtt_ns, flush_ns, tcp_handshake, connect_rt) for case, rec in cases
            if transports is None or case.transport in transports]


def rtt_range_for(run, case_name, lo_ns, hi_ns, flush_ns=None, tcp_handshake=True):
    """The RTTs (rtt_lo_ns, rtt_hi_ns) at which the case's predicted p50 lies in [lo_ns, hi_ns]
    (hi_ns may be math.inf; the range may end at math.inf), at a flush of `flush_ns` (None: the
    run's). RTT cannot be below 0: rtt_lo_ns 0 means the range starts at no round-trip time at
    all. None when at no RTT (above hi_ns even at 0; no round trips and p50 outside). Raises
    NotProjected when the run cannot say (no such case, a floor not measured)."""
    runs, cases = _cases(run)
    found = next(((case, rec) for case, rec in cases if case.name == case_name), None)
    if found is None:
        raise NotProjected(f"no case {case_name} in the run")
    case, rec = found
    p = params(run, case, rec, None, flush_ns, tcp_handshake, need_rtt=True)
    return rtt_range(p, case.percentile(50), lo_ns, hi_ns)


# -- the claims --------------------------------------------------------------------------------

def rtt_words(rng):
    """'at an RTT of 0.74-1.40 ms', 'at an RTT from 0 up to 0.31 ms', 'at any RTT', 'at no RTT'."""
    if rng is None:
        return "at no RTT"
    lo, hi = rng
    if lo == 0 and hi == INF:
        return "at any RTT"
    if hi == INF:
        return f"at an RTT of {wpclaims.short_ms(lo)} ms or more"
    if lo == 0:
        return f"at an RTT from 0 up to {wpclaims.short_ms(hi)} ms"
    return f"at an RTT of {wpclaims.short_ms(lo)}-{wpclaims.short_ms(hi)} ms"


def trips_words(p):
    """'3 round trips', '3 round trips + 3 of its connection + 1 TCP handshake'."""
    text = wpclaims.rt_text(p["n"])
    if p["c"]:
        text += f" + {p['c']} of its connection"
    if p["h"]:
        text += f" + {p['h']} TCP handshake"
    return text


def flush_words(p, case):
    if not case.durable:
        return "not durable"
    if p["flush0_ns"] is None:
        return "flush not measured"
    if p["flush_delta_ns"] == 0 and p["flush_ns"] == p["flush0_ns"]:
        return f"flush as measured, {wpclaims.short_ms(p['flush0_ns'])} ms"
    return f"flush {wpclaims.short_ms(p['flush_ns'])} ms"


def _counterparts(run, runs, patterns):
    """The claim's patterns (a case's, or a pair's two), as_claimed; then the same over each of the
    run's other transports with round trips: a Unix socket cannot be given another RTT, but the
    same path over TCP can. Patterns over different transports, or one without round trips, have
    no counterpart."""
    out = [(patterns, True)]
    split = [p.rpartition("/") for p in patterns]
    transport = split[0][2]
    if all(head and t == transport for head, _, t in split) and has_round_trips(run, transport):
        for t in dict.fromkeys(c.transport for c in runs.cases.values()):
            if t != transport and has_round_trips(run, t):
                out.append(([f"{head}/{t}" for head, _, _ in split], False))
    return out


def _missing(claim, name, transport):
    return {"case": name, "transport": transport, "as_claimed": True, "stat": claim["stat"], "rtt_range_ns": None,
            "from_zero": False, "reason": "not in the run", "text": f"{name}: not in the run"}


def as_measured(p):
    """'as measured at an RTT of 0.03 ms', and the run's flush when the projection replaces it."""
    at = [f"an RTT of {wpclaims.short_ms(p['rtt0_ns'])} ms"] if p["rtt0_ns"] is not None else []
    if p["flush_delta_ns"]:
        at.append(f"a flush of {wpclaims.short_ms(p['flush0_ns'])} ms")
    return f"as measured at {' and '.join(at)}" if at else "as measured"


# The tail moved by the same delta as the p50: a real network's or disk's jitter would lengthen it
# more, so the end of a range for a tail claim is the most it could be.
TAIL_NOTE = ("{stat} shifted by the same Δ as the p50: a real network's or disk's jitter would lengthen the "
             "tail more, so the RTTs given are the most at which it could hold")


def _band(claim):
    """The claim's band of the figure, ns, and its words: [0, limit) for 'below' (the range's end
    is where it stops holding), [a, b] for 'between'."""
    if claim["kind"] == "below":
        return -INF, claim["limit_ms"] * 1e6, f"{claim['stat']} under {claim['limit_ms']:g} ms"
    a, b = claim["range_ms"]
    return a * 1e6, b * 1e6, f"{claim['stat']} {a:g}-{b:g} ms"


def level_row(run, claim, case, rec, as_claimed, flush_ns, tcp_handshake):
    stat, pct = claim["stat"], wpclaims.STATS[claim["stat"]]
    row = {"case": case.name, "transport": case.transport, "as_claimed": as_claimed, "stat": stat,
           "rtt_range_ns": None, "rtt_range_interval_ns": None, "from_zero": False}
    why = wpclaims.unusable(case, pct)
    try:
        if why:
            raise NotProjected(why)
        p = params(run, case, rec, None, flush_ns, tcp_handshake, need_rtt=True)
    except NotProjected as e:
        return {**row, "text": f"{case.name}: not projected: {e}", "reason": str(e)}
    lo, hi, band = _band(claim)
    value, iv = case.percentile(pct), case.interval(pct)
    rng = rtt_range(p, value, lo, hi)
    # Where the whole measured interval, shifted, lies in the band: the conservative range.
    rng_iv = _intersect(rtt_range(p, iv["lo"], lo, INF), rtt_range(p, iv["hi"], -INF, hi)) if iv else None
    parts = [f"{wpclaims.short_ms(value)} ms {as_measured(p)}", trips_words(p), flush_words(p, case)]
    if rng is None and p["k"]:
        parts.append(f"{wpclaims.short_ms(value + delta_ns(p, 0.0))} ms even with no round-trip time")
    elif rng is None:
        parts.append("no round trips: the RTT does not move it")
    if iv:
        parts.append(f"its 95 % interval wholly in the band {rtt_words(rng_iv)}")
    return {**row, "rtt_range_ns": list(rng) if rng else None,
            "rtt_range_interval_ns": list(rng_iv) if rng_iv else None,
            "from_zero": bool(rng and rng[0] == 0), "measured_ns": value,
            "text": f"{case.name}: {band} {rtt_words(rng)} ({'; '.join(parts)})", "reason": None}


def _half_line(a, b):
    """The R >= 0 with a·R + b >= 0, as (lo, hi), or None."""
    if a == 0:
        return (0.0, INF) if b >= 0 else None
    root = -b / a
    return (max(0.0, root), INF) if a > 0 else ((0.0, root) if root >= 0 else None)


def overhead_range(pc, vc, pb, vb, lo_pct, hi_pct):
    """The RTTs at which (case / baseline - 1) lies in [lo_pct, hi_pct] %, each measured as vc and
    vb (ns) under params pc and pb: each is α + k·R, so each end of the band is a linear
    inequality in R."""
    def line(p, v):  # (k, α): the figure at RTT R is α + k·R
        rtt0 = p["rtt0_ns"] or 0
        return p["k"], v + p["flush_delta_ns"] - p["k"] * rtt0
    kc, ac = line(pc, vc)
    kb, ab = line(pb, vb)
    rlo, rhi = 1 + lo_pct / 100, 1 + hi_pct / 100
    rng = (0.0, INF)
    for a, b in ((kb, ab),  # the baseline takes some time (> 0 is asked as >= 0: a p50 of 0 is no run)
                 (kc - rlo * kb, ac - rlo * ab),  # case >= rlo × baseline
                 (rhi * kb - kc, rhi * ab - ac)):  # case <= rhi × baseline
        rng = _intersect(rng, _half_line(a, b))
    return rng


def pair_row(run, claim, case, base, recs, as_claimed, flush_ns, tcp_handshake):
    name = f"{case.name} vs {base.name}"
    row = {"case": name, "transport": case.transport, "as_claimed": as_claimed, "stat": claim["stat"],
           "rtt_range_ns": None, "from_zero": False}
    pct = wpclaims.STATS[claim["stat"]]
    try:
        why = wpclaims.unusable(case, pct) or wpclaims.unusable(base, pct)
        if why:
            raise NotProjected(why)
        pc = params(run, case, recs[case.name], None, flush_ns, tcp_handshake, need_rtt=True)
        pb = params(run, base, recs[base.name], None, flush_ns, tcp_handshake, need_rtt=True)
    except NotProjected as e:
        return {**row, "text": f"{name}: not projected: {e}", "reason": str(e)}
    a, b = claim["range_pct"]
    vc, vb = case.percentile(pct), base.percentile(pct)
    rng = overhead_range(pc, vc, pb, vb, a, b)

    def overhead(rtt):
        return 100 * ((vc + delta_ns(pc, rtt)) / (vb + delta_ns(pb, rtt)) - 1)
    measured, at_zero = 100 * (vc / vb - 1), overhead(0.0)
    if pc["k"] == pb["k"]:
        trend = (f"both {wpclaims.rt_text(pc['k'])}: the overhead shrinks toward 0 as the RTT grows" if pc["k"]
                 else "no round trips on either side: the RTT does not move it")
    else:
        limit = 100 * (pc["k"] / pb["k"] - 1) if pb["k"] else INF
        trend = (f"{pc['k']} round trips vs {pb['k']}: as the RTT grows the overhead tends to "
                 + (f"{limit:+.0f} %" if limit != INF else "grow without end"))
    parts = [f"{measured:+.0f} % {as_measured(pb)}", f"{at_zero:+.0f} % at an RTT of 0", trend, flush_words(pb, base)]
    return {**row, "rtt_range_ns": list(rng) if rng else None, "from_zero": bool(rng and rng[0] == 0),
            "overhead_pct_measured": measured, "overhead_pct_at_zero": at_zero,
            "text": f"{name}: overhead {a}-{b} % {rtt_words(rng)} ({'; '.join(parts)})", "reason": None}


def claim_conditions(run, claims, flush_ns=None, tcp_handshake=True):
    """For each claim of `claims` (as wpclaims.load_claims returns it, or its list of claims) and
    each case it applies to, matched as wpclaims matches them, and the same cases over the run's
    other transports with round trips (as_claimed False): the RTTs at which it would hold, at a
    flush of `flush_ns` (None: the run's). A level claim ('below', 'between') is about the
    claim's statistic of each case; an overhead claim about the pair's p50 ratio."""
    runs, cases = _cases(run)
    recs = {case.name: rec for case, rec in cases}
    out = []
    for claim in claims["claims"] if isinstance(claims, dict) else claims:
        rows, seen = [], set()
        if claim["kind"] == "overhead_between":
            for pair in claim["pairs"]:
                for (name, base_name), as_claimed in _counterparts(run, runs, [pair["case"], pair["baseline"]]):
                    case, base = runs.cases.get(name), runs.cases.get(base_name)
                    if case is not None and base is not None:
                        rows.append(pair_row(run, claim, case, base, recs, as_claimed, flush_ns, tcp_handshake))
                    elif as_claimed:
                        rows.append(_missing(claim, f"{name} vs {base_name}", name.rpartition("/")[2]))
        else:
            for pattern in claim["cases"]:
                for (sub,), as_claimed in _counterparts(run, runs, [pattern]):
                    found = runs.match(sub)
                    if not found and as_claimed:
                        rows.append(_missing(claim, sub, sub.rpartition("/")[2]))
                    for case in found:
                        if case.name not in seen:
                            seen.add(case.name)
                            rows.append(level_row(run, claim, case, recs[case.name], as_claimed, flush_ns,
                                                  tcp_handshake))
        note = TAIL_NOTE.format(stat=claim["stat"]) if claim["stat"] != "p50" else None
        out.append({"id": claim["id"], "text": claim["text"], "kind": claim["kind"], "stat": claim["stat"],
                    "note": note, "rows": rows})
    return out


# -- where the post's 3-5 ms can come from -----------------------------------------------------

POST_BAND_NS = (3e6, 5e6)  # the post's "3 to 5 milliseconds" for SQLAlchemy
POST_DIRECT_LIMIT_NS = 2e6  # "consistently under 2 milliseconds" for psycopg2 direct (p99)
POST_OVERHEAD_PCT = (50, 150)
CORE, DIRECT, NULLPOOL = "sqlalchemy-core/creator", "psycopg2/direct", "sqlalchemy-core/nullpool"


def _usable(runs, name, pct=50):
    """wpclaims.usable, and split into its parts (a projection moves them)."""
    case = wpclaims.usable(runs, name, pct)
    return case if case is not None and case.decomposition else None


def _connect_p50(run, driver, transport):
    """p50 of opening a connection with `driver` over `transport` by its own authentication (not the
    trust twin), ns, from the rows that timed every connect; None when not timed."""
    found = wpclaims.connect_p50([r for r in run.get("connect") or [] if not r.get("error")], driver, transport)
    return found[0] if found else None


def _span(values):
    return (min(values), max(values)) if values else None


def _together(core, direct, direct99, f0, grid_flush, grid_connect):
    """The (flush, connect) points of the grids at which all three of the post's numbers hold at once when the
    SQLAlchemy code opens a connection per write (adding `connect`) and the psycopg2 code keeps
    one: Core in 3-5 ms, psycopg2's p99 under 2 ms, the overhead 50-150 %. Every figure moves by
    the flush's change; the connect adds to Core alone."""
    lo, hi = POST_BAND_NS
    a, b = POST_OVERHEAD_PCT
    points = []
    for f in grid_flush:
        df = f - f0
        pg50, pg99 = direct + df, direct99 + df
        if pg50 <= 0 or pg99 >= POST_DIRECT_LIMIT_NS:
            continue
        for c in grid_connect:
            sa = core + df + c
            if lo <= sa <= hi and 1 + a / 100 <= sa / pg50 <= 1 + b / 100:
                points.append((f, c))
    return points


def origins(run):
    """Where the post's 3-5 ms for SQLAlchemy can come from, from this run's measurements and the
    projection: which measured cases take 3-5 ms; the RTT and the commit flush at which
    SQLAlchemy Core would, and what psycopg2 (and so the overhead) would take there; the connect
    a connection per write would need; and whether the post's three numbers can hold together.
    {"sentences": [...], ...} with the figures, ns; empty sentences when the run lacks SQLAlchemy
    Core or psycopg2 over the socket, or its floors."""
    runs, cases = _cases(run)
    recs = {case.name: rec for case, rec in cases}
    lo, hi = POST_BAND_NS
    out = {"sentences": [], "measured_in_band": [], "rtt_range_ns": None, "flush_range_ns": None,
           "connect_range_ns": None, "together": None}
    core, direct = _usable(runs, CORE + "/unix"), _usable(runs, DIRECT + "/unix")
    if core is None or direct is None:
        return out
    try:
        pc = params(run, core, recs[core.name], None, 0, True, need_rtt=True)
        pd = params(run, direct, recs[direct.name], None, 0, True, need_rtt=True)
    except NotProjected:
        return out
    ms = wpclaims.short_ms
    t_core, t_pg, f0 = core.percentile(50), direct.percentile(50), pc["flush0_ns"]
    words = out["sentences"]
    # 1. What was measured.
    inside = [c for c in runs.cases.values() if c.count and c.transport != FILE and c.ok
              and lo <= c.percentile(50) <= hi]
    out["measured_in_band"] = [c.name for c in inside]
    if inside:
        words.append("Measured here, " + ", ".join(f"{c.name} ({ms(c.percentile(50))} ms)" for c in inside)
                     + " take the post's 3-5 ms.")
    else:
        words.append(f"No case measured here takes 3-5 ms at p50: SQLAlchemy Core over the socket takes "
                     f"{ms(t_core)} ms.")
    # 2. A slower network: the same path over TCP, whose RTT a deployment can change.
    tcp = _usable(runs, CORE + "/tcp")
    if tcp is not None:
        try:
            rng = rtt_range_for(run, tcp.name, lo, hi)
        except NotProjected:
            rng = None
        if rng:
            out["rtt_range_ns"] = list(rng)
            pg_tcp = _usable(runs, DIRECT + "/tcp")
            also = ""
            if pg_tcp is not None:
                pp = params(run, pg_tcp, recs[pg_tcp.name], None, None, True, need_rtt=True)
                pt = params(run, tcp, recs[tcp.name], None, None, True, need_rtt=True)
                at = [pg_tcp.percentile(50) + delta_ns(pp, r) for r in rng]
                over = [100 * ((tcp.percentile(50) + delta_ns(pt, r)) / a - 1) for r, a in zip(rng, at)]
                also = (f"; psycopg2 would then take {ms(at[0])}-{ms(at[1])} ms, an overhead of "
                        f"{over[1]:+.0f} to {over[0]:+.0f} %, not 50-150 %")
            words.append(f"Over TCP, SQLAlchemy Core's {wpclaims.rt_text(pc['k'])} would take 3-5 ms at an RTT of "
                         f"{ms(rng[0])}-{ms(rng[1])} ms (a server across a network, not the post's local "
                         f"socket){also}.")
    # 3. A slower disk: the commit's flush, which both drivers wait for alike.
    if core.durable and f0 is not None:
        f_lo, f_hi = max(0.0, lo - t_core + f0), hi - t_core + f0
        if f_hi >= f_lo:
            out["flush_range_ns"] = [f_lo, f_hi]
            pg = [t_pg + f - f0 for f in (f_lo, f_hi)]
            over = [100 * ((t_core + f - f0) / a - 1) for f, a in zip((f_lo, f_hi), pg)]
            words.append(f"Over the socket it would take 3-5 ms with a commit flush of {ms(f_lo)}-{ms(f_hi)} ms "
                         f"(measured here: {ms(f0)} ms; a network disk's fsync can be that slow), but psycopg2 "
                         f"would then take {ms(pg[0])}-{ms(pg[1])} ms too: an overhead of {over[1]:+.0f} to "
                         f"{over[0]:+.0f} %, not 50-150 %.")
    # 4. A connection per write: a cost the layer's code may pay where the direct code does not.
    connect = _connect_p50(run, "psycopg2", "unix") or _connect_p50(run, "libpq", "unix")
    nullpool = _usable(runs, NULLPOOL + "/unix")
    c_lo, c_hi = max(0.0, lo - t_core), hi - t_core
    out["connect_range_ns"] = [c_lo, c_hi]
    here = []
    if nullpool is not None:
        here.append(f"SQLAlchemy with NullPool measured {ms(nullpool.percentile(50))} ms, "
                    f"{ms(nullpool.percentile(50) - t_core)} ms more than with its pool")
    if connect is not None:
        verdict = ("inside" if c_lo <= connect <= c_hi else "past 5 ms" if connect > c_hi else "under 3 ms")
        here.append(f"a psycopg2 connect takes {ms(connect)} ms on this server, which would put Core at "
                    f"{ms(t_core + connect)} ms, {verdict}")
    words.append(f"A connection per write adds its connect to every write: Core would take 3-5 ms with a connect "
                 f"of {ms(c_lo)}-{ms(c_hi)} ms" + (f" ({'; '.join(here)})" if here else "") + ".")
    per_write = _usable(runs, "psycopg2/connect-per-write/unix")
    if per_write is not None:
        words.append(f"psycopg2 opening a connection for every decision (the post's get_connection() called per "
                     f"write) took {ms(per_write.percentile(50))} ms at p50 here: its 'under 2 ms' holds only for "
                     f"a connection kept across writes.")
    # 5. All three numbers at once, on a grid of flushes (0 to 5 ms) and connects (0 to 6 ms).
    step = 10e3
    flushes = [i * step for i in range(int(5e6 // step) + 1)]
    connects = [i * step for i in range(int(6e6 // step) + 1)]
    tail = _usable(runs, DIRECT + "/unix", 99)
    out["together"] = {}
    tried = [("p99", tail.percentile(99))] if tail is not None else []
    for stat, value in tried + [("p50", t_pg)]:
        points = _together(t_core, t_pg, value, f0, flushes, connects)
        kept = _together(t_core, t_pg, value, f0, flushes, [0.0])
        f_span = _span([f for f, _ in points])
        out["together"][stat] = {"flush_ns": list(f_span) if f_span else None,
                                 "connect_ns": list(_span([c for _, c in points])) if points else None,
                                 "with_kept_connection": bool(kept)}
        reading = ("with psycopg2's p99 under 2 ms, as the post's 'consistently' says" if stat == "p99" else
                   "reading the post's 2 ms as psycopg2's typical write (p50)")
        if points:
            # The two go together: a slower flush needs a cheaper connect. The connects that fit at
            # each end of the flush range.
            ends = [_span([c for f, c in points if f == end]) for end in f_span]
            words.append(f"All three of the post's numbers (psycopg2 under 2 ms, SQLAlchemy 3-5 ms, 50-150 % "
                         f"overhead) hold together, {reading}, only when the SQLAlchemy code opens a connection "
                         f"per write and the psycopg2 code keeps one, with a commit flush of {ms(f_span[0])} ms "
                         f"and a connect of {ms(ends[0][0])}-{ms(ends[0][1])} ms, up to a flush of "
                         f"{ms(f_span[1])} ms and a connect of {ms(ends[1][0])}-{ms(ends[1][1])} ms"
                         + ("" if kept else "; with the connection kept, no flush does") + ".")
            break
        # What binds: SQLAlchemy at 3 ms or more within the overhead's ceiling needs psycopg2's p50
        # at 3 ms / 2.5 or more, and the flush that slows it so far moves its tail too.
        need = lo / (1 + POST_OVERHEAD_PCT[1] / 100)
        why = "."
        if stat == "p99" and value + max(0.0, need - t_pg) >= POST_DIRECT_LIMIT_NS:
            why = (f": SQLAlchemy at 3 ms within 150 % of psycopg2 needs psycopg2 at {ms(need)} ms or more at p50, "
                   f"a flush {ms(max(0.0, need - t_pg))} ms slower than here, which takes its p99 to "
                   f"{ms(value + max(0.0, need - t_pg))} ms.")
        words.append(f"{reading[0].upper() + reading[1:]} ({ms(value)} ms here), no flush up to 5 ms and connect "
                     f"up to 6 ms makes all three of the post's numbers hold together" + why)
    return out


# -- output ------------------------------------------------------------------------------------

CAVEATS = ("The prediction holds the client's and the server's CPU as measured (the same machines: "
           "the driver and server terms do not move) and takes the round trips and the flush as "
           "additive. Its interval is the measured p50's 95 % interval shifted by the same Δ: how well "
           "the run pinned the p50, not the model's own error.")


def floors_summary(run):
    """The run's floors this projection starts from (ns; None where not measured)."""
    rt = {t: round_trip_floor(run, t) for t in ((run.get("floors") or {}).get("round_trip_ns") or {})}
    return {"round_trip_ns": rt, "commit_flush_ns": flush_floor(run, "unix"),
            "sqlite_flush_ns": flush_floor(run, FILE)}


def _ms(ns):
    return "-" if ns is None else f"{ns / 1e6:.3f}"


def header(run, runs, target, tcp_handshake, solving=False):
    """The context every number carries: the run, its host, its floors, and the target (with
    `solving`, the claims' RTT is solved for: only the flush is a target)."""
    f = floors_summary(run)
    rt = ", ".join(f"{t} {_ms(v)} ms" for t, v in f["round_trip_ns"].items()) or "not measured"
    measured = (f"Run {run['run_id']} on {runs.describe()}. Measured there: round trip (p50) {rt}; "
                f"commit flush {_ms(f['commit_flush_ns'])} ms; SQLite sync {_ms(f['sqlite_flush_ns'])} ms.")
    if target["rtt_ns"] is None and target["flush_ns"] is None:
        return measured
    want = [f"RTT {_ms(target['rtt_ns'])} ms" if target["rtt_ns"] is not None
            else "RTT solved for each claim" if solving else "RTT as measured",
            f"flush {_ms(target['flush_ns'])} ms" if target["flush_ns"] is not None else "flush as measured"]
    hs = "a TCP handshake per new connection" if tcp_handshake else "no TCP handshake (--no-tcp-handshake)"
    return measured + f" Projected to: {', '.join(want)}; {hs}."


def cell(value, iv):
    if value is None:
        return "-"
    return f"{_ms(value)} [{_ms(iv[0])}, {_ms(iv[1])}]" if iv else f"{_ms(value)} (no interval)"


def transport_line(run, runs, t, target):
    title = runs.transports.get(t, {}).get("title", t)
    if not has_round_trips(run, t):
        return (f"{t} ({title}): in-process, no round trips; same disk flush model, SQLite's sync "
                f"{_ms(flush_floor(run, t))} ms measured" + (f" -> {_ms(target['flush_ns'])} ms"
                                                             if target["flush_ns"] is not None else ""))
    rtt0 = round_trip_floor(run, t)
    to = f" -> {_ms(target['rtt_ns'])} ms" if target["rtt_ns"] is not None else ""
    return f"{t} ({title}): round trip {_ms(rtt0)} ms measured{to}"


def by_transport(rows):
    out = {}
    for r in rows:
        out.setdefault(r["transport"], []).append(r)
    return out


def rt_cell(r):
    """n + c, and the handshake as (+h): '3', '6 (+1)'; '3+?' when the connection's are not known."""
    c = r["connect_round_trips"]
    text = f"{r['round_trips']}+?" if c is None else str(r["round_trips"] + c)
    return text + (f" (+{r['handshake_round_trips']})" if r["handshake_round_trips"] else "")


def delta_cell(r):
    return "-" if r["delta_ns"] is None else f"{r['delta_ns'] / 1e6:+.3f}"


def claims_heading(target):
    flush = "the flush as measured" if target["flush_ns"] is None else f"a flush of {_ms(target['flush_ns'])} ms"
    return f"At which RTT each claim would hold, with {flush} (rows marked * are the same path over another transport):"


def render_text(run, runs, target, tcp_handshake, rows, conditions):
    out = [header(run, runs, target, tcp_handshake, not rows), CAVEATS, ""]
    for t, group in by_transport(rows).items():
        out.append(transport_line(run, runs, t, target))
        out.append(f"  {'case':<40} {'rt':>6}  {'measured p50 ms [95 %]':<28} {'predicted p50 ms [95 %]':<28} Δ ms")
        for r in group:
            measured = cell(r["measured_p50_ns"], r["measured_interval_ns"])
            predicted = cell(r["predicted_p50_ns"], r["predicted_interval_ns"])
            out.append(f"  {r['name']:<40} {rt_cell(r):>6}  {measured:<28} {predicted:<28} {delta_cell(r)}")
            if r["note"]:
                out.append(f"  {'':<40}   {r['note']}")
        out.append("")
    if conditions is not None:
        out.append(claims_heading(target))
        for c in conditions:
            out.append(f"  {c['text']}" + (f" ({c['note']})" if c["note"] else ""))
            for r in c["rows"]:
                out.append(f"    {'' if r['as_claimed'] else '* '}{r['text']}")
        out.append("")
    return "\n".join(out)


MD_MARK = "\\* "  # the text's '* ' mark, escaped so Markdown does not read a list


def render_markdown(run, runs, target, tcp_handshake, rows, conditions):
    out = [header(run, runs, target, tcp_handshake, not rows), "", CAVEATS, ""]
    for t, group in by_transport(rows).items():
        out += [f"**{transport_line(run, runs, t, target)}**", "",
                "| case | rt | measured p50 ms [95 %] | predicted p50 ms [95 %] | Δ ms | note |",
                "|---|---|---|---|---|---|"]
        for r in group:
            measured = cell(r["measured_p50_ns"], r["measured_interval_ns"])
            predicted = cell(r["predicted_p50_ns"], r["predicted_interval_ns"])
            out.append(f"| `{r['name']}` | {rt_cell(r)} | {measured} | {predicted} | {delta_cell(r)} | "
                       f"{r['note'] or ''} |")
        out.append("")
    if conditions is not None:
        out += [claims_heading(target), ""]
        for c in conditions:
            out.append(f"- **{c['text']}**" + (f" ({c['note']})" if c["note"] else ""))
            out += [f"  - {'' if r['as_claimed'] else MD_MARK}{r['text']}" for r in c["rows"]]
        out.append("")
    return "\n".join(out)


def finite(node):
    """`node` with every infinite number as null: strict JSON has no Infinity (an RTT range
    without an upper end)."""
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if isinstance(node, dict):
        return {k: finite(v) for k, v in node.items()}
    if isinstance(node, list):
        return [finite(v) for v in node]
    return node


def _duration_arg(text):
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def _transports_arg(text):
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r} names no transport (e.g. tcp,unix)")
    return set(names)


def main(argv):
    ap = wr.OneLineParser(prog="whatif", description=__doc__.split("\n\n")[0])
    ap.add_argument("result", help="a wpbench result file (with floors: the default run measures them)")
    ap.add_argument("--rtt", type=_duration_arg, help="target round-trip time (0.5ms, 500us, ...; bare: ms)")
    ap.add_argument("--flush", type=_duration_arg, help="target commit flush (as --rtt)")
    ap.add_argument("--claims", action="store_true",
                    help="only the RTT at which each claim would hold (at --flush when given)")
    ap.add_argument("--claims-file", default=str(wpclaims.DEFAULT_CLAIMS),
                    help="claims file (default: scripts/claims.json)")
    ap.add_argument("--no-tcp-handshake", dest="tcp_handshake", action="store_false",
                    help="do not count the TCP handshake of a connection per insert (a user-space delay proxy "
                         "cannot delay it)")
    ap.add_argument("--transports", type=_transports_arg, help="only these transports, e.g. tcp,unix")
    ap.add_argument("--connect-rt", type=int, choices=range(0, 11), metavar="N",
                    help="protocol round trips of a connection, for a run that did not know how its server "
                         "authenticates (--dsn): trust or peer 1, md5 2, scram-sha-256 3, TLS 2 more")
    ap.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    args = ap.parse_args(argv[1:])
    if args.rtt is None and args.flush is None and not args.claims:
        ap.error("give --rtt, --flush or both (or --claims for the RTT at which each claim holds)")
    if args.claims and args.rtt is not None:
        ap.error("--claims solves for the RTT, so it takes no --rtt (without --claims the claims follow the table)")
    try:
        run = wr.load_run(args.result)
        claims = wpclaims.load_claims(args.claims_file)
        if not run.get("floors"):
            raise wr.InputError(f"{args.result}: the run measured no floors (--floor-samples 0, or a file from "
                                "before wpbench measured them): nothing to project from")
        runs = wr.RunSet.from_documents([run])
        have = list(dict.fromkeys(c.transport for c in runs.cases.values()))
        unknown = sorted((args.transports or set()) - set(have))
        if unknown:
            raise wr.InputError(f"--transports: {', '.join(unknown)} not in the run (it has {', '.join(have)})")
    except wr.InputError as e:
        print(f"whatif: {e}", file=sys.stderr)
        return 2
    target = {"rtt_ns": args.rtt, "flush_ns": args.flush, "tcp_handshake": args.tcp_handshake,
              "transports": sorted(args.transports) if args.transports else None, "connect_rt": args.connect_rt}
    rows = [] if args.claims else project(run, args.rtt, args.flush, args.tcp_handshake, args.transports,
                                          args.connect_rt)
    conditions = claim_conditions(run, claims, args.flush, args.tcp_handshake)
    if args.transports:
        conditions = [{**c, "rows": [r for r in c["rows"] if r["transport"] in args.transports]} for c in conditions]
    if args.format == "json":
        print(json.dumps(finite({"run_id": run["run_id"], "context": runs.describe(), "target": target,
                                 "floors": floors_summary(run), "caveats": CAVEATS, "cases": rows,
                                 "claims": conditions}), indent=1))
    elif args.format == "markdown":
        print(render_markdown(run, runs, target, args.tcp_handshake, rows, conditions), end="")
    else:
        print(render_text(run, runs, target, args.tcp_handshake, rows, conditions), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
