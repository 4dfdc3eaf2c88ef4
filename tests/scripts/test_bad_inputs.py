"""Every script's inputs, bad in every way a user's files and options can be: each run must end
promptly with the documented exit code and exactly one line on stderr, having read no more than
the scripts' caps allow (wpbench_results.MAX_RESULT_BYTES and MAX_TEXT_BYTES). Each run gets
a memory limit and a timeout, so a script that reads a device or waits on a FIFO fails here
instead of filling the machine's memory or hanging the test."""
import concurrent.futures
import json
import math
import os
import unittest

import fixtures
import wpbench_results as wr
import wphist
import wppublish
import wpstats

MEMORY_LIMIT = 3 << 30  # address space per run: a script that reads without bound hits it
TIMEOUT_S = 60


class BadInputs(fixtures.Scratch):
    def setUp(self):
        super().setUp()
        t = self.tmp
        self.good = fixtures.write(t / "good.json", fixtures.make_run(n=300))
        self.good2 = fixtures.write(t / "good2.json", fixtures.make_run(n=300, seed=2))
        os.mkfifo(t / "fifo.json")
        (t / "empty.json").write_bytes(b"")
        (t / "not.json").write_text("wpbench ran fine\n")
        (t / "list.json").write_text("[1, 2, 3]")
        (t / "v9.json").write_text('{"schema_version": 9, "tool": "wpbench"}')
        (t / "gbench.json").write_text(json.dumps({"context": {"date": "2026-11-24", "num_cpus": 2},
                                                   "benchmarks": [{"name": "BM_Record", "real_time": 3.1}]}))
        (t / "nan.json").write_text('{"schema_version": 2, "tool": "wpbench", "x": NaN}')
        (t / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
        (t / "latin1.json").write_bytes('{"tool": "wpbénch"}'.encode("latin-1"))
        (t / "empty-dir").mkdir()
        with open(t / "huge.json", "wb") as f:  # sparse: one byte above the cap, no disk used
            f.truncate(wr.MAX_RESULT_BYTES + 1)
        (t / "huge-claims.json").write_text(" " * (wr.MAX_TEXT_BYTES + 1) + "{}")
        (t / "out-file").write_text("a file where report wants a directory")
        packed = wr.gzip_bytes(wr.read_bytes(self.good, wr.MAX_RESULT_BYTES))
        (t / "cut.json.gz").write_bytes(packed[: len(packed) // 2])
        (t / "bomb.json.gz").write_bytes(wr.gzip_bytes(b" " * (1 << 20)))  # 1 MiB of spaces in 1 kB
        (t / "surrogate-claims.json").write_text('{"claims": [{"id": "x", "text": "\\udcff"}]}')
        incomplete = fixtures.make_run(n=300)
        incomplete["status"] = "interrupted"
        self.incomplete = fixtures.write(t / "incomplete.json", incomplete)
        for side, seed in (("base", 10), ("cur", 20)):
            (t / side).mkdir()
            for i in range(3):
                fixtures.write(t / side / f"{i}.json", fixtures.make_run(n=300, seed=seed + i, raw=False))
        # A results directory to publish into whose published run's NOTE is a FIFO.
        self.results = t / "results"
        (self.results / "20261124T000000Z").mkdir(parents=True)
        (self.results / "README.md").write_text(f"# runs\n\n{wppublish.BEGIN}\n{wppublish.END}\n")
        fixtures.write(self.results / "20261124T000000Z" / "wpbench.json", fixtures.make_run(n=300))
        os.mkfifo(self.results / "20261124T000000Z" / "NOTE")

    def matrix(self):
        """(script, arguments, environment, exit code, what stderr says)."""
        t, good, good2 = self.tmp, self.good, self.good2
        publish_env = {"WPBENCH_RESULTS_DIR": str(self.results)}
        return [
            ("validate-result", [t / "missing.json"], {}, 2, "cannot read: No such file or directory"),
            ("validate-result", [t / "empty-dir"], {}, 2, "a directory, not a regular file"),
            ("validate-result", ["/dev/zero"], {}, 2, "/dev/zero: a character device, not a regular file"),
            ("validate-result", [t / "fifo.json"], {}, 2, "a FIFO, not a regular file"),
            ("validate-result", [t / "empty.json"], {}, 2, "invalid JSON: Expecting value"),
            ("validate-result", [t / "nan.json"], {}, 2, "invalid JSON: NaN is not valid JSON"),
            ("validate-result", [t / "deep.json"], {}, 2, "invalid JSON: nested too deeply"),
            ("validate-result", [t / "latin1.json"], {}, 2, "cannot read: 'utf-8' codec can't decode"),
            ("validate-result", [good], {"WPBENCH_MAX_RESULT_BYTES": "100"}, 2,
             "more than the 100 (100 bytes) these scripts read (set WPBENCH_MAX_RESULT_BYTES"),
            ("validate-result", [good], {"WPBENCH_MAX_RESULT_BYTES": "lots"}, 2,
             "WPBENCH_MAX_RESULT_BYTES is 'lots', not a positive number of bytes"),
            ("validate-result", [], {}, 2, "usage: validate-result FILE..."),
            ("claims", [t / "not.json"], {}, 2, "invalid JSON"),
            ("claims", ["/dev/zero"], {}, 2, "a character device, not a regular file"),
            ("claims", [t / "gbench.json"], {}, 2, "no schema_version: not a wpbench result file"),
            ("claims", ["--claims", "/dev/zero", good], {}, 2, "not a usable claims file: a character device"),
            ("claims", ["--claims", t / "fifo.json", good], {}, 2, "not a usable claims file: a FIFO"),
            ("claims", ["--claims", t / "huge-claims.json", good], {}, 2,
             f"not a usable claims file: {wr.MAX_TEXT_BYTES + 3} bytes, more than the {wr.MAX_TEXT_BYTES}"),
            ("claims", ["--claims", t / "deep.json", good], {}, 2, "not a usable claims file: invalid JSON: nested"),
            ("claims", ["--claims", t / "surrogate-claims.json", good], {}, 2,
             "not a usable claims file: at $.claims[0].text: a string with a lone surrogate, not Unicode"),
            ("claims", ["--format", "xml", good], {}, 2, "argument --format: invalid choice: 'xml'"),
            ("claims", ["--bogus", good], {}, 2, "unrecognized arguments: --bogus"),
            ("report", ["--out", t / "r", t / "list.json"], {}, 2, "not a JSON object"),
            ("report", ["--out", t / "r", t / "huge.json"], {}, 2,
             f"{wr.MAX_RESULT_BYTES + 1} bytes, more than the {wr.MAX_RESULT_BYTES} (2 GiB) these scripts read"),
            ("report", ["--out", t / "r", t / "empty-dir"], {}, 2,
             "directory holds no *.json or *.json.gz result files"),
            ("validate-result", [t / "cut.json.gz"], {}, 2, "cut.json.gz: cannot read: its gzip stream is cut short"),
            ("claims", [t / "bomb.json.gz"], {"WPBENCH_MAX_RESULT_BYTES": "100000"}, 2,
             "bomb.json.gz: decompresses to more than the 100000 (97.7 KiB) these scripts read"),
            ("report", ["--out", t / "out-file", good], {}, 1, "report: cannot write"),
            ("gate", [good, t / "v9.json"], {}, 2, "schema_version is 9, newer than these scripts read (1, 2 and 3)"),
            ("gate", [good, t / "fifo.json"], {}, 2, "a FIFO, not a regular file"),
            ("gate", [good, good2, "--policy", t / "empty-dir"], {}, 2, "not a usable gate policy: a directory"),
            ("gate", [good, good2, "--alpha", "2"], {}, 2, "--alpha must be in (0, 1)"),
            ("gate", [good, good2, "--blocks", "many"], {}, 2, "argument --blocks: invalid int value: 'many'"),
            ("gate", [good], {}, 2, "expected BASELINE CURRENT, got 1 argument(s)"),
            ("gate", [t / "base", t / "cur"], {}, 2, "kept only its histogram (more samples than --raw-samples)"),
            ("publish", [t / "fifo.json"], publish_env, 2, "a FIFO, not a regular file"),
            ("publish", [self.incomplete], publish_env, 2,
             "status is interrupted; publish complete runs only (--partial publishes it as it is)"),
            ("publish", ["--console", t / "not.json", good], publish_env, 2,
             "not.json: not this run's output: no line of case libpq/prepared/unix with its p50"),
            ("publish", ["--console", t / "fifo.json", good], publish_env, 2, "fifo.json: a FIFO, not a regular file"),
            ("publish", [good], publish_env, 2, "20261124T000000Z/NOTE: a FIFO, not a regular file"),
            ("publish", ["--note", "two\nlines", good], publish_env, 2, "--note must be one line of UTF-8 text"),
            ("publish", ["--note", "not UTF-8: \udcff", good], publish_env, 2, "--note must be one line of UTF-8"),
            ("pgbench-check", ["--rounds", "0"], {}, 2, "--rounds and --transactions must be at least 1"),
            ("gate-check", ["--instructions", "-1"], {}, 2, "--instructions must be 0 or more"),
            ("gate-check", ["--wpbench", t / "no-such-binary"], {}, 2, "not found (build wpbench"),
            ("precision", [t / "fifo.json"], {}, 2, "a FIFO, not a regular file"),
            ("merge", [good, "-o", t / "merged.json"], {}, 2, "needs two or more runs to merge, got 1"),
            ("merge", [good, t / "fifo.json", "-o", t / "merged.json"], {}, 2, "a FIFO, not a regular file"),
            ("merge", ["/dev/zero", good, "-o", t / "merged.json"], {}, 2, "a character device, not a regular file"),
            ("merge", [good, good2], {}, 2, "the following arguments are required: -o/--out"),
            ("merge", [good, good2, "-o", t / "merged.json"], {}, 2, "its own throwaway server"),
            ("merge", [good, good2, "-o", t / "not.json"], {}, 2, "exists and is not a file wpbench wrote"),
        ]

    def test_each_bad_input_is_one_line_with_its_exit_code(self):
        rows = self.matrix()
        self.assertGreaterEqual(len(rows), 15)

        def run(row):
            script, args, env, _, _ = row
            try:
                return fixtures.run_script(script, *args, env=env, timeout=TIMEOUT_S, memory_limit=MEMORY_LIMIT)
            except Exception as e:  # a hang past the timeout, most likely: that row fails
                return e

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(run, rows))
        for (script, args, env, code, needle), r in zip(rows, results):
            with self.subTest(script=script, args=[str(a) for a in args], env=env):
                self.assertNotIsInstance(r, Exception)
                self.assertNotIn("Traceback", r.stderr)
                self.assert_one_line_error(r, code, needle)
        # Nothing was published into the results directory that had a broken run in it.
        self.assertEqual(sorted(p.name for p in self.results.iterdir()), ["20261124T000000Z", "README.md"])

    def test_a_file_that_grows_past_its_size_is_cut_at_the_cap(self):
        # /proc files say they are empty and then read on; the cap holds on what is read.
        with self.assertRaisesRegex(wr.InputError, "more than the 10 "):
            wr.read_bytes("/proc/self/maps", limit=10)
        size = os.path.getsize(self.good)
        self.assertEqual(len(wr.read_bytes(self.good, limit=size)), size)


class BadDocuments(fixtures.Scratch):
    """Results that are valid JSON and pass the schema but that no harness wrote, each of which
    made a script crash (found by tests/scripts/fuzz_readers.py and by reading what the scripts
    compute from): now one line naming the place, or a normal run."""

    def problem(self, change, **kw):
        run = fixtures.make_run(n=300, reps=2, **kw)
        change(run)
        return wr.document_problem(run)

    def test_refused_with_the_place_named(self):
        rep = lambda run: run["cases"][0]["repetitions"][1]  # noqa: E731
        for change, needle in (
                (lambda run: run.update(schema_version=[2]), "schema_version is [2], these scripts read 1, 2 and 3"),
                (lambda run: run.update(schema_version={"v": 2}), 'schema_version is {"v": 2}'),
                (lambda run: rep(run)["samples_ns"].__setitem__(5, 2**63),
                 "samples_ns[5]: 9223372036854775808 is not an integer below 2^63"),
                (lambda run: rep(run).update(elapsed_ns=10**400),
                 "at $.cases[0].repetitions[1].elapsed_ns: 1000000000000000000000000000000000000000 is beyond"),
                (lambda run: rep(run)["timeseries"]["max_ns"].pop(),
                 "case libpq/prepared/unix repetition 1: timeseries count, mean_ns and max_ns differ in length"),
                (lambda run: rep(run)["histogram"].update(min=rep(run)["histogram"]["min"] + 100_000),
                 "case libpq/prepared/unix repetition 1: histogram min "),
                (lambda run: rep(run)["histogram"].update(sum=1e300),
                 "case libpq/prepared/unix repetition 1: histogram sum 1e+300 is not between"),
                (lambda run: run["context"]["host"].update(hostname="\udcff"),
                 "at $.context.host.hostname: a string with a lone surrogate, not Unicode"),
                (lambda run: rep(run)["histogram"].update(m2=1e30),
                 "case libpq/prepared/unix repetition 1: histogram m2 1e+30 is more than")):
            with self.subTest(needle=needle):
                self.assertIn(needle, self.problem(change) or "")

    def test_a_histogram_of_billions_of_samples_is_read_without_expanding_it(self):
        # A repetition that kept only its histogram may hold any number of samples; claims and
        # report once made an array of one entry per sample (150 GiB here) and died of it.
        run = fixtures.make_run(n=200, reps=2, raw=False, cases={"libpq/tx/unix": (3, 440_000)})
        for rep in run["cases"][0]["repetitions"]:
            h = rep["histogram"]
            for b in h["buckets"]:
                b[1] *= 10**8
            h["count"], h["sum"], h["m2"] = h["count"] * 10**8, h["sum"] * 10**8, h["m2"] * 10**8
            rep["samples"] = h["count"]
            rep["timeseries"]["count"] = [c * 10**8 for c in rep["timeseries"]["count"]]
            rep["latency_ns"] = fixtures.histogram_summary(h)
        case = run["cases"][0]  # pooled as the harness pools: its repetitions' histograms merged
        case["latency_ns"] = fixtures.histogram_summary(wphist.merge(r["histogram"] for r in case["repetitions"]))
        case["samples"] = sum(r["samples"] for r in case["repetitions"])
        path = fixtures.write(self.tmp / "billions.json", run)
        for script, args in (("claims", [path]), ("report", ["--out", self.tmp / "r", path])):
            r = fixtures.run_script(script, *args, timeout=TIMEOUT_S, memory_limit=MEMORY_LIMIT)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_file_name_that_is_not_utf8_is_reported_escaped(self):
        # Undecodable bytes in a path reach the report and stdout as surrogates, which a UTF-8
        # terminal or file refuses; they come out escaped instead.
        path = os.fsdecode(os.fsencode(str(self.tmp)) + b"/run-\xff.json")
        fixtures.write(path, fixtures.make_run(n=300))
        r = fixtures.run_script("report", "--out", self.tmp / "r", path, env={"PYTHONIOENCODING": "utf-8:strict"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("run-\\udcff.json", (self.tmp / "r" / "report.md").read_text())

    def test_the_gate_takes_any_count_of_repetitions_promptly(self):
        # 1 / C(n1 + n2, n1) as an exact integer never finished for a file that claimed 2^31 - 1
        # repetitions a side; in logs it is instant, and exact where it matters.
        sides = []
        for seed in (1, 2):
            run = fixtures.make_run(n=300, seed=seed)
            run["config"]["repetitions"] = 2**31 - 1
            sides.append(fixtures.write(self.tmp / f"{seed}.json", run))
        r = fixtures.run_script("gate", *sides, timeout=TIMEOUT_S)  # first: in this process it could hang
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(wpstats.smallest_u_p_value(7, 7), 1 / 3432)
        self.assertEqual(wpstats.smallest_u_p_value(2**31 - 1, 2**31 - 1), 0.0)
        self.assertAlmostEqual(wpstats.smallest_u_p_value(1000, 3) * math.comb(1003, 3), 1.0, places=9)



class MissingModules(fixtures.Scratch):
    """Without a module the scripts cannot do without (the package of wpbench recommends numpy
    and jsonschema), a script says which package to install, in one line, and exits 2: no
    verdict. Each module is hidden by one of the same name that is not there. (scipy and
    matplotlib, only suggested, are optional: test_scripts' Gate and ReportAndPublish run the
    gate and the report without them.)"""

    def test_each_missing_module_is_one_line_naming_its_package(self):
        base, current = self.fixture("base.json"), self.fixture("current.json", seed=2,
                                                                 slow={"libpq/tx/unix": 1.5})
        for script, args, module in [("validate-result", ["--help"], "numpy"), ("claims", ["--help"], "jsonschema"),
                                     ("gate", [base, current], "numpy")]:
            with self.subTest(script=script, module=module):
                hide = self.tmp / f"without-{module}-{script}"
                hide.mkdir()
                (hide / f"{module}.py").write_text(
                    f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n")
                r = fixtures.run_script(script, *args, env={"PYTHONPATH": str(hide)}, timeout=TIMEOUT_S)
                self.assert_one_line_error(r, 2, f"{script}: python module {module} is missing (apt-get install ")
                self.assertIn(f" python3-{module}", r.stderr)


if __name__ == "__main__":
    unittest.main()
