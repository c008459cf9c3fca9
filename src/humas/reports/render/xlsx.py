"""The evaluation report as an XLSX workbook (openpyxl), for staff who work on the numbers in Excel.

Sheets: the summary (the report's cover data and the summary section), one per other section (its figures,
then each table as an Excel table with filter buttons and its definition underneath), and "Definisi" /
"Definitions" (every table's and figure's meaning). Values keep their type: numbers as numbers with a number
format (a percent as a 0..1 number in percent format), dates as dates, times as datetimes in the report's
zone (Excel has no zones: they are naive, and the header names the zone, "Terbit (WITA)").

Public text is hostile here too: a text cell is always stored as a string (never a formula, whatever its first
character) and carries Excel's quote prefix when it starts with = + - @, so editing the cell in Excel does not
turn it into a formula either; control characters Excel cannot store are removed. See docs/decisions/0094.
"""

from __future__ import annotations

import re
from datetime import UTC
from io import BytesIO
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from humas.core import workcal
from humas.reports.document import Figure, Report, Section, Table, ValueKind
from humas.reports.render.fmt import (
    FORMULA_STARTS,
    N_,
    NUMERIC_KINDS,
    ZONE_HEADER,
    language,
    to_date,
    to_datetime,
    to_number,
    tr,
)

NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "number": "#,##0.00",
    "hours": "#,##0.0",
    "ratio": "0.0000",
    "percent": "0.0%",
}
DATE_FORMATS = {"id": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm"), "en": ("yyyy-mm-dd", "yyyy-mm-dd hh:mm")}
MAX_CELL = 32_767  # Excel's limit on a cell's text
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="F2F4F7")
NOTE = Font(italic=True, color="475467")

T = {
    "summary": N_("Summary"),
    "definitions": N_("Definitions"),
    "institution": N_("Institution"),
    "unit": N_("Unit"),
    "title": N_("Title"),
    "period": N_("Period"),
    "previous_period": N_("Previous period"),
    "descendants": N_("Including the units below it"),
    "yes": N_("yes"),
    "no": N_("no"),
    "generated": N_("Generated"),
    "version": N_("Version"),
    "draft": N_("Draft: not finalised"),
    "measure": N_("Measure"),
    "value": N_("Value"),
    "change": N_("Change"),
    "difference": N_("Difference"),
    "key": N_("Key"),
    "note": N_("Note"),
    "definition": N_("Definition"),
    "section": N_("Section"),
    "name": N_("Name"),
    "no_rows": N_("No rows."),
    "evaluation": N_("Evaluation"),
}


def safe_text(value: Any) -> str:
    """Text Excel can store: no control characters it refuses, at most 32,767 characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL]


def put_text(cell: Any, value: Any) -> None:
    """A string cell that is never a formula (openpyxl would read "=…" as one)."""
    text = safe_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def put_value(cell: Any, value: Any, kind: ValueKind, *, zone: str, locale: str) -> None:
    """A value in its type and number format; a value that does not fit its kind is written as text."""
    if value is None or value == "":
        return
    dates = DATE_FORMATS[language(locale)]
    if kind in NUMERIC_KINDS and (number := to_number(value)) is not None:
        cell.value = number
        cell.number_format = NUMBER_FORMATS[kind]
    elif kind == "date" and (day := to_date(value)) is not None:
        cell.value = day
        cell.number_format = dates[0]
    elif kind == "datetime" and (moment := to_datetime(value, zone)) is not None:
        cell.value = moment.replace(tzinfo=None)  # naive, in the zone the header names
        cell.number_format = dates[1]
    else:
        put_text(cell, value)


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", " ", safe_text(title)).strip().strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def column_header(label: str, kind: ValueKind, *, report: Report) -> str:
    if kind != "datetime":
        return label
    zone = workcal.zone_label(report.zone, report.generated_at)
    return tr(report.locale, ZONE_HEADER, label=label, zone=zone)


def _header(ws: Any, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, 1):
        cell = ws.cell(row, col)
        put_text(cell, label)
        cell.font, cell.fill = BOLD, HEADER_FILL


def _figures(ws: Any, row: int, figures: tuple[Figure, ...], report: Report) -> int:
    """The figures block from ``row``; returns the next free row."""
    loc = report.locale
    labels = ["measure", "value", "previous_period", "change", "difference", "key", "note"]
    _header(ws, row, [tr(loc, T[k]) for k in labels])
    for f in figures:
        row += 1
        put_text(ws.cell(row, 1), f.label)
        put_value(ws.cell(row, 2), f.value, f.kind, zone=report.zone, locale=loc)
        put_value(ws.cell(row, 3), f.previous, f.kind, zone=report.zone, locale=loc)
        put_value(ws.cell(row, 4), f.change, "percent", zone=report.zone, locale=loc)
        put_value(ws.cell(row, 5), f.delta, f.kind, zone=report.zone, locale=loc)
        put_text(ws.cell(row, 6), f.key)
        if f.note:
            put_text(ws.cell(row, 7), f.note)
    return row + 2


def _unique(labels: list[str]) -> list[str]:
    """Excel tables need distinct, non-empty header cells."""
    seen: set[str] = set()
    out = []
    for i, label in enumerate(labels, 1):
        name, n = label.strip() or f"#{i}", 2
        while name.lower() in seen:
            name, n = f"{label.strip() or '#'} ({n})", n + 1
        seen.add(name.lower())
        out.append(name)
    return out


def table_name(index: int, key: str) -> str:
    """The Excel table's name: starts with a letter, letters, digits and underscores only."""
    return f"T{index}_" + re.sub(r"[^A-Za-z0-9_]", "_", key)[:200]


def _table(ws: Any, row: int, table: Table, index: int, report: Report) -> int:
    """A report table from ``row``: title, header, rows (an Excel table), definition; the next free row."""
    loc = report.locale
    cell = ws.cell(row, 1)
    put_text(cell, table.title)
    cell.font = TITLE
    row += 1
    width = max(len(table.columns), 1)
    labels = [column_header(c.label, c.kind, report=report) for c in table.columns]
    _header(ws, row, _unique(labels) if labels else [""])
    first = row
    for values in table.rows:
        row += 1
        for col, column in enumerate(table.columns, 1):
            value = values[col - 1] if col - 1 < len(values) else None
            put_value(ws.cell(row, col), value, column.kind, zone=report.zone, locale=loc)
    if table.rows and table.columns:
        ref = f"A{first}:{get_column_letter(width)}{row}"
        excel = ExcelTable(displayName=table_name(index, table.key), ref=ref)
        excel.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(excel)
    elif not table.rows:
        row += 1
        put_text(ws.cell(row, 1), tr(loc, T["no_rows"]))
    if table.definition:
        row += 1
        cell = ws.cell(row, 1)
        put_text(cell, f"{tr(loc, T['definition'])}: {table.definition}")
        cell.font = NOTE
    return row + 3


def _text(ws: Any, row: int, section: Section, report: Report) -> int:
    """The analyst's text (or the draft) under a heading; the next free row."""
    body = section.text.strip() or "\n".join(section.draft)
    if not body:
        return row
    put_text(ws.cell(row, 1), tr(report.locale, T["evaluation"]))
    ws.cell(row, 1).font = BOLD
    put_text(ws.cell(row + 1, 1), body)
    ws.cell(row + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
    return row + 3


def _section(ws: Any, row: int, section: Section, report: Report, counter: list[int]) -> int:
    if section.figures:
        row = _figures(ws, row, section.figures, report)
    for table in section.tables:
        counter[0] += 1
        row = _table(ws, row, table, counter[0], report)
    return _text(ws, row, section, report)


def _cover(ws: Any, report: Report) -> int:
    """The report's identity at the top of the summary sheet; the next free row."""
    loc = report.locale
    generated = column_header(tr(loc, T["generated"]), "datetime", report=report)
    rows: list[tuple[str, Any, ValueKind]] = [
        (tr(loc, T["title"]), report.title, "text"),
        (tr(loc, T["institution"]), report.institution, "text"),
        (tr(loc, T["unit"]), report.unit_name, "text"),
        (tr(loc, T["period"]), report.period.label(loc), "text"),
        (tr(loc, T["previous_period"]), report.previous.label(loc), "text"),
        (tr(loc, T["descendants"]), tr(loc, T["yes" if report.include_descendants else "no"]), "text"),
        (generated, report.generated_at, "datetime"),
        (tr(loc, T["version"]), report.version or tr(loc, T["draft"]), "count"),
    ]
    for row, (label, value, kind) in enumerate(rows, 1):
        put_text(ws.cell(row, 1), label)
        ws.cell(row, 1).font = BOLD
        put_value(ws.cell(row, 2), value, kind, zone=report.zone, locale=loc)
    return len(rows) + 2


def _definitions(ws: Any, report: Report) -> None:
    loc = report.locale
    _header(ws, 1, [tr(loc, T[k]) for k in ("section", "name", "key", "definition")])
    row, seen = 1, set()
    for section in report.sections:
        for table in section.tables:
            row += 1
            for col, value in enumerate((section.title, table.title, table.key, table.definition), 1):
                put_text(ws.cell(row, col), value)
        for figure in section.figures:
            if figure.key in seen:  # the summary repeats figures of other sections
                continue
            seen.add(figure.key)
            row += 1
            for col, value in enumerate((section.title, figure.label, figure.key, figure.note), 1):
                put_text(ws.cell(row, col), value)


def _widths(ws: Any) -> None:
    """Columns wide enough for their first rows' text (capped), so a sheet opens readable."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(max_row=min(ws.max_row, 300)):
        for cell in row:
            if cell.value is not None and not (cell.column == 1 and cell.font.sz == TITLE.sz):
                widths[cell.column] = max(widths.get(cell.column, 8), min(len(str(cell.value)) + 2, 60))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def render_xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook: summary, one sheet per section, definitions."""
    loc = report.locale
    wb = Workbook()
    taken: set[str] = set()
    counter = [0]
    summary = wb.active
    summary.title = sheet_title(tr(loc, T["summary"]), taken)
    row = _cover(summary, report)
    for section in report.sections:
        if section.key == "summary":
            ws, start = summary, row
        else:
            ws, start = wb.create_sheet(sheet_title(section.title, taken)), 1
        end = _section(ws, start, section, report, counter)
        if ws is summary:
            row = end
    _definitions(wb.create_sheet(sheet_title(tr(loc, T["definitions"]), taken)), report)
    for ws in wb.worksheets:
        _widths(ws)
    wb.properties.title = safe_text(f"{report.title} · {report.unit_name} · {report.period.label(loc)}")
    wb.properties.creator = "humas"
    wb.properties.created = report.generated_at.astimezone(UTC).replace(tzinfo=None)
    return _stable_bytes(wb, report)


def _stable_bytes(wb: Workbook, report: Report) -> bytes:
    """The workbook's bytes, the same for the same report: openpyxl's ``save`` stamps the file and every
    ZIP entry with the current time, so the report's own time is used instead (archives compare checksums)."""
    wb.properties.modified = wb.properties.created
    raw = BytesIO()
    with ZipFile(raw, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    stamp = report.generated_at.astimezone(UTC).timetuple()[:6]
    out = BytesIO()
    with ZipFile(BytesIO(raw.getvalue())) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = ZipInfo(entry.filename, date_time=stamp)
            info.compress_type, info.external_attr = ZIP_DEFLATED, entry.external_attr
            target.writestr(info, source.read(entry))
    return out.getvalue()
