"""Reading wpbench result files: validation, and the cases of one or more runs.

Shared by scripts/validate-result, claims, report, gate, precision and publish. Every problem
with an input file raises InputError with a one-line reason; the scripts print it and exit 2.
A result file may be gzip-compressed (told by its first bytes, not its name): every script reads
it as the JSON it holds.

Three formats are read. schema_version 3 (results/wpbench-result.schema.json) is 2 with what
depends on the transport keyed by transport name: context.transports carries the transport table's
rows the run used (title, auth, target), which older files leave to LEGACY_TRANSPORTS here.
schema_version 2 (results/wpbench-result.v2.schema.json): a case holds its
repetitions, each with a summary, a histogram and, up to config.raw_samples_max, its raw samples
in time order. schema_version 1 (results/wpbench-result.v1.schema.json, the published runs): one
record per case with every raw sample; the file is one repetition. Runs in several files pool all
their repetitions, case by case.

Where a statistic comes from: one rule, the same for every script.
  - A case read from one file (every repetition it has is that file's) takes every figure the
    file carries from the file, as the harness wrote it: its pooled latency (latency_ns: p50,
    p90, p99, p99.9, min, max, mean), throughput, the intervals of its p50, mean, p90, p99 and
    p99.9 (interval), cv_p50, and its p50 and p99 ratios to the fastest case of its transport with
    each ratio's interval and difference (the file's ratios, matched by numerator, denominator
    and stat), null included: where the harness wrote no interval (one repetition with too few
    raw samples for that statistic, or only its histogram; a ratio from one repetition), there is
    none, and the scripts do not make one up.
  - Everything else is computed here, through wpstats (and wphist for histograms): any statistic
    of a case pooled over several files, and what a file does not carry (the tail intervals and
    p99 ratios of files written before the harness wrote them; a ratio of two cases other than
    to the fastest, or of another percentile; a v1 file's intervals). Intervals: a t interval
    over the repetitions with two or more, else a block bootstrap over the one repetition's raw
    samples in time order (for a percentile p, with wpstats.min_samples(p) of them, as the
    harness), else none.
Every interval says which it is: {"lo", "hi", "method", "confidence", "source"}, source
"wpbench" (read from the file) or "scripts" (computed here); the report and claims tables name
the source next to the method wherever they show an interval.
"""
import argparse
import fnmatch
import gzip
import io
import json
import os
import pathlib
import shutil
import stat
import sys
import zlib

import jsonschema
import numpy as np

import wphist
import wpstats as st

ROOT = pathlib.Path(__file__).resolve().parent.parent
# A checkout has its CMakeLists.txt at ROOT. The Debian package (packaging/CMakeLists.txt) lays
# out scripts/ and the schemas in results/ alike under /usr/share/wpbench, with wpbench itself in
# /usr/bin and nothing to write to under ROOT.
INSTALLED = not (ROOT / "CMakeLists.txt").is_file()
SCHEMAS = {1: ROOT / "results" / "wpbench-result.v1.schema.json",
           2: ROOT / "results" / "wpbench-result.v2.schema.json",
           3: ROOT / "results" / "wpbench-result.schema.json"}
SCHEMA_PATH = SCHEMAS[3]
SCHEMA_VERSION = max(SCHEMAS)  # the newest these scripts read


class InputError(Exception):
    """A file that is not a usable wpbench result (one-line message)."""


# The most a script reads of one result file, so that a path to /dev/zero or a runaway file is
# refused at once instead of filling memory. A result's size is its raw samples, about 7 bytes
# each (12 with the v2 histograms): a full suite of 33 cases at the default --raw-samples (100000
# per case and repetition) and 5 repetitions is about 130 MB, so 2 GiB leaves room for raising
# --raw-samples or --repetitions fifteenfold. Python holds such a file in about five times its
# size. WPBENCH_MAX_RESULT_BYTES overrides it (bytes), for a larger file or a smaller machine.
MAX_RESULT_BYTES = 2 << 30
MAX_RESULT_ENV = "WPBENCH_MAX_RESULT_BYTES"
# The most a script reads of the other files, all written by hand or by these scripts
# (claims.json, gate-policy.json, results/README.md, a published run's NOTE).
MAX_TEXT_BYTES = 1 << 20

_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))


def result_limit():
    """MAX_RESULT_BYTES, or what WPBENCH_MAX_RESULT_BYTES says; InputError when that is not a
    positive integer."""
    text = os.environ.get(MAX_RESULT_ENV)
    if text is None:
        return MAX_RESULT_BYTES
    if not text.strip().isdigit() or int(text) < 1:
        raise InputError(f"{MAX_RESULT_ENV} is {text!r}, not a positive number of bytes")
    return int(text)


def _size_text(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def _check_regular(mode, size, limit, hint):
    if not stat.S_ISREG(mode):
        kind = next((what for test, what in _FILE_KINDS if test(mode)), "a special file")
        raise InputError(f"{kind}, not a regular file")
    if size > limit:
        raise InputError(f"{size} bytes, more than the {limit} ({_size_text(limit)}) these scripts read{hint}")


def read_bytes(path, limit=MAX_TEXT_BYTES, hint=""):
    """The contents of the regular file at `path`, at most `limit` bytes. Raises InputError with
    the reason alone (callers name the file) for a directory, device, FIFO or socket (never read,
    so neither endless nor blocking), a larger file (`hint` ends that message), or one that
    cannot be read."""
    try:
        _check_regular(os.stat(path).st_mode, 0, limit, hint)
        # O_NONBLOCK: should the path have become a FIFO since, opening it must not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            _check_regular(info.st_mode, info.st_size, limit, hint)
            data = f.read(limit + 1)  # a file that grows (or /proc's, of size 0) stops here
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}")
    _check_regular(stat.S_IFREG, len(data), limit, hint)
    return data


# A result may be stored gzip-compressed (published runs are: results/<run-id>/wpbench.json.gz);
# it is told by these first two bytes, whatever its name, and read as if it were not.
GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data, limit, hint=""):
    """`data`, or when it starts with gzip's magic bytes, what it decompresses to (every member
    of the stream), at most `limit` bytes of it: a small file that would inflate past the cap is
    refused after `limit` bytes, as a large one is before reading. InputError (the reason alone)
    for a stream that is cut short, corrupt or followed by other bytes."""
    if data[:2] != GZIP_MAGIC:
        return data
    out, rest = bytearray(), data
    try:
        while rest:
            if rest[:2] != GZIP_MAGIC:
                raise InputError("cannot read: bytes after the end of its gzip stream")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(rest, limit + 1 - len(out))
            if len(out) > limit:
                raise InputError(f"decompresses to more than the {limit} ({_size_text(limit)}) these scripts "
                                 f"read{hint}")
            if not d.eof:
                raise InputError("cannot read: its gzip stream is cut short")
            rest = d.unused_data
    except zlib.error as e:
        raise InputError(f"cannot read: corrupt gzip stream ({e})")
    return bytes(out)


def gzip_bytes(data):
    """`data` gzip-compressed the same way every time (no file name, mtime 0), so publishing a
    run again writes the same bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def read_result_bytes(path):
    """The bytes of the result file at `path`, decompressed when it is gzip-compressed, within
    result_limit() both before and after (InputError with the reason alone otherwise)."""
    hint = f" (set {MAX_RESULT_ENV} to read more)"
    limit = result_limit()
    return gunzip(read_bytes(path, limit, hint), limit, hint)


def read_text(path, limit=MAX_TEXT_BYTES):
    """read_bytes() as UTF-8 text."""
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read: {e}")


def _reject_constant(name):
    # Python's json accepts NaN and Infinity; strict JSON (and wpbench) does not.
    raise ValueError(f"{name} is not valid JSON")


def parse_json(data):
    """The JSON document in `data` (bytes); InputError (one line) when it is not strict JSON."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read: {e}")
    except ValueError as e:  # json.JSONDecodeError is a ValueError, as is an over-long integer
        raise InputError(f"invalid JSON: {' '.join(str(e).split())[:200]}")
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply")


def read_json(path, limit=MAX_TEXT_BYTES):
    """The JSON document in the file at `path`, read as read_bytes() does, with no value the
    scripts could not compute with or print (_value_problem)."""
    doc = parse_json(read_bytes(path, limit))
    found = _value_problem(doc)
    if found:
        raise InputError(found)
    return doc


_validators = {}


def _schema_validator(version):
    if version not in _validators:
        schema = json.loads(SCHEMAS[version].read_text(encoding="utf-8"))
        _validators[version] = jsonschema.validators.validator_for(schema)(schema)
    return _validators[version]


def _version_problem(version):
    versions = [str(v) for v in sorted(SCHEMAS)]
    known = ", ".join(versions[:-1]) + " and " + versions[-1]
    found = json.dumps(version)[:40]
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


def _value_problem(node, where="$"):
    """The first value of `node` that no harness writes and the readers would fail on, as a
    problem: an integer beyond 64 bits (Python reads it, then fails where it meets a float), or
    a string or key that is not Unicode (a lone surrogate escape such as \\udcff, which no file
    or terminal can take). None when there is none."""
    if isinstance(node, int) and not isinstance(node, bool):
        return None if -2**63 <= node < 2**64 else f"at {where}: {str(node)[:40]} is beyond a 64-bit integer"
    if isinstance(node, str):
        return None if is_unicode(node) else f"at {where}: a string with a lone surrogate, not Unicode"
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        if isinstance(key, str) and not is_unicode(key):
            return f"at {where}: a key with a lone surrogate, not Unicode"
        found = _value_problem(child, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
        if found:
            return found
    return None


def is_unicode(text):
    """`text` is Unicode that UTF-8 can carry (no lone surrogate, as undecodable bytes in a
    file name or an escape like \\udcff in JSON give)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


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
    # int64, as the harness writes them and as the readers compute with them.
    if a is None or a.dtype != np.int64 or any(v is True or v is False for v in flat):
        bad = next((k for k, v in enumerate(flat) if isinstance(v, bool) or not isinstance(v, int)), None)
        what = "is not of type 'integer'"
        if bad is None:
            bad = next((k for k, v in enumerate(flat) if not -2**63 <= v < 2**63), 0)
            what = "is not an integer below 2^63"
        return f"at {where}[{bad // 2 if kind == 'buckets' else bad}]: {json.dumps(flat[bad])} {what}"
    if kind == "samples":
        bad = np.flatnonzero(a < 1)
        if len(bad):
            return f"at {where}[{bad[0]}]: {a[bad[0]]} is less than the minimum of 1"
        return None
    bad = np.flatnonzero((a[:, 0] < 0) | (a[:, 0] >= wphist.COUNTS_LENGTH) | (a[:, 1] < 1))
    if len(bad):
        return f"at {where}[{bad[0]}]: {a[bad[0]].tolist()} is not a flat index below {wphist.COUNTS_LENGTH} with a count >= 1"
    return None


# The latency summary's statistics that are sample values, and the nearest-rank percentile each is.
SUMMARY_PERCENTILES = (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9))
# Percentile -> the latency summary's key that holds it (min and max are p0 and p100).
SUMMARY_KEYS = {**{p: k for k, p in SUMMARY_PERCENTILES}, 0: "min", 100: "max"}
# An interval's source: read from the result file, as the harness wrote it, or computed here.
FROM_FILE, COMPUTED = "wpbench", "scripts"
_SOURCE_TEXT = {FROM_FILE: "written by wpbench", COMPUTED: "computed by the scripts"}


def how(found):
    """How an interval (or ratio) was drawn and by whom, for a table's legend: 'paired t
    interval over repetitions, written by wpbench'."""
    return f"{found['method']}, {_SOURCE_TEXT[found['source']]}"
# The harness's mean and stddev are floating point (Welford's update over the sorted samples, or
# the histogram's long double moments); they must match the exact values this closely.
MOMENT_TOLERANCE = 1e-9


def _close(found, exact, scale):
    """`found` (a number) is within MOMENT_TOLERANCE of `exact` (relative, or of `scale` when
    exact is smaller)."""
    return abs(found - exact) <= MOMENT_TOLERANCE * max(abs(exact), scale)


def _summary_problem(where, lat, count, lowest, highest, percentile, total, m2):
    """Why the latency summary `lat` is not the one of these `count` samples (min `lowest`, max
    `highest`, `percentile(p)` their nearest-rank percentiles, exact integer `total`, squared
    deviations `m2`), or None. The harness computes it from exactly these: from the raw samples
    when it kept them, else from the histogram."""
    if count == 0:
        return None
    exact = {"min": lowest, "max": highest, **{k: percentile(p) for k, p in SUMMARY_PERCENTILES}}
    for key, value in exact.items():
        if lat[key] != value:
            return f"{where}: latency_ns.{key} is {json.dumps(lat[key])}, its samples give {value}"
    moments = {"mean": total / count, "stddev": (m2 / (count - 1)) ** 0.5 if count > 1 else 0.0}
    for key, value in moments.items():
        if lat[key] is not None and not _close(lat[key], value, 1.0):  # null: not finite, as written
            return f"{where}: latency_ns.{key} is {json.dumps(lat[key])}, its samples give {value:.6g}"
    return None


def _histogram_problem(where, h):
    """Why a histogram (count and buckets already agreeing) cannot be one the harness wrote,
    checked as the C++ decoder (LatencyHistogram::from_json) checks it: its exact min and max
    must lie in its first and last buckets (or above every bucket, for overflow samples), its
    sum between count x min and count x max (within a double's rounding when it is one), and
    its m2 no more than values in [min, max] can have (count x (max - min)^2 / 4)."""
    n, lo, hi = h["count"], h["min"], h["max"]
    if n == 0:
        return None
    first = wphist.value_range(h["buckets"][0][0]) if h["buckets"] else None
    last = wphist.value_range(h["buckets"][-1][0]) if not h["overflow"] else (wphist.HIGHEST_TRACKABLE_NS + 1, None)
    if not (first[0] <= lo <= first[1] if first else lo > wphist.HIGHEST_TRACKABLE_NS):
        return f"{where}: histogram min {lo} is not in its lowest bucket"
    if not (last[0] <= hi <= (last[1] if last[1] is not None else hi)):
        return f"{where}: histogram max {hi} is not in its highest bucket (or its overflow)"
    slack = 0 if isinstance(h["sum"], int) else abs(h["sum"]) / 2**50 + 1
    if not n * lo - slack <= h["sum"] <= n * hi + slack:
        return f"{where}: histogram sum {json.dumps(h['sum'])} is not between count x min and count x max"
    if h["m2"] > n * (hi - lo) ** 2 / 4 * (1 + 1e-9) + 1:
        return f"{where}: histogram m2 {json.dumps(h['m2'])} is more than values between min and max can have"
    return None


def _timeseries_problem(where, rep):
    """Why a repetition's time series does not hold its samples: every sample is in one
    interval, so the counts add up to them and the largest max is theirs (a series with no
    interval at all was not recorded)."""
    ts = rep["timeseries"]
    if not len(ts["count"]) == len(ts["mean_ns"]) == len(ts["max_ns"]):
        return f"{where}: timeseries count, mean_ns and max_ns differ in length"
    if not ts["count"]:
        return None
    if sum(ts["count"]) != rep["samples"]:
        return f"{where}: timeseries counts {sum(ts['count'])} samples, the repetition says {rep['samples']}"
    if rep["samples"] and max(ts["max_ns"]) != rep["histogram"]["max"]:
        return f"{where}: timeseries max {max(ts['max_ns'])} is not the histogram's max {rep['histogram']['max']}"
    return None


def _exact_moments(x):
    """(exact integer sum, squared deviations from the mean) of sorted int64 samples."""
    n = len(x)
    # Exact integer sum: numpy's int64 sum is exact unless it could overflow.
    total = int(x.sum()) if n == 0 or int(x[-1]) <= (2**63 - 1) // n else sum(map(int, x))
    return total, float(((x - total / n) ** 2).sum()) if n else 0.0


def _raw_problem(where, rep, raw, h):
    """Why a repetition's raw samples are not the ones its histogram and summary were made of."""
    x = np.sort(np.asarray(raw, dtype=np.int64))
    n = len(x)
    total, m2 = _exact_moments(x)
    if h is not None:
        counts, overflow = wphist.bucket_counts(x)
        stored = np.zeros(wphist.COUNTS_LENGTH, dtype=np.int64)
        if h["buckets"]:
            b = np.asarray(h["buckets"], dtype=np.int64)
            stored[b[:, 0]] = b[:, 1]
        differ = np.flatnonzero(counts != stored)
        if len(differ):
            i = int(differ[0])
            lo, hi = wphist.value_range(i)
            return (f"{where}: samples_ns put {counts[i]} samples in histogram bucket {i} ({lo}-{hi} ns), "
                    f"the histogram holds {stored[i]}")
        exact = {"overflow": overflow, "min": int(x[0]) if n else 0, "max": int(x[-1]) if n else 0, "sum": total}
        for key, value in exact.items():
            if h[key] != value:
                return f"{where}: histogram {key} is {json.dumps(h[key])}, its samples_ns give {value}"
        if not _close(h["m2"], m2, float(n)):
            return f"{where}: histogram m2 is {json.dumps(h['m2'])}, its samples_ns give {m2:.6g}"
    return _summary_problem(where, rep["latency_ns"], n, int(x[0]) if n else 0, int(x[-1]) if n else 0,
                            lambda p: int(x[st.rank(n, p) - 1]), total, m2)


def _pooled_problem(where, case):
    """Why a case's pooled latency summary is not the one of its repetitions that hold samples,
    pooled as the harness pools them (harness/analysis/pooling.cpp): exact over their raw samples
    when every one kept them, else from their histograms merged. The scripts read the pooled
    summary of a one-file case from the file, so it must be the repetitions'."""
    reps = [r for r in case["repetitions"] if r["samples"]]
    if not reps:
        return None
    if all(r["samples_ns"] is not None for r in reps):
        x = np.sort(np.concatenate([np.asarray(r["samples_ns"], dtype=np.int64) for r in reps]))
        n = len(x)
        return _summary_problem(where, case["latency_ns"], n, int(x[0]), int(x[-1]),
                                lambda p: int(x[st.rank(n, p) - 1]), *_exact_moments(x))
    h = wphist.merge(r["histogram"] for r in reps)
    return _summary_problem(where, case["latency_ns"], h["count"], h["min"], h["max"],
                            lambda p: wphist.percentile(h, p), h["sum"], h["m2"])


def _consistency_problem(doc, version):
    """What the schema cannot say: in v2, each repetition's histogram holds exactly its samples;
    in both, the raw samples (when kept) are as many as the repetition says, and are the ones its
    histogram and latency summary were made of, and (v2) a case's pooled summary is its
    repetitions', so no value was altered after the run."""
    for c in doc["cases"]:
        if version < 2:
            where = f"case {c['name']}"
            if len(c["samples_ns"]) != c["samples"]:
                return f"{where}: {len(c['samples_ns'])} samples_ns for {c['samples']} samples"
            found = _raw_problem(where, c, c["samples_ns"], None)
            if found:
                return found
            continue
        for rep in c["repetitions"]:
            where = f"case {c['name']} repetition {rep['repetition']}"
            h = rep["histogram"]
            counted = sum(n for _, n in h["buckets"]) + h["overflow"]
            if counted != h["count"] or h["count"] != rep["samples"]:
                return (f"{where}: histogram counts {counted} samples (count {h['count']}), "
                        f"the repetition says {rep['samples']}")
            if any(prev[0] >= nxt[0] for prev, nxt in zip(h["buckets"], h["buckets"][1:])):
                return f"{where}: histogram buckets are not in ascending index order"
            found = _histogram_problem(where, h) or _timeseries_problem(where, rep)
            if found:
                return found
            if rep["samples_ns"] is not None:
                if len(rep["samples_ns"]) != rep["samples"]:
                    return f"{where}: {len(rep['samples_ns'])} samples_ns for {rep['samples']} samples"
                found = _raw_problem(where, rep, rep["samples_ns"], h)
            else:
                found = _summary_problem(where, rep["latency_ns"], h["count"], h["min"], h["max"],
                                         lambda p, h=h: wphist.percentile(h, p), h["sum"], h["m2"])
            if found:
                return found
        found = _pooled_problem(f"case {c['name']}", c)
        if found:
            return found
    return None


def _read(path):
    """(document, its bytes, None) for a valid result file, else (None, None, why not)."""
    try:
        data = read_result_bytes(path)
        doc = parse_json(data)
    except InputError as e:
        return None, None, str(e)
    reason = document_problem(doc)
    return (None, None, reason) if reason else (doc, data, None)


def problem(path):
    """Why the file at `path` is not a valid wpbench result, or None if it is one."""
    return _read(path)[2]


def document_problem(doc):
    """Why a parsed document is not a valid wpbench result, or None if it is one."""
    # Checked first so a file from another format gets a plain answer, not a schema diff.
    if not isinstance(doc, dict):
        return "not a JSON object"
    if doc.get("tool") not in (None, "wpbench"):
        return f"written by {json.dumps(doc.get('tool'))[:40]}, not wpbench"
    if "schema_version" not in doc:
        return "no schema_version: not a wpbench result file"
    version = doc["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version not in SCHEMAS:
        return _version_problem(version)
    light, arrays = _light(doc)
    error = jsonschema.exceptions.best_match(_schema_validator(version).iter_errors(light))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return " ".join(f"at ${where}: {error.message}".split())[:300]
    found = _value_problem(light) or next((e for e in (_array_problem(*a) for a in arrays) if e), None)
    if found:
        return found[:300]
    return _consistency_problem(doc, version)


def read_run(path):
    """(the parsed result file, its bytes, decompressed when the file is gzip-compressed); raises
    InputError naming the file and the problem."""
    doc, data, reason = _read(path)
    if reason is not None:
        raise InputError(f"{path}: {reason}")
    return doc, data


def load_run(path):
    """The parsed result file; raises InputError naming the file and the problem."""
    return read_run(path)[0]


RESULT_PATTERNS = ("*.json", "*.json.gz")


def expand_paths(args):
    """Files named directly, plus the *.json and *.json.gz files of named directories (sorted)."""
    files = []
    for a in args:
        p = pathlib.Path(a)
        if p.is_dir():
            found = sorted(str(x) for pattern in RESULT_PATTERNS for x in p.glob(pattern))
            if not found:
                raise InputError(f"{a}: directory holds no *.json or *.json.gz result files")
            files.extend(found)
        else:
            files.append(a)
    return files


def default_binary():
    """The wpbench binary the self-checks run: build/wpbench in a checkout; installed, the one on
    PATH (/usr/bin/wpbench)."""
    if not INSTALLED:
        return ROOT / "build" / "wpbench"
    return pathlib.Path(shutil.which("wpbench") or "/usr/bin/wpbench")


def default_results_dir():
    """Where a report or a published run goes without --out: results/ of the checkout. Installed,
    beside the runs wpbench writes without --out (harness/app/plan.cpp, default_runs_dir):
    results/ of the current directory when it can be written there, else $XDG_DATA_HOME/wpbench
    (~/.local/share/wpbench)."""
    if not INSTALLED:
        return ROOT / "results"
    here = pathlib.Path("results")
    if here.is_dir():
        writable = os.access(here, os.W_OK)
    else:
        writable = not here.exists() and os.access(".", os.W_OK)  # the script will make it
    if writable:
        return here
    xdg, home = os.environ.get("XDG_DATA_HOME", ""), os.environ.get("HOME", "")
    if xdg.startswith("/"):
        return pathlib.Path(xdg) / "wpbench"
    if home.startswith("/"):
        return pathlib.Path(home) / ".local" / "share" / "wpbench"
    return here  # nowhere better: writing there says why it cannot


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr and exit 2, like every other error. Run
    as the installed wpbench-<prog>, it names itself so."""

    def __init__(self, *args, prog=None, **kw):
        if prog and os.path.basename(sys.argv[0]) == f"wpbench-{prog}":
            prog = f"wpbench-{prog}"
        super().__init__(*args, prog=prog, **kw)

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
        """This repetition's percentile p: from its summary for the percentiles it holds (exact
        from the raw samples, the histogram's when it kept only that), else from its samples."""
        key = SUMMARY_KEYS.get(p)
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
        self.file_ratios = []  # each record's file's ratios (None for v1), as records
        self._samples = None
        self._cache = {}  # statistics already computed, cleared by add()

    def add(self, record, path, run_index, run_id, v2, ratios=None):
        if record["round_trips"] != self.round_trips or record["driver"] != self.driver:
            raise InputError(f"{path}: case {self.name} differs from the same case in another file "
                             f"(round trips {record['round_trips']} vs {self.round_trips}): not the same suite")
        if record.get("loop", "closed") != self.loop:
            raise InputError(f"{path}: case {self.name} ran in an {record.get('loop', 'closed')} loop here and a "
                             f"{self.loop} loop in another file: their latencies do not pool")
        self.records.append(record)
        self.run_ids.append(run_id)
        self.run_indices.append(run_index)
        self.file_ratios.append(ratios if v2 else None)
        objs = record["repetitions"] if v2 else [record]
        self.repetitions += [Repetition(o, run_index, run_id, v2) for o in objs]
        self._samples = None
        self._cache = {}

    # -- status ---------------------------------------------------------------------------------

    @property
    def ok(self):
        return all(r["status"] == "ok" for r in self.records)

    @property
    def not_measured(self):
        """Every file reports the case not measured (it could not run there: a transport the DSN
        cannot reach, a Python module missing), not failed."""
        return all(r["status"] == "not_measured" for r in self.records)

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
        in time order inside a repetition only when time_ordered. One entry per sample: for
        anything that does not need the time order, dist is as exact and stays small."""
        if self._samples is None:
            parts = [r.samples for r in self.measured]
            self._samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._samples

    @property
    def dist(self):
        """(values ascending, counts) of every repetition pooled, one entry per distinct value
        (per bucket where a repetition kept only its histogram), never one per sample: what
        counts and plots over all samples read, however many samples a histogram holds."""
        if "dist" not in self._cache:
            parts = [r.dist for r in self.measured]
            values = np.concatenate([v for v, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
            counts = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, dtype=np.int64)
            order = np.argsort(values, kind="stable")
            self._cache["dist"] = values[order], counts[order]
        return self._cache["dist"]

    @property
    def one_file(self):
        """The case's record when all of it comes from one file (whose figures are then the
        case's: the module docstring's rule), else None."""
        return self.records[0] if len(self.records) == 1 else None

    def percentile(self, p):
        """Nearest-rank percentile p of all repetitions pooled: the file's latency_ns for a
        one-file case (exact from raw samples, from the merged histograms when a repetition kept
        only its histogram), else computed: exact from raw samples, and within 0.1 % when a
        repetition kept only its histogram."""
        if ("p", p) not in self._cache:
            reps = self.measured
            if not reps:
                raise ValueError(f"{self.name}: percentile of no samples")
            rec, key = self.one_file, SUMMARY_KEYS.get(p)
            if rec is not None and key is not None and rec["latency_ns"].get(key) is not None:
                self._cache["p", p] = rec["latency_ns"][key]
            else:
                self._cache["p", p] = int(st.pooled_percentiles([r.dist for r in reps], p, [[1] * len(reps)])[0])
        return self._cache["p", p]

    @property
    def mean(self):
        """Mean latency (ns) of all repetitions pooled: the file's for a one-file case."""
        reps = self.measured
        if not reps:
            return None
        rec = self.one_file
        if rec is not None and rec["latency_ns"].get("mean") is not None:
            return rec["latency_ns"]["mean"]
        return sum(r.sum_ns for r in reps) / sum(r.n for r in reps)

    @property
    def throughput(self):
        """Inserts per second over the measured repetitions' elapsed time: the file's for a
        one-file case."""
        rec = self.one_file
        if rec is not None and rec.get("throughput_per_s") is not None:
            return rec["throughput_per_s"]
        reps = self.measured
        elapsed = sum(r.elapsed_ns for r in reps)
        return sum(r.n for r in reps) * 1e9 / elapsed if elapsed > 0 else 0.0

    @property
    def cpu_per_insert_ns(self):
        """The client's CPU time per measured insert (ns) over the repetitions that recorded it
        (no file carries it per case); None for runs written before cpu_ns existed."""
        reps = [r for r in self.measured if r.cpu_ns is not None]
        n = sum(r.n for r in reps)
        return sum(r.cpu_ns for r in reps) / n if n else None

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
        """Coefficient of variation of the repetitions' p50: the file's for a one-file v2 case
        (null with fewer than two repetitions), else computed; None with fewer than two."""
        rec = self.one_file
        if rec is not None and "cv_p50" in rec:
            return rec["cv_p50"]
        return st.cv(self.rep_p50s)

    def _file_interval(self, stat):
        """The file's interval of a one-file v2 case's pooled `stat` (the harness writes p50_ns,
        mean_ns, p90_ns, p99_ns and p999_ns; older files the first two), or None when the harness
        wrote none; False when the file does not carry
        that statistic's interval or the case is not one v2 file's (then it is computed here)."""
        rec = self.one_file
        if rec is None or "interval" not in rec or (rec["interval"] and f"{stat}_ns" not in rec["interval"]):
            return False
        iv = rec["interval"]
        if not iv:
            # null: the harness could estimate none (one repetition, too few raw samples or only
            # its histogram); statistics it does not write at all are computed here.
            return None if stat in ("p50", "mean") else False
        if iv[f"{stat}_ns"] is None:
            return None  # the harness drew none (one repetition, too few samples for this tail)
        lo, hi = iv[f"{stat}_ns"]
        return {"lo": lo, "hi": hi, "method": iv["method"], "confidence": iv["confidence"], "source": FROM_FILE}

    def interval(self, p=50, seed=1):
        """95 % interval of the pooled percentile p: {lo, hi, method, confidence, source}, or
        None when there is none. As the module docstring says: the file's for a one-file case
        whose file carries it, else computed: a t interval over repetitions with two or more, else a block
        bootstrap over the one repetition's samples in time order."""
        if ("interval", p, seed) not in self._cache:
            found = self._file_interval(SUMMARY_KEYS[p]) if p in SUMMARY_KEYS else False
            if found is False:
                found = self._computed_interval(lambda r: r.percentile(p), self.percentile(p) if self.measured else None,
                                                lambda x: st.percentile_ci(x, p, seed=seed), p)
            self._cache["interval", p, seed] = found
        return self._cache["interval", p, seed]

    def mean_interval(self, seed=1):
        """95 % interval of the pooled mean, as interval()."""
        if ("mean_interval", seed) not in self._cache:
            found = self._file_interval("mean")
            if found is False:
                found = self._computed_interval(lambda r: r.sum_ns / r.n, self.mean,
                                                lambda x: st.mean_ci(x, seed=seed))
            self._cache["mean_interval", seed] = found
        return self._cache["mean_interval", seed]

    def _computed_interval(self, per_rep, pooled, bootstrap, p=None):
        """The scripts' interval of a pooled statistic, given it per repetition (`per_rep`), its
        pooled value, and its block bootstrap over one repetition's samples (for percentile `p`
        only with st.can_block_bootstrap's samples, as the harness)."""
        reps = self.measured
        if len(reps) >= 2:
            # On the log scale, as the harness's: a latency interval never reaches below zero.
            lo, hi = st.t_interval([per_rep(r) for r in reps], pooled, log=True)
            method = "t interval over repetitions (log scale)"
        elif len(reps) == 1 and reps[0].time_ordered and st.can_block_bootstrap(reps[0].n, p):
            lo, hi = bootstrap(reps[0].samples)
            method = "block bootstrap over samples"
        else:
            return None
        return {"lo": lo, "hi": hi, "method": method, "confidence": st.CONFIDENCE, "source": COMPUTED}

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
    def instructions_per_insert(self):
        """Client instructions per insert (wpbench --instructions), the last file's count; None
        when no file counted them."""
        for rec in reversed(self.records):
            n = rec.get("instructions")
            if n and n.get("error") is None and n.get("per_insert"):
                return n["per_insert"]
        return None

    @property
    def schedule_lags(self):
        """Open loop: each repetition's schedule-lag summary (ns), in order."""
        return [r.schedule_lag for r in self.repetitions if r.schedule_lag]


def _file_ratio(num, den, p):
    """The file's ratio of percentile p of `num` over `den`'s when both cases are one and the
    same v2 file's and the file has that pair and statistic (the harness writes p50 and p99;
    older files p50), else None."""
    stat = SUMMARY_KEYS.get(p)
    if stat is None or num.one_file is None or den.one_file is None or num.run_indices != den.run_indices:
        return None
    return next((r for r in num.file_ratios[0] or []
                 if r["numerator"] == num.name and r["denominator"] == den.name and r["stat"] == stat), None)


def ratio_interval(num, den, p=50, seed=1):
    """percentile p of `num` over `den`'s with its 95 % interval: {ratio, lo, hi, method,
    source}; lo and hi are None when there is no interval. The file's for a pair it carries (the
    module docstring's rule), else computed: cases measured in the same repetitions (one v2
    file, or v1 files pooled case by case) pair them, so drift that hit both cancels; cases from
    different repetitions get Welch's interval; one repetition each uses blocks of consecutive
    samples."""
    found = _file_ratio(num, den, p)
    if found is not None:
        lo, hi = found["interval"] or (None, None)
        return {"ratio": found["ratio"], "lo": lo, "hi": hi, "method": found["method"], "source": FROM_FILE}
    ratio = num.percentile(p) / den.percentile(p)
    a, b = num.measured, den.measured
    out = {"ratio": ratio, "lo": None, "hi": None, "method": None, "source": COMPUTED}
    if len(a) >= 2 and len(b) >= 2:
        paired = [r.key for r in a] == [r.key for r in b]
        lo, hi = st.t_ratio_interval([r.percentile(p) for r in a], [r.percentile(p) for r in b], ratio, paired)
        method = "paired t interval over repetitions" if paired else "Welch t interval over repetitions"
    elif (len(a) == 1 and len(b) == 1 and num.time_ordered and den.time_ordered
          and st.can_block_bootstrap(a[0].n, p) and st.can_block_bootstrap(b[0].n, p)):
        lo, hi = st.bootstrap_ratio_ci(num.samples, den.samples, p, seed=seed)
        method = "block bootstrap over samples"
    else:
        return out
    return {**out, "lo": lo, "hi": hi, "method": method}


def difference_interval(num, den, p=50):
    """percentile p of `num` minus `den`'s (ns), with a 95 % t interval over the per-repetition
    differences when the two were measured in the same repetitions (paired, as ratio_interval):
    {diff, lo, hi, source}, lo and hi None without pairs. The file's for a pair it carries."""
    found = _file_ratio(num, den, p)
    if found is not None and found.get("difference_ns") is not None:
        lo, hi = found.get("difference_interval") or (None, None)
        return {"diff": found["difference_ns"], "lo": lo, "hi": hi, "source": FROM_FILE}
    diff = num.percentile(p) - den.percentile(p)
    a, b = num.measured, den.measured
    if len(a) >= 2 and [r.key for r in a] == [r.key for r in b]:
        lo, hi = st.t_interval([x.percentile(p) - y.percentile(p) for x, y in zip(a, b)], diff)
        return {"diff": diff, "lo": lo, "hi": hi, "source": COMPUTED}
    return {"diff": diff, "lo": None, "hi": None, "source": COMPUTED}


# The transports of files before schema_version 3, which did not carry the transport table.
LEGACY_TRANSPORTS = {"unix": "Unix socket", "tcp": "TCP (127.0.0.1)", "file": "SQLite file (in-process)"}


def transports(run):
    """The transports of one run, name -> {"title", "auth", "target", ...}, in the order of the
    harness's transport table."""
    if run["schema_version"] >= 3:
        return run["context"]["transports"]
    srv = run["context"].get("server", {})
    return {name: {"title": title, "auth": "none" if name == "file" else srv.get(name, {}).get("auth", ""),
                   "target": srv.get(name, {}).get("target", "")}
            for name, title in LEGACY_TRANSPORTS.items()}


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
        # Every run's transports, in table order: the first file's, then any others add theirs.
        self.transports = {}
        for run in docs:
            for name, row in transports(run).items():
                self.transports.setdefault(name, row)
        self.cases = {}
        for i, (path, run) in enumerate(zip(self.paths, docs)):
            seen = set()
            for rec in run["cases"]:
                if rec["name"] in seen:
                    raise InputError(f"{path}: case {rec['name']} appears twice")
                seen.add(rec["name"])
                if rec["name"] not in self.cases:
                    self.cases[rec["name"]] = Case(rec["name"], rec)
                self.cases[rec["name"]].add(rec, path, i, run["run_id"], run["schema_version"] >= 2,
                                            run.get("ratios"))

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
    def transport_costs(self):
        """(run id, transport costs) of each file that has them: what a transport adds per insert
        over its plainer twin (tls and pgbouncer over tcp, tcp over unix), paired by repetition."""
        return [(r["run_id"], r["transport_costs"]) for r in self.runs if r.get("transport_costs")]

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
