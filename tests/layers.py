#!/usr/bin/python3
"""The dependency rule of harness/ (docs/architecture.md), checked.

harness/layers.json lists the folders of harness/ bottom first, each with the folders its files
may include. This fails (exit 1, one line per problem) when:

- a file in harness/<folder>/ includes a project header ("x/...") of a folder not in its list,
  or includes one without its folder ("paths.hpp", "../pg.hpp"), or one that does not exist;
- a folder may include one listed after it (the table must point down only, so it has no cycle),
  or one that is not in the table;
- a source file sits directly in harness/, or a folder with sources is not in the table, or a
  folder in the table does not exist;
- a folder's CMakeLists.txt is not one wpbench_layer() call for that folder, or links the
  library of another folder itself (wpbench_layer links the ones layers.json allows);
- the table in docs/architecture.md is not the one layers.json makes.

`layers.py --markdown` prints that table.
"""

import json
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
HARNESS = os.path.join(ROOT, "harness")
LAYERS = os.path.join(HARNESS, "layers.json")
DOC = os.path.join(ROOT, "docs", "architecture.md")
SOURCE_EXT = (".hpp", ".cpp", ".h", ".c")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
DOC_BEGIN = "<!-- layers.json: begin (tests/layers.py --markdown) -->"
DOC_END = "<!-- layers.json: end -->"


def load():
    with open(LAYERS, encoding="utf-8") as f:
        layers = json.load(f)["layers"]
    return [(l["folder"], list(l["may_include"]), l["holds"]) for l in layers]


def markdown(layers):
    lines = ["| folder | may include | holds |", "|---|---|---|"]
    for folder, allowed, holds in layers:
        lines.append("| `%s` | %s | %s |" % (
            folder, ", ".join("`%s`" % a for a in allowed) or "(nothing of the project)", holds))
    return "\n".join(lines)


def folder_of(path, folders):
    """The deepest folder of the table that `path` (relative to harness/) lies in, or None."""
    best = None
    for f in folders:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def check_table(layers, problems):
    seen = []
    for folder, allowed, _ in layers:
        if folder in seen:
            problems.append("layers.json: %s is listed twice" % folder)
        for a in allowed:
            if a == folder:
                problems.append("layers.json: %s lists itself" % folder)
            elif a not in seen:
                where = "is not in the table" if a not in [l[0] for l in layers] else \
                    "comes after it (the table lists folders bottom first and may only point down)"
                problems.append("layers.json: %s may include %s, which %s" % (folder, a, where))
        seen.append(folder)


def check_tree(layers, problems):
    folders = [l[0] for l in layers]
    for folder in folders:
        if not os.path.isdir(os.path.join(HARNESS, folder)):
            problems.append("layers.json: harness/%s does not exist" % folder)
    for dirpath, _, files in os.walk(HARNESS):
        rel_dir = os.path.relpath(dirpath, HARNESS)
        sources = [f for f in files if f.endswith(SOURCE_EXT)]
        if rel_dir == ".":
            for f in sources:
                problems.append("harness/%s: a source directly in harness/ (put it in a folder)" % f)
        elif sources and rel_dir not in folders:
            problems.append("harness/%s: a folder with sources that layers.json does not list"
                            % rel_dir)


def check_includes(layers, problems):
    folders = [l[0] for l in layers]
    allowed = {folder: set(may) | {folder} for folder, may, _ in layers}
    for dirpath, _, files in os.walk(HARNESS):
        for name in sorted(files):
            if not name.endswith(SOURCE_EXT):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, HARNESS)
            own = folder_of(os.path.dirname(rel), folders)
            if own is None:
                continue  # reported by check_tree
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for match in INCLUDE.finditer(text):
                inc = match.group(1)
                line = text.count("\n", 0, match.start()) + 1
                where = "harness/%s:%d" % (rel, line)
                target = folder_of(os.path.dirname(inc), folders) if "/" in inc else None
                if target is None or inc.startswith(".") or "/../" in inc:
                    problems.append('%s: #include "%s" does not name its folder (write '
                                    '"folder/file.hpp")' % (where, inc))
                elif not os.path.isfile(os.path.join(HARNESS, inc)):
                    problems.append('%s: #include "%s": no such file in harness/' % (where, inc))
                elif target not in allowed[own]:
                    problems.append('%s: #include "%s": %s may not include %s (harness/layers.json '
                                    'allows %s)' % (where, inc, own, target,
                                                    ", ".join(sorted(allowed[own] - {own}))
                                                    or "nothing"))


def check_cmake(layers, problems):
    names = {folder.replace("/", "_"): folder for folder, _, _ in layers}
    for folder, _, _ in layers:
        path = os.path.join(HARNESS, folder, "CMakeLists.txt")
        rel = os.path.relpath(path, ROOT)
        if not os.path.isfile(path):
            problems.append("%s: missing (one wpbench_layer(%s ...) per folder)" % (rel, folder))
            continue
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"#.*", "", f.read())
        calls = re.findall(r"wpbench_layer\(\s*([^\s)]+)", text)
        if calls != [folder]:
            problems.append("%s: should call wpbench_layer(%s ...) once, calls %s"
                            % (rel, folder, calls or "none"))
        for lib in re.findall(r"\bwpbench_([a-z_]+)\b", text):
            if lib in names:
                problems.append("%s: links wpbench_%s itself; wpbench_layer links what "
                                "harness/layers.json allows" % (rel, lib))


def check_doc(layers, problems):
    rel = os.path.relpath(DOC, ROOT)
    try:
        with open(DOC, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        problems.append("%s: missing" % rel)
        return
    if DOC_BEGIN not in text or DOC_END not in text:
        problems.append("%s: no table between %s and %s" % (rel, DOC_BEGIN, DOC_END))
        return
    shown = text.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0].strip()
    if shown != markdown(layers):
        problems.append("%s: its table differs from harness/layers.json (paste the output of "
                        "tests/layers.py --markdown)" % rel)


# Transports are data (harness/core/transport.cpp): a PostgreSQL transport is named in code only
# by its row and by the server fixture that serves it; everything else reads the table, so a new
# transport touches the files docs/architecture.md's recipe names.
TRANSPORT_NAMED = re.compile(r'Transport::(tcp|tls)\b|"(tcp|tls)"')
TRANSPORT_OWNERS = ("core/transport.hpp", "core/transport.cpp", "server/")


def check_transports(problems):
    for folder, _, files in sorted(os.walk(HARNESS)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, HARNESS).replace(os.sep, "/")
            if not name.endswith((".cpp", ".hpp")) or rel.startswith(TRANSPORT_OWNERS):
                continue
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            for n, line in enumerate(lines, 1):
                if TRANSPORT_NAMED.search(line.split("//", 1)[0]):
                    problems.append("harness/%s:%d names a transport; read the transport table "
                                    "instead (harness/core/transport.hpp)" % (rel, n))


def main(argv):
    layers = load()
    if argv[1:] == ["--markdown"]:
        print(markdown(layers))
        return 0
    problems = []
    check_table(layers, problems)
    check_tree(layers, problems)
    check_includes(layers, problems)
    check_cmake(layers, problems)
    check_doc(layers, problems)
    check_transports(problems)
    for p in problems:
        print(p)
    if problems:
        print("layers: %d problem(s); the rule is in docs/architecture.md" % len(problems))
        return 1
    print("layers: %d folders, every include points down" % len(layers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
