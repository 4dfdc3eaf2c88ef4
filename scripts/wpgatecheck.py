"""Self-check of the CI gate on this machine: does it pass a build compared with itself and catch
a real 2 ms slowdown of the commit, each from one run a side?

Usage: gate-check [--wpbench PATH] [--tmp-dir DIR] [--out-dir DIR] [--instructions N]
                  [--p50-threshold PCT] [--p99-threshold PCT] [-- WPBENCH ARGS]

On one throwaway server (as wpbench makes one) it takes three wpbench runs (default: default
runs, every case): BASELINE and SAME with the server as configured, then SLOW after restarting the
server with commit_delay=2000 and commit_siblings=0, so every PostgreSQL commit waits 2 ms
before its WAL flush (SQLite cases are untouched: the gate must still pass them). Then it gates
SAME against BASELINE (expected: no regression) and SLOW against BASELINE (expected: a
regression). BASELINE and SAME count client instructions (--instructions N, default 50) so the
instruction gate is checked too: SAME must pass it, and a copy of SAME with every count raised
by 10 % (written by this script: the one synthetic part, since a real 10 % heavier client would
need another build) must fail it. Prints each gate's verdict line; exit 0 when all four come out
as expected, 1 when one does not or a tool fails, 2 on bad usage. Keeps the runs in --out-dir
(default: a new directory under --tmp-dir) for a closer look.
"""
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile

import wpbench_results as wr
from wppgbench import BINDIR, Server, ToolError, run

SLOW_COMMIT = ["-c commit_delay=2000", "-c commit_siblings=0"]


def wpbench(binary, server, out, extra):
    run([binary, "--dsn", server.dsn, "--tmp-dir", str(server.dir), "--out", str(out), "-q", *extra])
    return out


def heavier(src, dst, factor):
    """A copy of a result with every client instruction count multiplied by `factor`."""
    doc = wr.parse_json(wr.read_result_bytes(src))

    def scale(node):
        if isinstance(node, dict):
            n = node.get("instructions")
            if isinstance(n, dict) and n.get("per_insert"):
                n["per_insert"] *= factor
                n["total"] = round(n["total"] * factor)
            for v in node.values():
                scale(v)
        elif isinstance(node, list):
            for v in node:
                scale(v)

    scale(doc)
    pathlib.Path(dst).write_text(json.dumps(doc))
    return dst


def gate(a, b, thresholds):
    """Gates b against a (scripts/gate --format json): (exit code, one line on its verdict)."""
    r = subprocess.run([sys.executable, str(wr.ROOT / "scripts" / "gate"), str(a), str(b), "--no-policy",
                        "--format", "json", *thresholds],
                       capture_output=True, text=True)
    if r.returncode == 2:
        raise ToolError(f"gate refused its input: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    try:
        verdict = json.loads(r.stdout)
        rows = verdict["cases"] + verdict["instructions"]
        found = [row["verdict"] for row in rows]
    except (ValueError, KeyError, TypeError) as e:
        raise ToolError(f"gate's --format json output is not its verdict ({e}): {r.stdout[:200]!r}")
    if verdict.get("exit_code") != r.returncode:
        raise ToolError(f"gate exited {r.returncode} but its verdict says exit code {verdict.get('exit_code')}")
    counts = {v: found.count(v) for v in ("regression", "inconclusive", "improvement")}
    said = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "every case ok"
    return r.returncode, f"{verdict['verdict']} ({len(rows)} checks of cases and instruction counts: {said})"


def main(argv):
    args_end = argv.index("--") if "--" in argv else len(argv)
    ap = wr.OneLineParser(prog="gate-check", description=__doc__.split("\n\n")[0])
    ap.add_argument("--wpbench", default=str(wr.default_binary()), help="the wpbench binary")
    ap.add_argument("--tmp-dir", default=None, help="where the throwaway cluster goes (default $TMPDIR or /tmp)")
    ap.add_argument("--out-dir", default=None, help="where the three runs are kept (default: a new dir in --tmp-dir)")
    ap.add_argument("--instructions", type=int, default=50, help="inserts counted per case (0: skip that part)")
    ap.add_argument("--p50-threshold", default="10", metavar="PCT", help="the gate's, passed on (default 10)")
    ap.add_argument("--p99-threshold", default="25", metavar="PCT", help="the gate's, passed on (default 25)")
    args = ap.parse_args(argv[1:args_end])
    extra = argv[args_end + 1:]
    if args.instructions < 0:
        ap.error("--instructions must be 0 or more")
    if not os.access(args.wpbench, os.X_OK) or not os.access(BINDIR / "initdb", os.X_OK):
        print(f"gate-check: {args.wpbench} or {BINDIR / 'initdb'} not found (build wpbench, install postgresql-15)",
              file=sys.stderr)
        return 2
    out = pathlib.Path(args.out_dir or tempfile.mkdtemp(prefix="wpbench-gate-check-", dir=args.tmp_dir))
    out.mkdir(parents=True, exist_ok=True)
    counted = ["--instructions", str(args.instructions)] if args.instructions else []
    server = None
    results = []
    try:
        print(f"gate-check on {socket.gethostname()}, {os.uname().release}; "
              f"{run([args.wpbench, '--version']).strip()}; {os.cpu_count()} cpus; runs kept in {out}", flush=True)
        server = Server(args.tmp_dir, tcp=True)
        base = wpbench(args.wpbench, server, out / "baseline.json", extra + counted)
        same = wpbench(args.wpbench, server, out / "same.json", extra + counted)
        server.restart(SLOW_COMMIT)
        slow = wpbench(args.wpbench, server, out / "slow-commit.json", extra)
        checks = [("same build, same server", base, same, (0, 3)),
                  ("commit_delay=2000 commit_siblings=0", base, slow, (1,))]
        if args.instructions:
            checks.append(("client instructions +10 % (synthetic copy of SAME)", base,
                           heavier(same, out / "same-heavier.json", 1.10), (1,)))
        for what, a, b, expected in checks:
            code, verdict = gate(a, b, ["--p50-threshold", args.p50_threshold,
                                        "--p99-threshold", args.p99_threshold])
            ok = code in expected
            results.append(ok)
            print(f"{'as expected' if ok else 'NOT as expected'}: {what}: exit {code}; {verdict}", flush=True)
    except (ToolError, wr.InputError, OSError) as e:
        print(f"gate-check: {e}", file=sys.stderr)
        return 1
    finally:
        if server:
            server.stop()
    return 0 if all(results) else 1
