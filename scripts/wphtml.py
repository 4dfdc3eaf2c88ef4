"""The report as one self-contained HTML file: the Markdown that scripts/report writes (the subset
it uses: headings, paragraphs, lists, pipe tables, images alone on a line, **bold** and `code`)
turned into HTML, each plot embedded as a data: URI.

The page loads nothing: no network, no file beside it, no script. Its Content-Security-Policy
says so to the browser too, so markup that got in anyway could neither run nor fetch. Every line
is escaped (html.escape) before any Markdown is turned into markup, so no string from a result
file (a case name, a host name, a warning) can become markup.
"""
import base64
import html
import re

# Nothing but inline styles and data: images: a script, a font, a frame or a request is refused.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       margin: 0; background: #fafafa; }
main { max-width: 1280px; margin: 0 auto; padding: 1em 2em 3em; background: #fff; }
h1 { font-size: 1.7em; margin-top: 0.6em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
nav ul { columns: 3; list-style: none; padding-left: 0; font-size: 0.92em; }
nav a, nav a:visited { color: #1f5fa8; text-decoration: none; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.86em; margin: 0.6em 0 1em; }
th, td { border: 1px solid #d4d4d4; padding: 0.25em 0.55em; vertical-align: top; }
th { background: #f0f0f0; }
tbody tr:nth-child(even) { background: #f8f8f8; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 0.92em/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f2f2;
       padding: 0 0.2em; border-radius: 3px; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.85em; color: #555; }
"""

_CODE = re.compile(r"(`+)(.+?)\1")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")
_RULE = re.compile(r"^:?-+:?$")
_CELL_BAR = re.compile(r"(?<!\\)\|")
RIGHT = ' class="r"'


def inline(text):
    """One span of Markdown as HTML: `code` and **bold**, everything else escaped text. The text is
    escaped before any markup is made, so what it holds only ever shows as text."""
    out, at = [], 0
    for m in _CODE.finditer(text):
        out.append(_BOLD.sub(r"<strong>\1</strong>", html.escape(text[at:m.start()])))
        # `` x `` may hold a backtick: the spaces inside its fence are not part of the code.
        code = m.group(2)[1:-1] if len(m.group(1)) > 1 and m.group(2)[:1] == m.group(2)[-1:] == " " else m.group(2)
        out.append(f"<code>{html.escape(code)}</code>")
        at = m.end()
    out.append(_BOLD.sub(r"<strong>\1</strong>", html.escape(text[at:])))
    return "".join(out)


def cells(line):
    """The cells of a pipe-table row; `\\|` is a | inside a cell, as in GitHub's tables."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in _CELL_BAR.split(inner)]


def _table(rows):
    head, rule, body = cells(rows[0]), cells(rows[1]), [cells(r) for r in rows[2:]]
    align = ["r" if a.endswith(":") and not a.startswith(":") else "" for a in rule]

    def row(values, tag):
        right = [i < len(align) and align[i] for i in range(len(values))]
        return ("<tr>" + "".join(f"<{tag}{RIGHT if r else ''}>{inline(v)}</{tag}>" for v, r in zip(values, right))
                + "</tr>")
    return ("<div class=\"table\"><table><thead>" + row(head, "th") + "</thead><tbody>"
            + "".join(row(r, "td") for r in body) + "</tbody></table></div>")


def _list(items):
    """Nested <ul> from (depth, text) items, depth 0 the outermost."""
    out, depth = [], -1
    for d, text in items:
        d = min(d, depth + 1)
        if d > depth:
            out.append("<ul>")
        else:
            out.append("</li>")
            out += ["</ul></li>"] * (depth - d)
        out.append(f"<li>{inline(text)}")
        depth = d
    out.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(out)


def _image(alt, src, images):
    png = images.get(src)
    if png is None:  # a file the report did not draw: named, never fetched
        return f"<p>[{html.escape(alt)}: {html.escape(src)}]</p>"
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img alt=\"{html.escape(alt)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{html.escape(alt)}</figcaption></figure>")


def body(markdown, images):
    """(HTML of the Markdown's blocks, [(heading id, heading text)] of its ## headings)."""
    lines = markdown.split("\n")
    out, toc, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")), 6)
            text = line[level:].strip()
            if level == 2:
                toc.append((f"s{len(toc) + 1}", text))
                out.append(f"<h2 id=\"s{len(toc)}\">{inline(text)}</h2>")
            else:
                out.append(f"<h{level}>{inline(text)}</h{level}>")
            i += 1
        elif line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            rows = lines[i:j]
            if len(rows) >= 2 and all(_RULE.match(c) for c in cells(rows[1])):
                out.append(_table(rows))
            else:
                out += [f"<p>{inline(r)}</p>" for r in rows]
            i = j
        elif line.lstrip().startswith("- "):
            items = []
            while i < len(lines) and lines[i].lstrip().startswith("- "):
                indent = len(lines[i]) - len(lines[i].lstrip())
                items.append((indent // 2, lines[i].lstrip()[2:]))
                i += 1
            out.append(_list(items))
        elif _IMAGE.match(line.strip()):
            out.append(_image(*_IMAGE.match(line.strip()).groups(), images))
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|")) \
                    and not lines[i].lstrip().startswith("- ") and not _IMAGE.match(lines[i].strip()):
                para.append(lines[i].strip())
                i += 1
            out.append(f"<p>{inline(' '.join(para))}</p>")
    return "\n".join(out), toc


def page(markdown, images, title):
    """The whole page: `markdown` (scripts/report's) as HTML, with a table of contents of its ##
    headings; `images` maps each image's file name, as the Markdown names it, to its PNG bytes."""
    main, toc = body(markdown, images)
    nav = ("<nav><ul>" + "".join(f"<li><a href=\"#{hid}\">{inline(text)}</a></li>" for hid, text in toc)
           + "</ul></nav>") if toc else ""
    first_h1 = main.find("</h1>")
    if first_h1 >= 0:  # the contents right under the title
        main = main[:first_h1 + 5] + "\n" + nav + main[first_h1 + 5:]
    else:
        main = nav + main
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            f"{main}\n</main>\n</body>\n</html>\n")
