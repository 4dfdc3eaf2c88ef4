"""Reading wpbench result files: validation, and the cases of one or more runs.

Shared by scripts/validate-result, claims, report, gate and publish. Every problem with an input
file raises InputError with a one-line reason; the scripts print it and exit 2.
"""
import fnmatch
import json
import pathlib

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
        self.repetitions = []  # lists of latency samples (ns), one per run or repetition

    def add(self, record):
        self.records.append(record)
        # A later format may split a case into interleaved repetitions; a run is one otherwise.
        if "repetitions" in record:
            for rep in record["repetitions"]:
                self.repetitions.append(list(rep["samples_ns"]))
        else:
            self.repetitions.append(list(record["samples_ns"]))

    @property
    def samples(self):
        return [s for rep in self.repetitions for s in rep]

    @property
    def ok(self):
        return all(r["status"] == "ok" for r in self.records)

    @property
    def durable(self):
        return all(r.get("durable", True) for r in self.records)

    @property
    def decomposition(self):
        """Where the time goes, when the run measured it (else None)."""
        return self.records[-1].get("decomposition")


class RunSet:
    """One or more result files read together; cases with the same name are pooled."""

    def __init__(self, paths):
        self.paths = expand_paths(paths)
        if not self.paths:
            raise InputError("no result files given")
        self.runs = [load_run(p) for p in self.paths]
        self.cases = {}
        for run in self.runs:
            for rec in run["cases"]:
                if rec["name"] not in self.cases:
                    self.cases[rec["name"]] = Case(rec["name"], rec)
                self.cases[rec["name"]].add(rec)

    def match(self, pattern):
        """Cases whose name matches a glob pattern (e.g. libpq/*/unix), in run order."""
        return [c for n, c in self.cases.items() if fnmatch.fnmatchcase(n, pattern)]

    @property
    def context(self):
        return self.runs[0]["context"]

    def describe(self):
        """One line of context: host, CPU, server, commit, date, and how many runs."""
        ctx = self.context
        srv = ctx["server"]
        parts = [
            ctx["host"].get("hostname", "?"),
            f"{ctx['host'].get('cpu_model', '?')} x{ctx['host'].get('logical_cpus', '?')}",
            ctx["host"].get("kernel", "?"),
        ]
        if srv.get("version"):
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
