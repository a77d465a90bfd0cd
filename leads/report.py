"""The case report: one self-contained HTML page (and its PDF) for the prosecutor.

Subjects with their reasonable-suspicion notes, the network drawn as a picture, a
timeline of the ads, the money worksheet and each lead's reasons. Everything that came
from a crawled page is escaped (it is hostile data): no markup, script or link in an ad
can act in the report. The pictures are inline SVG, drawn here, so the report needs
nothing from the network to render.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape
from typing import Any

from leads.legalprocess import Holding
from leads.money import Money

STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; margin: 1.5em; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 12.5pt; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
td, th { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; } .note { color: #444; font-style: italic; }
.small { font-size: 8.5pt; color: #444; } svg { border: 1px solid #ddd; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def network_svg(selectors: list[str], leads: list[dict[str, Any]], width: int = 640) -> str:
    """Selectors on an inner ring, ads on an outer ring, a line for each selector an ad
    carries: the shape of the network at a glance."""
    height = width
    cx = cy = width / 2
    inner = {s: i for i, s in enumerate(selectors)}
    pos: dict[str, tuple[float, float]] = {}
    for s, i in inner.items():
        a = 2 * math.pi * i / max(len(inner), 1)
        pos["s:" + s] = (cx + width * 0.18 * math.cos(a), cy + width * 0.18 * math.sin(a))
    for i, lead in enumerate(leads):
        a = 2 * math.pi * i / max(len(leads), 1) + 0.3
        pos["a:" + lead["id"]] = (cx + width * 0.4 * math.cos(a), cy + width * 0.4 * math.sin(a))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for lead in leads:
        ax, ay = pos["a:" + lead["id"]]
        for s in lead.get("selectors") or []:
            if s in inner:
                sx, sy = pos["s:" + s]
                parts.append(
                    f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{sx:.1f}" y2="{sy:.1f}" '
                    'stroke="#999" stroke-width="1"/>'
                )
    for s in selectors:
        x, y = pos["s:" + s]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#c0392b"/>')
        parts.append(f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="9">{_e(s[:40])}</text>')
    for n, lead in enumerate(leads, 1):
        x, y = pos["a:" + lead["id"]]
        parts.append(
            f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="#2c3e50"/>'
        )
        parts.append(f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="9">ad {n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(per_day: dict[str, int], width: int = 640, height: int = 160) -> str:
    """Ads per day, one bar per day from the first to the last."""
    if not per_day:
        return "<p>No dated ads.</p>"
    days = sorted(per_day)
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = (last - first).days + 1
    top = max(per_day.values())
    bar = (width - 60) / span
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for day, count in per_day.items():
        i = (date.fromisoformat(day) - first).days
        h = (height - 40) * count / top
        x = 40 + i * bar
        parts.append(
            f'<rect x="{x:.1f}" y="{height - 20 - h:.1f}" width="{max(bar - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#2c3e50"/>'
        )
    parts.append(f'<text x="40" y="{height - 5}" font-size="9">{_e(days[0])}</text>')
    parts.append(f'<text x="{width - 90}" y="{height - 5}" font-size="9">{_e(days[-1])}</text>')
    parts.append(f'<text x="2" y="20" font-size="9">{top} ads</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    case: dict[str, Any],
    items: list[dict[str, Any]],
    money: Money,
    worksheet: list[Holding],
    snapshot_time: str,
) -> str:
    leads = [i["snapshot"]["lead"] for i in items if i["kind"] == "lead" and "#" not in i["key"]]
    subjects = [i for i in items if i["role"] == "subject"]
    selectors = sorted({i["ref"] for i in items if i["kind"] == "selector"})
    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(case['number'])} {_e(case['title'])}</title><style>{STYLE}</style>",
        "</head><body>",
        f"<h1>Case {_e(case['number'])}: {_e(case['title'])}</h1>",
        f"<p>{_e(case['agency'])}"
        + (f", {_e(case['jurisdiction'])}" if case.get("jurisdiction") else "")
        + f". Investigators: {_e(', '.join(case.get('investigators') or []))}"
        + (f". Prosecutor: {_e(case['prosecutor'])}" if case.get("prosecutor") else "")
        + f". Snapshot: {_e(snapshot_time)}.</p>",
        "<p class='note'>Leads are reasons for a trained person to look, not evidence on "
        "their own. Every fact below names its source page; the WARC records and "
        "screenshots in this package are the evidence.</p>",
        f"<h2>Subjects ({len(subjects)})</h2>",
    ]
    if subjects:
        out.append("<table><tr><th>subject</th><th>reasonable suspicion</th><th>by</th></tr>")
        for s in subjects:
            p = s.get("promotion") or {}
            out.append(
                f"<tr><td>{_e(s['key'])}</td><td>{_e(p.get('note'))}</td>"
                f"<td>{_e(p.get('by'))}, {_e(p.get('at'))}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>No subjects: everything is in the holding bin.</p>")
    out += [
        f"<h2>Network ({len(leads)} ads, {len(selectors)} selectors)</h2>",
        network_svg(selectors, leads),
        "<h2>Timeline</h2>",
        timeline_svg(dict(money.per_day)),
        "<h2>Follow the money</h2><table>",
        "<tr><th>payment handles</th><td>"
        + _e(", ".join(money.payment_handles) or "none stated")
        + "</td></tr>",
        "<tr><th>crypto addresses</th><td>"
        + _e(
            ", ".join(f"{c['address']} ({c['chain']})" for c in money.crypto_addresses)
            or "none stated"
        )
        + "</td></tr>",
        "<tr><th>stated prices</th><td>"
        + _e(", ".join(f"{p:g}" for p in money.prices) or "none")
        + "</td></tr>",
        f"<tr><th>volume</th><td>{money.ads} ads over {money.days} days "
        f"({money.ads_per_day:g} per day), {_e(money.first_day)} to {_e(money.last_day)}</td></tr>",
        f"<tr><th>places</th><td>{_e(', '.join(money.places) or 'none stated')}</td></tr>",
        f"<tr><th>revenue estimate</th><td>${money.revenue_low:,.0f} to ${money.revenue_high:,.0f}"
        f"<div class='small'>{_e(money.method)}</div></td></tr></table>",
        "<h2>Legal-process worksheet</h2><table><tr><th>selector</th><th>holder</th>"
        "<th>records</th><th>process</th><th>source</th></tr>",
    ]
    for row in worksheet:
        details = "; ".join(f"{k}: {v}" for k, v in row.details.items())
        out.append(
            f"<tr><td>{_e(row.selector)}<div class='small'>{_e(details)}</div></td>"
            f"<td>{_e(row.holder)}<div class='small'>{_e(row.note)}</div></td>"
            f"<td>{_e('; '.join(row.records))}</td><td>{_e(row.process)}</td>"
            f"<td class='small'>{_e(row.source)}</td></tr>"
        )
    out.append("</table><h2>Leads and their reasons</h2>")
    for n, lead in enumerate(leads, 1):
        out.append(
            f"<h3>ad {n}: {_e(lead.get('title') or lead['id'])}</h3>"
            f"<p class='small'>{_e(lead.get('url'))} — {_e(lead.get('source_id'))}, "
            f"fetched {_e(lead.get('fetched_at'))}; score {_e(lead.get('score'))} "
            f"({_e(lead.get('tier'))})</p><ul>"
        )
        out += [f"<li>{_e(reason)}</li>" for reason in lead.get("explanation") or []]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def render_pdf(html: str) -> bytes:
    """The report as PDF (WeasyPrint): nothing is fetched, the page is self-contained."""
    from weasyprint import HTML

    def refuse(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing ({url[:80]})")

    pdf = HTML(string=html, url_fetcher=refuse).write_pdf()
    assert pdf is not None
    return bytes(pdf)
