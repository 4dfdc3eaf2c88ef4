"""Self-check against PostgreSQL's pgbench: the same INSERT through pgbench -M prepared and
through wpbench's libpq/prepared/unix, on one throwaway server, in alternating rounds.

Usage: pgbench-check [--rounds N] [--transactions N] [--wpbench PATH] [--tmp-dir DIR]

pgbench is PostgreSQL's own client benchmark; if wpbench's mean latency for the same prepared,
autocommit insert over the same socket is close to pgbench's, the harness adds nothing that
matters. Rounds alternate (pgbench, wpbench, pgbench, ...) so a slow minute hits both. Prints
each round and the ratio of the means. Exit 0, 1 when a tool fails, 2 on bad usage.
"""
import getpass
import os
import pathlib
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

import wpbench_results as wr

BINDIR = pathlib.Path(os.environ.get("WPBENCH_PG_BINDIR", "/usr/lib/postgresql/15/bin"))
TABLE = "wpbench_trade_decisions"
# One decision row; pgbench cannot run wpbench's generator, so the values are fixed. The
# statement (columns, parameters, now()) is the one wpbench's libpq paths send.
PGBENCH_SCRIPT = (f"INSERT INTO {TABLE} (market_ticker, direction, edge, score, action, skip_reason, "
                  "created_at) VALUES ('KXHIGHNY-26NOV24-B45', 'yes', 0.04158, 0.6, 'buy', NULL, now());\n")


class ToolError(Exception):
    """A tool (initdb, postgres, pgbench, wpbench) failed; one line."""


def run(cmd, as_user=None, **kw):
    if as_user:
        cmd = ["runuser", "-u", as_user, "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ToolError(f"{pathlib.Path(cmd[cmd.index('--') + 1 if as_user else 0]).name} failed "
                        f"(exit {r.returncode}): {last[0]}")
    return r.stdout


class Server:
    """A throwaway cluster as wpbench makes one: initdb as the postgres user when root, socket
    in the temp dir (peer); with `tcp`, also loopback TCP with trust for the same role, so a
    wpbench run with --dsn measures its tcp cases too. `listen` adds addresses of this machine
    to listen on over TCP (they must exist before the server starts) and `trust` client networks
    (CIDR, e.g. 10.213.1.0/30) trusted over TCP: for clients elsewhere, such as other network
    namespaces (tests/scripts/test_merge.py)."""

    def __init__(self, parent, tcp=False, listen=(), trust=()):
        self.listen = list(listen)
        self.tcp = tcp or bool(self.listen)
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="wpbench-pgbench-", dir=parent))
        self.user = "postgres" if os.geteuid() == 0 else None
        self.role = getpass.getuser()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        os.chmod(self.dir, 0o755)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = str(self.dir / "data")
        run([str(BINDIR / "initdb"), "-D", data, "-U", self.role, "--auth-local=peer", "-N", "-E", "UTF8",
             "--locale=C"], self.user)
        if self.tcp:
            with open(pathlib.Path(data) / "pg_hba.conf", "a", encoding="utf-8") as f:
                f.write("host all all 127.0.0.1/32 trust\n")
                for network in trust:
                    f.write(f"host all all {network} trust\n")
        self.start()
        self.dsn = f"host={self.dir} port={self.port} dbname=postgres"

    def start(self, settings=()):
        """Starts the cluster with `settings` (postgres -c NAME=VALUE words) on top of its own."""
        listen = ",".join(["127.0.0.1", *self.listen]) if self.tcp else "''"
        opts = " ".join([f"-k {self.dir} -p {self.port} -c listen_addresses={listen}", *settings])
        run([str(BINDIR / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l", str(self.dir / "log"), "-o", opts,
             "start"], self.user)

    def restart(self, settings=()):
        run([str(BINDIR / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"], self.user)
        self.start(settings)

    def stop(self):
        try:
            run([str(BINDIR / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"], self.user)
        except ToolError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def pgbench_mean_ms(server, transactions):
    script = server.dir / "insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    os.chmod(script, 0o644)
    out = run([str(BINDIR / "pgbench"), "-n", "-M", "prepared", "-c", "1", "-t", str(transactions), "-f",
               str(script), "-h", str(server.dir), "-p", str(server.port), "postgres"])
    m = re.search(r"latency average = ([0-9.]+) ms", out)
    if not m:
        raise ToolError("pgbench printed no 'latency average'")
    return float(m.group(1))


def wpbench_mean_ms(binary, server, transactions, out):
    # One repetition, no floors or connect timing: each round is one stretch of inserts, as
    # pgbench's is. The table stays for pgbench's script (wpbench drops its own by default).
    run([binary, "--dsn", server.dsn, "--drivers", "libpq/prepared", "--transports", "unix", "--samples",
         str(transactions), "--warmup", "0", "--repetitions", "1", "--interleave", "case", "--floor-samples",
         "0", "--connect-samples", "0", "--table", TABLE, "--keep-table", "--tmp-dir", str(server.dir),
         "--out", str(out), "-q"])
    try:
        return wr.load_run(out)["cases"][0]["latency_ns"]["mean"] / 1e6
    except wr.InputError as e:
        raise ToolError(f"wpbench wrote an unusable result: {e}")


def main(argv):
    ap = wr.OneLineParser(prog="pgbench-check", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    ap.add_argument("--transactions", type=int, default=5000, help="inserts per tool per round (default 5000)")
    ap.add_argument("--wpbench", default=str(wr.default_binary()), help="the wpbench binary")
    ap.add_argument("--tmp-dir", default=None, help="where the throwaway cluster goes (default $TMPDIR or /tmp)")
    args = ap.parse_args(argv[1:])
    if args.rounds < 1 or args.transactions < 1:
        ap.error("--rounds and --transactions must be at least 1")
    for tool in (BINDIR / "pgbench", BINDIR / "initdb", pathlib.Path(args.wpbench)):
        if not os.access(tool, os.X_OK):
            print(f"pgbench-check: {tool} not found (install postgresql-15, build wpbench)", file=sys.stderr)
            return 2
    server = None
    try:
        # Every published number carries its context.
        when = subprocess.run(["date", "-u", "+%Y-%m-%dT%H:%M:%SZ"], capture_output=True, text=True).stdout.strip()
        print(f"pgbench-check on {socket.gethostname()}, {os.uname().release}, {when}; "
              f"{run([args.wpbench, '--version']).strip()}; {run([str(BINDIR / 'pgbench'), '--version']).strip()}; "
              f"{os.cpu_count()} cpus")
        server = Server(args.tmp_dir)
        # A first, unreported pass of each: wpbench creates the table, both warm the caches.
        wpbench_mean_ms(args.wpbench, server, 200, server.dir / "warm.json")
        pgbench_mean_ms(server, 200)
        pg, wp = [], []
        for i in range(args.rounds):
            pg.append(pgbench_mean_ms(server, args.transactions))
            wp.append(wpbench_mean_ms(args.wpbench, server, args.transactions, server.dir / f"r{i}.json"))
            print(f"round {i + 1}: pgbench -M prepared {pg[-1]:.3f} ms, wpbench libpq/prepared/unix "
                  f"{wp[-1]:.3f} ms, ratio {wp[-1] / pg[-1]:.3f}")
    except (ToolError, OSError) as e:
        print(f"pgbench-check: {e}", file=sys.stderr)
        return 1
    finally:
        if server:
            server.stop()
    ratios = [w / p for w, p in zip(wp, pg)]
    print(f"mean latency of one durable prepared insert over the Unix socket, {args.rounds} alternating rounds "
          f"of {args.transactions}: pgbench {statistics.mean(pg):.3f} ms, wpbench {statistics.mean(wp):.3f} ms; "
          f"ratio wpbench/pgbench {statistics.mean(wp) / statistics.mean(pg):.3f} "
          f"(per round {min(ratios):.3f} to {max(ratios):.3f})")
    return 0
