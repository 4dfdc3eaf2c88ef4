"""Reading wpbench result files: validation, and the cases of one or more runs.

Shared by scripts/validate-result, claims, report, gate and publish. Every problem with an input
file raises InputError with a one-line reason; the scripts print it and exit 2.

Two formats are read. schema_version 2 (results/wpbench-result.schema.json): a case holds its
repetitions, each with a summary, a histogram and, up to config.raw_samples_max, its raw samples
in time order. schema_version 1 (results/wpbench-result.v1.schema.json, the published runs): one
record per case with every raw sample; the file is one repetition. Runs in several files pool all
their repetitions, case by case.
"""
import argparse
import fnmatch
import json
import pathlib
import sys

import jsonschema
import numpy as np

import wphist
import wpstats as st

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMAS = {1: ROOT / "results" / "wpbench-result.v1.schema.json",
           2: ROOT / "results" / "wpbench-result.schema.json"}
SCHEMA_PATH = SCHEMAS[2]
SCHEMA_VERSION = max(SCHEMAS)  # the newest these scripts read


class InputError(Exception):
    """A file that is not a usable wpbench result (one-line message)."""


def _reject_constant(name):
    # Python's json accepts NaN and Infinity; strict JSON (and wpbench) does not.
    raise ValueError(f"{name} is not valid JSON")


_validators = {}


def _schema_validator(version):
    if version not in _validators:
        schema = json.loads(SCHEMAS[version].read_text(encoding="utf-8"))
        _validators[version] = jsonschema.validators.validator_for(schema)(schema)
    return _validators[version]


def _version_problem(version):
    known = " and ".join(str(v) for v in sorted(SCHEMAS))
    found = json.dumps(version)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return f"schema_version is {found}, newer than these scripts read ({known}): update the scripts"
    return f"schema_version is {found}, these scripts read {known}"


def _light(doc):
    """A copy of `doc` without its long arrays (raw samples, histogram buckets), which jsonschema
    would check item by item, slowly; and the arrays, checked by _array_problem instead."""
    arrays, light = [], dict(doc)
    cases = light["cases"] = list(doc.get("cases", [])) if isinstance(doc.get("cases"), list) else doc.get("cases")
    if not isinstance(cases, list):
        return light, arrays
    for i, c in enumerate(cases):
        if not isinstance(c, dict):
            continue
        c = cases[i] = dict(c)
        if isinstance(c.get("samples_ns"), list):  # v1
            arrays.append((f"$.cases[{i}].samples_ns", "samples", c["samples_ns"]))
            c["samples_ns"] = []
        if isinstance(c.get("repetitions"), list):
            reps = c["repetitions"] = list(c["repetitions"])
            for j, r in enumerate(reps):
                if not isinstance(r, dict):
                    continue
                r = reps[j] = dict(r)
                where = f"$.cases[{i}].repetitions[{j}]"
                if isinstance(r.get("samples_ns"), list):
                    arrays.append((f"{where}.samples_ns", "samples", r["samples_ns"]))
                    r["samples_ns"] = []
                h = r.get("histogram")
                if isinstance(h, dict) and isinstance(h.get("buckets"), list):
                    arrays.append((f"{where}.histogram.buckets", "buckets", h["buckets"]))
                    r["histogram"] = {**h, "buckets": []}
    return light, arrays


def _array_problem(where, kind, values):
    """What the schema says of these arrays, checked with numpy: raw samples are integers >= 1;
    histogram buckets are [index, count] pairs of integers, index a valid flat index, count >= 1."""
    if not values:
        return None
    try:
        a = np.asarray(values)
    except (ValueError, OverflowError):
        a = None
    if kind == "buckets" and (a is None or a.ndim != 2 or a.shape[1] != 2):
        return f"at {where}: every bucket must be an [index, count] pair of integers"
    # numpy reads true / false as 1 / 0 in an integer array; the schema does not.
    flat = values if kind == "samples" else [v for pair in values for v in pair]
    if a is None or a.dtype.kind not in "iu" or any(v is True or v is False for v in flat):
        bad = next((k for k, v in enumerate(flat) if isinstance(v, bool) or not isinstance(v, int)), 0)
        if kind == "buckets":
            return f"at {where}[{bad // 2}]: {json.dumps(flat[bad])} is not of type 'integer'"
        return f"at {where}[{bad}]: {json.dumps(flat[bad])} is not of type 'integer'"
    if kind == "samples":
        bad = np.flatnonzero(a < 1)
        if len(bad):
            return f"at {where}[{bad[0]}]: {a[bad[0]]} is less than the minimum of 1"
        return None
    bad = np.flatnonzero((a[:, 0] < 0) | (a[:, 0] >= wphist.COUNTS_LENGTH) | (a[:, 1] < 1))
    if len(bad):
        return f"at {where}[{bad[0]}]: {a[bad[0]].tolist()} is not a flat index below {wphist.COUNTS_LENGTH} with a count >= 1"
    return None


def _consistency_problem(doc):
    """What the schema cannot say about a v2 file: each repetition's histogram holds exactly its
    samples, and its raw samples (when kept) are as many."""
    for c in doc["cases"]:
        for rep in c["repetitions"]:
            where = f"case {c['name']} repetition {rep['repetition']}"
            h = rep["histogram"]
            counted = sum(n for _, n in h["buckets"]) + h["overflow"]
            if counted != h["count"] or h["count"] != rep["samples"]:
                return (f"{where}: histogram counts {counted} samples (count {h['count']}), "
                        f"the repetition says {rep['samples']}")
            if any(prev[0] >= nxt[0] for prev, nxt in zip(h["buckets"], h["buckets"][1:])):
                return f"{where}: histogram buckets are not in ascending index order"
            if rep["samples_ns"] is not None and len(rep["samples_ns"]) != rep["samples"]:
                return f"{where}: {len(rep['samples_ns'])} samples_ns for {rep['samples']} samples"
    return None


def _read(path):
    """(document, None) for a valid result file, else (None, why not)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_reject_constant)
    except (OSError, UnicodeDecodeError) as e:
        return None, f"cannot read: {e.strerror if isinstance(e, OSError) else e}"
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        return None, f"invalid JSON: {e}"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    reason = document_problem(doc)
    return (None, reason) if reason else (doc, None)


def problem(path):
    """Why the file at `path` is not a valid wpbench result, or None if it is one."""
    return _read(path)[1]


def document_problem(doc):
    """Why a parsed document is not a valid wpbench result, or None if it is one."""
    # Checked first so a file from another format gets a plain answer, not a schema diff.
    if not isinstance(doc, dict):
        return "not a JSON object"
    if doc.get("tool") not in (None, "wpbench"):
        return f"written by {json.dumps(doc.get('tool'))}, not wpbench"
    if "schema_version" not in doc:
        return "no schema_version: not a wpbench result file"
    version = doc["schema_version"]
    if isinstance(version, bool) or version not in SCHEMAS:
        return _version_problem(version)
    light, arrays = _light(doc)
    error = jsonschema.exceptions.best_match(_schema_validator(version).iter_errors(light))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return " ".join(f"at ${where}: {error.message}".split())[:300]
    found = next((e for e in (_array_problem(*a) for a in arrays) if e), None)
    if found:
        return found[:300]
    return _consistency_problem(doc) if version >= 2 else None


def load_run(path):
    """The parsed result file; raises InputError naming the file and the problem."""
    doc, reason = _read(path)
    if reason is not None:
        raise InputError(f"{path}: {reason}")
    return doc


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


def repetitions_of(run):
    """Repetitions a run holds: config.repetitions in v2, one for a v1 file."""
    return run["config"].get("repetitions", 1) if run["schema_version"] >= 2 else 1


class Repetition:
    """One repetition of one case: a v2 repetition object, or a whole v1 case record."""

    def __init__(self, obj, run_index, run_id, v2):
        self.run_index = run_index  # which file, in the order given
        self.run_id = run_id
        self.index = obj["repetition"] if v2 else 0  # 0-based, inside its file
        self.position = obj.get("position") if v2 else None
        self.status = obj["status"]
        self.n = obj["samples"] if v2 else len(obj["samples_ns"])
        self.latency = obj["latency_ns"]
        self.elapsed_ns = obj["elapsed_ns"]
        self.cpu_ns = obj.get("cpu_ns")
        self.connect_ns = obj["connect_ns"]
        self.timeseries = obj.get("timeseries") if v2 else None
        self.schedule_lag = obj.get("schedule_lag_ns") if v2 else None
        self._raw = obj["samples_ns"]
        self._histogram = obj.get("histogram") if v2 else None
        self._samples = self._dist = None

    @property
    def key(self):
        """(file, repetition): two cases measured in the same repetition share it."""
        return self.run_index, self.index

    @property
    def time_ordered(self):
        """True when the raw samples were kept, in the order taken; False when only the
        histogram holds them (samples then come out in value order)."""
        return self._raw is not None

    @property
    def samples(self):
        """The latencies (ns, int64 ndarray): in time order when time_ordered, else each
        histogram bucket's representative value, ascending (wphist.expand)."""
        if self._samples is None:
            self._samples = (np.asarray(self._raw, dtype=np.int64) if self._raw is not None
                             else wphist.expand(self._histogram))
        return self._samples

    @property
    def dist(self):
        """(values ascending, counts): what the repetition bootstrap pools."""
        if self._dist is None:
            self._dist = st.dist(self._raw) if self._raw is not None else wphist.to_arrays(self._histogram)
        return self._dist

    @property
    def sum_ns(self):
        return self._histogram["sum"] if self._histogram is not None else int(self.samples.sum())

    def percentile(self, p):
        """This repetition's percentile p: from its summary for the percentiles it holds (exact,
        taken before any sample was dropped), else from its samples."""
        key = {50: "p50", 90: "p90", 99: "p99", 99.9: "p999", 0: "min", 100: "max"}.get(p)
        if key is not None and self.latency.get(key) is not None:
            return self.latency[key]
        return int(st.pooled_percentiles([self.dist], p, [[1]])[0])


class Case:
    """One case pooled over one or more runs: its metadata and all its repetitions."""

    def __init__(self, name, first):
        self.name = name
        self.driver = first["driver"]
        self.variant = first["variant"]
        self.transport = first["transport"]
        self.round_trips = first["round_trips"]
        self.how = first.get("how", "")
        self.loop = first.get("loop", "closed")
        self.records = []  # the case's JSON objects, one per run
        self.run_ids = []  # the run each record came from
        self.run_indices = []  # and that run's place among the files
        self.repetitions = []  # Repetition, in file order then repetition order
        self._samples = None
        self._cache = {}  # statistics already computed, cleared by add()

    def add(self, record, path, run_index, run_id, v2):
        if record["round_trips"] != self.round_trips or record["driver"] != self.driver:
            raise InputError(f"{path}: case {self.name} differs from the same case in another file "
                             f"(round trips {record['round_trips']} vs {self.round_trips}): not the same suite")
        if record.get("loop", "closed") != self.loop:
            raise InputError(f"{path}: case {self.name} ran in an {record.get('loop', 'closed')} loop here and a "
                             f"{self.loop} loop in another file: their latencies do not pool")
        self.records.append(record)
        self.run_ids.append(run_id)
        self.run_indices.append(run_index)
        objs = record["repetitions"] if v2 else [record]
        self.repetitions += [Repetition(o, run_index, run_id, v2) for o in objs]
        self._samples = None
        self._cache = {}

    # -- status ---------------------------------------------------------------------------------

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
    def measured(self):
        """The repetitions that hold samples."""
        return [r for r in self.repetitions if r.n > 0]

    @property
    def count(self):
        """Samples over all repetitions."""
        return sum(r.n for r in self.repetitions)

    @property
    def time_ordered(self):
        """Every repetition kept its raw samples in time order (what time blocks need)."""
        return all(r.time_ordered for r in self.measured)

    # -- pooled statistics ------------------------------------------------------------------------

    @property
    def samples(self):
        """Every latency of every repetition (ns, int64 ndarray), repetition after repetition;
        in time order inside a repetition only when time_ordered."""
        if self._samples is None:
            parts = [r.samples for r in self.measured]
            self._samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._samples

    def percentile(self, p):
        """Nearest-rank percentile p of all repetitions pooled: exact from raw samples, and
        within 0.1 % when a repetition kept only its histogram (as the C++ pooled latency_ns)."""
        if ("p", p) not in self._cache:
            reps = self.measured
            if not reps:
                raise ValueError(f"{self.name}: percentile of no samples")
            self._cache["p", p] = int(st.pooled_percentiles([r.dist for r in reps], p, [[1] * len(reps)])[0])
        return self._cache["p", p]

    @property
    def mean(self):
        reps = self.measured
        return sum(r.sum_ns for r in reps) / sum(r.n for r in reps) if reps else None

    @property
    def rep_p50s(self):
        """Each repetition's p50 (ns), in order."""
        return [r.percentile(50) for r in self.measured]

    @property
    def rep_means(self):
        """Each repetition's mean (ns), in order."""
        return [r.latency["mean"] for r in self.measured]

    @property
    def cv_p50(self):
        """Coefficient of variation of the repetitions' p50 (the file's when it is one file);
        None with fewer than two repetitions."""
        if len(self.records) == 1 and self.records[0].get("cv_p50") is not None:
            return self.records[0]["cv_p50"]
        return st.cv(self.rep_p50s)

    def _from_file_interval(self, stat):
        """The writer's interval of the pooled p50 or mean, when the case is one file's (the
        writer had every raw sample in memory, even those it did not keep)."""
        if len(self.records) != 1 or not self.records[0].get("interval"):
            return None
        iv = self.records[0]["interval"]
        lo, hi = iv[f"{stat}_ns"]
        return {"lo": lo, "hi": hi, "method": iv["method"], "confidence": iv["confidence"]}

    def interval(self, p=50, seed=1):
        """95 % interval of the pooled percentile p: {lo, hi, method, confidence}, or None when
        it cannot be estimated (one repetition that kept only its histogram: blocks of
        consecutive samples need the time order). Bootstrap over repetitions with two or more,
        else block bootstrap over the one repetition's samples."""
        if ("interval", p, seed) not in self._cache:
            self._cache["interval", p, seed] = self._interval(p, seed)
        return self._cache["interval", p, seed]

    def _interval(self, p, seed):
        if p == 50:
            found = self._from_file_interval("p50")
            if found:
                return found
        reps = self.measured
        if len(reps) >= 2:
            lo, hi = st.t_interval([r.percentile(p) for r in reps], self.percentile(p))
            method = "t interval over repetitions"
        elif len(reps) == 1 and reps[0].time_ordered:
            lo, hi = st.percentile_ci(reps[0].samples, p, seed=seed)
            method = "block bootstrap over samples"
        else:
            return None
        return {"lo": lo, "hi": hi, "method": method, "confidence": st.CONFIDENCE}

    def mean_interval(self, seed=1):
        """95 % interval of the pooled mean, as interval()."""
        if ("mean_interval", seed) not in self._cache:
            self._cache["mean_interval", seed] = self._mean_interval(seed)
        return self._cache["mean_interval", seed]

    def _mean_interval(self, seed):
        found = self._from_file_interval("mean")
        if found:
            return found
        reps = self.measured
        if len(reps) >= 2:
            lo, hi = st.t_interval([r.sum_ns / r.n for r in reps], sum(r.sum_ns for r in reps) / sum(r.n for r in reps))
            method = "t interval over repetitions"
        elif len(reps) == 1 and reps[0].time_ordered:
            lo, hi = st.mean_ci(reps[0].samples, seed=seed)
            method = "block bootstrap over samples"
        else:
            return None
        return {"lo": lo, "hi": hi, "method": method, "confidence": st.CONFIDENCE}

    # -- what the writer found ------------------------------------------------------------------

    @property
    def decomposition(self):
        """Where the time goes, when a run measured it (the last file's that has one), else None."""
        return next((r["decomposition"] for r in reversed(self.records) if r.get("decomposition")), None)

    @property
    def noise_warnings(self):
        """The writer's noise warnings, prefixed with the run id when several files pool."""
        out = []
        for rec, run_id in zip(self.records, self.run_ids):
            for w in (rec.get("noise") or {}).get("warnings", []):
                out.append(w if len(self.records) == 1 else f"run {run_id}: {w}")
        return out

    @property
    def schedule_lags(self):
        """Open loop: each repetition's schedule-lag summary (ns), in order."""
        return [r.schedule_lag for r in self.repetitions if r.schedule_lag]


def ratio_interval(num, den, p=50, seed=1):
    """percentile p of `num` over `den`'s with its 95 % interval: {ratio, lo, hi, method}; lo and
    hi are None when no interval can be estimated. Cases measured in the same repetitions (a v2
    file, or v1 files pooled case by case) pair them, so drift that hit both cancels; one
    repetition each uses blocks of consecutive samples, as the single-run scripts always did."""
    ratio = num.percentile(p) / den.percentile(p)
    a, b = num.measured, den.measured
    out = {"ratio": ratio, "lo": None, "hi": None, "method": None}
    if len(a) >= 2 and len(b) >= 2:
        paired = [r.key for r in a] == [r.key for r in b]
        lo, hi = st.t_ratio_interval([r.percentile(p) for r in a], [r.percentile(p) for r in b], ratio, paired)
        method = "paired t interval over repetitions" if paired else "Welch t interval over repetitions"
    elif a and b and num.time_ordered and den.time_ordered:
        lo, hi = st.bootstrap_ratio_ci(num.samples, den.samples, p, seed=seed)
        method = "block bootstrap over samples"
    else:
        return out
    return {**out, "lo": lo, "hi": hi, "method": method}


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
        for i, (path, run) in enumerate(zip(self.paths, docs)):
            seen = set()
            for rec in run["cases"]:
                if rec["name"] in seen:
                    raise InputError(f"{path}: case {rec['name']} appears twice")
                seen.add(rec["name"])
                if rec["name"] not in self.cases:
                    self.cases[rec["name"]] = Case(rec["name"], rec)
                self.cases[rec["name"]].add(rec, path, i, run["run_id"], run["schema_version"] >= 2)

    def match(self, pattern):
        """Cases whose name matches a glob pattern (e.g. libpq/*/unix), in run order."""
        return [c for n, c in self.cases.items() if fnmatch.fnmatchcase(n, pattern)]

    @property
    def context(self):
        return self.runs[0]["context"]

    @property
    def repetitions(self):
        """Repetitions over all files (a v1 file is one)."""
        return sum(repetitions_of(r) for r in self.runs)

    @property
    def order_seeds(self):
        """(run id, order seed) of each v2 file."""
        return [(r["run_id"], r["config"]["order_seed"]) for r in self.runs if r["schema_version"] >= 2]

    @property
    def floors(self):
        """(run id, floors) of each file that measured them."""
        return [(r["run_id"], r["floors"]) for r in self.runs if r.get("floors")]

    @property
    def connect(self):
        """(run id, connection costs) of each file that measured them."""
        return [(r["run_id"], r["connect"]) for r in self.runs if r.get("connect")]

    @property
    def ratios(self):
        """The writer's ratios, when the set is one v2 file (pooled files get theirs computed
        here, over all their repetitions); else None."""
        if len(self.runs) == 1 and self.runs[0]["schema_version"] >= 2:
            return self.runs[0]["ratios"]
        return None

    @property
    def loops(self):
        """The config.loop of each v2 file."""
        return [r["config"]["loop"] for r in self.runs if r["schema_version"] >= 2]

    def describe(self, transport=None):
        """One line of context: host, CPU, the database of `transport` (both when None),
        commit, date, and how many runs and repetitions."""
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
        if self.repetitions > len(self.runs):
            parts.append(f"{self.repetitions} repetitions")
        return "; ".join(parts)
