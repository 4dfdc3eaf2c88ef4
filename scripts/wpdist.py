"""The few distribution functions the scripts need, without scipy: on a VM where wpbench was
installed from its Debian package, scipy is only suggested, because in Debian 12 it depends on
python3-pythran, which brings a compiler (docs/target-vm.md). scripts/wpstats.py uses scipy.stats
when it is there and these otherwise; tests/scripts/test_stats_parity.py checks them against
scipy.

- norm_ppf: the standard library's NormalDist.
- t_ppf: Student's t quantile, by bisection on its CDF (the regularized incomplete beta function
  by its continued fraction, as in Numerical Recipes' betacf); within 1e-9 of scipy's.
- mannwhitneyu_p: scipy 1.10's mannwhitneyu p-value, method 'auto', as scipy computes it: the
  exact distribution of U when both samples are small (one has at most 8 values) and there are no
  ties, else the normal approximation with the tie correction and the continuity correction.
- ks_2samp_p: the one-sided two-sample Kolmogorov-Smirnov p-value by Hodges' approximation, which
  is what scipy's ks_2samp computes with method 'asymp'. scipy's default takes the exact
  distribution up to 10,000 values a side; the approximation is within a few per cent of it in
  relative terms at the sizes the gate sees (hundreds of values and up), and the test says how
  far.
"""
import math
import statistics

import numpy as np


def norm_ppf(q):
    """The standard normal's quantile q in (0, 1)."""
    return statistics.NormalDist().inv_cdf(q)


def norm_sf(z):
    """P(Z > z) for the standard normal, accurate in the far tail (erfc, not 1 - cdf)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def _betacf(a, b, x):
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return h


def _betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with `df` (> 0, fractional allowed) degrees of freedom."""
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_ppf(p, df):
    """Student's t quantile p in (0, 1), by bisection on t_cdf."""
    if not 0 < p < 1 or not df > 0:
        raise ValueError(f"t quantile: p in (0, 1) and df > 0 needed, got p={p}, df={df}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_ppf(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


def _rank_data(x):
    """Average ranks (1-based), ties sharing the mean of their ranks, and the tie-group sizes."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.r_[0, np.flatnonzero(xs[1:] != xs[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(xs)])
    avg = starts + (sizes + 1) / 2.0
    ranks = np.empty(len(xs))
    ranks[order] = np.repeat(avg, sizes)
    return ranks, sizes


def _u_counts(m, n):
    """How many of the C(m+n, m) orderings of two untied samples give U = 0 .. m*n."""
    # c[j][u]: orderings of i values of the first sample and j of the second with U = u, built
    # one value of the first sample at a time (it exceeds k of the second: U grows by k).
    counts = np.zeros((n + 1, m * n + 1))
    counts[:, 0] = 1  # no value of the first sample yet
    for i in range(1, m + 1):
        nxt = np.zeros_like(counts)
        nxt[0, 0] = 1
        for j in range(1, n + 1):
            # The largest of i + j values is the first sample's (U gains j) or the second's.
            nxt[j] = nxt[j - 1]
            nxt[j][j:] += counts[j][: m * n + 1 - j]
        counts = nxt
    return counts[n]


def mannwhitneyu_p(x, y, alternative):
    """p-value that x tends to be 'greater' or 'less' than y, as scipy.stats.mannwhitneyu(x, y,
    alternative=...) with its defaults (method 'auto', continuity correction)."""
    n1, n2 = len(x), len(y)
    ranks, ties = _rank_data(np.concatenate([np.asarray(x, float), np.asarray(y, float)]))
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    u = u1 if alternative == "greater" else n1 * n2 - u1
    tied = bool((ties > 1).any())
    if (n1 > 8 and n2 > 8) or tied:
        n = n1 + n2
        tie_term = float((ties.astype(np.float64) ** 3 - ties).sum())
        s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        if s == 0:
            return 1.0
        return min(1.0, max(0.0, norm_sf((u - n1 * n2 / 2 - 0.5) / s)))
    counts = _u_counts(n1, n2)
    return min(1.0, float(counts[int(round(u)):].sum() / counts.sum()))


def ks_2samp_p(x, y, alternative):
    """p-value of scipy.stats.ks_2samp(x, y, alternative=..., method='asymp'): 'less' when x's
    CDF lies below y's somewhere (x's values larger), 'greater' for the other side."""
    a, b = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    n1, n2 = len(a), len(b)
    both = np.concatenate([a, b])
    cdf1 = np.searchsorted(a, both, side="right") / n1
    cdf2 = np.searchsorted(b, both, side="right") / n2
    d = float(np.max(cdf1 - cdf2) if alternative == "greater" else np.max(cdf2 - cdf1))
    d = max(d, 0.0)
    m, n = max(n1, n2), min(n1, n2)
    en = m * n / (m + n)
    z = math.sqrt(en) * d
    # Hodges' approximation (his eqn 5.3), m the larger sample, as scipy's 'asymp' one-sided.
    expt = -2 * z ** 2 - 2 * z * (m + 2 * n) / math.sqrt(m * n * (m + n)) / 3.0
    return min(1.0, max(0.0, math.exp(expt)))
