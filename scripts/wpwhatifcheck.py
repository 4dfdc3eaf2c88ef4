"""Self-check of the what-if projection (scripts/wpwhatif.py) on this machine: a run on loopback,
projected to a slower network and disk, against runs that really are that slow.

Usage: whatif-check [--settings D:C,...] [--samples N] [--repetitions N] [--drivers LIST]
                    [--wpbench PATH] [--tmp-dir DIR] [--out FILE.md] [--json FILE]

On one throwaway PostgreSQL server (loopback TCP, trust) it takes a BASE run of every PostgreSQL
case over TCP (--drivers: default every PostgreSQL driver path of `wpbench --list`), without
anything in between. Then, for each setting D:C (D microseconds of delay in each direction, C
microseconds of commit_delay), it restarts the server with commit_delay=C and commit_siblings=0
(every commit waits C us before its WAL flush), puts a TCP delay proxy (tests/fixtures/
delay_proxy.py) holding every chunk D us each way in front of it, and takes the same run through
the proxy (with D 0, straight to the server: a proxy holding nothing adds only its threads'
wake-ups, which the busy round-trip floor does not see). Each case's p50 of that run is compared with the projection of BASE to that run's own
measured round-trip floor (tcp, p50) and commit-flush floor: the numbers a user would feed it
from their own measurements (ping for the round trip, pg_test_fsync or a commit_delay for the
flush), so the check is of the model, not of the proxy's precision. The proxy's own cost
(tens of microseconds, and the CPUs' wake-up after each hold) is in the measured round trip.

Prints a table per setting (base, measured and predicted p50 with 95 % intervals, the error and
whether the measured p50 lies inside the predicted interval) and a summary (cases within 10 %,
worst error). --out writes the same Markdown, --json the numbers. Exit 0 when it ran, whatever
the agreement (it reports, it does not judge); 1 when a tool failed; 2 on bad usage. A checkout
tool: the proxy lives in tests/fixtures/, which the Debian package does not install.
"""
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time

import wpbench_results as wr
from wppgbench import BINDIR, Server, ToolError, run

DEFAULT_SETTINGS = "500:0,0:2000,500:1000,1000:3000"
FIXTURES = wr.ROOT / "tests" / "fixtures"
MARKER = "<!-- written by scripts/whatif-check; it may overwrite this file -->"
JSON_TOOL = "whatif-check"
WITHIN = 0.10  # the summary's "within 10 %"


class UsageError(Exception):
    """Bad usage found after parsing (exit 2)."""


def parse_settings(text):
    """"250:0,0:2000" -> [(250, 0), (0, 2000)]: (delay per direction us, commit_delay us)."""
    out = []
    for item in text.split(","):
        item = item.strip()
        m = re.fullmatch(r"(\d+):(\d+)", item)
        if not m:
            raise UsageError(f"--settings: {item!r} is not DELAY_US:COMMIT_DELAY_US (two whole numbers, "
                             "e.g. 500:1000)")
        d, c = int(m.group(1)), int(m.group(2))
        if d > 1_000_000:
            raise UsageError(f"--settings: delay {d} us is more than 1 s each way")
        if c > 100_000:
            raise UsageError(f"--settings: commit_delay {c} us is more than PostgreSQL's limit of 100000")
        out.append((d, c))
    if not out:
        raise UsageError("--settings: no setting")
    return out


def pg_drivers(list_text):
    """The PostgreSQL driver paths (driver/variant) `wpbench --list` prints, in its order: every
    case with a tcp transport (the SQLite cases are file only)."""
    seen = []
    for line in list_text.splitlines():
        m = re.match(r"^(\S+)/(\S+)/(\S+)\s+\d+ rt\b", line)
        if m and m.group(3) == "tcp" and f"{m.group(1)}/{m.group(2)}" not in seen:
            seen.append(f"{m.group(1)}/{m.group(2)}")
    return seen


def floors_of(doc):
    """(tcp round-trip floor p50, commit-flush floor p50) of a run, ns; ToolError when the run
    did not measure them."""
    try:
        return (float(doc["floors"]["round_trip_ns"]["tcp"]["p50"]),
                float(doc["floors"]["commit_flush"]["flush_p50_ns"]))
    except (KeyError, TypeError):
        errors = "; ".join(map(str, (doc.get("floors") or {}).get("errors") or [])) or "no floors in the result"
        raise ToolError(f"run {doc.get('run_id')}: the tcp round-trip or commit-flush floor is missing ({errors})")


def idle_round_trip(doc):
    """The run's idle tcp round trip (p50, ns: a round trip after a pause, as most of a case's
    are when every case's session takes its turn), for context; None when not measured."""
    found = ((doc.get("floors") or {}).get("round_trip_idle_ns") or {}).get("tcp")
    return float(found["p50"]) if found and found.get("p50") is not None else None


def compare(projection, doc):
    """Rows: each projected case against the same case measured in `doc` (the delayed run)."""
    measured = {c["name"]: c for c in doc["cases"]}
    rows = []
    for p in projection:
        c = measured.get(p["name"])
        row = {"name": p["name"], "round_trips": p["round_trips"], "base_p50_ns": p["measured_p50_ns"],
               "base_interval_ns": p.get("measured_interval_ns"), "predicted_p50_ns": p["predicted_p50_ns"],
               "predicted_interval_ns": p.get("predicted_interval_ns"), "note": p.get("note") or "",
               "measured_p50_ns": None, "measured_interval_ns": None, "error": None, "inside": None,
               "overlap": None}
        if c is None or c.get("status") != "ok":
            why = "not measured in this run" if c is None else f"status {c.get('status')} in this run"
            row["note"] = "; ".join(x for x in (row["note"], why) if x)
            rows.append(row)
            continue
        meas = c["latency_ns"]["p50"]
        row.update(measured_p50_ns=meas, measured_interval_ns=(c.get("interval") or {}).get("p50_ns"))
        if row["predicted_p50_ns"] is None:
            row["note"] = row["note"] or "no prediction"
            rows.append(row)
            continue
        mi, pi = row["measured_interval_ns"], row["predicted_interval_ns"]
        row["error"] = (row["predicted_p50_ns"] - meas) / meas if meas else None
        if pi:
            row["inside"] = pi[0] <= meas <= pi[1]
            lo, hi = mi if mi else (meas, meas)
            row["overlap"] = lo <= pi[1] and pi[0] <= hi
        rows.append(row)
    return rows


def summarize(rows):
    done = [r for r in rows if r["error"] is not None]
    s = {"cases": len(rows), "compared": len(done),
         "within_10pct": sum(abs(r["error"]) <= WITHIN for r in done),
         "inside_interval": sum(bool(r["inside"]) for r in done),
         "intervals_overlap": sum(bool(r["overlap"]) for r in done),
         "median_abs_error": statistics.median(abs(r["error"]) for r in done) if done else None,
         "worst": None}
    if done:
        w = max(done, key=lambda r: abs(r["error"]))
        s["worst"] = {"name": w["name"], "error": w["error"]}
    return s


def ms(ns):
    return "–" if ns is None else f"{ns / 1e6:.3f}"


def with_interval(ns, iv):
    if ns is None:
        return "–"
    return f"{ms(ns)} [{ms(iv[0])}, {ms(iv[1])}]" if iv else f"{ms(ns)} [–]"


def pct(x):
    return "–" if x is None else f"{x * 100:+.1f} %"


def inside_text(r):
    if r["inside"] is None:
        return "–" if r["error"] is None else "no interval"
    if r["inside"]:
        return "yes"
    return "no; intervals overlap" if r["overlap"] else "no; intervals apart"


def table(rows):
    """The Markdown table of one setting (latencies in ms), then its notes: a row with one gets
    a mark [n] and the note goes below the table, so the table stays narrow."""
    lines = ["| case | rt | base p50 | measured p50 [95 %] | predicted p50 [95 %] | error | inside? |",
             "|---|---:|---:|---:|---:|---:|---|"]
    notes = []
    for r in rows:
        mark = ""
        if r["note"]:
            notes.append(f"[{len(notes) + 1}] {r['name']}: {r['note']}")
            mark = f" [{len(notes)}]"
        lines.append(f"| {r['name']}{mark} | {r['round_trips']} | {ms(r['base_p50_ns'])} | "
                     f"{with_interval(r['measured_p50_ns'], r['measured_interval_ns'])} | "
                     f"{with_interval(r['predicted_p50_ns'], r['predicted_interval_ns'])} | {pct(r['error'])} | "
                     f"{inside_text(r)} |")
    if notes:
        lines += [""] + [f"{n}  " for n in notes[:-1]] + notes[-1:]  # two spaces: a Markdown line break
    return "\n".join(lines)


def summary_line(s):
    if not s["compared"]:
        return f"no case compared (of {s['cases']})"
    w = s["worst"]
    left = s["cases"] - s["compared"]
    return (f"{s['within_10pct']} of {s['compared']} cases compared within {WITHIN * 100:.0f} %"
            f"{f' ({left} not compared)' if left else ''}, "
            f"{s['inside_interval']} with the measured p50 inside the predicted interval "
            f"({s['intervals_overlap']} with the intervals overlapping); median |error| "
            f"{s['median_abs_error'] * 100:.1f} %, worst {w['name']} {pct(w['error'])}")


def setting_title(d, c):
    return (f"delay {d} us each way (round trip +{2 * d / 1000:g} ms nominal), "
            f"commit_delay {c} us")


def setting_section(st, base_floors):
    """The Markdown of one setting: its inputs, its table, its summary line."""
    rtt0, f0 = base_floors
    d, c = st["delay_us"], st["commit_delay_us"]
    idle = (f"; after a pause, as between a case's inserts, {ms(st['idle_rtt_ns'])} ms"
            if st.get("idle_rtt_ns") is not None else "")
    return "\n".join([
        f"### {setting_title(d, c)}",
        "",
        f"Inputs to the projection, measured by this run: round trip (tcp floor, p50) {ms(st['rtt_ns'])} ms "
        f"(base {ms(rtt0)} ms: +{(st['rtt_ns'] - rtt0) / 1e3:.0f} us for a nominal +{2 * d} us, "
        + (f"the proxy's excess {(st['rtt_ns'] - rtt0 - 2e3 * d) / 1e3:+.0f} us" if d else
           "no proxy: straight to the server") + f"{idle}); commit flush (floor, p50) "
        f"{ms(st['flush_ns'])} ms (base {ms(f0)} ms: +{(st['flush_ns'] - f0) / 1e3:.0f} us for a commit_delay "
        f"of {c} us). Latencies in ms.",
        "",
        table(st["rows"]),
        "",
        f"Summary: {summary_line(st['summary'])}.",
        ""])


def header(ctx):
    return "\n".join([
        MARKER,
        "# whatif-check: the what-if projection against delayed runs",
        "",
        f"- host {ctx['host']}, {ctx['kernel']}, {ctx['cpus']} cpus, {ctx['date_utc']}",
        f"- {ctx['wpbench_version']}; {ctx['postgres_version']}",
        f"- {ctx['samples']} samples x {ctx['repetitions']} repetitions per case and run; drivers "
        f"{ctx['drivers']}; transport tcp",
        f"- rerun: `{ctx['command']}`",
        "",
        "The base run goes straight to the server over loopback TCP: the projection's starting point "
        "is a plain local run. Each setting's run with a delay goes through the delay proxy "
        "(tests/fixtures/delay_proxy.py), whose own cost is part of the round trip that run measures; one "
        "without goes straight to the server. The projection (scripts/wpwhatif.py; a new connection's "
        "protocol 1 round trip, the server trusting loopback; no TCP handshake, which the kernel completes "
        "with the proxy locally, undelayed) is fed each run's "
        "own measured round-trip and commit-flush floors, as a user would feed a measured RTT (ping) "
        "and flush (pg_test_fsync). error = (predicted - measured) / measured; inside? = the measured "
        "p50 lies inside the predicted 95 % interval (else whether the two intervals overlap).",
        ""])


def overall(settings):
    lines = ["## Summary", ""]
    for st in settings:
        lines.append(f"- {setting_title(st['delay_us'], st['commit_delay_us'])}: {summary_line(st['summary'])}")
    return "\n".join(lines + [""])


def refuse_overwrite(path, json_file=False):
    """A UsageError when `path` exists and is not a file this script wrote."""
    p = pathlib.Path(path)
    if not p.exists():
        if not p.parent.is_dir():  # found now, not after the runs
            raise UsageError(f"{path}: no such directory {p.parent}")
        return
    if not p.is_file():  # a directory, or a FIFO that reading would block on
        raise UsageError(f"{path} exists and is not a regular file: not overwriting it")
    try:
        with open(p, "rb") as f:
            head = f.read(200).decode("utf-8", "replace")
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}")
    mine = (re.match(r'\{\s*"tool":\s*"%s"' % JSON_TOOL, head) is not None if json_file
            else head.splitlines()[:1] == [MARKER])
    if not mine:
        raise UsageError(f"{path} exists and is not a file whatif-check wrote: not overwriting it")


def rerun_command(args):
    """The command that runs this check again (the settings and sizes spelled out)."""
    cmd = [sys.argv[0], "--settings", args.settings, "--samples", str(args.samples),
           "--repetitions", str(args.repetitions)]
    if args.drivers:
        cmd += ["--drivers", args.drivers]
    if args.wpbench != str(wr.default_binary()):
        cmd += ["--wpbench", args.wpbench]
    if args.tmp_dir:
        cmd += ["--tmp-dir", args.tmp_dir]
    return shlex.join(cmd)


def wpbench_run(binary, dsn, drivers, args, out, tmp_dir):
    run([binary, "--dsn", dsn, "--transports", "tcp", "--drivers", ",".join(drivers), "--samples",
         str(args.samples), "-r", str(args.repetitions), "--connect-samples", "0", "--out", str(out), "-q",
         "--tmp-dir", str(tmp_dir)])
    try:
        return wr.load_run(out)
    except wr.InputError as e:
        raise ToolError(f"wpbench wrote an unusable result: {e}")


def import_proxy():
    if not (FIXTURES / "delay_proxy.py").is_file():
        raise UsageError(f"{FIXTURES / 'delay_proxy.py'} not found: whatif-check is a tool of the source "
                         "checkout (its delay proxy is a test fixture, not installed); run it from a checkout")
    sys.path.insert(0, str(FIXTURES))
    import delay_proxy
    return delay_proxy


def progress(t0, text):
    print(f"whatif-check: [{time.monotonic() - t0:6.0f} s] {text}", file=sys.stderr, flush=True)


def _terminate(signum, frame):
    raise KeyboardInterrupt  # runs the finally blocks: server, proxy and temp dirs go


def main(argv):
    ap = wr.OneLineParser(prog="whatif-check", description=__doc__.split("\n\n")[0])
    ap.add_argument("--settings", default=DEFAULT_SETTINGS, metavar="D:C,...",
                    help=f"delay each way (us) : commit_delay (us), comma-separated (default {DEFAULT_SETTINGS})")
    ap.add_argument("--samples", type=int, default=200, help="wpbench --samples per run (default 200)")
    ap.add_argument("-r", "--repetitions", type=int, default=3, help="wpbench --repetitions per run (default 3)")
    ap.add_argument("--drivers", default=None,
                    help="wpbench --drivers (default: every PostgreSQL driver path of wpbench --list)")
    ap.add_argument("--wpbench", default=str(wr.default_binary()), help="the wpbench binary")
    ap.add_argument("--tmp-dir", default=None, help="where the throwaway cluster goes (default $TMPDIR or /tmp)")
    ap.add_argument("--out", default=None, metavar="FILE.md", help="also write the report as Markdown")
    ap.add_argument("--json", default=None, metavar="FILE", help="also write the numbers as JSON")
    args = ap.parse_args(argv[1:])
    try:
        settings = parse_settings(args.settings)
        if args.samples < 1 or args.repetitions < 1:
            raise UsageError("--samples and --repetitions must be at least 1")
        if args.out:
            refuse_overwrite(args.out)
        if args.json:
            refuse_overwrite(args.json, json_file=True)
        delay_proxy = import_proxy()
    except UsageError as e:
        ap.error(str(e))
    if not os.access(args.wpbench, os.X_OK) or not os.access(BINDIR / "initdb", os.X_OK):
        print(f"whatif-check: {args.wpbench} or {BINDIR / 'initdb'} not found (build wpbench, install postgresql-15)",
              file=sys.stderr)
        return 2
    try:
        import wpwhatif
    except ImportError as e:
        print(f"whatif-check: scripts/wpwhatif.py cannot be imported ({e})", file=sys.stderr)
        return 1

    signal.signal(signal.SIGTERM, _terminate)
    t0 = time.monotonic()
    server = proxy = None
    work = pathlib.Path(tempfile.mkdtemp(prefix="wpbench-whatif-check-", dir=args.tmp_dir))
    report = []
    results = []
    try:
        if args.drivers:
            drivers = [d.strip() for d in args.drivers.split(",") if d.strip()]
        else:
            drivers = pg_drivers(run([args.wpbench, "--list"]))
            if not drivers:
                raise ToolError("wpbench --list printed no PostgreSQL (tcp) case")
        ctx = {"host": socket.gethostname(), "kernel": f"Linux {os.uname().release}", "cpus": os.cpu_count(),
               "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "wpbench_version": run([args.wpbench, "--version"]).strip(),
               "postgres_version": run([str(BINDIR / "postgres"), "--version"]).strip(),
               "samples": args.samples, "repetitions": args.repetitions, "drivers": ",".join(drivers),
               "command": rerun_command(args)}
        report.append(header(ctx))
        print(report[-1], flush=True)
        server = Server(args.tmp_dir, tcp=True)
        dsn = "host=127.0.0.1 port={} dbname=postgres sslmode=disable"
        progress(t0, f"base run: straight to the server on 127.0.0.1:{server.port}")
        base = wpbench_run(args.wpbench, dsn.format(server.port), drivers, args, work / "base.json", server.dir)
        base_floors = floors_of(base)
        for d, c in settings:
            server.restart([f"-c commit_delay={c}", "-c commit_siblings=0"])
            # No delay: straight to the server. A proxy that holds nothing would only add its own
            # threads' wake-ups, which the busy round-trip floor does not see and a case's round
            # trips after a 2 ms commit wait do (0.07 against 0.29 ms here): the fixture's cost,
            # not the network's, and it made the flush-only check miss by 13-15 % on every
            # 3-round-trip case.
            port = server.port
            if d:
                proxy = delay_proxy.DelayProxy("127.0.0.1", server.port, d)
                port = proxy.port
            progress(t0, f"{setting_title(d, c)}: " + (f"through the proxy on 127.0.0.1:{port}" if d else
                                                        f"straight to the server on 127.0.0.1:{port}"))
            doc = wpbench_run(args.wpbench, dsn.format(port), drivers, args, work / f"d{d}-c{c}.json",
                              server.dir)
            if proxy:
                proxy.close()
                proxy = None
            rtt, flush = floors_of(doc)
            # The server trusts loopback TCP without TLS: a new connection's protocol costs 1 round
            # trip, which the run cannot know over --dsn. The kernel's handshake with the proxy is
            # local, so it is not delayed: no handshake round trip.
            projection = wpwhatif.project(base, rtt_ns=rtt, flush_ns=flush, tcp_handshake=False,
                                          transports=["tcp"], connect_rt=1)
            rows = compare(projection, doc)
            st = {"delay_us": d, "commit_delay_us": c, "rtt_ns": rtt, "idle_rtt_ns": idle_round_trip(doc),
                  "flush_ns": flush, "run_id": doc.get("run_id"), "rows": rows, "summary": summarize(rows)}
            results.append(st)
            report.append(setting_section(st, base_floors))
            print(report[-1], flush=True)
        report.append(overall(results))
        print(report[-1], flush=True)
        progress(t0, "done")
    except (ToolError, wr.InputError, OSError) as e:
        print(f"whatif-check: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("whatif-check: interrupted", file=sys.stderr)
        return 1
    finally:
        if proxy:
            proxy.close()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    try:
        if args.out:
            pathlib.Path(args.out).write_text("\n".join(report), encoding="utf-8")
        if args.json:
            doc = {"tool": JSON_TOOL, "context": ctx,
                   "base": {"run_id": base.get("run_id"), "rtt0_ns": base_floors[0], "flush0_ns": base_floors[1]},
                   "settings": results}
            pathlib.Path(args.json).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        print(f"whatif-check: cannot write the report: {e}", file=sys.stderr)
        return 1
    return 0
