"""wpbench's latency histograms (harness/stats/histogram.hpp, format "hdr-log-linear-v1") in Python:
pure functions over the decoded JSON dict, no I/O.

The layout is HdrHistogram's with 3 significant digits: unit 1 ns, 2048 sub-buckets. Flat index
i < 2048 is the exact value i; an index i >= 2048 stands for the 2^b values from
(i - (b << 10)) << b, with b = (i >> 10) - 1, so every bucket is narrower than 1/1024 of its
values. Percentiles are nearest-rank with wpstats.rank, read as the highest value of the bucket
holding the rank, clamped to [min, max], exactly as the C++ side reads them: rank 1 is min and
the last rank max (both exact), and a rank among the overflow samples (above
highest_trackable_ns, in no bucket) reads as max.
"""
import math

import numpy as np

from wpstats import rank

FORMAT = "hdr-log-linear-v1"
SUB_BUCKET_COUNT = 2048
SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10
BUCKET_COUNT = 27
COUNTS_LENGTH = (BUCKET_COUNT + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE  # 28672
HIGHEST_TRACKABLE_NS = (1 << 37) - 1


def check(h):
    """Raises ValueError (one line) unless `h` is a histogram of this layout."""
    if not isinstance(h, dict) or h.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} histogram")
    if h.get("unit") != "ns" or h.get("sub_bucket_count") != SUB_BUCKET_COUNT \
            or h.get("highest_trackable_ns") != HIGHEST_TRACKABLE_NS:
        raise ValueError(f"a {FORMAT} histogram of another layout: unit {h.get('unit')!r}, "
                         f"sub_bucket_count {h.get('sub_bucket_count')}, "
                         f"highest_trackable_ns {h.get('highest_trackable_ns')}")


def index_of(v):
    """The flat index of a value >= 0 (COUNTS_LENGTH for values above HIGHEST_TRACKABLE_NS),
    the C++ counts_index: b = bit_length(v | 2047) - 11, index = (b << 10) + (v >> b)."""
    if v < 0:
        raise ValueError(f"negative latency {v} ns")
    b = (v | (SUB_BUCKET_COUNT - 1)).bit_length() - 11
    return min((b << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (v >> b), COUNTS_LENGTH)


# The lowest value of buckets 1, 2, ...: a value's bucket is how many of these it reaches.
_BUCKET_STARTS = np.array([SUB_BUCKET_COUNT << b for b in range(52)], dtype=np.int64)


def bucket_counts(values):
    """(counts, overflow) of int64 values >= 0: counts[i] the values at flat index i (an int64
    ndarray of COUNTS_LENGTH), overflow those above HIGHEST_TRACKABLE_NS; index_of, vectorized."""
    v = np.asarray(values, dtype=np.int64)
    b = np.searchsorted(_BUCKET_STARTS, v, side="right")
    idx = np.minimum((b << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (v >> b), COUNTS_LENGTH)
    counts = np.bincount(idx, minlength=COUNTS_LENGTH + 1).astype(np.int64)
    return counts[:COUNTS_LENGTH], int(counts[COUNTS_LENGTH])


def value_range(index):
    """(lowest, highest) value, inclusive, in ns, of one flat index."""
    if not 0 <= index < COUNTS_LENGTH:
        raise ValueError(f"histogram index {index} outside [0, {COUNTS_LENGTH})")
    b = max(0, (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1)
    lowest = (index - (b << SUB_BUCKET_HALF_COUNT_MAGNITUDE)) << b
    return lowest, lowest + (1 << b) - 1


def from_samples(samples):
    """The histogram dict the C++ LatencyHistogram writes after recording `samples` (ns)."""
    x = [int(v) for v in samples]
    if any(v < 0 for v in x):
        raise ValueError("negative latency")
    counts, overflow = bucket_counts(np.asarray(x, dtype=np.int64))
    n = len(x)
    total = sum(x)
    # In integers, then one correctly rounded division: m2 = (n * sum(v^2) - sum(v)^2) / n.
    m2 = (n * sum(v * v for v in x) - total * total) / n if n > 1 else 0.0
    return {"format": FORMAT, "unit": "ns", "sub_bucket_count": SUB_BUCKET_COUNT,
            "highest_trackable_ns": HIGHEST_TRACKABLE_NS, "count": n,
            "min": min(x) if n else 0, "max": max(x) if n else 0, "sum": total, "m2": m2,
            "overflow": overflow, "buckets": [[int(i), int(counts[i])] for i in np.flatnonzero(counts)]}


def to_arrays(h):
    """(values, counts) int64 ndarrays: each non-empty bucket's highest value clamped to
    [min, max], ascending, and its count; the overflow samples last, as max; and the lowest
    sample apart, as the exact min. So a nearest-rank percentile of them is percentile(h), rank 1
    (min) and the last rank (max, which the highest bucket's value clamps to) included, however
    many such distributions are pooled: the C++ merged histogram's min and max are exact too."""
    check(h)
    b = np.asarray(h["buckets"], dtype=np.int64).reshape(-1, 2)
    idx, counts = b[:, 0], b[:, 1]
    shift = np.maximum(0, (idx >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1)
    lowest = (idx - (shift << SUB_BUCKET_HALF_COUNT_MAGNITUDE)) << shift
    values = np.clip(lowest + (np.int64(1) << shift) - 1, h["min"], h["max"])
    if h["overflow"]:
        values = np.append(values, np.int64(h["max"]))
        counts = np.append(counts, np.int64(h["overflow"]))
    if len(values) and values[0] != h["min"]:
        if counts[0] == 1:
            values[0] = h["min"]
        else:
            values = np.concatenate(([h["min"]], values))
            counts = np.concatenate(([1], counts[:1] - 1, counts[1:]))
    return values.astype(np.int64), counts.astype(np.int64)


def percentile(h, p):
    """Nearest-rank percentile p (0-100) of a histogram, as LatencyHistogram::percentile."""
    check(h)
    if h["count"] == 0:
        raise ValueError("percentile of no samples")
    if not 0 <= p <= 100:
        raise ValueError("percentile outside [0, 100]")
    values, counts = to_arrays(h)  # the first and last samples exact: a bucket only bounds them
    return int(values[np.searchsorted(np.cumsum(counts), rank(h["count"], p))])


def mean(h):
    """Exact mean (ns); 0 when empty."""
    check(h)
    return h["sum"] / h["count"] if h["count"] else 0.0


def stddev(h):
    """Sample standard deviation (n - 1, ns); 0 for fewer than two samples."""
    check(h)
    return math.sqrt(h["m2"] / (h["count"] - 1)) if h["count"] > 1 else 0.0


def merge(hs):
    """One histogram holding the samples of all of `hs` (min, max, sum exact; m2 by Chan's
    formula)."""
    hs = list(hs)
    if not hs:
        raise ValueError("merge of no histograms")
    counts = {}
    out = {k: hs[0][k] for k in ("format", "unit", "sub_bucket_count", "highest_trackable_ns")}
    n, total, m2, overflow, lo, hi = 0, 0, 0.0, 0, None, None
    for h in hs:
        check(h)
        for i, c in h["buckets"]:
            counts[i] = counts.get(i, 0) + c
        overflow += h["overflow"]
        if h["count"]:
            if n:
                delta = h["sum"] / h["count"] - total / n
                m2 += h["m2"] + delta * delta * n * h["count"] / (n + h["count"])
            else:
                m2 = float(h["m2"])
            lo = h["min"] if lo is None else min(lo, h["min"])
            hi = h["max"] if hi is None else max(hi, h["max"])
            n += h["count"]
            total += h["sum"]
    out.update({"count": n, "min": lo or 0, "max": hi or 0, "sum": total, "m2": m2,
                "overflow": overflow, "buckets": [[i, counts[i]] for i in sorted(counts)]})
    return out


def expand(h):
    """Every sample as its representative value (to_arrays: the first and last the exact min and
    max), ascending, so any nearest-rank percentile of it equals percentile(h). For code that
    needs a sample list; memory grows with count."""
    values, counts = to_arrays(h)
    return np.repeat(values, counts)
