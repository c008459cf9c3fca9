"""The evaluation report as an A4 PDF (WeasyPrint, from ``reports/templates/report.html``).

Cover (institution, logo, unit, period, generated time in the unit's zone), contents with page numbers
(CSS ``target-counter``), then one part per section: figures with value, previous value and coloured change,
charts as inline SVG, tables whose header repeats on every page, and the analyst's text (or, when there is
none yet, the rule-based draft). The template autoescapes: every name and text may be public text.
Nothing is loaded from outside: the URL fetcher accepts only ``data:`` URLs (the logo), so neither a hostile
chart nor a stylesheet can reach the network or the file system. See docs/decisions/0094.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from humas.reports.document import Figure, Report, Section, Table
from humas.reports.render.charts import ChartImage, render_chart
from humas.reports.render.fmt import (
    N_,
    NUMERIC_KINDS,
    TONE_COLOURS,
    change_tone,
    format_change,
    format_value,
    language,
    tr,
)

log = logging.getLogger(__name__)
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"

LABELS = {
    "contents": N_("Contents"),
    "descendants": N_("Including the units below it"),
    "draft": N_("Draft: not finalised"),
    "measure": N_("Measure"),
    "value": N_("Value"),
    "previous_period": N_("Previous period"),
    "change": N_("Change"),
    "evaluation": N_("Evaluation"),
    "draft_text": N_("First draft written from the numbers; not yet reviewed by an analyst."),
    "chart_missing": N_("This chart could not be drawn."),
    "definition": N_("Definition"),
    "no_rows": N_("No rows."),
}
# Relative column widths by kind (the PDF's tables use a fixed layout): text gets room, numbers little.
WIDTH_WEIGHTS = {"count": 1.5, "number": 1.5, "percent": 1.5, "hours": 1.5, "ratio": 1.5, "date": 1.8,
                 "datetime": 2.3, "text": 3.2, "url": 3.0}  # fmt: skip
# A leader's PDF lists at most this many rows of a table; the XLSX and CSV always hold every row. A long
# table costs WeasyPrint about 8 ms of CPU a row (docs/decisions/0094).
PDF_MAX_ROWS = 200
MORE_ROWS = N_("The first %(shown)s of %(total)s rows; the XLSX and CSV files hold them all.")
COMPARED = N_("Compared with %(period)s")
GENERATED = N_("Generated %(time)s")
VERSION = N_("Version %(version)s, finalised %(time)s by %(name)s")
PREVIOUS = N_("Previous period: %(value)s")


@cache
def _environment() -> Environment:
    # NOTE: autoescape for every template and string: report text is public, hostile input.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class _Part:
    anchor: str
    section: Section
    figures: list[dict[str, str]]
    charts: list[ChartImage]
    tables: list[dict[str, Any]]
    paragraphs: list[str]


def paragraphs(text: str) -> list[str]:
    """An analyst's text as paragraphs: split at blank lines; single line breaks stay inside one."""
    return [p.strip() for p in re.split(r"\n[ \t]*\n", (text or "").replace("\r\n", "\n")) if p.strip()]


def figure_view(figure: Figure, *, locale: str, zone: str) -> dict[str, str]:
    """A figure's shown texts: value, previous, change (arrow and magnitude) and its tone."""
    previous = format_value(figure.previous, figure.kind, locale=locale, zone=zone)
    return {
        "label": figure.label,
        "value": format_value(figure.value, figure.kind, locale=locale, zone=zone),
        "previous_value": previous,
        "previous": tr(locale, PREVIOUS, value=previous) if figure.previous is not None else "",
        "change": format_change(figure, locale=locale),
        "tone": change_tone(figure),
        "note": figure.note,
    }


def table_view(table: Table, *, locale: str, zone: str) -> dict[str, Any]:
    """A table's cells as shown text, at most ``PDF_MAX_ROWS`` rows (then a note says how many more the XLSX
    and CSV hold); a row shorter than the columns is padded, a longer one cut."""
    kinds = [c.kind for c in table.columns]
    shown = table.rows[:PDF_MAX_ROWS]
    more = ""
    if len(table.rows) > len(shown):
        count = {"shown": format_value(len(shown), "count", locale=locale, zone=zone),
                 "total": format_value(len(table.rows), "count", locale=locale, zone=zone)}  # fmt: skip
        more = tr(locale, MORE_ROWS, **count)
    rows = [
        [
            format_value(row[i] if i < len(row) else None, kind, locale=locale, zone=zone)
            for i, kind in enumerate(kinds)
        ]
        for row in shown
    ]
    weights = [WIDTH_WEIGHTS.get(c.kind, 3) for c in table.columns]
    columns = [
        {"label": c.label, "numeric": c.kind in NUMERIC_KINDS, "width": round(100 * w / sum(weights), 2)}
        for c, w in zip(table.columns, weights, strict=True)
    ]
    return {"title": table.title, "columns": columns, "rows": rows, "definition": table.definition,
            "more": more}  # fmt: skip


def _part(index: int, section: Section, *, locale: str, zone: str) -> _Part:
    charts = []
    for chart in section.charts:
        image = render_chart(chart, locale=locale)
        svg = Markup(image.svg) if image.svg else None  # noqa: S704 - cleaned by charts.clean_svg
        charts.append(ChartImage(image.key, image.title, svg, image.error))
    return _Part(
        anchor=f"part-{index}",
        section=section,
        figures=[figure_view(f, locale=locale, zone=zone) for f in section.figures],
        charts=charts,
        tables=[table_view(t, locale=locale, zone=zone) for t in section.tables],
        paragraphs=paragraphs(section.text),
    )


def _texts(report: Report) -> dict[str, str]:
    loc, zone = report.locale, report.zone
    texts = {name: tr(loc, msgid) for name, msgid in LABELS.items()}
    texts["compared"] = tr(loc, COMPARED, period=report.previous.label(loc))
    texts["generated"] = tr(
        loc, GENERATED, time=format_value(report.generated_at, "datetime", locale=loc, zone=zone)
    )
    if report.version:
        when = format_value(report.finalised_at, "datetime", locale=loc, zone=zone)
        name = report.finalised_by or "—"
        texts["version"] = tr(loc, VERSION, version=report.version, time=when, name=name)
    return texts


def logo_data_url(logo: bytes | None) -> str | None:
    """The logo as a data: URL when it is a PNG, JPEG, GIF, WebP or SVG image; None otherwise."""
    if not logo:
        return None
    head = logo[:512].lstrip()
    if logo.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif logo.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif logo.startswith((b"GIF87a", b"GIF89a")):
        mime = "image/gif"
    elif logo.startswith(b"RIFF") and logo[8:12] == b"WEBP":
        mime = "image/webp"
    elif head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        mime = "image/svg+xml"
    else:
        log.warning("report logo ignored: not a PNG, JPEG, GIF, WebP or SVG image")
        return None
    return f"data:{mime};base64,{base64.b64encode(logo).decode('ascii')}"


def render_html(report: Report, *, logo: bytes | None = None) -> str:
    """The HTML the PDF is printed from (useful to inspect a layout in a browser)."""
    loc = report.locale
    parts = [_part(i, s, locale=loc, zone=report.zone) for i, s in enumerate(report.sections, 1)]
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            lang=language(loc),
            period_label=report.period.label(loc),
            created=report.generated_at.isoformat(),
            t=_texts(report),
            parts=parts,
            logo=logo_data_url(logo),
            colours=TONE_COLOURS,
        )
    )


def render_pdf(report: Report, *, logo: bytes | None = None) -> bytes:
    """The report as an A4 PDF (cover, contents, sections); charts that fail show a short note."""
    from weasyprint import HTML, URLFetcher  # NOTE: a heavy import (Pango); only a render needs it

    # data: URLs only (the logo): anything else, http or file, is refused with a warning and left out.
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)
    document = HTML(string=render_html(report, logo=logo), url_fetcher=fetcher, base_url=None)
    pdf: bytes = document.write_pdf()
    return pdf
