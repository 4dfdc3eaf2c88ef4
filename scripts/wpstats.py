"""Statistics for the result scripts: pure functions over latency samples (ns), no I/O. The one
Python implementation of each statistic the scripts compute; wphist.py decodes and merges
histograms. Which statistic is read from a result file and which is computed here is
wpbench_results.py's rule (its docstring): for one file, what the harness wrote.

Percentiles use the nearest-rank definition, as wpbench's C++ statistics do, so a p50 printed
here equals the p50 in the result file for the same samples. Pooled percentiles
(pooled_percentiles) are exact over repetitions given as distributions: (values ascending,
counts), from raw samples (dist) or from a histogram (wphist.to_arrays).

Intervals, as the harness draws them (harness/stats/repstats.cpp, harness/analysis/pooling.cpp):
  - with two or more repetitions, a t interval over the repetitions' values (t_interval, on the
    log scale for latencies and ratios, so it never reaches below zero; t_ratio_interval for a
    ratio of two cases, paired by repetition when they ran in the same ones). The t quantile is
    the harness's (t_quantile_975: a table to 30 degrees of freedom, Cornish-Fisher beyond), so
    the same values give the same interval on both sides (tests/scripts/test_stats_parity.py);
  - with one repetition, a block bootstrap over its samples in time order (percentile_ci,
    mean_ci, bootstrap_ratio_ci): blocks of max(MIN_BLOCK, n / BLOCKS) consecutive samples,
    because consecutive latencies are correlated (a checkpoint, a noisy neighbour, the WAL
    writer's rhythm) and resampling single samples as if independent would print intervals
    several times too narrow. The harness uses the same block rule but its own random stream
    (std::mt19937_64), so the two agree in method, not digit for digit.
"""
import functools
import math

import numpy as np

import wpdist

CONFIDENCE = 0.95
BLOCKS = 50  # a bootstrap resample is made of this many blocks ...
MIN_BLOCK = 50  # ... of at least this many consecutive samples
RESAMPLES = 1000


@functools.lru_cache(maxsize=None)
def _sps():
    """scipy.stats, imported when first needed (it is most of a script's start-up time, and
    validation and every error path do without it); None when it is not installed: then
    scripts/wpdist.py's own functions stand in (scipy is only suggested by the Debian package,
    because in Debian 12 it brings a compiler). Cached: Python retries a failed import on every
    call, a search of the whole path, and the gate asks once per test."""
    try:
        from scipy import stats
    except ModuleNotFoundError:
        return None
    return stats


def exact_tests():
    """Whether the gate's tests are scipy's (the Kolmogorov-Smirnov p-value exact up to 10,000
    values a side) rather than wpdist's (its asymptotic approximation)."""
    return _sps() is not None


def rank(n, p):
    """The 1-based nearest-rank of percentile p among n samples, in integers as in
    harness/stats/stats.cpp (p as parts per million), so 99.9 never rounds to another rank."""
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
    """Samples needed before percentile p means more than 'the few largest': ten beyond it. In
    integers (p as parts per million, as rank), so 99.9 needs 10,000, not 10,001."""
    beyond = 1000000 - round(p * 10000)
    return -(-10 * 1000000 // beyond) if beyond > 0 else math.inf


def can_block_bootstrap(n, p=None):
    """Enough samples for a block bootstrap: two blocks at least, as the harness requires (one
    block would give an interval of width zero); for percentile p also min_samples(p), as the
    harness's bootstrap_min_samples (a resample cannot reach beyond the largest sample, so a p99
    of a few hundred would get an interval too narrow on the slow side)."""
    return n >= 2 * MIN_BLOCK and (p is None or n >= min_samples(p))


def _block_weights(samples, rng, resamples):
    """The samples cut into blocks of consecutive samples (max(MIN_BLOCK, n / BLOCKS) each, a
    remainder dropped), and `resamples` block-bootstrap draws as counts per block: a resample
    is each block repeated as often as its row says, as long as the input (less the remainder)."""
    x = np.asarray(samples, dtype=np.int64)
    n = len(x)
    if not can_block_bootstrap(n):
        raise ValueError(f"a block bootstrap needs at least {2 * MIN_BLOCK} samples, got {n}")
    size = max(MIN_BLOCK, n // BLOCKS)
    k = max(1, n // size)
    blocks = x[: k * size].reshape(k, size)
    return blocks, repetition_weights(len(blocks), rng, resamples)


def _resampled_percentiles(samples, p, rng, resamples):
    blocks, weights = _block_weights(samples, rng, resamples)
    return pooled_percentiles([dist(b) for b in blocks], p, weights)


def _interval(values, confidence):
    alpha = 1.0 - confidence
    return float(np.quantile(values, alpha / 2)), float(np.quantile(values, 1 - alpha / 2))


def percentile_ci(samples, p, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of percentile p of one repetition's time-ordered samples (seeded,
    so a report is reproducible); ValueError for fewer than 2 * MIN_BLOCK samples."""
    rng = np.random.default_rng(seed)
    return tuple(int(round(v)) for v in _interval(_resampled_percentiles(samples, p, rng, resamples), confidence))


def bootstrap_ratio_ci(num, den, p=50, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of percentile(num, p) / percentile(den, p); each side is
    resampled on its own."""
    rng = np.random.default_rng(seed)
    a = _resampled_percentiles(num, p, rng, resamples)
    b = _resampled_percentiles(den, p, rng, resamples)
    return _interval(a / b, confidence)


def mean_ci(samples, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of the mean of one repetition's time-ordered samples."""
    rng = np.random.default_rng(seed)
    blocks, weights = _block_weights(samples, rng, resamples)
    return _interval(pooled_means(blocks.sum(axis=1), [blocks.shape[1]] * len(blocks), weights), confidence)


def dist(samples):
    """(values ascending, counts) of raw samples: how a repetition enters pooled_percentiles."""
    values, counts = np.unique(np.asarray(samples, dtype=np.int64), return_counts=True)
    return values, counts.astype(np.int64)


def _ranks(n, p):
    """rank() over an array of sample counts."""
    ppm = round(p * 10000)
    return np.clip((ppm * n + 999999) // 1000000, 1, np.maximum(n, 1))


def pooled_percentiles(dists, p, weights):
    """Nearest-rank percentile p of pools of repetitions: row b of `weights` (resamples x R
    integers) says how many copies of each repetition's distribution the pool holds. One row of
    ones is the plain pooled percentile.

    Exact and cheap however many samples there are: a pool's percentile lies between the
    smallest and the largest percentile p of the repetitions in it (each repetition has at least
    its rank at or below its own percentile, and fewer than its rank below it), so only the values
    in that range are candidates, and the pool's count at or below each candidate is
    weights @ (per-repetition counts at or below it)."""
    weights = np.atleast_2d(np.asarray(weights, dtype=np.int64))
    dists = [(np.asarray(v, dtype=np.int64), np.asarray(c, dtype=np.int64)) for v, c in dists]
    if not dists or any(len(v) == 0 for v, _ in dists):
        raise ValueError("percentile of a repetition with no samples")
    if not 0 <= p <= 100:
        raise ValueError("percentile outside [0, 100]")
    cums = [np.cumsum(c) for _, c in dists]
    n = np.array([cum[-1] for cum in cums], dtype=np.int64)
    own = [v[np.searchsorted(cum, r)] for (v, _), cum, r in zip(dists, cums, _ranks(n, p))]
    lo, hi = min(own), max(own)
    grid = np.unique(np.concatenate([v[(v >= lo) & (v <= hi)] for v, _ in dists]))
    # at_or_below[i, g]: samples of repetition i at or below grid[g]. Counts are products in
    # float64, exact below 2^53, because numpy multiplies integer matrices without BLAS, slowly.
    at_or_below = np.stack([np.concatenate(([0], cum))[np.searchsorted(v, grid, side="right")]
                            for (v, _), cum in zip(dists, cums)]).astype(np.float64)
    ranks = _ranks(weights @ n, p).astype(np.float64)
    fweights = weights.astype(np.float64)
    out = np.empty(len(weights), dtype=np.int64)
    step = max(1, 4_000_000 // max(1, len(grid)))  # keep each block of pool counts small
    for s in range(0, len(weights), step):
        pool = fweights[s:s + step] @ at_or_below
        out[s:s + step] = grid[np.argmax(pool >= ranks[s:s + step, None], axis=1)]
    return out


def pooled_means(sums, counts, weights):
    """Means of pools of repetitions (weights as in pooled_percentiles) from each repetition's
    exact sum and count."""
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    return (w @ np.asarray(sums, dtype=np.float64)) / (w @ np.asarray(counts, dtype=np.float64))


def repetition_weights(reps, rng, resamples=RESAMPLES):
    """resamples x reps counts: each row draws `reps` repetitions with replacement."""
    picks = rng.integers(0, reps, size=(resamples, reps))
    w = np.zeros((resamples, reps), dtype=np.int64)
    np.add.at(w, (np.arange(resamples)[:, None], picks), 1)
    return w


# harness/stats/repstats.cpp's t_quantile_975 table, degrees of freedom 1 to 30.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
         2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
         2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t_quantile_975(df):
    """The 97.5th percentile of Student's t with `df` (an integer >= 1) degrees of freedom, as
    the harness computes it: its table to 30, a Cornish-Fisher expansion beyond (within 0.001 of
    the exact quantile). The harness's own, not scipy's, so an interval over repetitions comes out
    the same on both sides."""
    if df < 1 or int(df) != df:
        raise ValueError(f"t quantile: df must be a whole number >= 1, got {df}")
    if df <= 30:
        return _T975[int(df) - 1]
    z, n = 1.959964, float(df)
    return z + (z ** 3 + z) / (4 * n) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * n * n)


def _t_quantile(df, confidence):
    """t quantile for a two-sided `confidence` interval: the harness's for 95 % and whole df,
    scipy's for anything else (Welch's fractional df), which the harness never computes."""
    if confidence == CONFIDENCE and df >= 1 and int(df) == df:
        return t_quantile_975(df)
    sps = _sps()
    if sps is None:
        return wpdist.t_ppf(0.5 + confidence / 2, df)
    return float(sps.t.ppf(0.5 + confidence / 2, df))


def t_interval(values, center, log=False, confidence=CONFIDENCE):
    """center ± t(n - 1) × the standard error of `values` (one value per repetition, n >= 2), as
    harness/stats/repstats.cpp's t_interval; with `log`, on log(values) around log(center), for ratios.
    With few repetitions it is wide on purpose: a bootstrap over 5 repetitions under-covers."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2:
        raise ValueError("a t interval needs at least 2 repetitions")
    c = float(center)
    if log:
        if c <= 0 or not (x > 0).all():
            raise ValueError("a t interval on the log scale needs positive values")
        x, c = np.log(x), math.log(c)
    half = _t_quantile(len(x) - 1, confidence) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return (math.exp(c - half), math.exp(c + half)) if log else (c - half, c + half)


def t_ratio_interval(num_values, den_values, ratio, paired, confidence=CONFIDENCE):
    """Interval of a ratio of two cases from their repetitions' values. Paired (measured in the
    same interleaved repetitions): a t interval on the per-repetition ratios, so drift that hit
    both cancels (as the harness's ratios). Unpaired: Welch's interval on the difference of their
    logs (scripts only: the harness only pairs cases of one run)."""
    a, b = np.log(np.asarray(num_values, dtype=np.float64)), np.log(np.asarray(den_values, dtype=np.float64))
    if paired:
        return t_interval(np.exp(a - b), ratio, log=True, confidence=confidence)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if va + vb > 0 else len(a) + len(b) - 2
    half = _t_quantile(df, confidence) * math.sqrt(va + vb)
    return ratio * math.exp(-half), ratio * math.exp(half)


def cv(values):
    """Coefficient of variation (sample standard deviation / mean); None for fewer than two."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2 or x.mean() == 0:
        return None
    return float(x.std(ddof=1) / x.mean())


def half_width(value, lo, hi):
    """The larger half of an interval around `value`: max(hi - value, value - lo), never below 0
    (as the C++ format_ratio)."""
    return max(hi - value, value - lo, 0.0)


def plus_minus(ratio, lo, hi):
    """'2.41 ± 0.05': the ratio and the larger half of its interval (as the C++ format_ratio)."""
    return f"{ratio:.2f} ± {half_width(ratio, lo, hi):.2f}"


def median(values):
    """The median of a list of numbers (the mean of the two middle ones for an even count), as
    the harness's median()."""
    x = sorted(values)
    if not x:
        raise ValueError("median of no values")
    mid = len(x) // 2
    return x[mid] if len(x) % 2 else x[mid - 1] + (x[mid] - x[mid - 1]) / 2


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
    sps = _sps()
    if sps is None:
        return wpdist.mannwhitneyu_p(current, baseline, alternative)
    return float(sps.mannwhitneyu(current, baseline, alternative=alternative).pvalue)


def kolmogorov_smirnov(current, baseline, alternative):
    """One-sided two-sample Kolmogorov-Smirnov p-value that `current` tends to be 'greater' or
    'less' than `baseline` (its distribution shifted that way anywhere, the tail included); 1.0
    when either side has fewer than two values. scipy's 'less' means the first sample's CDF lies
    below the second's: its values are larger."""
    if len(current) < 2 or len(baseline) < 2:
        return 1.0
    side = "less" if alternative == "greater" else "greater"
    sps = _sps()
    if sps is None:
        return wpdist.ks_2samp_p(current, baseline, side)
    return float(sps.ks_2samp(current, baseline, alternative=side).pvalue)


def normal_quantile(q):
    """The standard normal's quantile q in (0, 1)."""
    sps = _sps()
    return wpdist.norm_ppf(q) if sps is None else float(sps.norm.ppf(q))


def smallest_u_p_value(n1, n2):
    """The smallest one-sided p-value an exact Mann-Whitney U test can give for n1 vs n2 values
    (every value of one side above every value of the other): 1 / C(n1 + n2, n1). Exact up to
    1000 values in all; beyond, through log-gamma, so no count makes a huge integer."""
    if n1 + n2 <= 1000:
        return 1.0 / math.comb(n1 + n2, n1)
    return math.exp(math.lgamma(n1 + 1) + math.lgamma(n2 + 1) - math.lgamma(n1 + n2 + 1))


def ms(ns):
    """Nanoseconds to milliseconds for display."""
    return ns / 1e6


def fmt_ms(ns, digits=3):
    return "-" if ns is None or (isinstance(ns, float) and math.isnan(ns)) else f"{ms(ns):.{digits}f}"
