"""Fuzzing of the result readers: seeds from real runs (the published results/*/wpbench.json,
a few cases each) and from the fixtures, mutated structurally (keys dropped, types changed,
huge, negative and non-finite numbers, lists cut or grown, deep nesting, truncated or broken
bytes), fed to validate-result, claims, gate, report and publish, in-process for speed and a
few through the command line. Whatever the input, a script must end with exit 0 (1 for a gate
that found a regression) or 2 with exactly one line on stderr: no traceback.

Hypothesis draws the mutations, derandomized and without an example database, so every CI run
tries the same inputs; max_examples bounds the time (about a minute in all). Its own CTest
entry, scripts_fuzz, runs this module (unittest discover -p 'fuzz_*.py')."""
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import random
import unittest

from hypothesis import HealthCheck, given, settings, strategies as hs

import fixtures
import wpbench_results as wr
import wpclaims
import wpgate
import wppublish
import wpreport

# The cases a seed keeps of a published run: a claim's case and its baseline, and SQLite.
KEEP = ("libpq/tx/unix", "libpqxx/work/unix", "sqlite3/prepared/file")
# Values a mutation puts in place of what was there: every JSON type, the edges of the integers
# the harness writes, numbers no latency can be, and strings the readers look for.
VALUES = [None, True, False, 0, -1, 1, 2, 2047, 2048, 28671, 28672, 2**31, 2**37, 2**53 + 1, 2**63 - 1, 2**63,
          2**64, -2**63 - 1, 10**30, 10**400, 0.5, -0.0, 1e-300, 1e308, -1e308, 5e-324, float("nan"),
          float("inf"), float("-inf"), "", "x", "ok", "failed", "unix", "closed", "open", "p50", "hdr-log-linear-v1",
          "NaN", "\u0000", "\udcff", [], {}, [0], [[0, 1]], [[28671, 2**62], [28671, 2**62]], {"x": 1}, [None]]
DEEP = "\u0001deep\u0001"  # stands for deep nesting, too deep to build as objects: put in as text
EXIT = {"validate-result": {0, 2}, "claims": {0, 2}, "report": {0, 2}, "publish": {0, 2}, "gate": {0, 1, 2}}


def trimmed(doc, keep=KEEP):
    """A published run cut to a few cases (the first two when it has none of `keep`): a smaller
    run as the same code wrote it."""
    names = [c["name"] for c in doc["cases"] if c["name"] in keep] or [c["name"] for c in doc["cases"][:2]]
    doc = dict(doc, cases=[c for c in doc["cases"] if c["name"] in names])
    cfg = doc["config"] = dict(doc["config"], cases=[n for n in doc["config"]["cases"] if n in names])
    if "order" in cfg:
        cfg["order"] = [[n for n in rep if n in names] for rep in cfg["order"]]
    if doc.get("ratios"):
        doc["ratios"] = [r for r in doc["ratios"] if r["numerator"] in names and r["denominator"] in names]
    return doc


def seeds():
    """(name, JSON text) of every seed: each published run, trimmed, and fixtures of both formats
    with raw samples, histograms only, an open loop, a case not measured and one that failed."""
    out = []
    for path, doc in fixtures.published_runs().items():
        out.append((path.parent.name, trimmed(doc)))
    small = dict(cases={k: fixtures.DEFAULT_CASES[k] for k in KEEP}, n=200)
    out += [("v2", fixtures.make_run(reps=2, **small)),
            ("v2-histograms", fixtures.make_run(reps=2, raw=False, **small)),
            ("v2-open-failed", fixtures.make_run(open_loop=True, fail=("libpq/tx/unix",), measured_floors=False,
                                                 not_measured=("sqlite3/prepared/file",), **small)),
            ("v1", fixtures.make_run(version=1, **small))]
    return [(name, json.dumps(doc)) for name, doc in out]


SEEDS = seeds()


def _paths(node, path=()):
    """Every path into `node`, except into the middle of long arrays (raw samples, buckets):
    their first, second and last items stand for them, so a change lands on any field about as
    often, not nearly always on a sample."""
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    items = list(items)
    if len(items) > 8:
        items = items[:2] + items[-1:]
    for key, child in items:
        yield from _paths(child, path + (key,))


def _pick(doc, choose):
    """A path to a node of `doc`, any of _paths() alike."""
    paths = list(_paths(doc))
    return list(paths[choose(len(paths))])


def _at(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def _same_kind(a, b):
    return type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                  and not isinstance(a, bool) and not isinstance(b, bool))


def _plausible(node, doc, choose):
    """A value of the node's own JSON type, as a careless edit or another writer might leave:
    a number moved a little or a lot, a list cut, grown or reordered, or another value of the
    same type from elsewhere in the document."""
    op = choose(3)
    if op == 0 and isinstance(node, (int, float)) and not isinstance(node, bool):
        if isinstance(node, float):
            return [node + 1, node - 1, node * 2, node / 2, 0.0, node * 1000, -node, 1e308, 5e-324][choose(9)]
        return [node + 1, node - 1, node * 2, node // 2, 0, node * 1000, 2**63 - 1, 2**64 - 1, 10**400][choose(9)]
    if op == 1 and isinstance(node, list) and node:
        k = choose(len(node))
        return [node[:k], node[:k] + node[k + 1:], node + [node[k]], node[::-1], node[k:] + node[:k]][choose(5)]
    other = _at(doc, _pick(doc, choose))
    return json.loads(json.dumps(other)) if _same_kind(other, node) else node


def _rough(node, doc, choose):
    """Anything: a value of another type, the node wrapped or turned to text, nesting too deep to
    build as objects, a copy of any other node."""
    if isinstance(node, dict) and choose(4) == 0:
        return {**node, "extra": VALUES[choose(len(VALUES))]}
    return [lambda: VALUES[choose(len(VALUES))], lambda: [node], lambda: str(node)[:40], lambda: DEEP,
            lambda: json.loads(json.dumps(_at(doc, _pick(doc, choose))))][choose(5)]()


def mutate(text, choose):
    """`text` (a result's JSON) with one or two changes, half the time of its own types only
    (so more of them get past the schema to the statistics), and one time in six a change to
    its bytes; `choose(n)` picks a number in [0, n), so a seeded random.Random and Hypothesis
    drive the same mutations."""
    doc = json.loads(text)
    change = _plausible if choose(2) else _rough
    for _ in range(1 + choose(2)):
        path = _pick(doc, choose)
        if path and choose(5) == 0:
            del _at(doc, path[:-1])[path[-1]]
        elif path:
            _at(doc, path[:-1])[path[-1]] = change(_at(doc, path), doc, choose)
        else:
            doc = change(doc, doc, choose)
    depth = [500, 100_000][choose(2)]  # one a parser takes, one it refuses
    data = json.dumps(doc).replace(json.dumps(DEEP), "[" * depth + "]" * depth).encode()
    op, cut = choose(18), choose(len(data) + 1)
    return data if op > 3 else [data[:cut], data[:cut] + b"\xff" + data[cut + 1:], data[:cut] + b"NaN" + data[cut:],
                                data[:cut] + b"{" * 50_000 + data[cut:]][op]


def _load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


validate_result = _load("validate_result", fixtures.SCRIPTS / "validate-result")
MAINS = {"validate-result": validate_result.main, "claims": wpclaims.main, "gate": wpgate.main,
         "report": wpreport.main, "publish": wppublish.main}


def run_main(script, *args):
    """A script's main() in this process: (exit code, stdout, stderr). Its output is encoded as
    a UTF-8 terminal would take it (strictly), so text that no terminal can print fails here."""
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=e) for e in ("strict", "backslashreplace"))
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = MAINS[script]([script, *map(str, args)])
        except SystemExit as e:  # argparse's usage errors
            code = e.code
    out.flush(), err.flush()
    return code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()


def fuzz_settings(examples):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
                    suppress_health_check=list(HealthCheck))


class Fuzz(fixtures.Scratch):
    def setUp(self):
        super().setUp()
        self.seed_paths = {}
        for name, text in SEEDS:
            self.seed_paths[name] = fixtures.write(self.tmp / f"seed-{name}.json", json.loads(text))
        self.results = self.tmp / "results"  # where publish writes, not the repository's results/
        self.results.mkdir()
        (self.results / "README.md").write_text(f"# runs\n\n{wppublish.BEGIN}\n{wppublish.END}\n")

    def assert_clean(self, script, code, err, what):
        self.assertIn(code, EXIT[script], f"{script} on {what}: exit {code}: {err}")
        self.assertNotIn("Traceback", err, f"{script} on {what}")
        if code == 2:
            self.assertEqual(err.count("\n"), 1, f"{script} on {what}: {err}")
            self.assertTrue(err.endswith("\n"), f"{script} on {what}: {err}")

    def mutant(self, data):
        """(seed name, path of a mutated copy) from Hypothesis' draws."""
        name, text = SEEDS[data.draw(hs.integers(0, len(SEEDS) - 1), label="seed")]
        path = self.tmp / "mutant.json"
        path.write_bytes(mutate(text, lambda n: data.draw(hs.integers(0, n - 1)) if n > 1 else 0))
        return name, path

    def test_seeds_are_valid_results(self):
        # Otherwise the mutations would start from files every reader refuses anyway.
        for name, path in self.seed_paths.items():
            self.assertIsNone(wr.problem(path), name)

    @fuzz_settings(400)
    @given(hs.data())
    def test_validate_result(self, data):
        _, path = self.mutant(data)
        code, _, err = run_main("validate-result", path)
        self.assert_clean("validate-result", code, err, path.read_bytes()[:300])

    @fuzz_settings(150)
    @given(hs.data())
    def test_claims(self, data):
        _, path = self.mutant(data)
        fmt = data.draw(hs.sampled_from(["text", "json", "markdown"]))
        code, _, err = run_main("claims", "--format", fmt, path)
        self.assert_clean("claims", code, err, path.read_bytes()[:300])

    @fuzz_settings(150)
    @given(hs.data())
    def test_gate(self, data):
        name, path = self.mutant(data)
        if data.draw(hs.booleans(), label="ratios only"):
            code, _, err = run_main("gate", "--ratios-only", path)
        else:
            code, _, err = run_main("gate", "--alpha", "0.5", self.seed_paths[name], path)
        self.assert_clean("gate", code, err, path.read_bytes()[:300])

    @fuzz_settings(20)
    @given(hs.data())
    def test_report(self, data):
        _, path = self.mutant(data)
        code, _, err = run_main("report", "--out", self.tmp / "report", path)
        self.assert_clean("report", code, err, path.read_bytes()[:300])

    @fuzz_settings(10)
    @given(hs.data())
    def test_publish(self, data):
        _, path = self.mutant(data)
        saved, wppublish.RESULTS = wppublish.RESULTS, self.results
        try:
            code, _, err = run_main("publish", path)
        finally:
            wppublish.RESULTS = saved
        self.assert_clean("publish", code, err, path.read_bytes()[:300])

    def test_through_the_command_line(self):
        # A few mutants as a user would hit them: a real process, its real exit code and stderr.
        rng = random.Random(8)
        for i, script in enumerate(["validate-result", "claims", "gate", "report", "validate-result", "claims"]):
            name, text = SEEDS[i % len(SEEDS)]
            path = self.tmp / f"cli-{i}.json"
            path.write_bytes(mutate(text, rng.randrange))
            args = {"gate": ["--ratios-only", path], "report": ["--out", self.tmp / "cli-report", path]}
            r = fixtures.run_script(script, *args.get(script, [path]), timeout=120)
            self.assert_clean(script, r.returncode, r.stderr, f"{name} mutant {i}")


if __name__ == "__main__":
    unittest.main()
