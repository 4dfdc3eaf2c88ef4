"""The documentation stays in step with what it documents: the options block with the binary's
--help, the README's excerpt with the published run it cites, every link with a file."""
import gzip
import os
import pathlib
import re
import subprocess
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def code_blocks(text):
    return re.findall(r"^```\n(.*?)^```$", text, flags=re.M | re.S)


class Docs(unittest.TestCase):
    @unittest.skipUnless(os.environ.get("WPBENCH_BINARY"), "WPBENCH_BINARY not set (CTest sets it)")
    def test_the_options_block_is_the_binarys_help(self):
        cli = (ROOT / "docs" / "cli.md").read_text()
        help_text = subprocess.run([os.environ["WPBENCH_BINARY"], "--help"], capture_output=True, text=True,
                                   check=True).stdout
        self.assertIn(help_text.rstrip("\n") + "\n", code_blocks(cli), "docs/cli.md: paste `wpbench --help` anew")

    def test_the_readme_excerpt_is_what_the_cited_run_printed(self):
        readme = (ROOT / "README.md").read_text()
        section = readme[readme.index("## A run, in short"):readme.index("## The verdict, in short")]
        run = re.search(r"`results/([0-9TZ.]+)/`", section).group(1)
        printed = (ROOT / "results" / run / "console.txt").read_text().splitlines()
        excerpt = code_blocks(section)[0].splitlines()
        # Every line of the excerpt, in order, is a line the run printed; "[...]" marks a cut.
        at = 0
        for line in excerpt:
            if line == "[...]":
                continue
            self.assertIn(line, printed[at:], f"README excerpt line not in results/{run}/console.txt after "
                                              f"line {at}: {line!r}")
            at = printed.index(line, at) + 1
        self.assertGreater(len(excerpt), 10)
        # The commit the README names is the one the run records.
        commit = re.search(r"commit `([0-9a-f]{12})`", section).group(1)
        published = ROOT / "results" / run / "wpbench.json"  # or, as publish writes it now, .json.gz
        head = (published.read_bytes() if published.exists()
                else gzip.decompress(published.with_suffix(".json.gz").read_bytes()))[:20000]
        self.assertIn(commit, head.decode("utf-8", "replace"))

    def test_every_link_in_the_readme_and_docs_leads_to_a_file(self):
        for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            for target in re.findall(r"\]\(([^)#]+)\)", doc.read_text()):
                if "://" in target:
                    continue
                self.assertTrue((doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to {target}")


if __name__ == "__main__":
    unittest.main()
