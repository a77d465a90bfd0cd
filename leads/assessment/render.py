"""The assessment as one self-contained HTML page, and the same page as PDF.

Every piece of text is escaped (place names, sources and employers' names come from
collected or published data); pictures are PNG data URIs, so the page renders offline
and the PDF renderer fetches nothing.
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import Any

from leads.assessment.build import Assessment
from leads.assessment.cells import Figure
from leads.assessment.editions import Edition, figures_of, redact, shown_table, visible
from leads.assessment.plots import draw

PARTS = [
    ("sex", "Sex trafficking"),
    ("labor", "Labor trafficking"),
    ("change", "Vulnerabilities and change"),
    ("tips", "Tips received (task force only)"),
]

STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: "Lantern regional assessment · EDITION edition · page "
    counter(page) " of " counter(pages); font-size: 7.5pt; color: #555; } }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9.5pt; color: #111; max-width: 60em;
  margin: 1.5em auto; line-height: 1.35; }
h1 { font-size: 17pt; margin-bottom: 0.2em; }
h2 { font-size: 13.5pt; border-bottom: 2px solid #333; margin-top: 1.6em;
  page-break-before: always; } h2.first { page-break-before: avoid; }
h3 { font-size: 11pt; margin: 1.2em 0 0.3em; page-break-after: avoid; }
.edition { padding: 0.5em 0.8em; font-weight: bold; margin: 0.8em 0; }
.full { background: #fdecea; border: 2px solid #b71c1c; color: #b71c1c; }
.shareable { background: #e8f5e9; border: 2px solid #1b5e20; color: #1b5e20; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 0.6em; font-size: 8.5pt; }
td, th { border: 1px solid #bbb; padding: 2px 5px; vertical-align: top; text-align: left; }
th { background: #eee; } td.n { text-align: right; white-space: nowrap; }
caption { text-align: left; font-weight: bold; padding: 0.2em 0; }
.about { margin: 0.2em 0 0.5em; }
.note, .withheld { color: #444; font-style: italic; font-size: 8.5pt; }
img { max-width: 100%; display: block; margin: 0.4em auto; }
figure { margin: 0; page-break-inside: avoid; }
details, .query { font-size: 7.5pt; color: #333; }
pre { white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: 0.3em;
  margin: 0.15em 0; font-size: 6.5pt; }
.hash { font-family: 'DejaVu Sans Mono', monospace; font-size: 7.5pt; color: #333; }
.figure { page-break-inside: auto; border-top: 1px solid #ddd; margin-top: 0.8em; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


BANNER = {
    "full": "FULL EDITION: task force only. It names employers, agents and selectors, and "
    "shows every count, however small. Do not share outside the task force.",
    "shareable": "SHAREABLE EDITION: counts under 3 are shown as <3; no selectors, names, "
    "case numbers or URLs; no tips. For partners outside the task force.",
}


def _figure_html(figure: Figure, edition: Edition, number: str) -> str:
    out = [f'<section class="figure" id="{_e(figure.key)}">']
    out.append(f"<h3>{_e(number)} {_e(figure.title)}</h3>")
    out.append(f'<p class="about">{_e(figure.about)}</p>')
    for note in figure.notes:
        out.append(f'<p class="note">{_e(note)}</p>')
    if figure.picture is not None:
        png = draw(figure.picture, visible(figure.tables[0], edition), edition == "shareable")
        if png is not None:
            alt = f"{figure.title} (picture)"
            src = "data:image/png;base64," + base64.b64encode(png).decode()
            out.append(f'<figure><img alt="{_e(alt)}" src="{src}">')
            if edition == "shareable":
                out.append(
                    '<figcaption class="note">What the table hides is not drawn.</figcaption>'
                )
            out.append("</figure>")
    for table in figure.tables:
        shown = shown_table(table, edition)
        if shown is None:
            what = table.caption or "the detail"
            out.append(
                f'<p class="withheld">The table of {_e(what)} names people, businesses or '
                "selectors: it is in the full edition only.</p>"
            )
            continue
        out.append("<table>")
        if shown.caption:
            out.append(f"<caption>{_e(shown.caption)}</caption>")
        out.append("<tr>" + "".join(f"<th>{_e(c)}</th>" for c in shown.columns) + "</tr>")
        if not shown.rows:
            out.append(f'<tr><td colspan="{len(shown.columns)}">none</td></tr>')
        for row in shown.rows:
            cells = [
                f'<td class="n">{_e(v)}</td>' if numeric else f"<td>{_e(v)}</td>"
                for v, numeric in zip(row, shown.numeric, strict=True)
            ]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        if shown.withheld:
            out.append(f'<p class="withheld">{_e(shown.withheld)}</p>')
    out.append('<p class="query">Data: <span class="hash">' + _e(figure.data_hash) + "</span>; "
               f'the queries behind it: <a href="#q-{_e(figure.key)}">appendix, {_e(number)}</a>'
               "</p>")  # fmt: skip
    out.append("</section>")
    return "\n".join(out)


def _queries_html(figure: Figure, edition: Edition, number: str) -> str:
    """The figure's queries, each on as few lines as it takes: what to run again to
    check the figure (the shareable edition withholds selectors and case numbers)."""
    out = [f'<div class="query" id="q-{_e(figure.key)}"><p><b>{_e(number)} {_e(figure.title)}'
           f'</b> <span class="hash">{_e(figure.data_hash)}</span></p>']  # fmt: skip
    for q in figure.queries:
        body = q.body if edition == "full" else redact(q.body)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        out.append(f"<pre>{_e(q.kind)} {_e(text)}</pre>")
    out.append("</div>")
    return "\n".join(out)


def render_html(a: Assessment, edition: Edition) -> str:
    title = f"Regional threat assessment: {a.region.label}, {a.period.label}"
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{_e(title)}</title><style>{STYLE.replace('EDITION', edition)}</style>",
        "</head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<div class="edition {edition}">{_e(BANNER[edition])}</div>',
        "<p>"
        + _e(
            f"Period {a.period.label} ({a.period.start} to {a.period.end}, end excluded), "
            f"compared with {a.period.previous().label}. Guest-worker data: "
            + (f"fiscal year {a.fiscal_year}" if a.fiscal_year else "none held")
            + (
                f", compared with fiscal year {a.previous_fiscal_year}"
                if a.previous_fiscal_year
                else ""
            )
            + f". Generated {a.generated_at:%Y-%m-%d %H:%M} UTC from the indices under "
            f"'{a.index_prefix}'."
        )
        + "</p>",
        "<p>"
        + _e(
            "Everything here is drawn from what Lantern collected from public sources and "
            "from DOL's published records. An indicator is a reason for a trained person to "
            "look, never evidence on its own; an area with no ads is not an area with no "
            "trafficking. Each figure states the queries behind it and a hash of the "
            "documents they matched, so it can be reproduced."
        )
        + "</p>",
    ]
    if a.region.county:
        out.append(
            '<p class="note">'
            + _e(
                "A county report counts an ad when it names a place Lantern's gazetteer puts "
                "in the county (cities of 15,000 people or more), and an application when "
                "its worksite county, or its worksite city, is in the county. Ads and "
                "applications naming only a smaller town are not counted here: read the "
                "state's report beside this one."
            )
            + "</p>"
        )
    figures = figures_of(a.figures, edition)
    toc = ['<ol class="toc">']
    for part, heading in PARTS:
        mine = [f for f in figures if f.part == part]
        if mine:
            toc.append(f"<li>{_e(heading)}<ol>")
            toc += [f'<li><a href="#{_e(f.key)}">{_e(f.title)}</a></li>' for f in mine]
            toc.append("</ol></li>")
    toc.append("</ol>")
    out += toc
    first = True
    numbered: list[tuple[str, Figure]] = []
    for p, (part, heading) in enumerate(PARTS, 1):
        mine = [f for f in figures if f.part == part]
        if not mine:
            continue
        css = ' class="first"' if first else ""
        out.append(f"<h2{css}>{p}. {_e(heading)}</h2>")
        first = False
        for i, figure in enumerate(mine, 1):
            numbered.append((f"{p}.{i}", figure))
            out.append(_figure_html(figure, edition, f"{p}.{i}"))
    out.append("<h2>Appendix: the queries behind each figure</h2>")
    out.append(
        "<p>"
        + _e(
            "Each figure's Elasticsearch queries (index kind, then the request body) and "
            "the SHA-256 over the id and version of every document they matched. Run "
            f"against the indices under '{a.index_prefix}', they give the figure again."
            + (
                " Lists of selectors and case numbers are withheld here."
                if edition == "shareable"
                else ""
            )
        )
        + "</p>"
    )
    out += [_queries_html(f, edition, n) for n, f in numbered]
    out.append("</body></html>")
    return "\n".join(out)


def render_pdf(html: str) -> bytes:
    """The page as PDF (WeasyPrint). Only the page's own data: pictures are read: any
    other address is refused, so nothing in the page can reach the network or a file."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    assert pdf is not None
    return bytes(pdf)
