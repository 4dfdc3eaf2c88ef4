"""What every script's entry point (scripts/claims, report, ...) runs its module's main() inside:
a Python module that a Debian package brings, when it is missing, ends the script with one line
that names the package, instead of a traceback. The exit code is 2, as for unusable input: the
script reached no verdict (the gate's 1 means a regression).

The Debian package of wpbench recommends numpy and jsonschema, so an installation without
recommends lands here (docs/target-vm.md). It only suggests scipy and matplotlib, and the scripts
do without them (scripts/wpdist.py stands in for scipy; the report leaves its plots out); the
lines for them stay for a module imported without that care. In Debian 12 scipy depends
on python3-pythran, which brings g++ and -dev packages; matplotlib depends on python3-fonttools,
which takes scipy unless python3-munkres, its other choice, is installed with it. The line says
how to keep a compiler off the VM.
"""
import contextlib
import os
import sys

# The modules the scripts import that Debian's python3 does not bring, and how to install each.
INSTALL = {"numpy": "apt-get install python3-numpy",
           "jsonschema": "apt-get install python3-jsonschema",
           "scipy": "apt-get install python3-scipy, which brings a compiler; or run this on another machine",
           "matplotlib": "apt-get install --no-install-recommends python3-matplotlib python3-munkres, "
                         "which keeps scipy and its compiler off; or run this on another machine"}


@contextlib.contextmanager
def debian_modules():
    """Runs the block; a ModuleNotFoundError for a module of INSTALL becomes one line on stderr
    and exit 2. Any other error goes on as it was."""
    try:
        yield
    except ModuleNotFoundError as e:
        module = (e.name or "").partition(".")[0]
        if module not in INSTALL:
            raise
        prog = os.path.basename(sys.argv[0])
        print(f"{prog}: python module {module} is missing ({INSTALL[module]})", file=sys.stderr)
        sys.exit(2)
