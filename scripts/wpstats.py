"""Statistics for the result scripts: pure functions over latency samples (ns), no I/O.

Percentiles use the nearest-rank definition, as wpbench's C++ statistics do, so a p50 printed
here equals the p50 in the result file for the same samples.

Intervals come from a bootstrap whose unit keeps the correlation in: with several repetitions
of a case, whole repetitions are resampled (that also sees drift between repetitions); with one,
blocks of consecutive samples. Consecutive latencies are correlated (a checkpoint, a noisy
neighbour, the WAL writer's rhythm), so resampling single samples as if independent would print
intervals several times too narrow.

A repetition enters the repetition bootstrap as a distribution: (values ascending, counts), from
its raw samples (dist) or from its histogram (wphist.to_arrays), so a repetition that kept only
its histogram pools like one that kept every sample.
"""
import math

import numpy as np

CONFIDENCE = 0.95
BLOCKS = 50  # a bootstrap resample is made of this many blocks ...
MIN_BLOCK = 50  # ... of at least this many consecutive samples
RESAMPLES = 1000


def _sps():
    """scipy.stats, imported when first needed: it is most of a script's start-up time, and
    validation and every error path do without it."""
    from scipy import stats
    return stats


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
    """Samples needed before percentile p means more than 'the few largest': ten beyond it."""
    return math.ceil(10 * 100 / (100 - p)) if p < 100 else math.inf


def _block_weights(samples, rng, resamples):
    """The samples cut into blocks of consecutive samples (max(MIN_BLOCK, n / BLOCKS) each, a
    remainder dropped), and `resamples` block-bootstrap draws as counts per block: a resample
    is each block repeated as often as its row says, as long as the input (less the remainder)."""
    x = np.asarray(samples, dtype=np.int64)
    n = len(x)
    size = max(MIN_BLOCK, n // BLOCKS)
    k = max(1, n // size)
    blocks = x[: k * size].reshape(k, size) if n >= size else x.reshape(1, n)
    return blocks, repetition_weights(len(blocks), rng, resamples)


def _resampled_percentiles(samples, p, rng, resamples):
    blocks, weights = _block_weights(samples, rng, resamples)
    return pooled_percentiles([dist(b) for b in blocks], p, weights)


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


def mean_ci(samples, confidence=CONFIDENCE, resamples=RESAMPLES, seed=1):
    """Block-bootstrap interval of the mean of one repetition's time-ordered samples."""
    if len(samples) == 0:
        raise ValueError("confidence interval of no samples")
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


def t_interval(values, center, log=False, confidence=CONFIDENCE):
    """center ± t(n - 1) × the standard error of `values` (one value per repetition, n >= 2), as
    harness/stats/repstats.cpp's t_interval; with `log`, on log(values) around log(center), for ratios.
    With few repetitions it is wide on purpose: a bootstrap over 5 repetitions under-covers."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2:
        raise ValueError("a t interval needs at least 2 repetitions")
    c = float(center)
    if log:
        x, c = np.log(x), math.log(c)
    half = float(_sps().t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return (math.exp(c - half), math.exp(c + half)) if log else (c - half, c + half)


def t_ratio_interval(num_values, den_values, ratio, paired, confidence=CONFIDENCE):
    """Interval of a ratio of two cases from their repetitions' values. Paired (measured in the
    same interleaved repetitions): a t interval on the per-repetition ratios, so drift that hit
    both cancels. Unpaired: Welch's interval on the difference of their logs."""
    a, b = np.log(np.asarray(num_values, dtype=np.float64)), np.log(np.asarray(den_values, dtype=np.float64))
    if paired:
        return t_interval(np.exp(a - b), ratio, log=True, confidence=confidence)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if va + vb > 0 else len(a) + len(b) - 2
    half = float(_sps().t.ppf(0.5 + confidence / 2, df) * math.sqrt(va + vb))
    return ratio * math.exp(-half), ratio * math.exp(half)


def cv(values):
    """Coefficient of variation (sample standard deviation / mean); None for fewer than two."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2 or x.mean() == 0:
        return None
    return float(x.std(ddof=1) / x.mean())


def plus_minus(ratio, lo, hi):
    """'2.41 ± 0.05': the ratio and the larger half of its interval (as the C++ format_ratio)."""
    return f"{ratio:.2f} ± {max(hi - ratio, ratio - lo):.2f}"


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
    return float(_sps().mannwhitneyu(current, baseline, alternative=alternative).pvalue)


def kolmogorov_smirnov(current, baseline, alternative):
    """One-sided two-sample Kolmogorov-Smirnov p-value that `current` tends to be 'greater' or
    'less' than `baseline` (its distribution shifted that way anywhere, the tail included); 1.0
    when either side has fewer than two values. scipy's 'less' means the first sample's CDF lies
    below the second's: its values are larger."""
    if len(current) < 2 or len(baseline) < 2:
        return 1.0
    side = "less" if alternative == "greater" else "greater"
    return float(_sps().ks_2samp(current, baseline, alternative=side).pvalue)


def normal_quantile(q):
    """The standard normal's quantile q in (0, 1)."""
    return float(_sps().norm.ppf(q))


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
