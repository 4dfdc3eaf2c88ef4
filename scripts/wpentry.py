"""What every script's entry point (scripts/claims, report, ...) runs its module's main() inside:
a Python module that a Debian package brings, when it is missing, ends the script with one line
that names the package, instead of a traceback. The exit code is 2, as for unusable input: the
script reached no verdict (the gate's 1 means a regression).

The Debian package of wpbench recommends numpy and jsonschema, and only suggests scipy (the
gate's tests; in bookworm it brings a compiler) and matplotlib (the report's plots), so an
installation without recommends, or a gate or a report on a VM without them, lands here
(docs/target-vm.md).
"""
import contextlib
import os
import sys

# The modules the scripts import that Debian's python3 does not bring, and their packages.
PACKAGES = {"numpy": "python3-numpy", "jsonschema": "python3-jsonschema", "scipy": "python3-scipy",
            "matplotlib": "python3-matplotlib"}


@contextlib.contextmanager
def debian_modules():
    """Runs the block; a ModuleNotFoundError for a module of PACKAGES becomes one line on stderr
    and exit 2. Any other error goes on as it was."""
    try:
        yield
    except ModuleNotFoundError as e:
        module = (e.name or "").partition(".")[0]
        if module not in PACKAGES:
            raise
        prog = os.path.basename(sys.argv[0])
        print(f"{prog}: python module {module} is missing (apt-get install {PACKAGES[module]})", file=sys.stderr)
        sys.exit(2)
