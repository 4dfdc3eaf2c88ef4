#!/usr/bin/python3
"""The Debian package (packaging/CMakeLists.txt, scripts/package) holds what the target VM needs
and depends on nothing else.

Usage: package.py (--deb FILE | --cpack-config build/CPackConfig.cmake) [--result RESULT.json]

With --cpack-config, builds the package from the build tree into a temp dir first (cpack, a few
seconds: nothing is compiled). Then checks that:
  - every shared library the package's ELF files need (objdump -p: NEEDED, found by ldd) belongs,
    by dpkg -S, to a package its Depends names; and the check itself, given those Depends less
    one package, finds it missing (so it can fail);
  - no relation (Depends, Recommends, Suggests) names a -dev package or a build tool, and
    nothing that apt installs with the package by default (Depends and Recommends, and theirs,
    all the way down: apt-cache depends --recurse) is a compiler or a -dev package;
  - the files are there: /usr/bin/wpbench, the toggle library, every wpbench-<script> and its
    man page, wpbench.1, the docs;
  - unpacked (dpkg-deb -x), from another directory: wpbench --version runs, every
    wpbench-<script> --help runs, the scripts find their data (schemas, claims.json,
    gate-policy.json) inside the unpacked tree and know they are installed, and
    wpbench-validate-result validates a published run (the smallest, or --result).
Prints one line per check; exit 0 when all hold, 1 otherwise.
"""
import argparse
import concurrent.futures
import glob
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPTS = ["claims", "whatif", "report", "gate", "publish", "validate-result", "precision", "gate-check",
           "pgbench-check", "merge"]
BUILD_TOOLS = {"g++", "gcc", "cpp", "cmake", "make", "build-essential", "pkg-config", "help2man", "dpkg-dev"}
# What must not come with the package: a compiler (also a virtual one, <c++-compiler>), a build
# tool, a -dev package.
BUILD = re.compile(r"^(g\+\+|gcc|cpp|clang)(-[0-9.]+)?$|^<c(\+\+)?-compiler>$|^(cmake|make|build-essential)$|-dev$")
FILES = ["usr/bin/wpbench", "usr/lib/wpbench/libwpbench_toggle.so", "usr/share/man/man1/wpbench.1.gz",
         "usr/share/doc/wpbench/README.md", "usr/share/doc/wpbench/docs/target-vm.md",
         "usr/share/wpbench/results/wpbench-result.schema.json", "usr/share/wpbench/scripts/claims.json",
         "usr/share/wpbench/scripts/gate-policy.json", "usr/share/wpbench/sql/schema.sql",
         *(f"usr/bin/wpbench-{s}" for s in SCRIPTS), *(f"usr/share/man/man1/wpbench-{s}.1.gz" for s in SCRIPTS)]
# Run with the unpacked scripts: where each finds its data, and whether it knows it is installed.
DATA_PROBE = """
import sys
sys.dont_write_bytecode = True
import wpbench_results as wr, wpclaims, wpgate
print(wr.INSTALLED)
for p in [*wr.SCHEMAS.values(), wpclaims.DEFAULT_CLAIMS, wpgate.DEFAULT_POLICY]:
    print(p)
"""


def out(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw).stdout


def relations(field):
    """The package names of a Depends-like field: alternatives flattened, versions and
    architecture qualifiers dropped."""
    names = set()
    for alternative in re.split(r"[,|]", field):
        name = re.sub(r"\(.*?\)|\[.*?\]|:\w+", "", alternative).strip()
        if name:
            names.add(name)
    return names


def closure(packages):
    """Every package apt could install with `packages` and their Depends, Pre-Depends and
    Recommends, all the way down (alternatives included), from this machine's apt cache."""
    r = subprocess.run(["apt-cache", "depends", "--recurse", "--no-suggests", "--no-conflicts", "--no-breaks",
                        "--no-replaces", "--no-enhances", *sorted(packages)], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()[-300:]
    return {line for line in r.stdout.splitlines() if line and not line.startswith(" ")}, ""


def elf_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.read_bytes()[:4] == b"\x7fELF":
            yield path


def needed(elf):
    """NEEDED of `elf` -> the path ldd finds it at (None when it finds none)."""
    names = re.findall(r"^\s*NEEDED\s+(\S+)", out(["objdump", "-p", str(elf)]), flags=re.M)
    found = dict(re.findall(r"^\s*(\S+) => (\S+)", out(["ldd", str(elf)]), flags=re.M))
    return {n: (found.get(n) if found.get(n, "not") != "not" else None) for n in names}


def owners(paths):
    """path -> the package that holds it (dpkg -S), trying the other side of the merged /usr
    (dpkg knows /lib/... for some libraries and /usr/lib/... for others)."""
    variants = {p: [p, p[4:] if p.startswith("/usr/") else "/usr" + p] for p in paths}
    asked = sorted({v for vs in variants.values() for v in vs})
    r = subprocess.run(["dpkg", "-S", *asked], capture_output=True, text=True)
    held = {}
    for line in r.stdout.splitlines():
        pkgs, _, path = line.rpartition(": ")
        if pkgs and not line.startswith("diversion"):
            held[path] = pkgs.split(",")[0].split(":")[0].strip()
    return {p: next((held[v] for v in vs if v in held), None) for p, vs in variants.items()}


def library_problems(libs, depends):
    """libs: {(elf, NEEDED): path}; the libraries whose package is not in `depends`."""
    pkgs = owners(sorted({p for p in libs.values() if p}))
    problems = []
    for (elf, name), path in sorted(libs.items()):
        if path is None:
            problems.append(f"{elf}: {name} not found by ldd")
        elif pkgs[path] is None:
            problems.append(f"{elf}: {name} ({path}) belongs to no package (dpkg -S)")
        elif pkgs[path] not in depends:
            problems.append(f"{elf}: {name} is in {pkgs[path]}, which Depends does not name")
    return problems, {pkgs[p] for p in libs.values() if p and pkgs[p]}


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, what, problems):
        print(f"{'ok' if not problems else 'FAIL'}: {what}")
        for p in problems:
            print(f"  {p}")
        self.failed += bool(problems)


def build(cpack_config, into):
    r = subprocess.run(["cpack", "--config", cpack_config, "-B", into], capture_output=True, text=True)
    debs = glob.glob(os.path.join(into, "*.deb"))
    if r.returncode != 0 or len(debs) != 1:
        sys.exit(f"package.py: cpack failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-2000:]}")
    return debs[0]


def main(argv):
    ap = argparse.ArgumentParser(prog="package.py", description=__doc__.split("\n\n")[0])
    given = ap.add_mutually_exclusive_group(required=True)
    given.add_argument("--deb", help="the package to check")
    given.add_argument("--cpack-config", help="build the package with this CPackConfig.cmake first")
    ap.add_argument("--result", help="a result file for wpbench-validate-result (default: the smallest published run)")
    args = ap.parse_args(argv[1:])
    result = args.result or min(ROOT.glob("results/*/wpbench.json"), key=lambda p: p.stat().st_size)
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="wpbench-package-") as tmp:
        deb = args.deb or build(args.cpack_config, os.path.join(tmp, "cpack"))
        print(f"package: {deb}")
        fields = {f: out(["dpkg-deb", "-f", deb, f]).strip() for f in ("Depends", "Recommends", "Suggests")}
        for f, v in fields.items():
            print(f"{f}: {v}")
        depends = relations(fields["Depends"])
        root = pathlib.Path(tmp, "root")
        out(["dpkg-deb", "-x", deb, str(root)])
        elfs = list(elf_files(root))
        libs = {(str(e.relative_to(root)), n): p for e in elfs for n, p in needed(e).items()}
        problems, used = library_problems(libs, depends)
        c.check(f"the {len(libs)} libraries {len(elfs)} ELF files need are in packages Depends names", problems)
        # The check above, shown able to fail: Depends without the package of one library.
        dropped = sorted(used)[0] if used else None
        caught, _ = library_problems(libs, depends - {dropped})
        c.check(f"without {dropped} in Depends, that check fails",
                [] if any(dropped in p for p in caught) else [f"{dropped} dropped, nothing reported"])
        bad = sorted(f"{f}: {n}" for f, v in fields.items() for n in relations(v)
                     if n.endswith("-dev") or n in BUILD_TOOLS)
        c.check("no -dev package or build tool in Depends, Recommends or Suggests", bad)
        pulled, error = closure(depends | relations(fields["Recommends"]))
        c.check(f"no compiler or -dev package among the {len(pulled or ())} packages Depends and Recommends "
                "bring, all the way down", [error] if pulled is None else sorted(p for p in pulled if BUILD.search(p)))
        c.check("the files are there", [f for f in FILES if not os.path.lexists(root / f)])

        cwd = pathlib.Path(tmp, "elsewhere")
        cwd.mkdir()
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        runs = [[str(root / "usr/bin/wpbench"), "--version"],
                *([str(root / f"usr/bin/wpbench-{s}"), "--help"] for s in SCRIPTS)]
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:  # each is mostly Python's start-up
            done = pool.map(lambda cmd: subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True), runs)
        failed = [f"{' '.join(r.args[-2:])}: exit {r.returncode}: {r.stderr.strip()[-300:]}"
                  for r in done if r.returncode != 0 or not r.stdout.strip()]
        c.check(f"unpacked, from another directory, wpbench --version and {len(SCRIPTS)} scripts' --help run",
                failed)
        scripts = root / "usr/share/wpbench/scripts"
        probe = subprocess.run([sys.executable, "-c", DATA_PROBE], cwd=scripts, env=env, capture_output=True,
                               text=True)
        lines = probe.stdout.split()
        data = [p for p in lines[1:] if not (pathlib.Path(p).is_file() and pathlib.Path(p).is_relative_to(root))]
        c.check("the unpacked scripts know they are installed and find their data inside the package",
                [probe.stderr.strip()[-300:]] if probe.returncode else
                (["wpbench_results.INSTALLED is not True"] if lines[:1] != ["True"] else []) + data)
        r = subprocess.run([str(root / "usr/bin/wpbench-validate-result"), str(result)], cwd=cwd, env=env,
                           capture_output=True, text=True)
        c.check(f"wpbench-validate-result validates {pathlib.Path(result).parent.name}",
                [] if r.returncode == 0 else [r.stderr.strip()[-300:]])
    print(f"{'all checks hold' if not c.failed else f'{c.failed} check(s) failed'}")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
