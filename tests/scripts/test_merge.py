"""scripts/merge (scripts/wpmerge.py): runs made at the same time from several client hosts
against one server, merged into one result. Checked against what the test works out on its own:
counts and nearest-rank percentiles of the hosts' raw samples laid together (exact where every
host kept its raw samples, within the histogram's stated precision where one kept only its
histogram); every bad input refused in one line; and, when WPBENCH_BINARY is set and the test
runs as root, two real wpbench clients in two network namespaces against one PostgreSQL server."""
import contextlib
import datetime
import fractions
import io
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import unittest

import fixtures
import wphist
import wpmerge
import wppgbench
import wpbench_results as wr

from fixtures import Scratch, run_script

PG_CASES = {k: fixtures.DEFAULT_CASES[k] for k in ("libpq/prepared/unix", "libpq/tx/unix", "libpq/prepared/tcp")}
KEYS = (("min", 0), ("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9), ("max", 100))


def host_run(seed, hostname, n=400, reps=2, raw=True, run_id="20261124T000000.000Z", cases=PG_CASES, **kw):
    """One client host's run against a shared server (--dsn: mode existing), interleaved as
    wpbench runs by default, into a table of its own."""
    run = fixtures.make_run(cases=cases, n=n, seed=seed, reps=reps, raw=raw, hostname=hostname, run_id=run_id,
                            **kw)
    run["context"]["server"].update(mode="existing", data_filesystem="")
    run["config"].update(interleave="sample", table=f"wpbench_{hostname.replace('-', '_')}")
    return run


def nearest_rank(values, p):
    """The smallest value with at least p % of the values at or below it: rank ceil(p n / 100),
    in exact fractions (the test's own, not wpstats')."""
    s = sorted(int(v) for v in values)
    k = math.ceil(fractions.Fraction(str(p)) * len(s) / 100)
    return s[min(len(s), max(1, k)) - 1]


def bucket_sum(histograms):
    """The histograms' buckets added index by index (the test's own, not wphist's)."""
    total = {}
    for h in histograms:
        for i, c in h["buckets"]:
            total[i] = total.get(i, 0) + c
    return sorted([i, c] for i, c in total.items())


def run_main(*args):
    """wpmerge.main in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = wpmerge.main(["merge", *map(str, args)])
        except SystemExit as e:  # argparse's usage errors
            code = e.code
    return code, out.getvalue(), err.getvalue()


class MergeCase(Scratch):
    def hosts(self, count=2, **kw):
        """`count` host runs written to files: [(path, document)]."""
        out = []
        for i in range(count):
            doc = host_run(seed=10 + i, hostname=f"client-{'abc'[i]}", **kw)
            out.append((fixtures.write(self.tmp / f"{'abc'[i]}.json", doc), doc))
        return out

    def merged(self, paths, *extra):
        out = self.tmp / "merged.json"
        if out.exists():
            out.unlink()
        r = run_script("merge", *paths, "-o", out, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], str(out))
        return wr.load_run(out), r


class Merged(MergeCase):
    def test_counts_and_percentiles_are_those_of_every_hosts_raw_samples(self):
        inputs = self.hosts(3)
        doc, _ = self.merged([p for p, _ in inputs])
        self.assertEqual(len(doc["hosts"]), 3)
        self.assertEqual([c["name"] for c in doc["cases"]], list(PG_CASES))
        for case in doc["cases"]:
            hosts = [{c["name"]: c for c in d["cases"]}[case["name"]] for _, d in inputs]
            everything = []
            for i, rep in enumerate(case["repetitions"]):
                raw = [v for h in hosts for v in h["repetitions"][i]["samples_ns"]]
                everything += raw
                with self.subTest(case=case["name"], repetition=i):
                    self.assertEqual(rep["samples"], len(raw))
                    self.assertEqual(rep["samples_ns"], raw)  # host by host, each in its own order
                    for key, p in KEYS:
                        self.assertEqual(rep["latency_ns"][key], nearest_rank(raw, p), key)
                    self.assertAlmostEqual(rep["latency_ns"]["mean"], sum(raw) / len(raw), delta=1e-6)
                    self.assertEqual(rep["histogram"]["buckets"],
                                     bucket_sum(h["repetitions"][i]["histogram"] for h in hosts))
                    self.assertEqual(rep["histogram"]["buckets"], wphist.from_samples(raw)["buckets"])
                    self.assertEqual(rep["histogram"]["count"], len(raw))
                    self.assertEqual(rep["histogram"]["sum"], sum(raw))
            with self.subTest(case=case["name"]):
                self.assertEqual(case["samples"], len(everything))
                self.assertEqual(case["samples"], sum(h["samples"] for h in hosts))
                for key, p in KEYS:
                    self.assertEqual(case["latency_ns"][key], nearest_rank(everything, p), key)
                self.assertAlmostEqual(case["throughput_per_s"], sum(h["throughput_per_s"] for h in hosts))
                self.assertEqual(case["interval"]["method"], "t interval over repetitions (log scale)")
                lo, hi = case["interval"]["p50_ns"]
                self.assertLess(lo, case["latency_ns"]["p50"])
                self.assertGreater(hi, case["latency_ns"]["p50"])
                self.assertIsNone(case["decomposition"])  # each host's own floors: kept per host
        # Every other script reads it as a run of its own.
        path = self.tmp / "merged.json"
        for script, args in (("validate-result", [path]), ("claims", [path]),
                             ("report", ["--out", self.tmp / "r", path])):
            r = run_script(script, *args)
            self.assertEqual(r.returncode, 0, f"{script}: {r.stderr}")
        self.assertIn("client-a | client-b | client-c", (self.tmp / "r" / "report.md").read_text())

    def test_from_histograms_alone_the_percentiles_are_within_the_histograms_precision(self):
        # The same samples (same seeds) once with raw samples, once with histograms only: the
        # truth comes from the first, the merge reads only the second.
        truth = [host_run(seed=20 + i, hostname=f"h{i}", n=1500, reps=2) for i in range(2)]
        paths = [fixtures.write(self.tmp / f"h{i}.json", host_run(seed=20 + i, hostname=f"h{i}", n=1500, reps=2,
                                                                   raw=False)) for i in range(2)]
        doc, _ = self.merged(paths)
        for case in doc["cases"]:
            raw = [v for t in truth for c in t["cases"] if c["name"] == case["name"]
                   for r in c["repetitions"] for v in r["samples_ns"]]
            self.assertEqual(case["samples"], len(raw))
            self.assertTrue(all(r["samples_ns"] is None for r in case["repetitions"]))
            merged = wphist.merge(r["histogram"] for r in case["repetitions"])
            self.assertEqual(merged["buckets"], wphist.from_samples(raw)["buckets"])
            for key, p in KEYS:
                true, got = nearest_rank(raw, p), case["latency_ns"][key]
                with self.subTest(case=case["name"], stat=key):
                    # A bucket reads as its highest value, and is narrower than 1/1024 of its values.
                    self.assertLessEqual(true, got)
                    self.assertLessEqual(got - true, true / 1024)
                    self.assertEqual(got, wphist.percentile(merged, p))
        self.assertEqual(wr.problem(self.tmp / "merged.json"), None)

    def test_a_host_with_raw_samples_and_one_without_merge_from_the_histograms(self):
        a = fixtures.write(self.tmp / "a.json", host_run(1, "a"))
        b = fixtures.write(self.tmp / "b.json", host_run(2, "b", raw=False))
        doc, _ = self.merged([a, b])
        case = doc["cases"][0]
        self.assertTrue(all(r["samples_ns"] is None for r in case["repetitions"]))
        self.assertEqual(case["latency_ns"]["p50"],
                         wphist.percentile(wphist.merge(r["histogram"] for r in case["repetitions"]), 50))

    def test_one_repetition_gets_a_block_bootstrap_and_ratios_without_interval(self):
        doc, _ = self.merged([p for p, _ in self.hosts(2, reps=1, n=600)])
        case = doc["cases"][0]
        self.assertEqual(case["interval"]["method"], "block bootstrap over samples")
        self.assertIsNone(case["cv_p50"])
        self.assertTrue(doc["ratios"])
        self.assertTrue(all(r["interval"] is None and r["method"].startswith("none") for r in doc["ratios"]))

    def test_ratios_are_recomputed_over_the_merged_repetitions(self):
        doc, _ = self.merged([p for p, _ in self.hosts(2)])
        cases = {c["name"]: c for c in doc["cases"]}
        ratio = next(r for r in doc["ratios"] if r["numerator"] == "libpq/tx/unix" and r["stat"] == "p50")
        self.assertEqual(ratio["denominator"], "libpq/prepared/unix")
        self.assertAlmostEqual(ratio["ratio"], cases["libpq/tx/unix"]["latency_ns"]["p50"]
                               / cases["libpq/prepared/unix"]["latency_ns"]["p50"])
        self.assertEqual(ratio["method"], "paired t interval over repetitions")
        lo, hi = ratio["interval"]
        self.assertLess(lo, ratio["ratio"])
        self.assertGreater(hi, ratio["ratio"])

    def test_each_hosts_context_and_what_cannot_be_merged_are_kept(self):
        cases = {**PG_CASES, "sqlite3/prepared/file": fixtures.DEFAULT_CASES["sqlite3/prepared/file"]}
        inputs = self.hosts(2, cases=cases, warnings={"libpq/tx/unix": ["a noisy neighbour"]})
        doc, r = self.merged([p for p, _ in inputs])
        self.assertIn("left out 1 SQLite case(s)", r.stderr)
        self.assertEqual(doc["merge"]["left_out"], ["sqlite3/prepared/file"])
        self.assertNotIn("sqlite3/prepared/file", [c["name"] for c in doc["cases"]])
        self.assertNotIn("file", doc["context"]["transports"])
        self.assertIsNone(doc["floors"])
        self.assertEqual(doc["connect"], [])
        for key in ("histogram", "latency_ns", "ratios", "floors", "decomposition", "noise", "samples_ns"):
            self.assertIn(key, doc["merge"]["how"])
        for (path, src), host in zip(inputs, doc["hosts"]):
            self.assertEqual(host["file"], path)
            self.assertEqual(host["context"], src["context"])
            self.assertEqual(host["config"], src["config"])
            self.assertEqual(host["floors"], src["floors"])
            for c in src["cases"]:
                mine = host["cases"][c["name"]]
                self.assertEqual(mine["latency_ns"], c["latency_ns"])
                self.assertEqual(mine["decomposition"], c["decomposition"])
                self.assertEqual(mine["merged"], c["transport"] != "file")
                self.assertEqual([x["verification"] for x in mine["repetitions"]],
                                 [x["verification"] for x in c["repetitions"]])
        noisy = next(c for c in doc["cases"] if c["name"] == "libpq/tx/unix")
        self.assertEqual(noisy["noise"]["warnings"], ["client-a (a.json): a noisy neighbour",
                                                     "client-b (b.json): a noisy neighbour"])
        self.assertEqual(doc["config"]["clients"], 2)
        self.assertEqual(doc["config"]["samples"], 800)
        self.assertEqual(doc["config"]["table"], "wpbench_client_a | wpbench_client_b")
        self.assertTrue(doc["context"]["warnings"][0].startswith("merged by scripts/merge from 2 runs"))

    def test_the_time_windows(self):
        a = host_run(1, "a", run_id="20261201T030000.000Z")
        b = host_run(2, "b", run_id="20261201T030000.400Z")
        start, end, basis = wpmerge.window(a)
        self.assertEqual(start, datetime.datetime(2026, 12, 1, 3, tzinfo=datetime.timezone.utc).timestamp())
        self.assertEqual(basis, "run start (run_id)")
        # Every case of an interleaved repetition spans it: the run measured for the longest
        # case's series, repetition after repetition.
        spans = [max(len(c["repetitions"][i]["timeseries"]["count"]) for c in a["cases"]) for i in range(2)]
        self.assertAlmostEqual(end - start, sum(spans))
        info, _, warnings = wpmerge.check_windows([("a", a), ("b", b)], allow_apart=False)
        self.assertFalse(info["apart"])
        self.assertEqual(warnings, [])
        # --start-at: the context's start_at is when measuring began, in either form wpbench takes.
        for value in ("2026-12-01T04:00:00Z", 1796097600, "1796097600"):
            self.assertEqual(wpmerge.parse_time(value), 1796097600.0)
        b["context"]["start_at"] = "2026-12-01T04:00:00Z"
        self.assertEqual(wpmerge.window(b)[2], "context.start_at")
        with self.assertRaisesRegex(wr.InputError, "not at the same time .*--allow-apart"):
            wpmerge.check_windows([("a", a), ("b", b)], allow_apart=False)
        info, _, warnings = wpmerge.check_windows([("a", a), ("b", b)], allow_apart=True)
        self.assertTrue(info["apart"])
        self.assertLess(info["overlap_s"], 0)
        self.assertIn("merged anyway", warnings[0])
        b["context"]["start_at"] = "whenever"
        self.assertIn("not read", wpmerge.window(b)[2])
        # Without --start-at wpbench writes it null: the run's start, as without the field.
        b["context"]["start_at"] = None
        self.assertEqual(wpmerge.window(b), wpmerge.window(host_run(2, "b", run_id="20261201T030000.400Z")))
        self.assertEqual(wpmerge.window(b)[2], "run start (run_id)")
        a["context"]["start_at"] = "2026-12-01T03:00:00.000Z"
        merged, _ = wpmerge.merge([("a", a), ("b", b)])
        self.assertIsNone(merged["context"]["start_at"])  # not every host was given one
        self.assertIsNone(wr.document_problem(merged))

    def test_idle_twins_are_pooled_as_wpbench_pools_them(self):
        docs = []
        for i in range(2):
            doc = host_run(30 + i, f"i{i}", cases={"libpq/prepared/unix": PG_CASES["libpq/prepared/unix"]})
            doc["config"]["idle_ms"] = 50
            case = doc["cases"][0]
            for rep in case["repetitions"]:
                rep["back_to_back_ns"] = [max(1, v - 20_000 - 7 * k) for k, v in enumerate(rep["samples_ns"])]
            case["idle"] = {"idle_ms": 50, "back_to_back_ns": fixtures.summary([]), "idle_minus_back_to_back": None}
            docs.append(doc)
        merged, _ = wpmerge.merge([(f"i{i}.json", d) for i, d in enumerate(docs)])
        idle = merged["cases"][0]["idle"]
        reps = [r for d in docs for r in d["cases"][0]["repetitions"]]
        diffs = [a - b for r in reps for a, b in zip(r["samples_ns"], r["back_to_back_ns"])]
        twins = [v for r in reps for v in r["back_to_back_ns"]]
        self.assertEqual(idle["idle_minus_back_to_back"]["median_ns"], nearest_rank(diffs, 50))
        self.assertEqual(idle["idle_minus_back_to_back"]["pairs"], len(diffs))
        self.assertEqual(idle["back_to_back_ns"]["p99"], nearest_rank(twins, 99))
        lo, hi = idle["idle_minus_back_to_back"]["interval_95_ns"]
        self.assertLessEqual(lo, nearest_rank(diffs, 50))
        self.assertGreaterEqual(hi, nearest_rank(diffs, 50))
        self.assertIsNone(wr.document_problem(merged))


# One driver path over unix, tcp and pgbouncer: pgbouncer's plainer twin is tcp, tcp's unix.
TWIN_CASES = {"libpq/tx/unix": (3, 440_000), "libpq/tx/tcp": (3, 470_000), "libpq/tx/pgbouncer": (3, 530_000),
              "libpq/prepared/unix": (1, 200_000)}
PGBOUNCER = {"title": "PgBouncer (TCP)", "backend": "postgres", "reach": "fixture", "round_trips": True,
             "target": "host=127.0.0.1 port=6432 password=***", "auth": "scram-sha-256", "pool_mode": "transaction"}


def topology_run(seed, hostname, reps=3, pool_mode="transaction", standby=None):
    """A host run with a pgbouncer transport (its pool_mode) and, with `standby`, context.server.standby."""
    run = host_run(seed, hostname, n=300, reps=reps, cases=TWIN_CASES, measured_floors=False)
    rows = run["context"]["transports"]
    rows["pgbouncer"] = dict(PGBOUNCER, pool_mode=pool_mode)
    run["context"]["transports"] = {k: rows[k] for k in ("unix", "tcp", "pgbouncer", "file")}
    run["context"]["server"]["standby"] = standby
    run["context"]["start_at"] = None
    return run


def t_975(df):
    """The 97.5 % quantile of Student's t with 2 degrees of freedom, in closed form (F(t) = 1/2 +
    t / (2 sqrt(2 + t^2)), so t / sqrt(2 + t^2) = 0.95), to the 4 decimals of wpbench's table."""
    assert df == 2
    return round(0.95 * math.sqrt(2 / (1 - 0.95 ** 2)), 4)


class TransportCostsAndTopologies(MergeCase):
    def write_runs(self, runs):
        return [fixtures.write(self.tmp / f"{'abc'[i]}.json", run) for i, run in enumerate(runs)]

    def test_transport_costs_are_recomputed_over_the_merged_repetitions(self):
        runs = [topology_run(40 + i, f"t{i}") for i in range(2)]
        own = {"numerator": "libpq/tx/tcp", "denominator": "libpq/tx/unix", "stat": "p50", "ratio": 1.5,
               "interval": None, "method": "none: needs --repetitions 2 or more", "difference_ns": 9.0,
               "difference_interval": None}
        runs[0]["transport_costs"] = [own]  # each host's own, kept beside the merged ones
        runs[1]["transport_costs"] = []
        doc, _ = self.merged(self.write_runs(runs))

        def per_rep(name):
            """Each merged repetition's raw samples: repetition i of every host, laid together."""
            hosts = [next(c for c in run["cases"] if c["name"] == name) for run in runs]
            return [[v for h in hosts for v in h["repetitions"][i]["samples_ns"]] for i in range(3)]

        pairs = [(c["numerator"], c["denominator"], c["stat"]) for c in doc["transport_costs"]]
        self.assertEqual(pairs, [("libpq/tx/tcp", "libpq/tx/unix", "p50"),
                                 ("libpq/tx/pgbouncer", "libpq/tx/tcp", "p50")])
        for cost in doc["transport_costs"]:
            num, den = per_rep(cost["numerator"]), per_rep(cost["denominator"])
            with self.subTest(numerator=cost["numerator"]):
                pooled_num = nearest_rank([v for r in num for v in r], 50)
                pooled_den = nearest_rank([v for r in den for v in r], 50)
                self.assertAlmostEqual(cost["ratio"], pooled_num / pooled_den, places=12)
                self.assertEqual(cost["difference_ns"], pooled_num - pooled_den)
                self.assertEqual(cost["method"], "paired t interval over repetitions")
                # Paired: repetition i of the one over repetition i of the other, a t interval
                # on their logs around the pooled ratio; the differences around the pooled one.
                logs = [math.log(nearest_rank(x, 50) / nearest_rank(y, 50)) for x, y in zip(num, den)]
                half = t_975(2) * statistics.stdev(logs) / math.sqrt(3)
                lo, hi = cost["interval"]
                self.assertAlmostEqual(lo, cost["ratio"] * math.exp(-half), places=9)
                self.assertAlmostEqual(hi, cost["ratio"] * math.exp(half), places=9)
                diffs = [nearest_rank(x, 50) - nearest_rank(y, 50) for x, y in zip(num, den)]
                half = t_975(2) * statistics.stdev(diffs) / math.sqrt(3)
                lo, hi = cost["difference_interval"]
                self.assertAlmostEqual(lo, pooled_num - pooled_den - half, places=6)
                self.assertAlmostEqual(hi, pooled_num - pooled_den + half, places=6)
        self.assertEqual([h["transport_costs"] for h in doc["hosts"]], [[own], []])
        self.assertIn("transport_costs", doc["merge"]["how"])
        self.assertEqual(list(doc)[9:11], ["ratios", "transport_costs"])
        self.assertEqual(doc["context"]["transports"]["pgbouncer"]["pool_mode"], "transaction")
        self.assertIsNone(doc["context"]["start_at"])  # neither host was given --start-at

    def test_one_repetition_gives_transport_costs_without_interval(self):
        runs = [topology_run(50 + i, f"t{i}", reps=1) for i in range(2)]
        doc, _ = self.merged(self.write_runs(runs))
        self.assertEqual(len(doc["transport_costs"]), 2)
        for cost in doc["transport_costs"]:
            with self.subTest(numerator=cost["numerator"]):
                num = [v for run in runs for c in run["cases"] if c["name"] == cost["numerator"]
                       for v in c["repetitions"][0]["samples_ns"]]
                den = [v for run in runs for c in run["cases"] if c["name"] == cost["denominator"]
                       for v in c["repetitions"][0]["samples_ns"]]
                self.assertAlmostEqual(cost["ratio"], nearest_rank(num, 50) / nearest_rank(den, 50), places=12)
                self.assertEqual(cost["method"], "none: needs --repetitions 2 or more")
                self.assertIsNone(cost["interval"])
                self.assertIsNone(cost["difference_interval"])

    def test_a_twin_that_failed_gives_no_transport_cost(self):
        runs = [topology_run(60, "t0"), host_run(61, "t1", n=300, reps=3, cases=TWIN_CASES, measured_floors=False,
                                                 fail=("libpq/tx/tcp",))]
        rows = runs[1]["context"]["transports"]
        rows["pgbouncer"] = dict(PGBOUNCER)
        runs[1]["context"]["transports"] = {k: rows[k] for k in ("unix", "tcp", "pgbouncer", "file")}
        doc, _ = self.merged(self.write_runs(runs))
        # The merged tcp case failed (one host's did): neither tcp over unix nor pgbouncer over tcp.
        self.assertEqual(doc["transport_costs"], [])

    def test_the_same_topology_on_every_host(self):
        def standby(checked_on, mode="sync"):
            return {"mode": mode, "checked_on": checked_on}

        def refused(b, needle):
            paths = self.write_runs([topology_run(70, "t0", standby=standby("10.0.0.9")), b])
            with self.subTest(needle=needle):
                self.assert_one_line_error(run_script("merge", *paths, "-o", self.tmp / "m.json"), 2, needle)

        refused(topology_run(71, "t1", pool_mode="session", standby=standby("10.0.0.9")),
                'transport pgbouncer has pool_mode "session", in ')
        refused(topology_run(71, "t1", pool_mode="session", standby=standby("10.0.0.9")), "--pgbouncer-mode")
        refused(topology_run(71, "t1", standby=standby("10.0.0.9", "async")), 'server.standby.mode is "async"')
        refused(topology_run(71, "t1", standby=None), "server.standby.mode is null, in ")
        refused(topology_run(71, "t1", standby=None), "(give every host the same --standby)")
        self.assertFalse((self.tmp / "m.json").exists())
        # Where each host checked the standby's rows may differ: kept per host, joined in the merge.
        runs = [topology_run(70, "t0", standby=standby("10.0.0.9")),
                topology_run(71, "t1", standby=standby("10.0.0.10"))]
        doc, _ = self.merged(self.write_runs(runs))
        self.assertEqual(doc["context"]["server"]["standby"], {"mode": "sync", "checked_on": "10.0.0.9 | 10.0.0.10"})
        self.assertEqual([h["context"]["server"]["standby"]["checked_on"] for h in doc["hosts"]],
                         ["10.0.0.9", "10.0.0.10"])
        runs[1]["context"]["server"]["standby"]["checked_on"] = None  # one host did not check
        doc, _ = self.merged(self.write_runs(runs))
        self.assertEqual(doc["context"]["server"]["standby"], {"mode": "sync", "checked_on": None})
        self.assertIn("checked_on", doc["merge"]["how"]["context"])


class Output(MergeCase):
    def test_replaces_only_a_file_wpbench_wrote_and_never_an_input(self):
        (a, _), (b, _) = self.hosts(2)
        out = self.tmp / "out.json"
        out.write_text("my notes\n")
        r = run_script("merge", a, b, "-o", out)
        self.assert_one_line_error(r, 2, "exists and is not a file wpbench wrote: not replacing it")
        self.assertEqual(out.read_text(), "my notes\n")
        out.write_text("")  # an empty file (mktemp's) holds nothing to lose
        self.assertEqual(run_script("merge", a, b, "-o", out).returncode, 0)
        self.assertIsNone(wr.problem(out))
        r = run_script("merge", a, b, "-o", out)  # its own earlier output
        self.assertEqual(r.returncode, 0, r.stderr)
        before = pathlib_bytes(a)
        self.assert_one_line_error(run_script("merge", a, b, "-o", a), 2, "is one of the runs to merge")
        self.assertEqual(pathlib_bytes(a), before)
        self.assert_one_line_error(run_script("merge", a, b, "-o", self.tmp), 2, "is not a regular file")
        self.assert_one_line_error(run_script("merge", a, b, "-o", self.tmp / "no" / "m.json"), 2,
                                   "no such directory")
        # Nothing but the files: no temporary file left behind.
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()), ["a.json", "b.json", "out.json"])

    def test_written_as_wpbench_writes_its_json(self):
        (a, _), (b, _) = self.hosts(2)
        doc, _ = self.merged([a, b])
        head = (self.tmp / "merged.json").read_bytes()[:64]
        self.assertTrue(head.startswith(b'{"schema_version":3,"tool":"wpbench"'), head)
        self.assertEqual(list(doc)[:10], ["schema_version", "tool", "run_id", "status", "context", "config", "cases",
                                          "floors", "connect", "ratios"])


def pathlib_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class BadInputs(MergeCase):
    def write(self, name, doc):
        return fixtures.write(self.tmp / name, doc)

    def test_each_is_one_line_and_exit_2(self):
        (a, da), (b, db) = self.hosts(2)
        t, out = self.tmp, ["-o", self.tmp / "m.json"]
        (t / "bad.json").write_text("{not json")

        def changed(name, change, doc=db):
            doc = json.loads(json.dumps(doc))
            change(doc)
            return self.write(name, doc)

        other_layout = changed("layout.json", lambda d: d["cases"][1]["repetitions"][0]["histogram"].update(
            highest_trackable_ns=(1 << 40) - 1))
        rows = [
            ([a, *out], "needs two or more runs to merge, got 1"),
            ([a, t / "missing.json", *out], "missing.json: cannot read: No such file or directory"),
            ([a, t / "bad.json", *out], "bad.json: invalid JSON"),
            ([a, a, *out], "is given twice"),
            ([a, shutil.copy(a, t / "copy.json"), *out], "are the same run"),
            ([a, self.write("v1.json", fixtures.make_run(version=1)), *out], "merge reads schema_version 3 runs"),
            ([a, self.write("dropped.json", host_run(11, "client-b", drop=("libpq/tx/unix",))), *out],
             "case libpq/tx/unix is in"),
            ([a, changed("version.json", lambda d: d["context"]["server"].update(version="16.1")), *out],
             "not the same server"),
            ([a, changed("fsync.json", lambda d: d["context"]["server"]["settings"].update(fsync="off")), *out],
             "server setting fsync is 'off'"),
            ([a, changed("throwaway.json", lambda d: d["context"]["server"].update(mode="throwaway")), *out],
             "its own throwaway server"),
            ([a, self.write("n300.json", host_run(11, "client-b", n=300)), *out],
             "config.samples is 300, in " + str(a) + " 400: the hosts ran different settings (give every host "
                                                     "the same --samples)"),
            ([a, self.write("r3.json", host_run(11, "client-b", reps=3)), *out], "config.repetitions is 3"),
            ([a, changed("loop.json", lambda d: d["config"].update(sync_commit="off")), *out], "--sync-commit"),
            ([a, other_layout, *out], "merge sums histograms of the hdr-log-linear-v1 layout wpbench writes only"),
            ([a, changed("later.json", lambda d: d.update(run_id="20261124T010000.000Z")), *out],
             "not at the same time (start the hosts together, e.g. wpbench --start-at TIME on each"),
            ([a, b], "the following arguments are required: -o/--out"),
        ]
        # With each case's samples in one stretch, different orders measured different cases at once.
        stretch = [json.loads(json.dumps(d)) for d in (da, db)]
        for d in stretch:
            d["config"]["interleave"] = "case"
        stretch[1]["config"]["order"] = [list(reversed(o)) for o in stretch[1]["config"]["order"]]
        rows.append(([self.write("s1.json", stretch[0]), self.write("s2.json", stretch[1]), *out], "--order-seed"))
        for args, needle in rows:
            with self.subTest(needle=needle):
                r = run_script("merge", *args)
                self.assertNotIn("Traceback", r.stderr)
                self.assert_one_line_error(r, 2, needle)
                self.assertTrue(r.stderr.startswith("merge: "), r.stderr)
        self.assertFalse((t / "m.json").exists())
        self.assertIsNone(wr.problem(other_layout))  # valid, but not a layout merge can sum

    def test_apart_runs_merge_with_allow_apart(self):
        ((a, _),) = self.hosts(1)
        later = fixtures.write(self.tmp / "later.json", host_run(11, "client-b", run_id="20261124T010000.000Z"))
        doc, r = self.merged([a, later], "--allow-apart")
        self.assertIn("merged anyway (--allow-apart)", r.stderr)
        self.assertTrue(doc["merge"]["window"]["apart"])

    def test_mutated_runs_end_in_a_merge_or_one_line(self):
        # Runs that no harness wrote (tests/scripts/fuzz_readers.py's mutations of a valid host
        # run): merge must end with exit 0 or 2 and one line, never a traceback.
        import fuzz_readers
        (a, _), (_, db) = self.hosts(2, n=200)
        text = json.dumps(db)
        rng = random.Random(5)
        for i in range(100):
            path = self.tmp / "mutant.json"
            path.write_bytes(fuzz_readers.mutate(text, rng.randrange))
            out = self.tmp / f"m{i}.json"
            code, _, err = run_main(a, path, "-o", out)
            with self.subTest(i=i):
                self.assertIn(code, (0, 2), err)
                if code == 2:
                    self.assertEqual(err.count("\n"), 1, err)
                else:
                    self.assertIsNone(wr.problem(out))


def _ip(*args, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
    return subprocess.run(cmd, capture_output=True, text=True)


@unittest.skipUnless(os.environ.get("WPBENCH_BINARY"), "WPBENCH_BINARY not set (CTest sets it)")
class RealClients(Scratch):
    """Two wpbench clients at the same time, each in a network namespace of its own behind a veth
    pair, against one throwaway PostgreSQL server listening on both host-side addresses; merged,
    and the merge checked against the two runs' raw samples."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("network namespaces need root")
        if not shutil.which("ip"):
            self.skipTest("no ip command (iproute2)")
        tag = f"wpm{os.getpid()}"
        probe = f"{tag}p"
        r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest(f"ip netns add is not permitted here: {r.stderr.strip()}")
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
        self.clients = []
        subnet = 1 + (os.getpid() % 100) * 2  # 10.213.N.0/30 and 10.213.N+1.0/30, unique per test run
        for k, side in enumerate("ab"):
            ns, outer, inner = f"{tag}{side}", f"{tag}{side}h", f"{tag}{side}n"
            net = f"10.213.{subnet + k}"
            self.addCleanup(subprocess.run, ["ip", "link", "del", outer], capture_output=True)
            self.addCleanup(subprocess.run, ["ip", "netns", "del", ns], capture_output=True)
            for step in (lambda: _ip("netns", "add", ns),
                         lambda: _ip("link", "add", outer, "type", "veth", "peer", "name", inner, "netns", ns),
                         lambda: _ip("addr", "add", f"{net}.1/30", "dev", outer),
                         lambda: _ip("link", "set", outer, "up"),
                         lambda: _ip("addr", "add", f"{net}.2/30", "dev", inner, ns=ns),
                         lambda: _ip("link", "set", inner, "up", ns=ns),
                         lambda: _ip("link", "set", "lo", "up", ns=ns)):
                r = step()
                self.assertEqual(r.returncode, 0, r.stderr)
            self.clients.append({"ns": ns, "server": f"{net}.1", "network": f"{net}.0/30"})
        # In a directory of its own: cleanups run after tearDown has removed self.tmp, and a
        # server whose directory is gone can no longer be stopped with pg_ctl.
        self.server = wppgbench.Server(None, listen=[c["server"] for c in self.clients],
                                       trust=[c["network"] for c in self.clients])
        self.addCleanup(self.server.stop)

    def test_two_clients_at_once_merge_into_their_samples(self):
        binary = os.environ["WPBENCH_BINARY"]
        # wpbench sets up, then waits for this time to measure.
        when = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=5)
        start_at = ["--start-at", when.strftime("%Y-%m-%dT%H:%M:%SZ")]
        procs, outs = [], []
        for k, c in enumerate(self.clients):
            out = self.tmp / f"client-{k}.json"
            dsn = f"host={c['server']} port={self.server.port} dbname=postgres user={self.server.role} sslmode=disable"
            procs.append(subprocess.Popen(
                ["ip", "netns", "exec", c["ns"], binary, "--dsn", dsn, "--transports", "tcp", "--drivers",
                 "libpq/prepared", "--samples", "200", "-r", "2", "--floor-samples", "50", "--connect-samples", "0",
                 "--table", f"wpbench_merge_{k}", "--tmp-dir", str(self.tmp), "-q", "--out", str(out), *start_at],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            outs.append(out)
        for p in procs:
            try:
                _, err = p.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            self.assertEqual(p.returncode, 0, err)
        runs = [wr.load_run(o) for o in outs]
        merged = self.tmp / "merged.json"
        r = run_script("merge", *outs, "-o", merged)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("not at the same time", r.stderr)
        self.assertEqual(run_script("validate-result", merged).returncode, 0)
        doc = wr.load_run(merged)
        self.assertFalse(doc["merge"]["window"]["apart"])
        self.assertGreater(doc["merge"]["window"]["overlap_s"], 0)
        # Each client reached the server by its own address; the merged context names both.
        target = doc["context"]["transports"]["tcp"]["target"]
        for c in self.clients:
            self.assertIn(f"host={c['server']}", target)
        # Each host's context says when it was told to start (UTC, to the millisecond), and so does
        # the merge's.
        told = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.assertEqual([run["context"]["start_at"] for run in runs], [told, told])
        self.assertEqual(doc["context"]["start_at"], told)
        self.assertTrue(all(h["window"]["start_from"] == "context.start_at" for h in doc["hosts"]))
        case = doc["cases"][0]
        self.assertEqual(case["name"], "libpq/prepared/tcp")
        hosts = [run["cases"][0] for run in runs]
        self.assertEqual(case["samples"], sum(h["samples"] for h in hosts))
        self.assertEqual(case["samples"], 2 * 2 * 200)
        everything = []
        for i, rep in enumerate(case["repetitions"]):
            raw = [v for h in hosts for v in h["repetitions"][i]["samples_ns"]]
            everything += raw
            self.assertEqual(rep["samples"], len(raw))
            for key, p in KEYS:
                self.assertEqual(rep["latency_ns"][key], nearest_rank(raw, p), (i, key))
        for key, p in KEYS:
            true = nearest_rank(everything, p)
            self.assertEqual(case["latency_ns"][key], true, key)
            # The same from the summed histograms alone, within their precision.
            got = wphist.percentile(wphist.merge(r["histogram"] for r in case["repetitions"]), p)
            self.assertLessEqual(true, got, key)
            self.assertLessEqual(got - true, true / 1024, key)
        for host, run in zip(doc["hosts"], runs):
            self.assertEqual(host["context"], run["context"])
            self.assertEqual(host["cases"]["libpq/prepared/tcp"]["latency_ns"], run["cases"][0]["latency_ns"])
        r = run_script("report", "--out", self.tmp / "report", merged)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
