"""The report's PDF, read back with poppler: text (pdftotext), pages (pdftoppm) and size (pdfinfo)."""

import base64
import re
import socket
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from humas.reports.document import Chart, Column, Section, Table
from humas.reports.render import pdf as pdf_module
from humas.reports.render.fmt import format_change, format_value
from humas.reports.render.pdf import paragraphs, render_html, render_pdf
from tests.reports.render_tools import page_sizes, pdf_pages, pdf_text, rasterise
from tests.reports.sample import sample_report

A4 = (595.28, 841.89)  # points
# a 1×1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_pdf(sample_report())


@pytest.fixture(scope="module")
def sample_pages(sample_pdf) -> list[str]:
    return pdf_pages(sample_pdf)


def test_every_summary_figure_is_in_the_pdf(sample_pages):
    report = sample_report()
    summary = next(page for page in sample_pages if "Ringkasan" in page and "Periode sebelumnya" in page)
    for figure in report.section("summary").figures:
        assert figure.label in summary
        assert format_value(figure.value, figure.kind, locale="id", zone=report.zone) in summary
        assert format_value(figure.previous, figure.kind, locale="id", zone=report.zone) in summary
        assert format_change(figure, locale="id") in summary
    for shown in ("1.234", "87,5%", "2,5 jam", "45.678", "▲ 12,2%", "▲ 7,5 poin", "▼ 16,7%"):
        assert shown in summary


def test_pages_are_a4_and_each_renders(sample_pdf, sample_pages):
    sizes = page_sizes(sample_pdf)
    assert len(sizes) == len(sample_pages) == 6  # cover, contents, four sections
    assert all(w == pytest.approx(A4[0], abs=0.5) and h == pytest.approx(A4[1], abs=0.5) for w, h in sizes)
    images = rasterise(sample_pdf)
    assert len(images) == len(sizes)
    assert all(png.startswith(b"\x89PNG") and len(png) > 100 for png in images)


def test_cover_contents_and_page_numbers(sample_pages):
    cover, contents = sample_pages[0], sample_pages[1]
    for text in ("Kementerian Contoh", "Biro Komunikasi", "Laporan Evaluasi Media Sosial", "November 2026"):
        assert text in cover
    assert "Dibandingkan dengan Oktober 2026" in cover
    assert "Termasuk unit di bawahnya" in cover
    assert "Dibuat 1 Desember 2026 09.00 WITA" in cover  # 01:00 UTC in the unit's zone
    assert "Draf: belum difinalisasi" in cover
    assert not re.search(r"\d+/6$", cover)  # no page number on the cover
    assert contents.startswith("Laporan Evaluasi Media Sosial · November 2026 Daftar isi")
    for title in ("Ringkasan", "Responsivitas", "Publikasi", "Pemantauan"):
        number = int(re.search(re.escape(title) + r" \.+ ?(\d+)", contents)[1])
        assert sample_pages[number - 1].split(" · November 2026 ", 1)[1].startswith(title)
        assert sample_pages[number - 1].endswith(f"Kementerian Contoh · Biro Komunikasi {number}/6")


def test_sections_show_tables_charts_and_text(sample_pages):
    text = " ".join(sample_pages)
    assert "Unggahan terbaik" in text and "3 November 2026 10.00 WITA" in text and "12.000" in text
    assert "Definisi: Keterlibatan = suka + komentar + bagikan" in text
    assert "Sebutan" in text and "Tanggal" in text  # the chart's axis titles (inline SVG text)
    assert "Temuan: respons membaik." in text
    assert "Tingkat respons naik 7,5 poin" not in text  # the analyst's text wins over the draft


def test_hostile_text_is_shown_literally():
    report = sample_report()
    report = replace(
        report,
        institution='Kementerian <script>alert("x")</script>',
        unit_name="Biro <i>Humas</i> & Kom",
        sections=(
            *report.sections,
            Section("narasi", "Narasi <u>tunggal</u>", draft=("Kalimat <img src=x onerror=alert(1)> draf.",)),
        ),
    )
    html = render_html(report)
    assert "<script>alert" not in html and "<i>Humas</i>" not in html and "<img src=x" not in html
    assert "&lt;b&gt;hari ini&lt;/b&gt; &amp; besok" in html
    text = pdf_text(render_pdf(report))
    assert "Vaksinasi gratis <b>hari ini</b> & besok" in text
    assert 'Kementerian <script>alert("x")</script>' in text
    assert "Biro <i>Humas</i> & Kom" in text
    assert "Narasi <u>tunggal</u>" in text
    assert "Kalimat <img src=x onerror=alert(1)> draf." in text  # a draft shows when there is no text
    assert "Draf awal yang disusun dari angka" in text


def test_english_report_uses_english_formats():
    text = pdf_text(render_pdf(sample_report(locale="en")))
    for shown in ("1,234", "87.5%", "2.5 h", "45,678", "▲ 7.5 pts", "Contents", "Generated December 1, 2026"):
        assert shown in text
    assert "Daftar isi" not in text


def test_finalised_report_names_its_version():
    report = replace(
        sample_report(version=2), finalised_at=sample_report().generated_at, finalised_by="Kepala Biro"
    )
    cover = pdf_pages(render_pdf(report))[0]
    assert "Versi 2, difinalisasi 1 Desember 2026 09.00 WITA oleh Kepala Biro" in cover
    assert "belum difinalisasi" not in cover


def test_a_bad_chart_is_a_note_not_a_failure():
    report = sample_report()
    bad = Chart("broken", "Grafik rusak", {"mark": "no-such-mark"})
    report = replace(report, sections=(*report.sections, Section("x", "Lain-lain", charts=(bad,))))
    text = pdf_text(render_pdf(report))
    assert "Grafik rusak Grafik ini tidak dapat digambar." in text


def test_long_table_breaks_across_pages_with_its_header():
    columns = (
        Column("n", "Nomor", "count"),
        Column("text", "Isi unggahan"),
        Column("day", "Tanggal", "date"),
    )
    rows = tuple((i, f"Baris ke-{i}", "2026-11-03") for i in range(1, 121))
    table = Table("long", "Tabel panjang", columns, rows)
    report = replace(sample_report(), sections=(Section("long", "Panjang", tables=(table,)),))
    pages = pdf_pages(render_pdf(report))[2:]  # after the cover and contents
    assert len(pages) >= 3
    for page in pages:
        assert "Nomor Isi unggahan Tanggal" in page
    assert "Baris ke-1 " in pages[0] and "Baris ke-120 " in pages[-1]
    assert sum(page.count("3 November 2026") for page in pages) == 120


def test_pdf_lists_at_most_its_row_limit(monkeypatch):
    monkeypatch.setattr(pdf_module, "PDF_MAX_ROWS", 5)
    rows = tuple((f"Baris ke-{i}",) for i in range(1, 1235))
    table = Table("long", "Tabel panjang", (Column("text", "Isi"),), rows)
    report = replace(sample_report(), sections=(Section("long", "Panjang", tables=(table,)),))
    text = pdf_text(render_pdf(report))
    assert "Baris ke-5 " in text and "Baris ke-6 " not in text
    assert "5 baris pertama dari 1.234; berkas XLSX dan CSV memuat semuanya." in text


def test_logo_on_the_cover_and_a_bad_logo_ignored():
    def image_count(pdf: bytes) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.pdf"
            path.write_bytes(pdf)
            listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True)
        rows = [line.split() for line in listing.stdout.decode().splitlines()[2:]]
        return sum(1 for row in rows if row[2] == "image")  # not its alpha mask ("smask")

    report = replace(sample_report(), sections=())  # the logo is on the cover: no need for the sections
    assert image_count(render_pdf(report, logo=PNG)) == 1
    assert image_count(render_pdf(report, logo=b"not an image")) == 0


def test_nothing_is_fetched(monkeypatch):
    """A logo or chart that points outside is drawn without it: no socket is opened, no file read."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    logo = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<image href="http://127.0.0.1:9/x.png" width="10" height="10"/>'
        b'<image href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    spec = {"data": {"url": "http://127.0.0.1:9/data.json"}, "mark": "bar"}
    # the cover (logo) and one section with the outside chart: the rest of the sample fetches nothing either
    report = replace(sample_report(), sections=(Section("x", "Luar", charts=(Chart("c", "Luar", spec),)),))
    text = pdf_text(render_pdf(report, logo=logo))
    assert attempts == []
    assert "Luar Grafik ini tidak dapat digambar." in text


def test_paragraphs_split_at_blank_lines():
    assert paragraphs("Satu\nbaris dua\n\n  \nTiga\r\n\r\nEmpat ") == ["Satu\nbaris dua", "Tiga", "Empat"]
    assert paragraphs("") == []


def test_same_report_same_bytes(sample_pdf):
    # the same report gives the same file, so an archived checksum can be checked (speed: humas bench reports)
    assert render_pdf(sample_report()) == sample_pdf
