"""The statistics scripts/wpstats.py computes that the harness also computes, held to the
harness's own answers (tests/scripts/data/stats-cpp.json, written and kept current by
tests/test_repstats.cpp, StatsParity.PythonFixtureIsCurrent): nearest-rank percentiles, the t
quantile, t intervals (linear, log, paired ratio), CV, and a case pooled over repetitions as
harness/analysis/pooling.cpp pools it (summary, the p50, mean and p99 intervals, CV, the p50 and
p99 ratios and differences to another case), from raw samples and from histograms only, and how
many samples one repetition needs for a percentile's bootstrap interval. The scripts redo these only to pool several
files; pooled, one file's repetitions must give what the file says."""
import json
import pathlib
import unittest

import numpy as np

import fixtures  # noqa: F401  (puts scripts/ on sys.path)
import wpdist
import wphist
import wpstats as st

FIXTURE = json.loads((pathlib.Path(__file__).parent / "data" / "stats-cpp.json").read_text())
# Both sides take the t quantile from the harness's table and compute in doubles: they agree to
# rounding, not to the 0.1 % of the Cornish-Fisher expansion.
REL = 1e-9
SUMMARY = (("min", 0), ("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9), ("max", 100))


class StatsParity(unittest.TestCase):
    def near(self, got, expected, what, rel=REL):
        got, expected = (got, expected) if isinstance(expected, list) else ([got], [expected])
        self.assertEqual(len(got), len(expected), what)
        for g, e in zip(got, expected):
            self.assertAlmostEqual(g, e, delta=rel * abs(e), msg=what)

    def test_nearest_rank_percentiles_are_the_harness_ones_exactly(self):
        for p, expected in FIXTURE["percentiles"]:
            self.assertEqual(st.percentile(FIXTURE["samples"], p), expected, p)

    def test_t_quantiles_are_the_harness_ones(self):
        for df, expected in FIXTURE["t_quantile_975"]:
            self.near(st.t_quantile_975(df), expected, df, rel=1e-12)
            # and the harness's are within 0.1 % of the exact quantile
            self.near(float(st._sps().t.ppf(0.975, df)), expected, df, rel=1e-3)

    def test_intervals_and_cv_agree(self):
        for rep in FIXTURE["repetitions"]:
            n = len(rep["values"])
            self.near(st.t_interval(rep["values"], rep["center"]), rep["t_interval"], f"t, {n}")
            self.near(st.t_interval(rep["values"], rep["center"], log=True), rep["t_interval_log"], f"log t, {n}")
            self.near(st.t_ratio_interval(rep["values"], rep["den_values"], rep["ratio"], paired=True),
                      rep["paired_ratio_interval"], f"paired ratio, {n}")
            self.near(st.cv(rep["values"]), rep["cv"], f"cv, {n}", rel=1e-12)

    def test_bootstrap_minimums_are_the_harness_ones(self):
        for p, expected in FIXTURE["bootstrap_min_samples"]:
            self.assertTrue(st.can_block_bootstrap(expected, p), p)
            self.assertFalse(st.can_block_bootstrap(expected - 1, p), p)


class PoolingParity(unittest.TestCase):
    """A case's repetitions pooled by the scripts (wpbench_results.Case over several files does
    this) against the same repetitions pooled by the harness."""

    P = FIXTURE["pooling"]

    def near(self, got, expected, what):
        StatsParity.near(self, got, expected, what)

    def check(self, dists, per_rep, pooled_mean, rep_means, expected):
        """Pooled percentiles from `dists`, intervals over `per_rep(p)` and `rep_means`."""
        ones = [[1] * len(dists)]
        for key, p in SUMMARY:
            self.assertEqual(int(st.pooled_percentiles(dists, p, ones)[0]), expected["latency_ns"][key], key)
        self.near(pooled_mean, expected["latency_ns"]["mean"], "mean")
        p50 = expected["latency_ns"]["p50"]
        self.near(st.t_interval(per_rep(50), p50, log=True), expected["p50_interval"], "p50 interval")
        self.near(st.t_interval(rep_means, pooled_mean, log=True), expected["mean_interval"], "mean interval")
        p99 = expected["latency_ns"]["p99"]
        self.near(st.t_interval(per_rep(99), p99, log=True), expected["p99_interval"], "p99 interval")
        self.near(st.cv(per_rep(50)), expected["cv_p50"], "cv")

    def test_raw_samples_pool_as_the_harness_pools_them(self):
        reps, den, want = self.P["repetitions"], self.P["den_repetitions"], self.P["raw"]
        everything = [v for r in reps for v in r]
        self.check([st.dist(r) for r in reps], lambda p: [st.percentile(r, p) for r in reps],
                   sum(everything) / len(everything), [sum(r) / len(r) for r in reps], want)
        # The ratio to the other case and the difference, paired by repetition.
        a, b = [st.percentile(r, 50) for r in reps], [st.percentile(r, 50) for r in den]
        ratio = want["latency_ns"]["p50"] / st.percentile([v for r in den for v in r], 50)
        self.near(ratio, want["ratio"], "ratio")
        self.near(st.t_ratio_interval(a, b, ratio, paired=True), want["ratio_interval"], "ratio interval")
        diff = want["latency_ns"]["p50"] - st.percentile([v for r in den for v in r], 50)
        self.assertEqual(diff, want["difference_ns"])
        self.near(st.t_interval([x - y for x, y in zip(a, b)], diff), want["difference_interval"],
                  "difference interval")
        # The same pair's p99, paired the same way.
        a, b = [st.percentile(r, 99) for r in reps], [st.percentile(r, 99) for r in den]
        den99 = st.percentile([v for r in den for v in r], 99)
        ratio = want["latency_ns"]["p99"] / den99
        self.near(ratio, want["p99_ratio"], "p99 ratio")
        self.near(st.t_ratio_interval(a, b, ratio, paired=True), want["p99_ratio_interval"], "p99 ratio interval")
        diff = want["latency_ns"]["p99"] - den99
        self.assertEqual(diff, want["p99_difference_ns"])
        self.near(st.t_interval([x - y for x, y in zip(a, b)], diff), want["p99_difference_interval"],
                  "p99 difference interval")

    def test_histograms_pool_as_the_harness_pools_them(self):
        hs = [wphist.from_samples(r) for r in self.P["repetitions"]]
        want = self.P["histogram_only"]
        merged = wphist.merge(hs)
        for key, p in SUMMARY:  # the merged histogram's percentiles are the harness's ...
            self.assertEqual(wphist.percentile(merged, p), want["latency_ns"][key], key)
        self.near(wphist.stddev(merged), want["latency_ns"]["stddev"], "stddev")
        # ... and so are the pooled percentiles of the repetitions' histograms
        self.check([wphist.to_arrays(h) for h in hs], lambda p: [wphist.percentile(h, p) for h in hs],
                   wphist.mean(merged), [wphist.mean(h) for h in hs], want)


if __name__ == "__main__":
    unittest.main()


class WithoutScipy(unittest.TestCase):
    """scripts/wpdist.py, which stands in for scipy.stats where the Debian package's VM has no
    scipy, against scipy itself (installed here by scripts/setup)."""

    @classmethod
    def setUpClass(cls):
        from scipy import stats
        cls.sps = stats
        cls.rng = np.random.default_rng(20261130)

    def test_quantiles(self):
        for df in (1, 1.5, 2, 3.7, 5, 10, 29.3, 100, 1000):
            for p in (0.6, 0.9, 0.975, 0.995, 0.9995):
                want = self.sps.t.ppf(p, df)
                self.assertLess(abs(wpdist.t_ppf(p, df) - want) / want, 1e-8, (p, df))
                self.assertAlmostEqual(wpdist.t_ppf(1 - p, df), -want, delta=1e-8 * want)
        for q in (1e-10, 0.001, 0.5, 0.9, 0.999999):
            self.assertAlmostEqual(wpdist.norm_ppf(q), self.sps.norm.ppf(q), delta=1e-12)

    def samples(self):
        """Pairs of samples: small and untied (scipy's exact U), small and large with ties
        (its normal approximation), and continuous ones of the gate's sizes."""
        for trial in range(120):
            small = trial % 3 != 0
            n1, n2 = (int(self.rng.integers(2, 12)), int(self.rng.integers(2, 12))) if small else \
                (int(self.rng.integers(9, 400)), int(self.rng.integers(9, 400)))
            if trial % 2:
                yield self.rng.integers(0, 20, n1).astype(float), self.rng.integers(0, 22, n2).astype(float)
            else:
                yield self.rng.lognormal(0, 1, n1), self.rng.lognormal(0.2, 1, n2)

    def test_mann_whitney_is_scipys(self):
        exact = 0
        for x, y in self.samples():
            exact += (len(x) <= 8 or len(y) <= 8) and len(set(x) | set(y)) == len(x) + len(y)
            for side in ("greater", "less"):
                self.assertAlmostEqual(wpdist.mannwhitneyu_p(x, y, side),
                                       self.sps.mannwhitneyu(x, y, alternative=side).pvalue, delta=1e-12)
        self.assertGreater(exact, 10)  # the exact distribution was exercised, not only the normal one

    def test_kolmogorov_smirnov_is_scipys_asymptotic_and_near_its_exact(self):
        for x, y in self.samples():
            for side in ("greater", "less"):
                self.assertAlmostEqual(wpdist.ks_2samp_p(x, y, side),
                                       self.sps.ks_2samp(x, y, alternative=side, method="asymp").pvalue,
                                       delta=1e-12)
        # scipy's default is exact up to 10,000 values a side: at the gate's sizes the
        # approximation is a little smaller (bolder), by at most 15 % of the p-value here.
        for n in (200, 1000, 3000):
            for shift in (0.0, 0.05, 0.1):
                x, y = self.rng.lognormal(shift, 0.5, n), self.rng.lognormal(0, 0.5, n)
                exact = self.sps.ks_2samp(x, y, alternative="less").pvalue
                self.assertLess(abs(wpdist.ks_2samp_p(x, y, "less") - exact) / exact, 0.15, (n, shift))
