"""Statistics for the result scripts: pure functions over latency samples (ns), no I/O.

Percentiles use the nearest-rank definition, as wpbench's C++ statistics do, so a p50 printed
here equals the p50 in the result file for the same samples.
"""
import math

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95


def percentile(samples, p):
    """Nearest-rank percentile: the smallest sample with at least p % of samples at or below it."""
    if len(samples) == 0:
        raise ValueError("percentile of no samples")
    if not 0 <= p <= 100:
        raise ValueError("percentile outside [0, 100]")
    s = np.sort(np.asarray(samples))
    # p as parts per million, in integers, exactly as harness/stats.cpp ranks.
    ppm = round(p * 10000)
    rank = max(1, min(len(s), (ppm * len(s) + 999999) // 1000000))
    return int(s[rank - 1])


def percentile_ci(samples, p, confidence=CONFIDENCE):
    """Distribution-free confidence interval of a percentile from order statistics.

    The number of samples at or below the true p-quantile is Binomial(n, p/100); the interval is
    the pair of order statistics that covers it with the asked confidence (no normality, no
    resampling). Assumes independent samples, which is why the gate prefers repetitions.
    """
    s = np.sort(np.asarray(samples))
    n = len(s)
    if n == 0:
        raise ValueError("confidence interval of no samples")
    q = p / 100.0
    alpha = 1.0 - confidence
    lo = int(sps.binom.ppf(alpha / 2, n, q))
    hi = int(sps.binom.ppf(1 - alpha / 2, n, q)) + 1
    return int(s[max(lo, 1) - 1]), int(s[min(hi, n) - 1])


def bootstrap_ratio_ci(num, den, p=50, confidence=CONFIDENCE, resamples=1000, seed=1):
    """Percentile-bootstrap interval of percentile(num, p) / percentile(den, p).

    Resamples each side independently with replacement; seeded so a report is reproducible.
    """
    rng = np.random.default_rng(seed)
    a = np.asarray(num, dtype=np.float64)
    b = np.asarray(den, dtype=np.float64)
    # numpy's "inverted_cdf" is the nearest-rank definition.
    ia = rng.integers(0, len(a), size=(resamples, len(a)))
    ib = rng.integers(0, len(b), size=(resamples, len(b)))
    qa = np.percentile(a[ia], p, axis=1, method="inverted_cdf")
    qb = np.percentile(b[ib], p, axis=1, method="inverted_cdf")
    ratios = qa / qb
    alpha = 1.0 - confidence
    return float(np.quantile(ratios, alpha / 2)), float(np.quantile(ratios, 1 - alpha / 2))


def blocks(samples, count=20, min_size=50):
    """Consecutive blocks of a run's samples, in time order (batch means): neighbouring
    latencies are correlated (a checkpoint, a noisy neighbour), blocks much less so."""
    n = len(samples)
    k = max(1, min(count, n // min_size))
    edges = np.linspace(0, n, k + 1).astype(int)
    return [samples[edges[i] : edges[i + 1]] for i in range(k)]


def mann_whitney_greater(current, baseline):
    """One-sided Mann-Whitney U test that `current` tends to be larger than `baseline`;
    returns the p-value (1.0 when either side has fewer than two values)."""
    if len(current) < 2 or len(baseline) < 2:
        return 1.0
    return float(sps.mannwhitneyu(current, baseline, alternative="greater").pvalue)


def mann_whitney_less(current, baseline):
    """One-sided Mann-Whitney U test that `current` tends to be smaller than `baseline`."""
    if len(current) < 2 or len(baseline) < 2:
        return 1.0
    return float(sps.mannwhitneyu(current, baseline, alternative="less").pvalue)


def ms(ns):
    """Nanoseconds to milliseconds for display."""
    return ns / 1e6


def fmt_ms(ns, digits=3):
    return "-" if ns is None or (isinstance(ns, float) and math.isnan(ns)) else f"{ms(ns):.{digits}f}"
