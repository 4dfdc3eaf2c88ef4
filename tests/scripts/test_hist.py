"""scripts/wphist.py: the Python reader of wpbench's latency histograms, against a hand-built
histogram, exact percentiles of synthetic data, and a histogram the C++ code wrote
(data/histogram-cpp.json, kept current by tests/test_histogram.cpp)."""
import json
import pathlib
import unittest

import numpy as np

import fixtures  # noqa: F401  (puts scripts/ on sys.path)
import wphist
import wpstats

FIXTURE = pathlib.Path(__file__).resolve().parent / "data" / "histogram-cpp.json"
PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100]


def lognormal(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(np.log(300e3), 0.6, n)
    tail = rng.random(n) < 0.01
    x[tail] = 1e6 * rng.pareto(1.2, tail.sum()) + 1e6
    return [int(v) for v in np.clip(x, 50e3, 50e6)]


class Layout(unittest.TestCase):
    def test_every_index_decodes_to_a_contiguous_range_within_one_in_1024(self):
        previous = -1
        for i in range(wphist.COUNTS_LENGTH):
            lo, hi = wphist.value_range(i)
            self.assertEqual(lo, previous + 1, i)
            self.assertEqual(wphist.index_of(lo), i)
            self.assertEqual(wphist.index_of(hi), i)
            width = hi - lo + 1
            self.assertTrue(width == 1 if lo < 2048 else width * 1024 <= lo, i)
            previous = hi
        self.assertEqual(previous, wphist.HIGHEST_TRACKABLE_NS)
        self.assertEqual(wphist.index_of(wphist.HIGHEST_TRACKABLE_NS + 1), wphist.COUNTS_LENGTH)
        with self.assertRaises(ValueError):
            wphist.value_range(wphist.COUNTS_LENGTH)


    def test_bucket_counts_is_index_of_over_an_array(self):
        # Every index's lowest and highest value land in it, and values past the layout overflow.
        edges = [v for i in range(wphist.COUNTS_LENGTH) for v in wphist.value_range(i)]
        counts, overflow = wphist.bucket_counts(edges + [wphist.HIGHEST_TRACKABLE_NS + 1, 2**63 - 1])
        self.assertEqual(counts.tolist(), [2] * wphist.COUNTS_LENGTH)
        self.assertEqual(overflow, 2)


class HandBuilt(unittest.TestCase):
    # 2 samples of 5 ns, 1 in index 2048 (2048-2049 ns), 4 in index 3000 (the 4 values from
    # (3000 - 1024) << 1 = 3952 to 3955), 1 overflow sample of 200 s.
    H = {"format": "hdr-log-linear-v1", "unit": "ns", "sub_bucket_count": 2048,
         "highest_trackable_ns": 137438953471, "count": 8, "min": 5, "max": 200_000_000_000,
         "sum": 5 + 5 + 2049 + 4 * 3953 + 200_000_000_000, "m2": 0.0, "overflow": 1,
         "buckets": [[5, 2], [2048, 1], [3000, 4]]}

    def test_decode(self):
        self.assertEqual(wphist.value_range(3000), (3952, 3953))
        values, counts = wphist.to_arrays(self.H)
        self.assertEqual(values.tolist(), [5, 2049, 3953, 200_000_000_000])
        self.assertEqual(counts.tolist(), [2, 1, 4, 1])
        self.assertEqual(wphist.expand(self.H).tolist(),
                         [5, 5, 2049, 3953, 3953, 3953, 3953, 200_000_000_000])
        # The exact min replaces the first representative value when the bucket is wider.
        h = dict(self.H, min=3952, max=3953, overflow=0, count=4, sum=4 * 3952 + 1,
                 buckets=[[3000, 4]])
        self.assertEqual(wphist.expand(h).tolist(), [3952, 3953, 3953, 3953])

    def test_percentiles_by_nearest_rank(self):
        # ranks of 8: p25 -> 2, p26 -> 3, p50 -> 4, p87.5 -> 7, p88 -> 8 (the overflow sample).
        expect = {0: 5, 25: 5, 26: 2049, 50: 3953, 87.5: 3953, 88: 200_000_000_000,
                  100: 200_000_000_000}
        for p, v in expect.items():
            self.assertEqual(wphist.percentile(self.H, p), v, p)

    def test_max_clamps_the_last_bucket(self):
        # rank 6 of 7 lies in index 3000 (3952-3953), whose highest value is above max.
        h = dict(self.H, max=3952, overflow=0, count=7, sum=5 + 5 + 2049 + 4 * 3952)
        self.assertEqual(wphist.percentile(h, 80), 3952)
        self.assertEqual(wphist.to_arrays(h)[0].tolist(), [5, 2049, 3952])

    def test_refuses_other_layouts_and_empty(self):
        for bad in (dict(self.H, format="hdr-v2"), dict(self.H, sub_bucket_count=4096), [1]):
            with self.assertRaises(ValueError):
                wphist.percentile(bad, 50)
        with self.assertRaises(ValueError):
            wphist.percentile(wphist.from_samples([]), 50)
        with self.assertRaises(ValueError):
            wphist.percentile(self.H, 101)


class Synthetic(unittest.TestCase):
    def test_percentiles_within_one_in_thousand_of_exact(self):
        for data in (lognormal(200_000, 5), [int(v) for v in np.random.default_rng(6).integers(0, 2048, 50_000)],
                     [59_000_000_000 + int(v) for v in np.random.default_rng(7).integers(0, 2e9, 5000)]):
            h = wphist.from_samples(data)
            for p in PERCENTILES:
                exact = wpstats.percentile(data, p)
                got = wphist.percentile(h, p)
                self.assertGreaterEqual(got, exact, p)
                self.assertLessEqual((got - exact) * 1000, exact, (p, exact, got))
            self.assertEqual(wphist.percentile(h, 0), min(data))
            self.assertEqual(wphist.percentile(h, 100), max(data))
            self.assertAlmostEqual(wphist.mean(h), float(np.mean(data)), delta=1e-9 * np.mean(data))
            self.assertAlmostEqual(wphist.stddev(h), float(np.std(data, ddof=1)),
                                   delta=1e-9 * np.std(data) + 1e-9)

    def test_expand_gives_the_same_percentiles(self):
        h = wphist.from_samples(lognormal(20_000, 8))
        x = wphist.expand(h)
        self.assertEqual(len(x), h["count"])
        for p in PERCENTILES:
            self.assertEqual(wpstats.percentile(x, p), wphist.percentile(h, p))

    def test_merge_of_parts_equals_recording_all(self):
        data = lognormal(30_000, 9) + [150_000_000_000]
        parts = [wphist.from_samples(data[:10_000]), wphist.from_samples([]),
                 wphist.from_samples(data[10_000:])]
        merged, whole = wphist.merge(parts), wphist.from_samples(data)
        expected_m2 = whole.pop("m2")
        self.assertAlmostEqual(merged.pop("m2"), expected_m2, delta=expected_m2 * 1e-12)
        self.assertEqual(merged, whole)
        self.assertEqual(merged["overflow"], 1)


class WrittenByCpp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = json.loads(FIXTURE.read_text())
        cls.h = cls.fixture["histogram"]

    def test_percentiles_match_the_cpp_ones(self):
        for p, value in self.fixture["percentiles"]:
            self.assertEqual(wphist.percentile(self.h, p), value, p)
        self.assertGreater(self.h["overflow"], 0)  # the fixture exercises overflow ...
        self.assertLess(self.h["buckets"][0][0], 2048)  # ... and the exact range

    def test_mean_and_stddev_match(self):
        self.assertAlmostEqual(wphist.mean(self.h), self.fixture["mean"], delta=1e-6)
        self.assertAlmostEqual(wphist.stddev(self.h), self.fixture["stddev"],
                               delta=1e-9 * self.fixture["stddev"])

    def test_python_recording_equals_cpp_recording(self):
        mine = wphist.from_samples(self.fixture["samples"])
        theirs = dict(self.h)
        # Python's m2 is exact (integers); the C++ one comes from long double sums.
        expected_m2 = theirs.pop("m2")
        self.assertAlmostEqual(mine.pop("m2"), expected_m2, delta=expected_m2 * 1e-12)
        self.assertEqual(mine, theirs)

    def test_merge_with_itself_doubles_counts_keeps_percentiles(self):
        m = wphist.merge([self.h, self.h])
        self.assertEqual(m["count"], 2 * self.h["count"])
        self.assertAlmostEqual(wphist.stddev(m), wphist.stddev(self.h), delta=wphist.stddev(self.h) * 1e-3)
        for p in (50, 99, 100):
            self.assertEqual(wphist.percentile(m, p), wphist.percentile(self.h, p))


if __name__ == "__main__":
    unittest.main()
