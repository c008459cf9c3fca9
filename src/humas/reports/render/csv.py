"""A report table as CSV, and every table of a report as a ZIP of CSVs.

Written for Excel in the report's language, and for scripts: UTF-8 with a byte-order mark (so Excel reads
the accents), the locale's list separator and decimal mark (Indonesian: ``;`` and ``0,5``; English: ``,`` and
``0.5``), no thousands grouping, percents as ``87,5%`` (Excel reads them back as 0.875), dates as ISO
``2026-11-03`` and times as ``2026-11-03 10:00:00`` in the report's zone, named in the header
("Terbit (WITA)").

Formula injection: a text cell that starts with = + - @, a tab or a carriage return gets a leading
apostrophe (OWASP's advice), so a spreadsheet shows it as text and never evaluates it. Numbers are written
by humas itself from numeric values, so a negative number is never mistaken for such a text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

from humas.core import workcal
from humas.reports.document import Report, Table, ValueKind
from humas.reports.render.fmt import (
    FORMULA_STARTS,
    NUMERIC_KINDS,
    ZONE_HEADER,
    language,
    to_date,
    to_datetime,
    to_number,
    tr,
)

BOM = "\ufeff"
SEPARATORS = {"id": (";", ","), "en": (",", ".")}  # (list separator, decimal mark)


def neutralise(text: str) -> str:
    """A text a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(number: Decimal, decimal_mark: str) -> str:
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_mark)


def csv_value(value: Any, kind: ValueKind, *, locale: str, zone: str) -> str:
    """One cell as CSV text (see the module's docstring for the forms)."""
    if value is None or value == "":
        return ""
    mark = SEPARATORS[language(locale)][1]
    if kind in NUMERIC_KINDS and (number := to_number(value)) is not None:
        exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
        return _plain(exact * 100, mark) + "%" if kind == "percent" else _plain(exact, mark)
    if kind == "date" and (day := to_date(value)) is not None:
        return day.isoformat()
    if kind == "datetime" and (moment := to_datetime(value, zone)) is not None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return neutralise(str(value))


def header(table: Table, *, locale: str, zone: str) -> list[str]:
    """Column labels; a time column names the zone its times are in."""
    label = workcal.zone_label(zone)
    return [
        neutralise(tr(locale, ZONE_HEADER, label=c.label, zone=label) if c.kind == "datetime" else c.label)
        for c in table.columns
    ]


def render_csv(table: Table, *, locale: str, zone: str) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM, the locale's separators, formula-safe)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATORS[language(locale)][0], lineterminator="\r\n")
    writer.writerow(header(table, locale=locale, zone=zone))
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        writer.writerow(
            csv_value(row[i] if i < len(row) else None, kind, locale=locale, zone=zone)
            for i, kind in enumerate(kinds)
        )
    return (BOM + out.getvalue()).encode("utf-8")


def csv_name(index: int, table: Table) -> str:
    """The file name of a table in the ZIP: "03-publishing.best_posts.csv"."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", table.key).strip(".-")[:80] or "table"
    return f"{index:02d}-{slug}.csv"


def render_csv_zip(report: Report) -> bytes:
    """Every table of the report as one CSV each, in a ZIP (stable names and times: same report, same
    bytes)."""
    stamp = report.generated_at.astimezone(workcal.zone_of(report.zone)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, table in enumerate(report.tables(), 1):
            info = zipfile.ZipInfo(csv_name(index, table), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, render_csv(table, locale=report.locale, zone=report.zone))
    return out.getvalue()
