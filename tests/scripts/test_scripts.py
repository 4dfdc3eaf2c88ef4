"""Tests of scripts/ (validate-result, claims, report, gate, publish) on fixture results, and,
when WPBENCH_BINARY is set (CTest sets it), on real runs of the wpbench binary."""
import json
import os
import pathlib
import random
import shutil
import subprocess
import tempfile
import unittest

import fixtures
import wpclaims
import wpstats
import wpbench_results as wr

SCRIPTS = fixtures.ROOT / "scripts"
PYTHON = "/usr/bin/python3"


def run_script(name, *args, env=None):
    return subprocess.run([PYTHON, str(SCRIPTS / name), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


class Scratch(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="wpbench-scripts-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fixture(self, name, **kw):
        return fixtures.write(self.tmp / name, fixtures.make_run(**kw))

    def assert_one_line_error(self, r, code, needle):
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn(needle, r.stderr)


class Stats(unittest.TestCase):
    def test_nearest_rank_matches_the_harness(self):
        x = list(range(1, 101))
        self.assertEqual(wpstats.percentile(x, 50), 50)
        self.assertEqual(wpstats.percentile(x, 99), 99)
        self.assertEqual(wpstats.percentile(x, 99.9), 100)
        self.assertEqual(wpstats.percentile(list(range(1, 1001)), 99), 990)
        with self.assertRaises(ValueError):
            wpstats.percentile([], 50)

    def test_percentile_interval_covers_the_true_median(self):
        data = fixtures.samples(300_000, 5000, seed=3)
        lo, hi = wpstats.percentile_ci(data, 50)
        self.assertLessEqual(lo, 300_000 * 1.02)
        self.assertGreaterEqual(hi, 300_000 * 0.98)
        self.assertLess(lo, hi)

    def test_bootstrap_ratio_interval_covers_the_injected_factor(self):
        a = fixtures.samples(200_000, 3000, seed=4)
        b = fixtures.samples(200_000, 3000, seed=5, scale=1.5)
        lo, hi = wpstats.bootstrap_ratio_ci(b, a)
        self.assertLess(lo, 1.5)
        self.assertGreater(hi, 1.5)
        self.assertGreater(lo, 1.3)


class Validate(Scratch):
    def test_fixture_is_a_valid_result(self):
        r = run_script("validate-result", self.fixture("a.json"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bad_inputs_get_one_line_and_exit_2(self):
        bad = self.tmp / "bad.json"
        for content, needle in (("{not json", "invalid JSON"), ('{"schema_version": 7, "tool": "wpbench"}', "schema_version is 7"),
                                ('{"benchmarks": []}', "not a wpbench result"), ("[1, 2]", "not a JSON object")):
            bad.write_text(content)
            for script in ("validate-result", "claims", "report"):
                self.assert_one_line_error(run_script(script, bad), 2, needle)


class Claims(Scratch):
    def evaluate(self, run):
        runs = wr.RunSet([fixtures.write(self.tmp / "c.json", run)])
        return {c["id"]: c for c in wpclaims.evaluate(wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS), runs)}

    def test_fast_drivers_hold_the_2ms_claim_and_refute_3_to_5ms(self):
        result = self.evaluate(fixtures.make_run())
        self.assertTrue(result["direct-under-2ms"]["verdict"].startswith("holds"))
        self.assertTrue(result["abstraction-3-5ms"]["verdict"].startswith("does not hold"))
        self.assertTrue(result["overhead-50-150pct"]["verdict"].startswith("does not hold"))
        rows = {r["case"]: r for r in result["direct-under-2ms"]["rows"]}
        self.assertEqual(rows["psycopg2/*/unix"]["verdict"], "not measured")
        pair = {r["case"]: r for r in result["overhead-50-150pct"]["rows"]}["libpqxx/work/unix vs libpq/tx/unix"]
        self.assertIn("same 3 round trips", pair["reason"])

    def test_a_slow_layer_matches_the_post(self):
        # libpq/tx at 2 ms, libpqxx at 4 ms (+100 %), SOCI at 3.6 ms (+80 %): the post's picture, so its
        # level and overhead claims hold.
        cases = dict(fixtures.DEFAULT_CASES)
        cases["libpq/tx/unix"] = (3, 2_000_000)
        cases["libpqxx/work/unix"] = (3, 4_000_000)
        cases["soci-postgresql/transaction/unix"] = (3, 3_600_000)
        cases["libpq/prepared/unix"] = (1, 900_000)
        result = self.evaluate(fixtures.make_run(cases=cases, n=4000))
        self.assertTrue(result["abstraction-3-5ms"]["verdict"].startswith("holds"), result["abstraction-3-5ms"])
        self.assertTrue(result["overhead-50-150pct"]["verdict"].startswith("holds"), result["overhead-50-150pct"])
        # libpq/tx's p99 sits near 2 ms: tail above the limit means the 'consistently' claim fails.
        self.assertFalse(result["direct-under-2ms"]["verdict"].startswith("holds"))

    def test_failed_or_non_durable_cases_are_not_counted(self):
        run = fixtures.make_run(fail=("libpqxx/work/unix",))
        run["cases"][-1]["durable"] = False  # sqlite3/prepared/file: not in any claim
        result = self.evaluate(run)
        rows = {r["case"]: r for r in result["abstraction-3-5ms"]["rows"]}
        self.assertEqual(rows["libpqxx/work/unix"]["verdict"], "not measured")
        self.assertIn("did not complete", rows["libpqxx/work/unix"]["reason"])

    def test_markdown_output(self):
        r = run_script("claims", "--format", "markdown", self.fixture("a.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("| claim | case | p50 ms | p99 ms | verdict | why |", r.stdout)
        self.assertIn("Measured on: fixture-host", r.stdout)


class Gate(Scratch):
    def gate(self, *args):
        return run_script("gate", *args)

    def test_same_distribution_passes(self):
        r = self.gate(self.fixture("a.json", seed=1), self.fixture("b.json", seed=2))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("wpbench gate: pass", r.stdout)

    def test_injected_slowdown_is_caught(self):
        r = self.gate(self.fixture("a.json", seed=1), self.fixture("b.json", seed=2, slow={"libpq/tx/unix": 1.3}))
        self.assertEqual(r.returncode, 1, r.stdout)
        row = next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l)
        self.assertIn("**regression**", row)
        self.assertIn("time blocks", row)
        self.assertNotIn("regression", next(l for l in r.stdout.splitlines() if "`libpq/prepared/unix`" in l))

    def test_a_small_slowdown_below_the_threshold_passes(self):
        r = self.gate(self.fixture("a.json", seed=1),
                      self.fixture("b.json", seed=2, slow={"libpq/tx/unix": 1.04}), "--no-policy")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_repetitions_use_the_u_test_over_repetitions(self):
        # Six cases make twelve tests: Holm asks the first for p < 0.01 / 12, which seven runs a
        # side can reach (1 / C(14, 7) = 0.0003) and six cannot (0.0011).
        base, cur = self.tmp / "base", self.tmp / "cur"
        base.mkdir(), cur.mkdir()
        for i in range(7):
            fixtures.write(base / f"{i}.json", fixtures.make_run(seed=10 + i, n=800))
            fixtures.write(cur / f"{i}.json", fixtures.make_run(seed=20 + i, n=800, slow={"libpq/prepared/unix": 1.25}))
        r = self.gate(base, cur)
        self.assertEqual(r.returncode, 1, r.stdout)
        row = next(l for l in r.stdout.splitlines() if "`libpq/prepared/unix`" in l)
        self.assertIn("U over runs (7 vs 7)", row)
        self.assertIn("**regression**", row)
        self.assertIn("Holm-corrected over the 12 tests", r.stdout)

    def test_missing_and_failed_cases_fail(self):
        r = self.gate(self.fixture("a.json"), self.fixture("b.json", seed=2, drop=("libpq/prepared/tcp",)))
        self.assertEqual(r.returncode, 1)
        self.assertIn("**missing**", r.stdout)
        r = self.gate(self.fixture("a.json"), self.fixture("c.json", seed=2, fail=("libpq/tx/unix",)))
        self.assertEqual(r.returncode, 1)
        self.assertIn("**failed**", r.stdout)

    def test_ratio_rule_catches_a_slow_layer_within_one_run(self):
        cur = self.fixture("b.json", seed=2, slow={"libpqxx/work/unix": 2.0})
        r = self.gate(self.fixture("a.json", seed=2, slow={"libpqxx/work/unix": 2.0}), cur)
        self.assertEqual(r.returncode, 1, r.stdout)  # no change between runs, but the ratio is out
        self.assertIn("**exceeded**", next(l for l in r.stdout.splitlines() if "`libpqxx/work/unix / libpq/tx/unix`" in l))

    def test_ratios_only_needs_no_baseline(self):
        r = self.gate("--ratios-only", self.fixture("b.json", seed=2))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ratio rules only", r.stdout)
        r = self.gate("--ratios-only", self.fixture("c.json", seed=2, slow={"libpqxx/work/unix": 2.0}))
        self.assertEqual(r.returncode, 1, r.stdout)
        # A case a rule needs that failed (or was selected but is missing) fails the rule.
        r = self.gate("--ratios-only", self.fixture("d.json", seed=2, fail=("libpq/tx/unix",)))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("**failed**", r.stdout)
        run = fixtures.make_run(seed=2, drop=("libpq/prepared/unix",))
        run["config"]["cases"].append("libpq/prepared/unix")
        r = self.gate("--ratios-only", fixtures.write(self.tmp / "e.json", run))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assert_one_line_error(self.gate("--ratios-only", self.fixture("a.json"), self.fixture("b.json")),
                                   2, "expected CURRENT")

    def test_different_machines_are_flagged(self):
        r = self.gate(self.fixture("a.json"), self.fixture("b.json", seed=2, hostname="elsewhere"))
        self.assertIn("different machines", r.stdout)

    def test_unusable_input_exits_2(self):
        other = fixtures.make_run(cases={"x/y/unix": (1, 100_000)})
        r = self.gate(self.fixture("a.json"), fixtures.write(self.tmp / "o.json", other))
        self.assert_one_line_error(r, 2, "no case in common")
        bad = self.tmp / "bad.json"
        bad.write_text('{"schema_version": 2, "tool": "wpbench"}')
        self.assert_one_line_error(self.gate(self.fixture("a.json"), bad), 2, "schema_version is 2")
        policy = self.tmp / "policy.json"
        policy.write_text('{"ratios": [{"numerator": "a"}]}')
        self.assert_one_line_error(self.gate(self.fixture("a.json"), self.fixture("b.json"), "--policy", policy),
                                   2, "not a usable gate policy")
        for bad_rule in ('{"numerator": "a", "denominator": "b", "max": "3.5"}',
                         '{"numerator": "a", "denominator": "b", "max": 2, "stat": "median"}'):
            policy.write_text('{"ratios": [%s]}' % bad_rule)
            self.assert_one_line_error(self.gate(self.fixture("a.json"), self.fixture("b.json"), "--policy", policy),
                                       2, "not a usable gate policy")
        self.assert_one_line_error(self.gate("--bogus", self.fixture("a.json")), 2, "unrecognized arguments")
        self.assert_one_line_error(self.gate(self.fixture("a.json"), self.fixture("b.json"), "--blocks", "0"),
                                   2, "--blocks")

    def test_too_few_runs_for_the_u_test_are_refused(self):
        # 3 vs 3 runs: the smallest possible p-value is 0.05, so no regression could ever show.
        base, cur = self.tmp / "base", self.tmp / "cur"
        base.mkdir(), cur.mkdir()
        for i in range(3):
            fixtures.write(base / f"{i}.json", fixtures.make_run(seed=10 + i, n=300))
            fixtures.write(cur / f"{i}.json", fixtures.make_run(seed=20 + i, n=300, slow={"libpq/prepared/unix": 2.0}))
        self.assert_one_line_error(self.gate(base, cur), 2, "give 7 or more a side")

    def test_a_tail_regression_is_not_hidden_by_a_steady_median(self):
        run = fixtures.make_run(seed=2)
        case = next(c for c in run["cases"] if c["name"] == "libpq/tx/unix")
        s = case["samples_ns"]
        for i in range(0, len(s), 25):  # every 25th write three times slower: p99 triples, p50 barely moves
            s[i] *= 3
        r = self.gate(self.fixture("a.json", seed=1), fixtures.write(self.tmp / "t.json", run), "--no-policy")
        row = next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l)
        self.assertIn("**regression**", row)
        self.assertEqual(r.returncode, 1)


class BadInput(Scratch):
    def test_zero_latencies_are_refused_by_the_schema(self):
        run = fixtures.make_run()
        run["cases"][0]["samples_ns"][0] = 0
        path = fixtures.write(self.tmp / "z.json", run)
        for script in ("claims", "report", "validate-result"):
            self.assert_one_line_error(run_script(script, path), 2, "less than the minimum")

    def test_runs_from_different_machines_are_not_pooled(self):
        r = run_script("report", "--out", self.tmp / "rep", self.fixture("a.json"),
                       self.fixture("b.json", seed=2, hostname="elsewhere"))
        self.assert_one_line_error(r, 2, "different machines")

    def test_a_case_twice_in_one_file_is_refused(self):
        run = fixtures.make_run()
        run["cases"].append(run["cases"][0])
        self.assert_one_line_error(run_script("claims", fixtures.write(self.tmp / "t.json", run)), 2, "appears twice")

    def test_a_broken_claims_file_is_one_line(self):
        claims = self.tmp / "claims.json"
        for text, needle in (('{"claims": [{"id": "x", "text": "t", "kind": "betwen", "stat": "p50"}]}', "kind must be"),
                             ('{"claims": [{"id": "x", "text": "t", "kind": "below", "stat": "p50", "limit_ms": "2", "cases": ["a"]}]}', "limit_ms must be"),
                             ('{"claims": [{"id": "x", "text": "t", "kind": "below", "stat": "p50", "limit_ms": 2, "cases": "libpq"}]}', "cases must be"),
                             ("[]", "no list of claims")):
            claims.write_text(text)
            self.assert_one_line_error(run_script("claims", "--claims", claims, self.fixture("a.json")), 2, needle)

    def test_usage_errors_are_one_line(self):
        for script in ("claims", "report", "gate", "publish"):
            self.assert_one_line_error(run_script(script), 2, "error:")


class ReportAndPublish(Scratch):
    def test_report_writes_tables_and_plots(self):
        out = self.tmp / "rep"
        r = run_script("report", "--out", out, self.fixture("a.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        for heading in ("## Unix socket", "## TCP (127.0.0.1)", "## SQLite file (in-process)", "## Context"):
            self.assertIn(heading, md)
        self.assertIn("1 (fastest)", md)
        for png in ("p50-p99.png", "spectrum-unix.png", "spectrum-tcp.png", "spectrum-file.png"):
            self.assertEqual((out / png).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", png)
        self.assertFalse((out / "decomposition.png").exists())

    def test_report_draws_the_decomposition_when_measured(self):
        run = fixtures.make_run()
        for c in run["cases"]:
            c["decomposition"] = {"round_trips_ns": 100_000, "flush_ns": 90_000, "driver_ns": 10_000}
        out = self.tmp / "rep"
        # The schema does not know the field yet; the report reads it when a run has it.
        runs = wr.RunSet.from_documents([run])
        import wpreport
        wpreport.write_report(runs, out)
        self.assertTrue((out / "decomposition.png").exists())

    def test_publish_copies_reports_and_indexes(self):
        results = self.tmp / "results"
        results.mkdir()
        (results / "README.md").write_text("# results\n\n<!-- published runs: generated by scripts/publish -->\n"
                                           "<!-- end of published runs -->\n\nmore text\n")
        src = self.fixture("a.json")
        r = run_script("publish", "--note", "fixture run", src, env={"WPBENCH_RESULTS_DIR": str(results)})
        self.assertEqual(r.returncode, 0, r.stderr)
        d = results / "20261124T000000Z"
        self.assertEqual((d / "wpbench.json").read_bytes(), pathlib.Path(src).read_bytes())
        for f in ("report.md", "claims.md", "p50-p99.png"):
            self.assertTrue((d / f).exists(), f)
        index = (results / "README.md").read_text()
        self.assertIn("[20261124T000000Z](20261124T000000Z/report.md)", index)
        self.assertIn("fixture run", index)
        self.assertTrue(index.endswith("more text\n"))


@unittest.skipUnless(os.environ.get("WPBENCH_BINARY"), "WPBENCH_BINARY not set (CTest sets it)")
class RealRuns(Scratch):
    """The scripts on real results: short runs of the built binary against a throwaway server."""

    ARGS = ["--drivers", "libpq/prepared,libpq/tx,libpqxx/work,sqlite3/prepared", "--transports", "unix,file",
            "--samples", "400", "--warmup", "40", "-q"]

    def run_wpbench(self, out):
        r = subprocess.run([os.environ["WPBENCH_BINARY"], *self.ARGS, "--tmp-dir", str(self.tmp), "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_two_builds_alike_pass_the_gate_and_every_script_reads_real_results(self):
        # Runs of one build, alternated so slow minutes hit both sides alike, the order inside
        # each pair drawn at random so nothing about going second favours one side; six a side
        # so the gate tests over runs, Holm-corrected over its 8 tests (1 / C(12, 6) < 0.01 / 8),
        # which is how the README says to gate. Holm keeps a same-build failure below 1 %.
        os.chmod(self.tmp, 0o755)  # the throwaway server's OS user must reach --tmp-dir
        base, cur = self.tmp / "base", self.tmp / "cur"
        base.mkdir(), cur.mkdir()
        for i in range(6):
            pair = [base / f"{i}.json", cur / f"{i}.json"]
            random.shuffle(pair)
            for out in pair:
                self.run_wpbench(out)
        r = run_script("gate", base, cur)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("U over runs (6 vs 6)", r.stdout)
        r = run_script("claims", "--format", "json", base)  # six runs pooled: 2400 samples a case
        self.assertEqual(r.returncode, 0, r.stderr)
        # Which verdict depends on the machine; that every measured case got one, with its
        # numbers, does not.
        rows = {row["case"]: row for c in json.loads(r.stdout)["claims"] for row in c["rows"]}
        for name in ("libpq/prepared/unix", "libpq/tx/unix", "libpqxx/work/unix"):
            self.assertIn(rows[name]["verdict"], ("holds", "does not hold", "inconclusive"))
            self.assertGreater(rows[name]["measured"]["p50_ns"], 0)
        r = run_script("pgbench-check", "--rounds", "2", "--transactions", "300", "--tmp-dir", self.tmp,
                       "--wpbench", os.environ["WPBENCH_BINARY"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ratio wpbench/pgbench", r.stdout)
        self.assertFalse(list(self.tmp.glob("wpbench-pgbench-*")))  # its cluster is gone
        r = run_script("report", "--out", self.tmp / "rep", base)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("6 runs pooled", (self.tmp / "rep" / "report.md").read_text())


if __name__ == "__main__":
    unittest.main()
