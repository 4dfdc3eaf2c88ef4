"""scripts/whatif-check's own parts, without a server: the settings it reads, the driver paths it
takes from `wpbench --list`, the comparison, table and summary it builds from (fake) runs, and
its refusals. The whole check, with a server and the delay proxy, is run by hand (docs/scripts.md)."""
import pathlib
import unittest

from fixtures import Scratch, make_run, run_script, write

import wpwhatifcheck as wc

LIST = """\
libpq/exec-params/unix            1 rt  PQexecParams in autocommit
libpq/exec-params/tcp             1 rt  PQexecParams in autocommit
libpq/exec-params/tls             1 rt  PQexecParams in autocommit [--transports tls]
libpq/tx/tcp                      3 rt  BEGIN; INSERT (PQexecParams); COMMIT
sqlite3/prepared/file             0 rt  one sqlite3_stmt prepared once
psycopg2/direct/unix              3 rt  the post's snippet
psycopg2/direct/tcp               3 rt  the post's snippet
python-sqlite3/seed/file          0 rt  the post's SQLite path
"""


def projected(name, rt, base, pred, lo, hi):
    return {"name": name, "transport": "tcp", "round_trips": rt, "connect_round_trips": 0,
            "measured_p50_ns": base, "measured_interval_ns": [base * 0.95, base * 1.05],
            "predicted_p50_ns": pred, "predicted_interval_ns": [lo, hi] if lo is not None else None,
            "delta_ns": pred - base if pred is not None else None,
            "terms": {"rtt_ns": 1, "flush_ns": 1, "rtt0_ns": 1, "flush0_ns": 1}, "note": ""}


def measured_run(p50s, status=None):
    status = status or {}
    return {"run_id": "x", "cases": [{"name": n, "status": status.get(n, "ok"), "latency_ns": {"p50": v},
                                      "interval": {"p50_ns": [v * 0.98, v * 1.02]}} for n, v in p50s.items()],
            "floors": {"round_trip_ns": {"tcp": {"p50": 1_030_000}}, "commit_flush": {"flush_p50_ns": 2_250_000}}}


class Settings(unittest.TestCase):
    def test_parsed(self):
        self.assertEqual(wc.parse_settings(wc.DEFAULT_SETTINGS), [(500, 0), (0, 2000), (500, 1000), (1000, 3000)])
        self.assertEqual(wc.parse_settings(" 500:2000 "), [(500, 2000)])

    def test_refused(self):
        for bad in ("", "500", "500:", "a:1", "-1:0", "1:2:3", "500:2000,", "1.5:0", "0:200000"):
            with self.subTest(bad=bad), self.assertRaises(wc.UsageError):
                wc.parse_settings(bad)


class Drivers(unittest.TestCase):
    def test_every_postgresql_path_once_and_no_sqlite(self):
        self.assertEqual(wc.pg_drivers(LIST), ["libpq/exec-params", "libpq/tx", "psycopg2/direct"])


class Comparison(unittest.TestCase):
    def setUp(self):
        self.projection = [projected("libpq/prepared/tcp", 1, 300_000, 2_000_000, 1_900_000, 2_100_000),
                           projected("libpq/tx/tcp", 3, 500_000, 4_000_000, 3_800_000, 4_200_000),
                           projected("psycopg2/direct/tcp", 3, 700_000, 4_200_000, 4_100_000, 4_300_000),
                           projected("libpqxx/work/tcp", 3, 600_000, 4_100_000, None, None),
                           projected("soci-postgresql/prepared/tcp", 1, 400_000, 2_100_000, 2_000_000, 2_200_000)]
        self.run = measured_run({"libpq/prepared/tcp": 2_050_000, "libpq/tx/tcp": 5_000_000,
                                 "psycopg2/direct/tcp": 4_000_000, "libpqxx/work/tcp": 4_000_000,
                                 "soci-postgresql/prepared/tcp": 9_000_000},
                                status={"soci-postgresql/prepared/tcp": "failed"})

    def test_rows(self):
        rows = {r["name"]: r for r in wc.compare(self.projection, self.run)}
        r = rows["libpq/prepared/tcp"]
        self.assertAlmostEqual(r["error"], (2_000_000 - 2_050_000) / 2_050_000)
        self.assertTrue(r["inside"])
        self.assertTrue(r["overlap"])
        r = rows["libpq/tx/tcp"]  # predicted 4.0 [3.8, 4.2], measured 5.0 [4.9, 5.1]
        self.assertAlmostEqual(r["error"], -0.2)
        self.assertFalse(r["inside"])
        self.assertFalse(r["overlap"])
        r = rows["psycopg2/direct/tcp"]  # predicted 4.2 [4.1, 4.3], measured 4.0 [3.92, 4.08]
        self.assertFalse(r["inside"])
        self.assertFalse(r["overlap"])
        self.assertIsNone(rows["libpqxx/work/tcp"]["inside"])  # no predicted interval
        self.assertIsNone(rows["soci-postgresql/prepared/tcp"]["error"])
        self.assertIn("status failed", rows["soci-postgresql/prepared/tcp"]["note"])

    def test_overlapping_intervals(self):
        run = measured_run({"libpq/tx/tcp": 4_300_000})  # [4.214, 4.386] against [3.8, 4.2]: apart
        self.assertFalse(wc.compare(self.projection[1:2], run)[0]["overlap"])
        run = measured_run({"libpq/tx/tcp": 4_250_000})  # [4.165, 4.335]: overlaps
        row = wc.compare(self.projection[1:2], run)[0]
        self.assertFalse(row["inside"])
        self.assertTrue(row["overlap"])
        self.assertEqual(wc.inside_text(row), "no; intervals overlap")

    def test_a_case_measured_but_not_projected(self):
        p = projected("psycopg2/connect-per-write/tcp", 3, 27_000_000, None, None, None)
        p["note"] = "not projected: it opens a connection per insert"
        row = wc.compare([p], measured_run({"psycopg2/connect-per-write/tcp": 30_000_000}))[0]
        self.assertEqual(row["measured_p50_ns"], 30_000_000)  # shown, though not compared
        self.assertIsNone(row["error"])
        self.assertEqual(row["note"], "not projected: it opens a connection per insert")
        self.assertEqual(wc.summarize([row])["compared"], 0)

    def test_a_case_the_run_lacks(self):
        rows = wc.compare(self.projection[:1], measured_run({}))
        self.assertIsNone(rows[0]["measured_p50_ns"])
        self.assertIn("not measured", rows[0]["note"])
        self.assertIn("| – |", wc.table(rows))

    def test_table_and_summary(self):
        rows = wc.compare(self.projection, self.run)
        text = wc.table(rows)
        lines = text.splitlines()
        rows_end = lines.index("")
        self.assertEqual(rows_end, 2 + len(self.projection))
        self.assertTrue(all(line.count("|") == 8 for line in lines[:rows_end]), text)
        # The failed case's note goes below the table, marked in its row.
        self.assertIn("| soci-postgresql/prepared/tcp [1] | 1 |", text)
        self.assertEqual(lines[rows_end + 1:], ["[1] soci-postgresql/prepared/tcp: status failed in this run"])
        self.assertIn("| libpq/prepared/tcp | 1 | 0.300 | 2.050 [2.009, 2.091] | 2.000 [1.900, 2.100] | -2.4 % | yes |",
                      text)
        self.assertIn("-20.0 % | no; intervals apart |", text)
        s = wc.summarize(rows)
        self.assertEqual((s["cases"], s["compared"], s["within_10pct"], s["inside_interval"]), (5, 4, 3, 1))
        self.assertEqual(s["worst"]["name"], "libpq/tx/tcp")
        line = wc.summary_line(s)
        self.assertIn("3 of 4 cases compared within 10 % (1 not compared)", line)
        self.assertIn("worst libpq/tx/tcp -20.0 %", line)
        st = {"delay_us": 500, "commit_delay_us": 2000, "rtt_ns": 1_030_000, "flush_ns": 2_250_000,
              "rows": rows, "summary": s}
        section = wc.setting_section(st, (30_000, 250_000))
        self.assertIn("+1000 us for a nominal +1000 us", section)
        self.assertIn("+2000 us for a commit_delay of 2000 us", section)
        self.assertIn("commit_delay 2000 us: 3 of 4 cases compared within 10 %", wc.overall([st]))
        self.assertEqual(wc.summary_line(wc.summarize([])), "no case compared (of 0)")

    def test_floors(self):
        self.assertEqual(wc.floors_of(self.run), (1_030_000.0, 2_250_000.0))
        with self.assertRaises(wc.ToolError):
            wc.floors_of({"run_id": "x", "floors": None})


class WithTheProjection(Scratch):
    """The real scripts/wpwhatif.py on a fixture run: projected to its own floors, every case is
    predicted at its own p50, so the check's rows come out exact."""

    def test_a_run_projected_onto_itself(self):
        try:
            import wpwhatif
        except ImportError:
            self.skipTest("scripts/wpwhatif.py is not there yet")
        run = make_run(reps=3)
        rtt, flush = wc.floors_of(run)
        rows = wc.compare(wpwhatif.project(run, rtt_ns=rtt, flush_ns=flush, tcp_handshake=False,
                                           transports=["tcp"]), run)
        self.assertTrue(rows)
        for r in rows:
            self.assertTrue(r["name"].endswith("/tcp"), r)
            self.assertAlmostEqual(r["error"], 0.0, places=9, msg=r)


class CommandLine(Scratch):
    def test_bad_usage(self):
        for args, needle in ((["--settings", "500"], "is not DELAY_US:COMMIT_DELAY_US"),
                             (["--samples", "0"], "must be at least 1"),
                             (["--settings", "1:999999"], "commit_delay 999999 us")):
            with self.subTest(args=args):
                self.assert_one_line_error(run_script("whatif-check", *args), 2, needle)

    def test_it_will_not_overwrite_a_file_it_did_not_write(self):
        other = self.tmp / "notes.md"
        other.write_text("# my notes\n")
        self.assert_one_line_error(run_script("whatif-check", "--out", other), 2, "not a file whatif-check wrote")
        self.assertEqual(other.read_text(), "# my notes\n")
        run = write(self.tmp / "run.json", {"tool": "wpbench"})
        self.assert_one_line_error(run_script("whatif-check", "--json", run), 2, "not a file whatif-check wrote")
        mine = self.tmp / "mine.md"
        mine.write_text(wc.MARKER + "\n# whatif-check\n")
        wc.refuse_overwrite(mine)  # its own: no error
        wc.refuse_overwrite(self.tmp / "new.md")
        with self.assertRaises(wc.UsageError):
            wc.refuse_overwrite(self.tmp / "no-such-dir" / "new.md")
        (self.tmp / "mine.json").write_text('{\n "tool": "whatif-check",\n "settings": []}\n')
        wc.refuse_overwrite(self.tmp / "mine.json", json_file=True)
        with self.assertRaises(wc.UsageError):
            wc.refuse_overwrite(self.tmp, json_file=True)

    def test_a_missing_binary(self):
        r = run_script("whatif-check", "--wpbench", pathlib.Path(self.tmp) / "no-such-binary")
        self.assert_one_line_error(r, 2, "not found (build wpbench")


if __name__ == "__main__":
    unittest.main()
