"""The renderers on a report the builder made from a database (tests/reports/world.py), on both engines:
every summary figure in the PDF equals the service's number, every page renders, the XLSX and CSV tables
equal the report's."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from humas.reports.document import Report
from humas.reports.render.csv import csv_name, render_csv_zip
from humas.reports.render.fmt import format_change, format_value
from humas.reports.render.pdf import render_pdf
from humas.reports.render.xlsx import render_xlsx, table_name
from humas.reports.service import build_report
from tests.reports.render_tools import expected_xlsx_cell, page_sizes, parse_csv_cell, pdf_pages, rasterise
from tests.reports.world import NOVEMBER, build_world

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def built(session, fernet_key) -> Report:
    world = build_world(session)
    return build_report(
        session, unit=world.kanwil_a, period=NOVEMBER, include_descendants=True, locale="id", now=NOW
    )


def test_built_report_pdf(built):
    pdf = render_pdf(built)
    pages = pdf_pages(pdf)
    summary = next(p for p in pages if p.split(" · November 2026 ", 1)[-1].startswith("Ringkasan"))
    figures = built.section("summary").figures  # type: ignore[union-attr]
    assert figures
    for figure in figures:
        assert figure.label in summary
        assert format_value(figure.value, figure.kind, locale="id", zone=built.zone) in summary
        # pdftotext may drop the space after an arrow before a short number ("▲2")
        assert format_change(figure, locale="id").replace(" ", "") in summary.replace(" ", "")
    text = " ".join(pages)
    for section in built.sections:
        assert section.title in pages[1]  # in the contents
        for table in section.tables:
            assert table.title in text
        for chart in section.charts:
            assert chart.title in text
    assert "Grafik ini tidak dapat digambar." not in text  # every chart the builder makes draws
    assert "WIB" in pages[0]  # the unit's zone on the cover
    assert len(rasterise(pdf)) == len(pages) == len(page_sizes(pdf))


def test_built_report_xlsx_and_csv_equal_its_tables(built):
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(built)))
    index = 0
    for section in built.sections:
        for table in section.tables:
            index += 1
            if not table.rows:
                continue
            ws = wb["Ringkasan" if section.key == "summary" else section.title]
            cells = [[c.value for c in row] for row in ws[ws.tables[table_name(index, table.key)].ref]][1:]
            expected = [
                [expected_xlsx_cell(row[i] if i < len(row) else None, c.kind, built.zone) for i, c in
                 enumerate(table.columns)]
                for row in table.rows
            ]  # fmt: skip
            assert cells == expected, table.key
    with zipfile.ZipFile(io.BytesIO(render_csv_zip(built))) as archive:
        tables = built.tables()
        assert archive.namelist() == [csv_name(i, t) for i, t in enumerate(tables, 1)]
        for i, table in enumerate(tables, 1):
            text = archive.read(csv_name(i, table)).decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
            assert rows[0] == [c.label if c.kind != "datetime" else f"{c.label} (WIB)" for c in table.columns]
            back = [
                [
                    parse_csv_cell(cell, c.kind, "id", built.zone)
                    for cell, c in zip(row, table.columns, strict=True)
                ]
                for row in rows[1:]
            ]
            assert back == [
                [_comparable(row[i], c.kind) for i, c in enumerate(table.columns)] for row in table.rows
            ]


def _comparable(value: object, kind: str) -> object:
    """A report cell as the CSV reader gives it back."""
    if value is None or value == "":
        return None
    if kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind in ("count", "number", "percent", "hours", "ratio") and isinstance(value, int | float):
        return value
    return str(value)
