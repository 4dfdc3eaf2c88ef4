"""Reading wpbench result files: validation, and the cases of one or more runs.

Shared by scripts/validate-result, claims, report, gate and publish. Every problem with an input
file raises InputError with a one-line reason; the scripts print it and exit 2.
"""
import argparse
import fnmatch
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "results" / "wpbench-result.schema.json"
SCHEMA_VERSION = 1


class InputError(Exception):
    """A file that is not a usable wpbench result (one-line message)."""


def _reject_constant(name):
    # Python's json accepts NaN and Infinity; strict JSON (and wpbench) does not.
    raise ValueError(f"{name} is not valid JSON")


_validator = None


def _schema_validator():
    global _validator
    if _validator is None:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        _validator = jsonschema.validators.validator_for(schema)(schema)
    return _validator


def problem(path):
    """Why the file at `path` is not a valid wpbench result, or None if it is one."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_reject_constant)
    except (OSError, UnicodeDecodeError) as e:
        return f"cannot read: {e.strerror if isinstance(e, OSError) else e}"
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        return f"invalid JSON: {e}"
    except RecursionError:
        return "invalid JSON: nested too deeply"
    # Checked first so a file from another format gets a plain answer, not a schema diff.
    if not isinstance(doc, dict):
        return "not a JSON object"
    if doc.get("tool") not in (None, "wpbench"):
        return f"written by {json.dumps(doc.get('tool'))}, not wpbench"
    if "schema_version" not in doc:
        return "no schema_version: not a wpbench result file"
    if doc["schema_version"] != SCHEMA_VERSION:
        found = json.dumps(doc["schema_version"])
        return f"schema_version is {found}, these scripts read {SCHEMA_VERSION}"
    error = jsonschema.exceptions.best_match(_schema_validator().iter_errors(doc))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return " ".join(f"at ${where}: {error.message}".split())[:300]


def load_run(path):
    """The parsed result file; raises InputError naming the file and the problem."""
    reason = problem(path)
    if reason is not None:
        raise InputError(f"{path}: {reason}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def expand_paths(args):
    """Files named directly, plus the *.json files of named directories (sorted)."""
    files = []
    for a in args:
        p = pathlib.Path(a)
        if p.is_dir():
            found = sorted(str(x) for x in p.glob("*.json"))
            if not found:
                raise InputError(f"{a}: directory holds no *.json result files")
            files.extend(found)
        else:
            files.append(a)
    return files


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr and exit 2, like every other error."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def machine(run):
    """What must match for runs to be pooled: the same host and CPU."""
    h = run["context"]["host"]
    return (h.get("hostname"), h.get("cpu_model"), h.get("logical_cpus"))


class Case:
    """One case pooled over one or more runs: its metadata and its repetitions' samples."""

    def __init__(self, name, first):
        self.name = name
        self.driver = first["driver"]
        self.variant = first["variant"]
        self.transport = first["transport"]
        self.round_trips = first["round_trips"]
        self.how = first.get("how", "")
        self.records = []  # the case's JSON objects, one per run
        self.repetitions = []  # lists of latency samples (ns), one per run

    def add(self, record, path):
        if record["round_trips"] != self.round_trips or record["driver"] != self.driver:
            raise InputError(f"{path}: case {self.name} differs from the same case in another file "
                             f"(round trips {record['round_trips']} vs {self.round_trips}): not the same suite")
        self.records.append(record)
        self.repetitions.append(list(record["samples_ns"]))  # one run, one repetition

    @property
    def samples(self):
        return [s for rep in self.repetitions for s in rep]

    @property
    def ok(self):
        return all(r["status"] == "ok" for r in self.records)

    @property
    def first_error(self):
        """Why the case did not count: the first non-ok record's error (or its status)."""
        return next((r.get("error") or r["status"] for r in self.records if r["status"] != "ok"), None)

    @property
    def durable(self):
        return all(r.get("durable", True) for r in self.records)

    @property
    def decomposition(self):
        """Where the time goes, when the run measured it (else None)."""
        return self.records[-1].get("decomposition")


class RunSet:
    """One or more result files read together; cases with the same name are pooled."""

    def __init__(self, paths, same_machine=True):
        self.paths = expand_paths(paths)
        if not self.paths:
            raise InputError("no result files given")
        self._pool([load_run(p) for p in self.paths], same_machine)

    @classmethod
    def from_documents(cls, docs, same_machine=True):
        """Runs already parsed (and trusted): for tests of fields a later format adds."""
        runs = cls.__new__(cls)
        runs.paths = [f"<document {i}>" for i in range(len(docs))]
        runs._pool(docs, same_machine)
        return runs

    def _pool(self, docs, same_machine):
        self.runs = docs
        if same_machine and len({machine(r) for r in docs}) > 1:
            raise InputError("the files come from different machines, whose latencies cannot be pooled: "
                             + ", ".join(sorted({str(machine(r)[0]) for r in docs})))
        self.cases = {}
        for path, run in zip(self.paths, docs):
            seen = set()
            for rec in run["cases"]:
                if rec["name"] in seen:
                    raise InputError(f"{path}: case {rec['name']} appears twice")
                seen.add(rec["name"])
                if rec["name"] not in self.cases:
                    self.cases[rec["name"]] = Case(rec["name"], rec)
                self.cases[rec["name"]].add(rec, path)

    def match(self, pattern):
        """Cases whose name matches a glob pattern (e.g. libpq/*/unix), in run order."""
        return [c for n, c in self.cases.items() if fnmatch.fnmatchcase(n, pattern)]

    @property
    def context(self):
        return self.runs[0]["context"]

    def describe(self, transport=None):
        """One line of context: host, CPU, the database of `transport` (both when None),
        commit, date, and how many runs."""
        ctx = self.context
        srv, sq = ctx["server"], ctx["sqlite"]
        parts = [
            ctx["host"].get("hostname", "?"),
            f"{ctx['host'].get('cpu_model', '?')} x{ctx['host'].get('logical_cpus', '?')}",
            ctx["host"].get("kernel", "?"),
        ]
        if transport == "file" and sq.get("dir"):
            parts.append(f"SQLite {sq.get('version', '')} journal_mode={sq['journal_mode']} "
                         f"synchronous={sq['synchronous']} on {sq['filesystem']}")
        elif srv.get("version"):
            s = srv["settings"]
            parts.append(
                f"PostgreSQL {srv['version'].split()[0]} ({srv['mode']}, "
                f"synchronous_commit={s.get('synchronous_commit')}, fsync={s.get('fsync')})"
            )
        parts.append(f"commit {ctx['build'].get('git_commit', '?')}")
        parts.append(ctx["timestamp_utc"])
        if len(self.runs) > 1:
            parts.append(f"{len(self.runs)} runs pooled")
        return "; ".join(parts)
