"""Helpers of the renderer tests: read a PDF back with poppler (pdftotext, pdfinfo, pdftoppm)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _poppler(*args: str, data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        done = subprocess.run([*args, str(path), *([] if args[0] == "pdfinfo" else ["-"])],
                              capture_output=True, check=True, timeout=60)  # fmt: skip
        return done.stdout.decode("utf-8")


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pdftotext), whitespace collapsed to single spaces."""
    text = _poppler("pdftotext", "-enc", "UTF-8", data=data)
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Every page's size in points (pdfinfo)."""
    pages = int(re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", data=data), re.M)[1])  # type: ignore[index]
    info = _poppler("pdfinfo", "-f", "1", "-l", str(pages), data=data)
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def rasterise(data: bytes) -> list[bytes]:
    """Every page as a PNG (pdftoppm at a low resolution); raises if poppler fails on any page."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "24", "-png", str(source), str(Path(tmp) / "page")],
                       capture_output=True, check=True, timeout=120)  # fmt: skip
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page-*.png"))]


def expected_xlsx_cell(value: object, kind: str, zone: str) -> object:
    """A report cell as openpyxl reads it back from the XLSX: times naive in the report's zone, dates as
    midnight datetimes, text as written (less the control characters Excel cannot store)."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value == "":
        return None
    if kind in ("count", "number", "percent", "hours", "ratio") and isinstance(value, int | float):
        return value if not isinstance(value, bool) else "True" if value else "False"
    if kind == "datetime" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if kind == "date" and isinstance(value, str):
        return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


CSV_SEPARATORS = {"id": (";", ","), "en": (",", ".")}


def parse_csv_cell(text: str, kind: str, locale: str, zone: str) -> object:
    """What a script reading humas' CSV does, the inverse of the writer: numbers (a percent back to its
    0..1 share), times as aware datetimes in ``zone``, dates as ISO text, text without its formula guard."""
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    if text == "":
        return None
    mark = CSV_SEPARATORS[locale][1]
    try:
        if kind in ("count", "number", "hours", "ratio"):
            number = Decimal(text.replace(mark, "."))
            return (
                int(number)
                if number == number.to_integral_value() and "." not in str(number)
                else float(number)
            )
        if kind == "percent" and text.endswith("%"):
            return float(Decimal(text[:-1].replace(mark, ".")) / 100)
        if kind == "datetime":
            return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        pass
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


def big_report(*, rows: int = 1000, charts: int = 10, tables: int = 2):  # type: ignore[no-untyped-def]
    """The sample report grown to a large one: ``tables`` tables of ``rows`` rows and ``charts`` charts of a
    month of daily points (for render timings)."""
    from dataclasses import replace

    from humas.reports.document import Chart, Column, Section, Table
    from tests.reports.sample import sample_report

    report = sample_report()
    columns = (
        Column("text", "Teks"),
        Column("at", "Terbit", "datetime"),
        Column("reach", "Jangkauan", "count"),
        Column("er", "Tingkat keterlibatan", "percent"),
        Column("hours", "Respons", "hours"),
    )
    body = tuple(
        (f"Unggahan ke-{i} tentang layanan & pajak <b>{i % 7}</b>",
         f"2026-11-{1 + i % 30:02d}T0{i % 10}:15:00+00:00", 1000 + 37 * i, (i % 100) / 1000, (i % 50) / 4)
        for i in range(rows)
    )  # fmt: skip
    channels = ("Instagram", "X", "Facebook")
    values = [{"hari": f"2026-11-{d:02d}", "n": d * 37 % 101, "kanal": channels[d % 3]} for d in range(1, 31)]
    spec = {
        "data": {"values": values},
        "mark": "line",
        "encoding": {
            "x": {"field": "hari", "type": "temporal", "title": "Tanggal"},
            "y": {"field": "n", "type": "quantitative", "title": "Sebutan"},
            "color": {"field": "kanal", "type": "nominal", "title": "Kanal"},
        },
    }
    big = Section(
        "big",
        "Rincian",
        tables=tuple(Table(f"big.{t}", f"Tabel {t}", columns, body) for t in range(tables)),
        charts=tuple(Chart(f"big.{c}", f"Grafik {c}", spec) for c in range(charts)),
    )
    return replace(report, sections=(*report.sections, big))
