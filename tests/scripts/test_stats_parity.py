"""The statistics scripts/wpstats.py computes that the harness also computes, held to the
harness's own answers (tests/scripts/data/stats-cpp.json, written and kept current by
tests/test_repstats.cpp, StatsParity.PythonFixtureIsCurrent)."""
import json
import pathlib
import unittest

import fixtures  # noqa: F401  (puts scripts/ on sys.path)
import wpstats as st

FIXTURE = json.loads((pathlib.Path(__file__).parent / "data" / "stats-cpp.json").read_text())
# scipy's t quantile is exact; the harness's is a table to 30 degrees of freedom and a
# Cornish-Fisher expansion beyond (within 0.001 there): intervals agree to that.
T_TOLERANCE = 1e-3


class StatsParity(unittest.TestCase):
    def test_nearest_rank_percentiles_are_the_harness_ones_exactly(self):
        for p, expected in FIXTURE["percentiles"]:
            self.assertEqual(st.percentile(FIXTURE["samples"], p), expected, p)

    def test_t_quantiles_agree(self):
        for df, expected in FIXTURE["t_quantile_975"]:
            self.assertAlmostEqual(float(st._sps().t.ppf(0.975, df)), expected,
                                   delta=T_TOLERANCE * expected, msg=df)

    def test_intervals_and_cv_agree(self):
        def near(got, expected, tolerance, what):
            for g, e in zip(got, expected):
                self.assertAlmostEqual(g, e, delta=tolerance * abs(e), msg=what)

        for rep in FIXTURE["repetitions"]:
            n = len(rep["values"])
            # An interval's half-width carries the t quantile's error; its ends, relative to
            # their size, much less.
            near(st.t_interval(rep["values"], rep["center"]), rep["t_interval"], T_TOLERANCE, f"t, {n}")
            near(st.t_interval(rep["values"], rep["center"], log=True), rep["t_interval_log"], T_TOLERANCE,
                 f"log t, {n}")
            near(st.t_ratio_interval(rep["values"], rep["den_values"], rep["ratio"], paired=True),
                 rep["paired_ratio_interval"], T_TOLERANCE, f"paired ratio, {n}")
            self.assertAlmostEqual(st.cv(rep["values"]), rep["cv"], delta=1e-12 * rep["cv"], msg=f"cv, {n}")


if __name__ == "__main__":
    unittest.main()
