"""CSV per table and the ZIP of them: Excel-friendly, formula-safe, and read back to the report's values."""

import csv
import io
import zipfile
from dataclasses import replace
from datetime import datetime

import pytest

from humas.reports.document import Column, Section, Table
from humas.reports.render.csv import render_csv, render_csv_zip
from tests.reports.render_tools import CSV_SEPARATORS as SEPARATORS
from tests.reports.render_tools import parse_csv_cell
from tests.reports.sample import sample_report


def _read(data: bytes, locale: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents
    return list(
        csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=SEPARATORS[locale][0])
    )


def _parse(text: str, kind: str, locale: str, zone: str):
    value = parse_csv_cell(text, kind, locale, zone)
    return value.isoformat() if isinstance(value, datetime) else value


@pytest.mark.parametrize("locale", ["id", "en"])
def test_round_trip(locale):
    report = sample_report(locale=locale)
    table = report.tables()[0]
    rows = _read(render_csv(table, locale=locale, zone=report.zone), locale)
    assert rows[0] == ["Teks", "Terbit (WITA)", "Jangkauan", "Tingkat keterlibatan"]
    for written, original in zip(rows[1:], table.rows, strict=True):
        back = [
            _parse(text, c.kind, locale, report.zone) for text, c in zip(written, table.columns, strict=True)
        ]
        assert back[0] == original[0]
        assert datetime.fromisoformat(back[1]) == datetime.fromisoformat(original[1])
        assert back[2:] == list(original[2:])
    assert rows[1][1:] == ["2026-11-03 10:00:00", "12000", "4,3%" if locale == "id" else "4.3%"]


def test_formula_injection_and_odd_values():
    columns = (Column("text", "=Teks"), Column("n", "Jumlah", "number"), Column("d", "Hari", "date"))
    hostile = (
        '=HYPERLINK("http://evil.example","x")',
        "+62 812",
        "-1+2",
        "@SUM(1)",
        "\t=1",
        'biasa; "kutip"\nbaris',
    )
    rows = tuple((text, -1234.5, "2026-11-30") for text in hostile) + (("", None, "bukan tanggal"),)
    data = render_csv(Table("t", "T", columns, rows), locale="id", zone="Asia/Jakarta")
    read = _read(data, "id")
    assert read[0] == ["'=Teks", "Jumlah", "Hari"]
    assert [r[0] for r in read[1:-1]] == [
        "'" + hostile[0], "'+62 812", "'-1+2", "'@SUM(1)", "'\t=1", 'biasa; "kutip"\nbaris'
    ]  # fmt: skip
    assert all(r[1] == "-1234,5" and r[2] == "2026-11-30" for r in read[1:-1])  # numbers are not neutralised
    assert read[-1] == ["", "", "bukan tanggal"]
    assert [_parse(r[0], "text", "id", "Asia/Jakarta") for r in read[1:-1]] == list(hostile)


def test_exact_decimals():
    columns = (
        Column("p", "Persen", "percent"),
        Column("r", "Rasio", "ratio"),
        Column("n", "Angka", "number"),
    )
    table = Table("t", "T", columns, ((0.07, 0.0001234, 1e20), (1, 0, 0.1 + 0.2)))
    rows = _read(render_csv(table, locale="en", zone="Asia/Jakarta"), "en")
    assert rows[1] == ["7%", "0.0001234", "100000000000000000000"]  # no float noise, no exponent
    assert rows[2] == ["100%", "0", "0.30000000000000004"]  # the exact float, so it reads back equal
    assert _parse(rows[1][0], "percent", "en", "") == 0.07


def test_zip_has_one_csv_per_table():
    report = sample_report()
    extra = Table("children/ranking", "Peringkat", (Column("u", "Unit"),), (("Kanwil A",),))
    report = replace(report, sections=(*report.sections, Section("children", "Unit", tables=(extra,))))
    data = render_csv_zip(report)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["01-publishing.best_posts.csv", "02-children-ranking.csv"]
        assert archive.read("02-children-ranking.csv") == render_csv(extra, locale="id", zone=report.zone)
        assert archive.testzip() is None
    assert render_csv_zip(report) == data  # stable bytes
