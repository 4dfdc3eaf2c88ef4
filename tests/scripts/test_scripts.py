"""Tests of scripts/ (validate-result, claims, report, gate, publish) on fixture results of both
formats (schema_version 2, and 1 as the published runs are), and, when WPBENCH_BINARY is set
(CTest sets it), on real runs of the wpbench binary."""
import colorsys
import html
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import tempfile
import unittest
import unittest.mock

import numpy as np

import fixtures
import wpclaims
import wpgatecheck
import wphtml
import wppublish
import wpreport
import wpstats
import wpbench_results as wr

from fixtures import Scratch, run_script


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


    def test_pooled_percentiles_equal_the_percentile_of_the_pool(self):
        rng = np.random.default_rng(11)
        reps = [rng.integers(1, 400, size=rng.integers(1, 80)) for _ in range(5)]
        weights = wpstats.repetition_weights(5, rng, 200)
        for p in (0, 1, 50, 90, 99, 99.9, 100):
            got = wpstats.pooled_percentiles([wpstats.dist(r) for r in reps], p, weights)
            want = [wpstats.percentile(np.concatenate([np.tile(r, k) for r, k in zip(reps, row)]), p)
                    for row in weights]
            self.assertEqual(got.tolist(), want, p)

    def test_interval_over_repetitions_sees_drift_that_blocks_do_not(self):
        # Five repetitions whose medians drift by +-5 %: blocks inside the pool see a tight
        # median, the t interval over the repetitions sees the drift.
        reps = [fixtures.samples(300_000 * f, 2000, seed=20 + i) for i, f in enumerate((0.95, 1.0, 1.05, 0.97, 1.03))]
        pooled = [v for r in reps for v in r]
        lo, hi = wpstats.t_interval([wpstats.percentile(r, 50) for r in reps], wpstats.percentile(pooled, 50))
        blo, bhi = wpstats.percentile_ci(pooled, 50)
        self.assertGreater(hi - lo, 1.5 * (bhi - blo))
        with self.assertRaises(ValueError):
            wpstats.t_interval([1.0], 1.0)

    def test_t_interval_matches_the_harness(self):
        # The same numbers as tests/test_repstats.cpp TIntervalArithmeticAndBadInput.
        lo, hi = wpstats.t_interval([1, 2, 3, 4, 5], 3.0)
        self.assertAlmostEqual(lo, 3.0 - 1.9632, places=3)
        self.assertAlmostEqual(hi, 3.0 + 1.9632, places=3)
        lo, hi = wpstats.t_interval([1.9, 2.0, 2.1], 2.0, log=True)
        self.assertAlmostEqual(lo * hi, 4.0)
        # Paired ratios cancel shared drift; unpaired ones cannot.
        drift = [1.0, 1.3, 0.8, 1.2, 0.9]
        a, b = [2 * d * (1 + 0.002 * i) for i, d in enumerate(drift)], drift
        plo, phi = wpstats.t_ratio_interval(a, b, 2.0, paired=True)
        ulo, uhi = wpstats.t_ratio_interval(a, b, 2.0, paired=False)
        self.assertLess(phi - plo, (uhi - ulo) / 10)


class Validate(Scratch):
    def test_fixture_is_a_valid_result(self):
        r = run_script("validate-result", self.fixture("a.json"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_published_format_still_reads(self):
        # The published runs are in the formats of their day (schema_version 1 and 2): the scripts
        # keep reading them beside the current one.
        published = fixtures.published_runs()
        versions = {doc["schema_version"] for doc in published.values()}
        self.assertTrue({1, 2} <= versions, versions)
        for path in published:
            r = run_script("validate-result", path)
            self.assertEqual(r.returncode, 0, f"{path}: {r.stdout}{r.stderr}")

    def test_bad_inputs_get_one_line_and_exit_2(self):
        bad = self.tmp / "bad.json"
        for content, needle in (("{not json", "invalid JSON"), ('{"schema_version": 7, "tool": "wpbench"}', "schema_version is 7"),
                                ('{"schema_version": 4, "tool": "wpbench"}', "newer than these scripts read (1, 2 and 3)"),
                                ('{"benchmarks": []}', "not a wpbench result"), ("[1, 2]", "not a JSON object")):
            bad.write_text(content)
            for script in ("validate-result", "claims", "report"):
                self.assert_one_line_error(run_script(script, bad), 2, needle)

    def test_v1_and_v2_are_both_read(self):
        v1 = self.fixture("v1.json", version=1)
        v2 = self.fixture("v2.json", reps=3, seed=2)
        self.assertEqual(run_script("validate-result", v1, v2).returncode, 0)
        runs = wr.RunSet([v1, v2])  # one file of each pools: 1 + 3 repetitions a case
        case = runs.cases["libpq/tx/unix"]
        self.assertEqual(len(case.repetitions), 4)
        self.assertEqual(case.count, 4 * 2000)
        self.assertEqual(runs.repetitions, 4)
        self.assertEqual(case.interval(50)["method"], "t interval over repetitions (log scale)")
        self.assertEqual(case.percentile(50), wpstats.percentile(case.samples, 50))

    def test_published_runs_of_every_version_stay_readable(self):
        published = fixtures.published_runs()
        r = run_script("validate-result", *published)
        self.assertEqual(r.returncode, 0, r.stderr)
        versions = {doc["schema_version"] for doc in published.values()}
        self.assertEqual(versions, {1, 2, 3})

    def test_bad_v2_input_is_one_line(self):
        def broken(change):
            run = fixtures.make_run(reps=2, n=300)
            change(run["cases"][1]["repetitions"][1])
            return fixtures.write(self.tmp / "bad.json", run)

        def more_counts(rep):
            rep["histogram"]["buckets"][0][1] += 1

        for change, needle in ((more_counts, "histogram counts 301 samples"),
                               (lambda rep: rep["samples_ns"].pop(), "299 samples_ns for 300 samples"),
                               (lambda rep: rep.update(extra=1), "'extra' was unexpected"),
                               (lambda rep: rep["histogram"].update(format="hdr-v9"), "'hdr-log-linear-v1' was expected"),
                               (lambda rep: rep["samples_ns"].__setitem__(3, 0), "samples_ns[3]: 0 is less than the minimum"),
                               (lambda rep: rep["histogram"]["buckets"].__setitem__(0, [99999, 1]), "is not a flat index")):
            self.assert_one_line_error(run_script("validate-result", broken(change)), 2, needle)
        # Every script reads through the same check.
        path = broken(more_counts)
        for script in ("claims", "report"):
            self.assert_one_line_error(run_script(script, path), 2, "histogram counts 301 samples")
        self.assert_one_line_error(run_script("gate", self.fixture("a.json"), path), 2, "histogram counts 301 samples")

    def test_altered_samples_are_caught(self):
        # A repetition's raw samples must be the ones its histogram and latency summary were made
        # of (the harness computes both from them): a value altered after the run is reported,
        # naming the case and the repetition, even when the count still matches.
        def alter(change, version=2, raw=True):
            run = fixtures.make_run(reps=2, n=300, version=version, raw=raw)
            change(run["cases"][1]["repetitions"][1] if version == 2 else run["cases"][1])
            return run

        def in_its_bucket(rep):  # one more ns: the same histogram bucket, another sum
            rep["samples_ns"][7] ^= 1

        def moved(rep):  # one sample up, another down as much: the same sum, other buckets
            rep["samples_ns"][3] += 50_000
            rep["samples_ns"][4] -= 50_000

        def scaled(record):  # v1 has no histogram: its summary sees it
            record["samples_ns"][7] *= 3

        for run, needle in ((alter(in_its_bucket), "case libpq/tx/unix repetition 1: histogram sum is "),
                            (alter(moved), "case libpq/tx/unix repetition 1: samples_ns put "),
                            (alter(lambda rep: rep["latency_ns"].update(p50=rep["latency_ns"]["p50"] + 1)),
                             "case libpq/tx/unix repetition 1: latency_ns.p50 is "),
                            (alter(lambda rep: rep["latency_ns"].update(p99=rep["latency_ns"]["p99"] - 1), raw=False),
                             "case libpq/tx/unix repetition 1: latency_ns.p99 is "),
                            (alter(lambda rep: rep["latency_ns"].update(mean=rep["latency_ns"]["mean"] * 1.001)),
                             "case libpq/tx/unix repetition 1: latency_ns.mean is "),
                            (alter(scaled, version=1), "case libpq/tx/unix: latency_ns.")):
            self.assertIn(needle, wr.document_problem(run))
        # A case's pooled summary is its repetitions' (the scripts read it from the file): exact
        # from raw samples, the merged histograms' when a repetition kept only its histogram.
        for raw in (True, False):
            run = fixtures.make_run(reps=2, n=300, raw=raw)
            self.assertIsNone(wr.document_problem(run))
            run["cases"][1]["latency_ns"]["p99"] += 1
            self.assertIn("case libpq/tx/unix: latency_ns.p99 is ", wr.document_problem(run))
        # One line from every script, as for any other bad input.
        path = fixtures.write(self.tmp / "t.json", alter(in_its_bucket))
        for script in ("validate-result", "claims"):
            self.assert_one_line_error(run_script(script, path), 2, "case libpq/tx/unix repetition 1: histogram sum")


class Gzip(Scratch):
    """Published results are gzip-compressed: every script reads a .json.gz (told by its first
    bytes, whatever its name) as the JSON it holds."""

    def test_every_script_reads_a_compressed_result_as_the_json_it_holds(self):
        plain = pathlib.Path(self.fixture("run.json", reps=2, n=300))
        data = plain.read_bytes()
        packed = wr.gzip_bytes(data)
        self.assertEqual(packed, wr.gzip_bytes(data))  # the same bytes every time: mtime 0, no name
        self.assertEqual(packed[4:8], b"\0\0\0\0")
        gz = self.tmp / "gz" / "run.json.gz"
        gz.parent.mkdir()
        gz.write_bytes(packed)
        misnamed = self.tmp / "misnamed.json"  # compressed, named as plain JSON
        misnamed.write_bytes(packed)
        self.assertEqual(wr.read_run(gz)[1], data)
        r = run_script("validate-result", gz, misnamed)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_script("claims", "--format", "json", gz.parent)  # a directory's *.json.gz too
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = wr.RunSet([str(plain)])
        expected = wpclaims.evaluate(wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS), runs)
        self.assertEqual(json.loads(r.stdout)["claims"], json.loads(json.dumps(expected)))
        self.assertEqual(run_script("gate", "--no-policy", plain, misnamed).returncode, 0)
        self.assertEqual(run_script("precision", plain, gz).returncode, 0)
        heavy = wpgatecheck.heavier(gz, self.tmp / "heavy.json", 1.1)  # gate-check's synthetic copy
        self.assertIsNone(wr.problem(heavy))

    def test_a_broken_or_oversized_stream_is_one_line(self):
        packed = wr.gzip_bytes(pathlib.Path(self.fixture("run.json", n=300)).read_bytes())
        for name, content, needle in (("cut.json.gz", packed[:-9], "its gzip stream is cut short"),
                                      ("corrupt.json.gz", packed[:40] + bytes(40) + packed[80:], "corrupt gzip stream"),
                                      ("trailing.json.gz", packed + b"tail", "bytes after the end of its gzip stream")):
            (self.tmp / name).write_bytes(content)
            self.assertIn(needle, wr.problem(self.tmp / name))
        # A small file that inflates past the cap is refused as a large one is, in one line.
        (self.tmp / "bomb.json.gz").write_bytes(wr.gzip_bytes(b" " * 5000))
        r = run_script("validate-result", self.tmp / "bomb.json.gz", env={"WPBENCH_MAX_RESULT_BYTES": "4000"})
        self.assert_one_line_error(r, 2, "decompresses to more than the 4000 (3.91 KiB) these scripts read (set "
                                         "WPBENCH_MAX_RESULT_BYTES")


class IntervalSource(unittest.TestCase):
    """wpbench_results' rule: a one-file case's figures are the file's, null included; the
    scripts compute what pools files or what the file does not carry, and say so."""

    def test_a_one_file_case_takes_the_files_figures(self):
        run = fixtures.make_run(reps=5, n=600)
        tx = run["cases"][1]
        tx["interval"]["p50_ns"] = [111, 999_999]  # not what the scripts would compute
        tx["cv_p50"] = 0.123
        ratio = next(r for r in run["ratios"] if r["numerator"] == "libpq/tx/unix")
        ratio.update(ratio=2.5, interval=[2.4, 2.6], difference_ns=123.0, difference_interval=[100.0, 150.0])
        runs = wr.RunSet.from_documents([run])
        case, fastest = runs.cases["libpq/tx/unix"], runs.cases["libpq/prepared/unix"]
        iv = case.interval(50)
        self.assertEqual((iv["lo"], iv["hi"], iv["source"]), (111, 999_999, wr.FROM_FILE))
        self.assertEqual(case.cv_p50, 0.123)
        self.assertEqual(case.percentile(50), tx["latency_ns"]["p50"])
        r = wr.ratio_interval(case, fastest)
        self.assertEqual((r["ratio"], r["lo"], r["hi"], r["source"]), (2.5, 2.4, 2.6, wr.FROM_FILE))
        d = wr.difference_interval(case, fastest)
        self.assertEqual((d["diff"], d["lo"], d["hi"]), (123.0, 100.0, 150.0))
        # The tail intervals and the p99 ratio are the file's too.
        tx["interval"]["p99_ns"] = [222, 888_888]
        ratio99 = next(r for r in run["ratios"] if r["numerator"] == "libpq/tx/unix" and r["stat"] == "p99")
        ratio99.update(ratio=3.5, interval=[3.0, 4.0], difference_ns=456.0, difference_interval=[400.0, 500.0])
        runs = wr.RunSet.from_documents([run])
        case, fastest = runs.cases["libpq/tx/unix"], runs.cases["libpq/prepared/unix"]
        iv = case.interval(99)
        self.assertEqual((iv["lo"], iv["hi"], iv["source"]), (222, 888_888, wr.FROM_FILE))
        self.assertEqual(case.interval(90)["source"], wr.FROM_FILE)
        self.assertEqual(case.interval(99.9)["source"], wr.FROM_FILE)
        r = wr.ratio_interval(case, fastest, 99)
        self.assertEqual((r["ratio"], r["lo"], r["hi"], r["source"]), (3.5, 3.0, 4.0, wr.FROM_FILE))
        d = wr.difference_interval(case, fastest, 99)
        self.assertEqual((d["diff"], d["lo"], d["hi"]), (456.0, 400.0, 500.0))
        # What the file does not carry is computed, and says so.
        other = wr.ratio_interval(runs.cases["libpqxx/work/unix"], case)
        self.assertEqual((other["source"], other["method"]), (wr.COMPUTED, "paired t interval over repetitions"))
        self.assertEqual(wr.ratio_interval(case, fastest, 90)["source"], wr.COMPUTED)

    def test_an_older_file_without_the_tails_has_them_computed(self):
        runs = wr.RunSet.from_documents([fixtures.make_run(reps=5, n=600, tails=False)])
        case, fastest = runs.cases["libpq/tx/unix"], runs.cases["libpq/prepared/unix"]
        self.assertEqual(case.interval(50)["source"], wr.FROM_FILE)
        iv = case.interval(99)
        self.assertEqual((iv["source"], iv["method"]), (wr.COMPUTED, "t interval over repetitions (log scale)"))
        self.assertEqual(wr.ratio_interval(case, fastest, 99)["source"], wr.COMPUTED)
        # ... and come out as the harness writes them (the fixture writes them as it does).
        new = wr.RunSet.from_documents([fixtures.make_run(reps=5, n=600)]).cases["libpq/tx/unix"]
        self.assertEqual(new.interval(99)["source"], wr.FROM_FILE)
        self.assertAlmostEqual(iv["lo"], new.interval(99)["lo"], delta=1e-9 * iv["lo"])
        self.assertAlmostEqual(iv["hi"], new.interval(99)["hi"], delta=1e-9 * iv["hi"])

    def test_a_tail_interval_the_harness_could_not_draw_is_none(self):
        # One repetition of 600 samples: a p90 interval, none for p99 (fewer than 1000), and
        # the scripts do not make one up, though they could bootstrap 600 samples.
        run = fixtures.make_run(reps=1, n=600)
        iv = run["cases"][1]["interval"]
        self.assertIsNotNone(iv["p90_ns"])
        self.assertIsNone(iv["p99_ns"])
        case = wr.RunSet.from_documents([run]).cases["libpq/tx/unix"]
        self.assertEqual(case.interval(90)["source"], wr.FROM_FILE)
        self.assertIsNone(case.interval(99))
        # Computed for an older file, the scripts hold to the same minimum.
        old = wr.RunSet.from_documents([fixtures.make_run(reps=1, n=600, tails=False)]).cases["libpq/tx/unix"]
        self.assertIsNone(old.interval(99))
        self.assertEqual(old.interval(90)["method"], "block bootstrap over samples")

    def test_no_interval_in_the_file_means_none(self):
        # One repetition: the harness wrote a block bootstrap for the p50; had it written none,
        # the scripts would not make one up, though they could.
        run = fixtures.make_run(reps=1, n=2000)
        run["cases"][1]["interval"] = None
        case = wr.RunSet.from_documents([run]).cases["libpq/tx/unix"]
        self.assertIsNone(case.interval(50))
        self.assertIsNone(case.mean_interval())
        self.assertEqual(case.interval(99)["method"], "block bootstrap over samples")
        ratio = wr.ratio_interval(case, wr.RunSet.from_documents([run]).cases["libpq/prepared/unix"])
        self.assertIsNone(ratio["lo"])  # the harness draws no ratio interval from one repetition
        self.assertEqual(ratio["source"], wr.FROM_FILE)

    def test_pooled_files_are_computed_and_match_the_files_for_one(self):
        a, b = fixtures.make_run(reps=3, n=600, seed=1), fixtures.make_run(reps=3, n=600, seed=2)
        pooled = wr.RunSet.from_documents([a, b]).cases["libpq/tx/unix"]
        iv = pooled.interval(50)
        self.assertEqual((iv["source"], iv["method"]), (wr.COMPUTED, "t interval over repetitions (log scale)"))
        self.assertEqual(pooled.count, 3600)
        # The scripts' t interval over one file's repetitions is the one the file carries.
        one = wr.RunSet.from_documents([a]).cases["libpq/tx/unix"]
        reps = one.measured
        lo, hi = wpstats.t_interval([r.percentile(50) for r in reps], one.percentile(50), log=True)
        self.assertAlmostEqual(lo, one.interval(50)["lo"], delta=1e-9 * lo)
        self.assertAlmostEqual(hi, one.interval(50)["hi"], delta=1e-9 * hi)


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
        self.assertEqual(rows["psycopg2/direct/unix"]["verdict"], "not measured")
        # A connection per write is not the post's direct driver on its kept connection: measured
        # apart, it does not make "under 2 ms" fail.
        cases = dict(fixtures.DEFAULT_CASES)
        cases["psycopg2/connect-per-write/unix"] = (3, 25_000_000)
        result = self.evaluate(fixtures.make_run(cases=cases))
        self.assertTrue(result["direct-under-2ms"]["verdict"].startswith("holds"))
        self.assertNotIn("psycopg2/connect-per-write/unix",
                         {r["case"] for r in result["direct-under-2ms"]["rows"]})
        pair = {r["case"]: r for r in result["overhead-50-150pct"]["rows"]}["libpqxx/work/unix vs libpq/tx/unix"]
        self.assertIn("same 3 round trips", pair["reason"])

    def test_the_verdict_in_words_names_the_posts_driver_and_each_driver_gets_its_own(self):
        # psycopg2 at 0.30 ms holds "under 2 ms" whatever psycopg 3 does; the summary says what
        # the post's driver costs, what SQLAlchemy adds, and what 3 ms would take.
        cases = dict(fixtures.DEFAULT_CASES)
        cases.update({"psycopg2/direct/unix": (3, 300_000), "sqlalchemy-core/creator/unix": (3, 370_000),
                      "sqlalchemy-orm/creator/unix": (3, 520_000), "psycopg3/direct/unix": (3, 1_900_000)})
        runs = wr.RunSet([fixtures.write(self.tmp / "w.json", fixtures.make_run(cases=cases, n=3000))])
        result = wpclaims.evaluate(wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS), runs)
        under = {d["driver"]: d["verdict"] for d in result[0]["by_driver"]}
        self.assertTrue(under["psycopg2"].startswith("holds"), under)
        self.assertFalse(under["psycopg3"].startswith("holds"), under)  # its tail crosses 2 ms
        self.assertFalse(result[0]["verdict"].startswith("holds"))      # the headline is the noisiest's
        words = wpclaims.in_words(result, runs)
        p50 = runs.cases["psycopg2/direct/unix"].percentile(50)
        self.assertIn(f"psycopg2, the post's driver, writes a decision durably in {wpstats.fmt_ms(p50)} ms", words)
        self.assertIn("SQLAlchemy Core adds", words)
        self.assertIn("the ORM adds", words)
        self.assertIn("psycopg2 holds", words)
        # Where 3-5 ms can come from (scripts/wpwhatif.py's origins, tested in test_whatif.py):
        # 3 ms - 0.37 ms + the fixture's flush is the flush it would take.
        self.assertIn("Where the post's 3-5 ms can come from", words)
        self.assertIn("with a commit flush of", words)
        self.assertIn("A connection per write adds its connect to every write", words)
        r = run_script("claims", self.tmp / "w.json")
        self.assertTrue(r.stdout.startswith("On this machine psycopg2"), r.stdout[:200])
        self.assertNotIn("connection per write (the post's", words)  # no Python connect cost measured
        # Without the post's driver there is nothing to say in its words.
        self.assertEqual(wpclaims.in_words(result, wr.RunSet([self.fixture("a.json")])), "")

    def test_the_verdict_in_words_says_what_a_connection_per_write_adds_and_a_machine_change(self):
        cases = dict(fixtures.DEFAULT_CASES)
        cases.update({"psycopg2/direct/unix": (3, 300_000), "sqlalchemy-core/creator/unix": (3, 370_000)})
        run = fixtures.make_run(cases=cases, n=3000)
        run["connect"] += [dict(run["connect"][0], driver="psycopg2", auth="trust"),
                           dict(run["connect"][0], driver="psycopg2"),
                           dict(run["connect"][0], driver="sqlalchemy", connect_ns={**run["connect"][0]["connect_ns"],
                                                                                   "p50": 9_000_000})]
        run["machine_changes"] = ["the machine changed during the run: every case ran 1.37x slower from repetition "
                                  "4 of 10 on"]
        runs = wr.RunSet([fixtures.write(self.tmp / "c.json", run)])
        words = wpclaims.in_words(wpclaims.evaluate(wpclaims.load_claims(wpclaims.DEFAULT_CLAIMS), runs), runs)
        pg2 = wpstats.fmt_ms(run["connect"][0]["connect_ns"]["p50"])
        self.assertIn(f"Opening a connection per write (the post's get_connection() called for every decision) "
                      f"would add {pg2} ms to each with psycopg2 over the socket (peer), and a new SQLAlchemy "
                      f"Engine per write 9.000 ms (its first connect).", words)
        self.assertIn("saw its machine change (the machine changed during the run: every case ran 1.37x slower", words)

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

    def test_the_reason_cites_the_decomposition(self):
        rows = {r["case"]: r for r in self.evaluate(fixtures.make_run())["direct-under-2ms"]["rows"]}
        self.assertIn("3 round trips × 0.06 ms + flush 0.09 ms + server 0.03 ms + driver 0.",
                      rows["libpq/tx/unix"]["reason"])
        self.assertIn("1 round trip × 0.06 ms + flush", rows["libpq/prepared/unix"]["reason"])
        run = fixtures.make_run(measured_floors=False)
        rows = {r["case"]: r for r in self.evaluate(run)["direct-under-2ms"]["rows"]}
        self.assertIn("3 round trips + commit flush", rows["libpq/tx/unix"]["reason"])

    def test_repetitions_give_intervals_over_repetitions(self):
        result = self.evaluate(fixtures.make_run(reps=5, n=600))
        row = {r["case"]: r for r in result["direct-under-2ms"]["rows"]}["libpq/tx/unix"]
        self.assertEqual(row["measured"]["repetitions"], 5)
        self.assertEqual(row["measured"]["interval_method"], "t interval over repetitions (log scale)")
        pair = {r["case"]: r for r in result["overhead-50-150pct"]["rows"]}["libpqxx/work/unix vs libpq/tx/unix"]
        self.assertIn("paired by repetition", pair["reason"])

    def test_one_histogram_only_repetition_has_no_interval(self):
        rows = {r["case"]: r for r in self.evaluate(fixtures.make_run(raw=False))["direct-under-2ms"]["rows"]}
        self.assertEqual(rows["libpq/tx/unix"]["verdict"], "not measured")
        self.assertIn("--raw-samples", rows["libpq/tx/unix"]["reason"])

    def test_markdown_output(self):
        r = run_script("claims", "--format", "markdown", self.fixture("a.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("| claim | case | p50 ms | p99 ms | verdict | why |", r.stdout)
        self.assertIn("Measured on: fixture-host", r.stdout)

    def test_rows_say_where_each_interval_came_from(self):
        # One file: both intervals are the file's (unmarked).
        row = {r["case"]: r for r in self.evaluate(fixtures.make_run(reps=5, n=600))["direct-under-2ms"]["rows"]}
        m = row["libpq/tx/unix"]["measured"]
        self.assertEqual((m["p50_interval_source"], m["p99_interval_source"]), (wr.FROM_FILE, wr.FROM_FILE))
        self.assertFalse(any(cell.endswith("*") for cell in wpclaims.cell_measured(row["libpq/tx/unix"])))
        # A file from before the harness wrote p99's: that one is the scripts' (marked *).
        row = {r["case"]: r
               for r in self.evaluate(fixtures.make_run(reps=5, n=600, tails=False))["direct-under-2ms"]["rows"]}
        m = row["libpq/tx/unix"]["measured"]
        self.assertEqual((m["p50_interval_source"], m["p99_interval_source"]), (wr.FROM_FILE, wr.COMPUTED))
        p50, p99 = wpclaims.cell_measured(row["libpq/tx/unix"])
        self.assertFalse(p50.endswith("*"))
        self.assertTrue(p99.endswith("*"))
        r = run_script("claims", "--format", "markdown", self.fixture("a.json", reps=5, n=600, tails=False))
        self.assertIn("unmarked intervals were written by wpbench (t interval over repetitions (log scale))",
                      r.stdout)
        self.assertIn("intervals marked * were computed by the scripts", r.stdout)
        # Pooled files: every interval is the scripts'.
        r = run_script("claims", "--format", "json", self.fixture("b.json", reps=3, n=600),
                       self.fixture("c.json", reps=3, n=600, seed=2))
        rows = [row for c in json.loads(r.stdout)["claims"] for row in c["rows"] if row.get("measured")]
        self.assertTrue(rows)
        self.assertEqual({row["measured"]["p50_interval_source"] for row in rows}, {wr.COMPUTED})


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

    def test_a_case_neither_run_could_measure_is_no_failure(self):
        # A peer-only DSN leaves the TCP cases out of every run: the gate compares the rest.
        gone = {"libpq/prepared/tcp"}
        r = self.gate(self.fixture("a.json", seed=1, not_measured=gone),
                      self.fixture("b.json", seed=2, not_measured=gone))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        row = next(l for l in r.stdout.splitlines() if "`libpq/prepared/tcp`" in l)
        self.assertIn("**not measured**", row)
        # Measured before and not now is still a failure: the case went away.
        r = self.gate(self.fixture("c.json", seed=1), self.fixture("d.json", seed=2, not_measured=gone))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

    def test_a_run_that_saw_its_machine_change_says_so(self):
        changed = fixtures.make_run(seed=2)
        changed["machine_changes"] = ["the machine changed during the run: every case ran 1.37x slower "
                                      "from repetition 4 of 10 on"]
        cur = fixtures.write(self.tmp / "changed.json", changed)
        r = self.gate(self.fixture("a.json", seed=1), cur)
        self.assertIn("**the current run saw its machine change** (the machine changed during the run: every "
                      "case ran 1.37x slower", r.stdout)
        r = self.gate("--format", "json", self.fixture("a.json", seed=1), cur)
        self.assertEqual(json.loads(r.stdout)["current"]["machine_changes"], changed["machine_changes"])

    def test_without_scipy_the_gate_decides_the_same(self):
        # The Debian package only suggests scipy (it brings a compiler): a python3 that cannot
        # import it gets scripts/wpdist.py's tests, and the same verdicts.
        no_scipy = without_module(self.tmp, "scipy")
        pairs = [(self.fixture("a.json", seed=1), self.fixture("b.json", seed=2)),
                 (self.fixture("c.json", seed=1), self.fixture("d.json", seed=2, slow={"libpq/tx/unix": 1.3}))]
        for base, cur in pairs:
            with_scipy, without = self.gate(base, cur), run_script("gate", base, cur, env=no_scipy)
            self.assertEqual(without.returncode, with_scipy.returncode, without.stdout + without.stderr)
            verdicts = [[l.rsplit("|", 2)[-2] for l in r.stdout.splitlines() if l.startswith("| `")]
                        for r in (with_scipy, without)]
            self.assertEqual(verdicts[1], verdicts[0])
            self.assertIn("scipy is not installed", without.stdout)
            self.assertNotIn("scipy is not installed", with_scipy.stdout)

    def test_files_and_repetitions_pool_into_time_blocks(self):
        # Seven files a side, or one file of seven repetitions a side: the same test, over every
        # repetition's time blocks.
        base, cur = self.tmp / "base", self.tmp / "cur"
        base.mkdir(), cur.mkdir()
        for i in range(7):
            fixtures.write(base / f"{i}.json", fixtures.make_run(seed=10 + i, n=800))
            fixtures.write(cur / f"{i}.json", fixtures.make_run(seed=20 + i, n=800, slow={"libpq/prepared/unix": 1.25}))
        for b, c in ((base, cur), (self.fixture("a.json", seed=10, n=800, reps=7),
                                   self.fixture("b.json", seed=20, n=800, reps=7, slow={"libpq/prepared/unix": 1.25}))):
            r = self.gate(b, c)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            row = next(l for l in r.stdout.splitlines() if "`libpq/prepared/unix`" in l)
            self.assertIn("min(KS, U) over time blocks (70 vs 70)", row)
            self.assertIn("**regression**", row)
            self.assertNotIn("regression", next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l))
            self.assertIn("Holm-corrected over the 12 tests", r.stdout)
        # Histogram-only repetitions cannot be cut into time blocks.
        self.assert_one_line_error(self.gate(self.fixture("e.json", seed=10, n=800, reps=3, raw=False),
                                             self.fixture("f.json", seed=20, n=800, reps=3, raw=False)),
                                   2, "kept only its histogram")

    def test_one_default_run_a_side_decides(self):
        # Three repetitions a side used to be refused ("give 7 or more a side"): now they decide.
        r = self.gate(self.fixture("a.json", seed=1, n=1000, reps=3),
                      self.fixture("b.json", seed=2, n=1000, reps=3, slow={"libpq/tx/unix": 1.3}))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("**regression**", next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l))
        r = self.gate(self.fixture("c.json", seed=1, n=1000, reps=3), self.fixture("d.json", seed=2, n=1000, reps=3))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_build_against_itself_passes_19_times_in_20_on_a_drifting_machine(self):
        # Each run drifts as a whole (the machine: +-4 %, as back-to-back runs spread here) and
        # each repetition on its own (+-2 %); nothing else differs.
        rng = random.Random(20261130)
        passes = 0
        for trial in range(20):
            runs = []
            for side in range(2):
                machine = rng.gauss(1.0, 0.04)
                rep_slow = {(name, r): machine * rng.gauss(1.0, 0.02)
                            for name in fixtures.DEFAULT_CASES for r in range(5)}
                runs.append(self.fixture(f"{trial}-{side}.json", seed=100 * trial + side, n=600, reps=5,
                                         rep_slow=rep_slow))
            r = self.gate(*runs, "--no-policy")
            self.assertIn(r.returncode, (0, 1, 3), r.stderr)
            passes += r.returncode == 0
        self.assertGreaterEqual(passes, 19)

    def test_a_change_beyond_the_threshold_it_cannot_call_is_inconclusive(self):
        # One short repetition a side, 25 % slower: beyond the 10 % threshold, too little data
        # to be significant after Holm. Exit 3, saying how much more would decide it.
        r = self.gate(self.fixture("a.json", seed=1, n=120, reps=1),
                      self.fixture("b.json", seed=2, n=120, reps=1, slow={"libpq/tx/unix": 1.25}), "--no-policy")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        row = next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l)
        self.assertIn("**inconclusive**", row)
        self.assertIn("wpbench gate: inconclusive", r.stdout)

    def test_instruction_counts_gate_at_two_percent(self):
        counts = {"libpq/prepared/unix": 4740.0, "libpq/tx/unix": 9800.0}
        base = self.fixture("a.json", seed=1, instructions=counts)
        same = self.fixture("b.json", seed=2, instructions={k: v * 1.005 for k, v in counts.items()})
        r = self.gate(base, same, "--no-policy")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Client instructions per insert", r.stdout)
        more = self.fixture("c.json", seed=2, instructions={**counts, "libpq/tx/unix": 9800.0 * 1.10})
        r = self.gate(base, more, "--no-policy")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        row = next(l for l in r.stdout.splitlines() if "`libpq/tx/unix` | 9800" in l)
        self.assertIn("+10.00 %", row)
        self.assertIn("**regression**", row)

    def test_time_blocks_refuse_histogram_only_repetitions(self):
        r = self.gate(self.fixture("a.json", seed=1), self.fixture("b.json", seed=2, raw=False))
        self.assert_one_line_error(r, 2, "CURRENT: libpq/prepared/unix kept only its histogram")

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
        # A run none of whose cases a rule names: the gate would check nothing, so it refuses.
        python_only = fixtures.make_run(cases={"python-sqlite3/seed/file": (0, 170_000)})
        self.assert_one_line_error(self.gate("--ratios-only", fixtures.write(self.tmp / "p.json", python_only)),
                                   2, "applies to CURRENT")

    def test_different_machines_are_flagged(self):
        r = self.gate(self.fixture("a.json"), self.fixture("b.json", seed=2, hostname="elsewhere"))
        self.assertIn("different machines", r.stdout)

    def test_unusable_input_exits_2(self):
        other = fixtures.make_run(cases={"x/y/unix": (1, 100_000)})
        r = self.gate(self.fixture("a.json"), fixtures.write(self.tmp / "o.json", other))
        self.assert_one_line_error(r, 2, "no case in common")
        bad = self.tmp / "bad.json"
        bad.write_text('{"schema_version": 4, "tool": "wpbench"}')
        self.assert_one_line_error(self.gate(self.fixture("a.json"), bad), 2, "schema_version is 4")
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

    def test_json_format_gives_the_same_verdicts_and_exit_codes(self):
        a = self.fixture("a.json", seed=1)
        for cur, code, word in ((self.fixture("b.json", seed=2), 0, "pass"),
                                (self.fixture("c.json", seed=2, slow={"libpq/tx/unix": 1.3}), 1, "fail")):
            md, js = self.gate(a, cur), self.gate(a, cur, "--format", "json")
            self.assertEqual((md.returncode, js.returncode), (code, code), js.stdout + js.stderr)
            v = json.loads(js.stdout)
            self.assertEqual((v["verdict"], v["exit_code"]), (word, code))
            cases = {c["case"]: c for c in v["cases"]}
            self.assertEqual(set(cases), set(fixtures.DEFAULT_CASES))
            tx = cases["libpq/tx/unix"]
            self.assertEqual([ch["stat"] for ch in tx["checks"]], ["p50", "p99"])
            ch = tx["checks"][0]
            for key in ("baseline_ns", "current_ns", "baseline_interval_ns", "current_interval_ns",
                        "change_pct", "threshold_pct", "p_value", "verdict"):
                self.assertIn(key, ch)
            self.assertEqual(ch["threshold_pct"], 10.0)
            self.assertLessEqual(ch["baseline_interval_ns"]["lo"], ch["baseline_ns"])
            self.assertEqual(tx["verdict"], "regression" if code else "ok")
            # Each case's Markdown row calls out (in bold) exactly the verdicts the JSON calls out.
            for name, c in cases.items():
                row = next(ln for ln in md.stdout.splitlines() if ln.startswith(f"| `{name}` |"))
                self.assertEqual(f"**{c['verdict']}**" in row, c["verdict"] != "ok", row)
            rule = next(r for r in v["ratios"] if r["rule"] == "libpqxx/work/unix / libpq/tx/unix")
            self.assertEqual(rule["stat"], "p50")
            self.assertIn("interval", rule)
            self.assertIn(rule["interval_source"], (wr.FROM_FILE, wr.COMPUTED))
        # --ratios-only, and a slow layer a ratio rule catches, in JSON too.
        r = self.gate("--ratios-only", "--format", "json",
                      self.fixture("d.json", seed=2, reps=3, slow={"libpqxx/work/unix": 2.0}))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        v = json.loads(r.stdout)
        self.assertTrue(v["ratios_only"])
        self.assertIsNone(v["baseline"])
        exceeded = {x["rule"]: x for x in v["ratios"] if x["verdict"] == "exceeded"}
        self.assertIn("libpqxx/work/unix / libpq/prepared/unix", exceeded)
        # the file's own ratio and interval: libpq/prepared/unix is the fastest of its transport
        self.assertEqual(exceeded["libpqxx/work/unix / libpq/prepared/unix"]["interval_source"], wr.FROM_FILE)
        # Unusable input: exit 2 and one line on stderr, whatever the format.
        self.assert_one_line_error(self.gate(a, "--format", "json", self.tmp / "nothing.json"), 2, "nothing.json")

    def test_gate_check_reads_the_json_verdict(self):
        a = self.fixture("a.json", seed=1)
        code, said = wpgatecheck.gate(a, self.fixture("b.json", seed=2), [])
        self.assertEqual((code, said.split()[0]), (0, "pass"))
        self.assertIn("every case ok", said)
        code, said = wpgatecheck.gate(a, self.fixture("c.json", seed=2, slow={"libpq/tx/unix": 1.3}), [])
        self.assertEqual((code, said.split()[0]), (1, "fail"))
        self.assertIn("1 regression", said)
        with self.assertRaises(wpgatecheck.ToolError):
            wpgatecheck.gate(a, self.tmp / "nothing.json", [])

    def test_a_tail_regression_is_not_hidden_by_a_steady_median(self):
        def tail(s, _):  # every 25th write three times slower: p99 triples, p50 barely moves
            return [v * 3 if i % 25 == 0 else v for i, v in enumerate(s)]

        run = fixtures.make_run(seed=2, tweak={"libpq/tx/unix": tail})
        r = self.gate(self.fixture("a.json", seed=1), fixtures.write(self.tmp / "t.json", run), "--no-policy")
        row = next(l for l in r.stdout.splitlines() if "`libpq/tx/unix`" in l)
        self.assertIn("**regression**", row)
        self.assertEqual(r.returncode, 1)


class Precision(Scratch):
    def test_half_widths_agreement_and_cases(self):
        a = self.fixture("a.json", seed=1, reps=5, n=500)
        b = self.fixture("b.json", seed=2, reps=5, n=500, slow={"libpqxx/work/unix": 1.25},
                         run_id="20261124T010000Z")
        r = run_script("precision", "--cases", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        # Every case in the per-case table, each run a column pair; the fastest named as such.
        for name in fixtures.DEFAULT_CASES:
            self.assertTrue(any(ln.startswith(f"| `{name}` |") for ln in lines), name)
        self.assertIn("| `libpq/prepared/unix` | ", r.stdout)
        self.assertIn("1 (fastest)", r.stdout)
        # Three ratios a run (the unix cases to libpq/prepared; tcp and file have one case each):
        # the slowed case moved 25 %, the others only by the two seeds' sampling noise.
        pair = next(ln for ln in lines if ln.startswith("| 20261124T000000Z / 20261124T010000Z"))
        cells = [c.strip() for c in pair.strip("|").split("|")]
        self.assertEqual(cells[1], "3")
        self.assertEqual(cells[2], "2 (67 %)")
        # The fixture's CPU time is a tenth of the elapsed time: the slowed case alone moved.
        self.assertRegex(cells[4], r"^[+-]\d+\.\d %$")
        self.assertLess(abs(float(cells[4].split()[0])), 5.0)

    def test_one_repetition_has_no_interval_to_report(self):
        one = self.fixture("one.json", reps=1)
        self.assert_one_line_error(run_script("precision", one), 2, "no ratio with an interval")


class BadInput(Scratch):
    def test_zero_latencies_are_refused_by_the_schema(self):
        v2, v1 = fixtures.make_run(), fixtures.make_run(version=1)
        v2["cases"][0]["repetitions"][0]["samples_ns"][0] = 0
        v1["cases"][0]["samples_ns"][0] = 0
        for run in (v2, v1):
            path = fixtures.write(self.tmp / "z.json", run)
            for script in ("claims", "report", "validate-result"):
                self.assert_one_line_error(run_script(script, path), 2, "less than the minimum")

    def test_runs_from_different_machines_are_not_pooled(self):
        r = run_script("report", "--out", self.tmp / "rep", self.fixture("a.json"),
                       self.fixture("b.json", seed=2, hostname="elsewhere"))
        self.assert_one_line_error(r, 2, "different machines")

    def test_open_and_closed_loop_runs_are_not_pooled(self):
        r = run_script("claims", self.fixture("a.json"), self.fixture("b.json", seed=2, open_loop=True))
        self.assert_one_line_error(r, 2, "loop in another file: their latencies do not pool")

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


class Plots(unittest.TestCase):
    """The parts of the plots that can be checked without looking at them."""

    # Every driver/variant wpbench measures (wpbench --list), and a few it might one day.
    KEYS = ["libpq/exec-params", "libpq/prepared", "libpq/tx", "libpq/pipeline", "libpqxx/work",
            "libpqxx/nontx-prepared", "soci-postgresql/transaction", "soci-postgresql/prepared",
            "soci-sqlite3/oneshot", "soci-sqlite3/prepared", "sqlite3/oneshot", "sqlite3/prepared",
            "psycopg2/direct", "psycopg2/autocommit", "psycopg2/pool", "sqlalchemy-core/creator",
            "sqlalchemy-orm/creator", "psycopg3/direct", "python-sqlite3/seed",
            "duckdb/appender", "duckdb/insert", "asyncpg/direct", "mysql/direct"]

    def test_no_two_cases_share_a_colour_and_a_family_shares_its_hue(self):
        styles = wpreport.case_styles(self.KEYS)
        colours = [styles[k][0] for k in self.KEYS]
        self.assertEqual(len(set(colours)), len(self.KEYS))
        # Apart enough to tell: no two closer than this in RGB (0 to 1 a channel).
        closest = min(np.linalg.norm(np.subtract(a, b)) for i, a in enumerate(colours) for b in colours[i + 1:])
        self.assertGreater(closest, 0.05)
        hue = {k: round(colorsys.rgb_to_hls(*styles[k][0])[0], 2) for k in self.KEYS}
        for family in (["libpq/exec-params", "libpq/prepared", "libpq/tx", "libpq/pipeline"],
                       ["soci-postgresql/transaction", "soci-sqlite3/oneshot"],
                       ["sqlalchemy-core/creator", "sqlalchemy-orm/creator"]):
            self.assertEqual(len({hue[k] for k in family}), 1, family)
        self.assertNotEqual(hue["libpq/tx"], hue["libpqxx/work"])
        self.assertNotEqual(hue["duckdb/insert"], hue["asyncpg/direct"])  # a new family each
        # The variants of a family differ in line style too, and a case keeps its style wherever
        # it is drawn with others.
        self.assertEqual(len({styles[k][1] for k in self.KEYS[:4]}), 4)
        self.assertEqual(wpreport.case_styles(self.KEYS[:5])["libpq/tx"], styles["libpq/tx"])
        # Twenty variants of one new driver still get twenty colours.
        many = wpreport.case_styles([f"newdb/v{i}" for i in range(20)])
        self.assertEqual(len({c for c, _ in many.values()}), 20)

    def test_the_lower_whisker_never_reaches_below_zero(self):
        err = wpreport.whiskers([0.5, 1.0, 2.0, 0.3], [(-0.2, 0.9), (0.8, 1.3), None, (0.4, 0.35)])
        self.assertEqual(err.shape, (2, 4))
        np.testing.assert_allclose(err[:, 0], [0.5, 0.4])  # clipped at the value: the bar's foot, 0
        np.testing.assert_allclose(err[:, 1], [0.2, 0.3])
        np.testing.assert_allclose(err[:, 2], [0.0, 0.0])  # no interval, no whisker
        np.testing.assert_allclose(err[:, 3], [0.0, 0.05])  # an interval not around its value
        self.assertTrue((np.array([0.5, 1.0, 2.0, 0.3]) - err[0] >= 0).all())
        self.assertTrue((err >= 0).all())

    def test_direct_labels_keep_their_order_and_a_gap(self):
        ys = [0.5, 0.5, 0.52, 0.9, 0.1, 0.98, 1.0]
        placed = wpreport.spread_labels(ys, 0.05, 0.0, 1.0)
        order = sorted(range(len(ys)), key=lambda i: ys[i])
        along = [placed[i] for i in order]
        self.assertTrue(all(b - a >= 0.05 - 1e-12 for a, b in zip(along, along[1:])), along)
        self.assertTrue(all(0.0 <= y <= 1.0 for y in placed), placed)
        self.assertEqual(placed[4], 0.1)  # a label with room stays where its line ends
        self.assertEqual(wpreport.spread_labels([], 0.05, 0.0, 1.0), [])

    def test_the_p50_p99_chart_draws_the_posts_2ms_claim(self):
        self.assertEqual([limit for limit, _ in wpreport.claim_lines()], [2.0])
        self.assertIn("p99 under 2 ms", wpreport.claim_lines()[0][1])


class OverTime(unittest.TestCase):
    """What the report draws over time: a line per case where the repetitions' time series are long
    enough, each repetition's p50 where they are not, and nothing with one short repetition."""

    def test_the_plot_says_what_it_shows(self):
        long = fixtures.make_run(reps=2, n=600)
        for case in long["cases"]:  # 20 ms intervals: half a dozen or more a repetition
            for rep in case["repetitions"]:
                rep["timeseries"] = fixtures.timeseries(rep["samples_ns"], 20_000_000)
        self.assertIsNone(wr.document_problem(long))
        for run, kind, words in ((long, "intervals", "per 0.02 s interval"),
                                 (fixtures.make_run(reps=3, n=300), "repetitions", "each repetition's p50"),
                                 (fixtures.make_run(n=300), None, "No plot: one repetition per case"),
                                 (fixtures.make_run(version=1, n=300), None, "no time series in the file")):
            runs = wr.RunSet.from_documents([run])
            found, text = wpreport.over_time(runs, list(runs.cases.values()))
            self.assertEqual(found, kind)
            self.assertIn(words, text)

    def test_sample_by_sample_repetitions_share_one_window(self):
        run = fixtures.make_run(reps=2, n=300)
        line = wpreport.timeline(wr.RunSet.from_documents([run]))
        starts = [start for start, *_ in line]
        self.assertEqual(len(set(starts)), len(line))  # case by case: back to back
        run["config"]["interleave"] = "sample"
        line = wpreport.timeline(wr.RunSet.from_documents([run]))
        by_rep = {}
        for start, span, _, r in line:
            by_rep.setdefault(r.index, set()).add((start, span))
        self.assertEqual([len(v) for v in by_rep.values()], [1, 1])  # every case of a repetition at once
        (s0, w0), (s1, _) = by_rep[0].pop(), by_rep[1].pop()
        self.assertEqual((s0, s1), (0.0, w0))


def without_module(tmp, module):
    """The environment of a python3 that cannot import `module` (as on a VM where the Debian
    package's Suggests were left out): a package of that name on PYTHONPATH that refuses."""
    hidden = tmp / f"no-{module}" / module
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text(f'raise ModuleNotFoundError("No module named {module!r}", name={module!r})\n')
    return {"PYTHONPATH": str(hidden.parent)}


class ReportAndPublish(Scratch):
    def test_without_matplotlib_the_report_has_every_table_and_says_how_to_add_the_plots(self):
        out = self.tmp / "rep"
        r = run_script("report", "--out", out, self.fixture("a.json"), env=without_module(self.tmp, "matplotlib"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(p.name for p in out.iterdir()), ["report.html", "report.md"])
        md = (out / "report.md").read_text()
        self.assertIn("No plots: python3's matplotlib is not installed here (apt-get install "
                      "--no-install-recommends python3-matplotlib python3-munkres", md)
        self.assertNotIn(".png", md)
        for heading in ("## Unix socket", "## TCP", "## SQLite file (in-process)", "## Where the time goes"):
            self.assertIn(heading, md)
        self.assertIn("No plots", (out / "report.html").read_text())

    def test_report_writes_tables_and_plots(self):
        out = self.tmp / "rep"
        r = run_script("report", "--out", out, self.fixture("a.json", measured_floors=False))
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        for heading in ("## Unix socket", "## TCP", "## SQLite file (in-process)", "## Context",
                        "## Latency over time"):
            self.assertIn(heading, md)
        self.assertIn("1 (fastest)", md)
        for png in ("p50-p99.png", "spectrum-unix.png", "spectrum-tcp.png", "spectrum-file.png"):
            self.assertEqual((out / png).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", png)
        # One repetition of under a second a case: a time series of one point, which is no plot.
        self.assertIn("No plot: one repetition per case, and a median of 1 interval(s) of 1 s", md)
        self.assertFalse((out / "timeseries.png").exists())
        self.assertFalse((out / "decomposition.png").exists())
        self.assertIn("<h2 id=\"s1\">Verdict on the post&#x27;s claims</h2>", (out / "report.html").read_text())
        for absent in ("## Floors", "## Connection cost", "## Where the time goes", "schedule lag"):
            self.assertNotIn(absent, md)

    def test_an_idle_run_gets_its_idle_against_back_to_back_table(self):
        run = fixtures.make_run(n=600)
        run["config"]["idle_ms"] = 200
        run["cases"][0]["idle"] = {
            "idle_ms": 200, "back_to_back_ns": run["cases"][0]["latency_ns"],
            "idle_minus_back_to_back": {"median_ns": 450_000, "pairs": 600, "interval_95_ns": [390_000, 647_000],
                                        "method": "median of paired differences"}}
        out, hidden = self.tmp / "rep", without_module(self.tmp, "matplotlib")
        r = run_script("report", "--out", out, fixtures.write(self.tmp / "i.json", run), env=hidden)
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        self.assertIn("## After an idle wait, and back to back", md)
        self.assertIn(f"| `{run['cases'][0]['name']}` |", md)
        self.assertIn("| +0.450 [+0.390, +0.647] | 600 |", md)
        # Without --idle-ms, no such section.
        r = run_script("report", "--out", out, self.fixture("a.json"), env=hidden)
        self.assertNotIn("After an idle wait", (out / "report.md").read_text())

    def test_report_of_a_published_v1_run(self):
        out = self.tmp / "rep"
        r = run_script("report", "--out", out, self.fixture("v1.json", version=1))
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        self.assertIn("block bootstrap over samples", md)
        self.assertIn("One repetition per case", md)
        self.assertFalse((out / "timeseries.png").exists())  # v1 has no time series

    def test_report_shows_intervals_repetitions_noise_floors_and_connect(self):
        warning = "repetition 1 of 5 is the slowest (p50 +9 %): raise --warmup"
        run = fixtures.make_run(reps=5, n=600, rep_slow={("libpq/tx/unix", 0): 1.09},
                                warnings={"libpq/tx/unix": [warning]})
        run["cases"][1]["noise"]["outlier_repetitions"] = [0]
        ratio = next(r for r in run["ratios"] if r["numerator"] == "libpqxx/work/unix")
        ratio.update(ratio=9.87, interval=[9.80, 9.95])  # the report must take the file's ratio
        out = self.tmp / "rep"
        r = run_script("report", "--out", out, fixtures.write(self.tmp / "r.json", run))
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        tx = wr.RunSet.from_documents([run]).cases["libpq/tx/unix"]
        lo, hi = run["cases"][1]["interval"]["p50_ns"]
        row = next(l for l in md.splitlines() if l.startswith("| `libpq/tx/unix` | 3 |"))
        self.assertIn(f"{wpstats.fmt_ms(tx.percentile(50))} [{wpstats.fmt_ms(lo)}, {wpstats.fmt_ms(hi)}]", row)
        self.assertIn("95 % intervals: t interval over repetitions", md)
        self.assertIn("9.87 ± 0.08 × `libpq/prepared/unix`", md)
        self.assertIn("order seed 1001", md)
        reps = next(l for l in md.splitlines() if l.startswith("| `libpq/tx/unix` |") and "%" in l and "[" not in l)
        self.assertIn(f"**{wpstats.fmt_ms(tx.repetitions[0].percentile(50))}**", reps)  # the outlier
        self.assertIn(f"{100 * tx.cv_p50:.1f} %", reps)
        self.assertIn(f"- `libpq/tx/unix`: {warning}", md)
        for needle in ("## Floors", "round trip, Unix socket", "**commit flush**", "write+fdatasync 8 kB",
                       "**SQLite flush**", "## Connection cost", "| libpq | tcp | scram-sha-256 |",
                       "## Where the time goes"):
            self.assertIn(needle, md)
        for png in ("decomposition.png", "timeseries.png"):
            self.assertTrue((out / png).exists(), png)

    def test_report_notes_negative_parts_and_schedule_lag(self):
        run = fixtures.make_run(open_loop=True)
        d = run["cases"][0]["decomposition"]
        d["driver_ns"], d["server_ns"] = -12_000, d["server_ns"] + d["driver_ns"] + 12_000
        out = self.tmp / "rep"
        wpreport.write_report(wr.RunSet.from_documents([run]), out)
        md = (out / "report.md").read_text()
        self.assertIn("Drawn as 0 in the plot", md)
        self.assertIn("`libpq/prepared/unix` driver (the rest) -0.012 ms", md)
        self.assertIn("## Open loop: schedule lag", md)
        self.assertIn("1000 inserts/s on a fixed schedule", md)
        lag = md.split("## Open loop: schedule lag")[1].split("\n## ")[0]
        lags = wr.RunSet.from_documents([run]).cases["libpq/prepared/unix"].schedule_lags
        self.assertIn(f"| `libpq/prepared/unix` | {wpstats.fmt_ms(lags[0]['p50'])} | {wpstats.fmt_ms(lags[0]['p99'])} |", lag)

    def test_histogram_only_repetitions_pool_like_raw_ones(self):
        raw = wr.RunSet.from_documents([fixtures.make_run(reps=3, n=1500, seed=4)])
        hist = wr.RunSet.from_documents([fixtures.make_run(reps=3, n=1500, seed=4, raw=False)])
        for name, a in raw.cases.items():
            b = hist.cases[name]
            self.assertTrue(a.time_ordered)
            self.assertFalse(b.time_ordered)
            self.assertEqual(a.count, b.count)
            for pa, pb in zip(a.rep_p50s, b.rep_p50s):  # the histogram's summary, within its resolution
                self.assertLessEqual(abs(pb - pa), pa / 1024, name)
            for p in (50, 99):
                self.assertLessEqual(abs(b.percentile(p) - a.percentile(p)), a.percentile(p) / 1024, (name, p))
            lo_a, lo_b = a.interval(99)["lo"], b.interval(99)["lo"]
            self.assertLessEqual(abs(lo_a - lo_b), lo_a / 512, name)
            self.assertAlmostEqual(b.mean, a.mean, delta=1e-6 * a.mean)

    def test_publish_copies_reports_and_indexes(self):
        results = self.tmp / "results"
        results.mkdir()
        (results / "README.md").write_text("# results\n\n<!-- published runs: generated by scripts/publish -->\n"
                                           "<!-- end of published runs -->\n\nmore text\n")
        env = {"WPBENCH_RESULTS_DIR": str(results)}
        run = fixtures.make_run(reps=3, n=300)
        run["cases"][1]["cv_p50"] = 1.10  # a case whose p50 moved 110 % between repetitions
        src = fixtures.write(self.tmp / "a.json", run)
        # What wpbench printed: its table names each case with its p50 in ms.
        console = self.tmp / "console.txt"
        rows = [f"{c['name']}  {c['round_trips']}  {c['latency_ns']['p50'] / 1e6:.3f}\n" for c in run["cases"]]
        console.write_text("case  rt  p50 ms\n" + "".join(rows))
        wrong = self.tmp / "wrong.txt"  # another run's: one p50 differs
        wrong.write_text(console.read_text().replace(f"{run['cases'][2]['latency_ns']['p50'] / 1e6:.3f}", "9.999"))
        with self.assertRaisesRegex(wr.InputError, f"not this run's output: no line of case {run['cases'][2]['name']}"):
            wppublish.console_of(wrong, run)
        r = run_script("publish", "--note", "fixture run", "--console", console, src, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = results / "20261124T000000Z"
        packed = (d / "wpbench.json.gz").read_bytes()
        self.assertEqual(packed, wr.gzip_bytes(pathlib.Path(src).read_bytes()))  # the run's bytes, compressed
        self.assertFalse((d / "wpbench.json").exists())
        self.assertEqual((d / "console.txt").read_text(), console.read_text())
        for f in ("report.md", "report.html", "claims.md", "p50-p99.png"):
            self.assertTrue((d / f).exists(), f)
        index = (results / "README.md").read_text()
        self.assertIn("[20261124T000000Z](20261124T000000Z/report.md) ([html](20261124T000000Z/report.html)) | "
                      "complete | **noisy**: p50 varied > 5 % in ", index)
        self.assertIn("(CV up to 110 %)", index)
        self.assertIn("fixture run", index)
        self.assertTrue(index.endswith("more text\n"))
        # A run published before results were compressed is read as it is; publishing it again
        # (here: a partial run, which needs --partial) replaces its wpbench.json with the .json.gz.
        old = fixtures.make_run(n=200, run_id="20261123T000000Z", fail=("libpq/tx/unix",),
                                cases={k: fixtures.DEFAULT_CASES[k] for k in ("libpq/prepared/unix", "libpq/tx/unix")})
        old["status"] = "partial"
        old_dir = results / old["run_id"]
        old_dir.mkdir()
        fixtures.write(old_dir / "wpbench.json", old)
        with unittest.mock.patch.object(wppublish, "RESULTS", results):
            rows = "\n".join(wppublish.index_rows())
        self.assertIn("| [20261123T000000Z](20261123T000000Z/report.md) | partial: 1 of 2 cases ok (`libpq/tx/unix` "
                      "failed) | one repetition: not measured |", rows)
        r = run_script("publish", "--partial", old_dir / "wpbench.json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(p.name for p in old_dir.glob("wpbench.json*")), ["wpbench.json.gz"])
        self.assertEqual((d / "wpbench.json.gz").read_bytes(), packed)  # the other run untouched
        index = (results / "README.md").read_text()
        self.assertLess(index.index("20261124T000000Z/report.md"), index.index("20261123T000000Z/report.md"))


class HtmlReport(unittest.TestCase):
    """report.html: one file that shows every case, the verdict and the run's context, loads
    nothing, runs nothing, and turns no string from a result file into markup. Rendered by
    headless Chromium (scripts/setup installs it), which must report no error."""

    # Strings a result file may hold that would be markup if the report pasted them in.
    HOSTILE_CASE = '<script>alert("case")</script>'.replace("/", "") + "`|x`/tx/unix"  # no / in a driver
    HOSTILE_HOST = "<img src=x onerror=alert(1)>"
    HOSTILE_WARNING = "</td></table><script>alert(2)</script>"
    # Every tag the report itself writes.
    TAGS = {"html", "head", "meta", "title", "style", "body", "main", "nav", "ul", "li", "a", "h1", "h2", "h3", "p",
            "div", "table", "thead", "tbody", "tr", "th", "td", "code", "strong", "figure", "img", "figcaption"}

    @classmethod
    def setUpClass(cls):
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="wpbench-html-"))
        cases = dict(fixtures.DEFAULT_CASES, **{cls.HOSTILE_CASE: (3, 500_000)})
        run = fixtures.make_run(reps=2, n=300, cases=cases, warnings={cls.HOSTILE_CASE: [cls.HOSTILE_WARNING]})
        run["context"]["host"]["hostname"] = cls.HOSTILE_HOST
        cls.names = [c["name"] for c in run["cases"]]
        wpreport.write_report(wr.RunSet.from_documents([run]), cls.tmp)
        cls.html = (cls.tmp / "report.html").read_text()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_markdown_becomes_escaped_html(self):
        self.assertEqual(wphtml.inline("a **b** `<c>` <d> & `` e`f ``"),
                         "a <strong>b</strong> <code>&lt;c&gt;</code> &lt;d&gt; &amp; <code>e`f</code>")
        self.assertEqual(wphtml.cells("| `a\\|b` | 2 |"), ["`a|b`", "2"])
        self.assertEqual(wpreport.code("a|b`c"), "`` a\\|b`c ``")
        page = wphtml.page("# T\n\n## One\n\n| a | b |\n|---|--:|\n| x | 1 |\n\n- top\n  - inner\n- next\n\n"
                           "![plot](p.png)\n\n![not drawn](q.png)\n", {"p.png": b"\x89PNG"}, "T<")
        for needle in ("<title>T&lt;</title>", '<h2 id="s1">One</h2>', '<a href="#s1">One</a>',
                       '<th>a</th><th class="r">b</th>', '<td>x</td><td class="r">1</td>',
                       "<ul><li>top<ul><li>inner</li></ul></li><li>next</li></ul>",
                       '<img alt="plot" src="data:image/png;base64,iVBORw==">', "<p>[not drawn: q.png]</p>"):
            self.assertIn(needle, page)

    def test_no_string_from_the_result_becomes_markup(self):
        # The page's only tags are the report's own: no script, no event handler, nothing fetched.
        tags = re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", self.html)
        self.assertEqual({t for t, _ in tags} - self.TAGS, set())
        self.assertEqual([a for _, a in tags if re.search(r"\bon[a-z]+\s*=", a, re.I)], [])
        self.assertEqual(re.findall(r'\b(?:src|href)="(?!data:image/png;base64,|#s\d+")', self.html), [])
        self.assertNotIn("url(", self.html)
        self.assertIn('http-equiv="Content-Security-Policy" content="default-src \'none\'', self.html)
        for text in (self.HOSTILE_CASE, self.HOSTILE_HOST, self.HOSTILE_WARNING):
            self.assertIn(html.escape(text), self.html)
        # In report.md too, the | in a name stays inside its cell: every row of a table has its
        # header's cells.
        tables = re.findall(r"^(\|.*\|)\n\|[-:|]+\|\n((?:\|.*\n)+)", (self.tmp / "report.md").read_text(), re.M)
        hostile = 0
        for head, rows in tables:
            for row in rows.splitlines():
                self.assertEqual(len(wphtml.cells(row)), len(wphtml.cells(head)), row)
                hostile += "alert(" in row
        self.assertGreaterEqual(hostile, 3)

    def test_chromium_shows_every_case_and_reports_no_error(self):
        import browser
        self.assertTrue(os.access(browser.CHROMIUM, os.X_OK),
                        f"{browser.CHROMIUM} not found: scripts/setup installs Debian's chromium")

        def problems(shown, names):
            found = [f"error: {e}" for e in shown["errors"]] + [f"request: {u}" for u in shown["requests"]]
            found += [f"image not shown: {i['alt']}" for i in shown["images"] if not i["ok"] or i["scheme"] != "data"]
            # Every case in the rows of its transport's table, once, and in the repetitions'.
            listed = [n for t in shown["tables"] if t["head"][:3] == ["case", "rt", "p50 [95 % CI]"]
                      for n in t["first"]]
            reps = [n for t in shown["tables"] if t["head"][-1:] == ["CV of p50"] for n in t["first"]]
            found += [f"case not in its table: {n}" for n in names if listed.count(n) != 1 or n not in reps]
            found += [f"case not shown: {n}" for n in names if n not in shown["text"]]
            return found + ([f"{shown['scripts']} script(s)"] if shown["scripts"] else [])

        # The checker must be able to fail: the report with a script put in and a case taken
        # out, and a page without the report's Content-Security-Policy that throws, logs an
        # error and asks for a file that is not there.
        dropped = self.names[0]
        broken = self.tmp / "broken.html"
        broken.write_text(self.html.replace(html.escape(dropped, quote=False), "gone").replace(
            "<main>", "<main><script>throw new Error('put in')</script>", 1))
        loose = self.tmp / "loose.html"
        loose.write_text("<!DOCTYPE html><title>x</title><p>shown</p><script>console.error('logged');"
                         "null.f()</script><link rel=stylesheet href='missing.css'>")
        with browser.Page() as page:
            shown = page.load(self.tmp / "report.html")
            sabotaged = page.load(broken)
            bare = page.load(loose)
        self.assertEqual(problems(shown, self.names), [])
        self.assertGreaterEqual(len(shown["tables"]), 5)
        self.assertEqual(len(shown["images"]), len(re.findall(r"^!\[", (self.tmp / "report.md").read_text(), re.M)))
        for text in ("Verdict on the post's claims", "consistently under 2 ms", "Context", self.HOSTILE_HOST,
                     self.HOSTILE_WARNING, "transports:", "Unix socket (host=/tmp/x port=5432, peer auth)"):
            self.assertIn(text, shown["text"])
        found = problems(sabotaged, self.names)
        self.assertIn(f"case not in its table: {dropped}", found)
        self.assertIn(f"case not shown: {dropped}", found)
        self.assertTrue(any("Content Security Policy" in p for p in found), found)  # the script was refused
        found = problems(bare, [])
        for needle in ("console.error: logged", "exception: TypeError", "missing.css", "1 script(s)"):
            self.assertTrue(any(needle in p for p in found), (needle, found))


@unittest.skipUnless(os.environ.get("WPBENCH_BINARY"), "WPBENCH_BINARY not set (CTest sets it)")
class RealRuns(Scratch):
    """The scripts on real results: short runs of the built binary against a throwaway server."""

    ARGS = ["--drivers", "libpq/prepared,libpq/tx,libpqxx/work,sqlite3/prepared", "--transports", "unix,file",
            "--samples", "300", "--warmup", "40", "--repetitions", "3", "--floor-samples", "90",
            "--connect-samples", "2", "-q"]

    def run_wpbench(self, out):
        r = subprocess.run([os.environ["WPBENCH_BINARY"], *self.ARGS, "--tmp-dir", str(self.tmp), "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    # The gate's thresholds for short real runs made one after the other. Two such runs of one
    # build differ by more than the default 10 %: p50 0.73 ms against 0.47 ms (-36 %) in one
    # pair here (the commit's fsync moves from run to run), more when the machine is shared; a
    # 2 ms commit delay still moves p50 by several times these.
    SHORT_P50, SHORT_P99 = "100", "300"

    def test_a_build_against_itself_passes_and_every_script_reads_real_results(self):
        # Five runs of one build (three interleaved repetitions each), one after another, gated
        # as a CI job gates: the even runs against the odd ones, pooled, both ways round. A build
        # compared with itself must not be called a regression. Alternating the runs between the
        # sides keeps a change of the machine's speed from one run to the next (a neighbour's
        # build on a shared runner) from landing on one side only; three short repetitions a side
        # may still leave a p99 move it cannot call: "inconclusive" (exit 3) is honest there.
        # Three short repetitions a run move 15-25 % from run to run on a loaded 2-vCPU VM, more
        # than the default 10 % p50 threshold (scripts/gate-check measures what a default run
        # does); so the thresholds here sit above that noise, and the test checks the gate's
        # mechanics on real files (time blocks, pooling, Holm) rather than the machine. The
        # default thresholds' 19-in-20 is Gate.test_a_build_against_itself_passes_19_times_...
        os.chmod(self.tmp, 0o755)  # the throwaway server's OS user must reach --tmp-dir
        sides = {"even": self.tmp / "even", "odd": self.tmp / "odd"}
        for d in sides.values():
            d.mkdir()
        runs = [self.run_wpbench(sides["even" if i % 2 == 0 else "odd"] / f"{i}.json") for i in range(5)]
        codes = [run_script("gate", sides[a], sides[b], "--no-policy", "--p50-threshold", self.SHORT_P50,
                            "--p99-threshold", self.SHORT_P99).returncode
                 for a, b in (("even", "odd"), ("odd", "even"))]
        self.assertTrue(set(codes) <= {0, 3}, codes)
        r = run_script("claims", "--format", "json", *runs)  # five runs pooled
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
        # The gate on real runs of this machine: itself passes, a 2 ms commit delay on the server
        # and 10 % more client instructions fail (short runs, but 20 time blocks of 50 inserts a
        # side, so a 2 ms delay is significant even on a loaded machine). Two short runs one after
        # the other differ by more than the default 10 % (see above): the same thresholds as the
        # gate above, which a 2 ms delay (several times the insert) still exceeds.
        r = run_script("gate-check", "--instructions", "5", "--tmp-dir", self.tmp, "--out-dir", self.tmp / "gc",
                       "--p50-threshold", self.SHORT_P50, "--p99-threshold", self.SHORT_P99,
                       "--wpbench", os.environ["WPBENCH_BINARY"], "--", "--drivers", "libpq/prepared,sqlite3/prepared",
                       "-r", "5", "--samples", "200", "--warmup", "10", "--floor-samples", "0",
                       "--connect-samples", "0")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("as expected:"), 3, r.stdout)
        self.assertFalse(list(self.tmp.glob("wpbench-pgbench-*")))  # its cluster is gone
        r = run_script("report", "--out", self.tmp / "rep", *runs)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("5 runs pooled", (self.tmp / "rep" / "report.md").read_text())


if __name__ == "__main__":
    unittest.main()
