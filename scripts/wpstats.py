"""Statistics for the result scripts: pure functions over latency samples (ns), no I/O.

Percentiles use the nearest-rank definition, as wpbench's C++ statistics do, so a p50 printed
here equals the p50 in the result file for the same samples.

Intervals come from a block bootstrap: consecutive latencies are correlated (a checkpoint, a
noisy neighbour, the WAL writer's rhythm), so resampling single samples as if independent
would print intervals several times too narrow. Resampling whole blocks of consecutive samples
keeps that correlation inside each block.
"""
import math

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
BLOCKS = 50  # a bootstrap resample is made of this many blocks ...
MIN_BLOCK = 50  # ... of at least this many consecutive samples
RESAMPLES = 1000


def rank(n, p):
    """The 1-based nearest-rank of percentile p among n samples, in integers as in
    harness/stats.cpp (p as parts per million), so 99.9 never rounds to another rank."""
    ppm = round(p * 10000)
    return max(1, min(n, (ppm * n + 999999) // 1000000))


def percentile(samples, p):
    """Nearest-rank percentile: the smallest sample with at least p % of samples at or below it."""
    if len(samples) == 0:
        raise ValueError("percentile of no samples")
    if not 0 <= p <= 100:
        raise ValueError("percentile outside [0, 100]")
    s = np.sort(np.asarray(samples))
    return int(s[rank(len(s), p) - 1])


def min_samples(p):
    """Samples needed before percentile p means more than 'the few largest': ten beyond it."""
    return math.ceil(10 * 100 / (100 - p)) if p < 100 else math.inf


def _block_resamples(samples, rng, resamples):
    """`resamples` block-bootstrap resamples of `samples` (rows), each as long as the input."""
    x = np.asarray(samples, dtype=np.float64)
    n = len(x)
    size = max(MIN_BLOCK, n // BLOCKS)
    k = max(1, n // size)
    blocks = x[: k * size].reshape(k, size)
    picks = rng.integers(0, k, size=(resamples, k))
    return blocks[picks].reshape(resamples, k * size)


def _resampled_percentiles(samples, p, rng, resamples):
    r = _block_resamples(samples, rng, resamples)
    i = rank(r.shape[1], p) - 1
    return np.partition(r, i, axis=1)[:, i]


def _interval(values, confidence):
    alpha = 1.0 - confidence
    return float(np.quantile(values, alpha / 2)), float(np.quantile(values, 1 - alpha / 2))


def percentile_ci(samples, p, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of percentile p (seeded, so a report is reproducible)."""
    if len(samples) == 0:
        raise ValueError("confidence interval of no samples")
    rng = np.random.default_rng(seed)
    return tuple(int(round(v)) for v in _interval(_resampled_percentiles(samples, p, rng, resamples), confidence))


def bootstrap_ratio_ci(num, den, p=50, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of percentile(num, p) / percentile(den, p); each side is
    resampled on its own."""
    rng = np.random.default_rng(seed)
    a = _resampled_percentiles(num, p, rng, resamples)
    b = _resampled_percentiles(den, p, rng, resamples)
    return _interval(a / b, confidence)


def blocks(samples, count=20, min_size=50):
    """Up to `count` consecutive blocks of at least `min_size` samples, in time order."""
    n = len(samples)
    k = max(1, min(count, n // min_size))
    edges = np.linspace(0, n, k + 1).astype(int)
    return [samples[edges[i] : edges[i + 1]] for i in range(k)]


def mann_whitney(current, baseline, alternative):
    """One-sided Mann-Whitney U p-value that `current` tends to be 'greater' or 'less' than
    `baseline`; 1.0 when either side has fewer than two values."""
    if len(current) < 2 or len(baseline) < 2:
        return 1.0
    return float(sps.mannwhitneyu(current, baseline, alternative=alternative).pvalue)


def smallest_u_p_value(n1, n2):
    """The smallest one-sided p-value an exact Mann-Whitney U test can give for n1 vs n2 values
    (every value of one side above every value of the other): 1 / C(n1 + n2, n1)."""
    return 1.0 / math.comb(n1 + n2, n1)


def ms(ns):
    """Nanoseconds to milliseconds for display."""
    return ns / 1e6


def fmt_ms(ns, digits=3):
    return "-" if ns is None or (isinstance(ns, float) and math.isnan(ns)) else f"{ms(ns):.{digits}f}"
