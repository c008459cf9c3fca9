"""A unit admin uploads the institution's logo on /laporan in Chromium, sees it there, and the report's PDF
cover carries exactly that picture (pdfimages: one image of the upload's size and colour) beside the
institution's name (pdftotext). A file that is not a picture is refused on the page in Indonesian."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.factories import make_unit
from tests.live import LiveServer, login, unique
from tests.reports.render_tools import pdf_pages
from tests.reports.world import NOV_MON, NOVEMBER, mentions

pytestmark = pytest.mark.browser

SIZE = (120, 48)
COLOUR = (200, 30, 40)


def seed(session: Any) -> tuple[int, str]:
    root = make_unit(session, name=unique("Kementerian Logo"))
    kanwil = make_unit(session, parent=root, name="Kanwil Logo")
    mentions(session, kanwil, NOV_MON, "positive", 2)
    return kanwil.id, root.name


def cover_images(pdf: bytes) -> list[Image.Image]:
    """The images of the PDF's first page (the cover), extracted by poppler."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdfimages", "-f", "1", "-l", "1", "-png", str(path), f"{tmp}/img"], check=True)
        out = []
        for found in sorted(Path(tmp).glob("img-*.png")):
            with Image.open(found) as image:
                out.append(image.convert("RGB"))
        return out


def test_an_admin_uploads_a_logo_and_the_pdf_cover_shows_it(
    live_server: LiveServer, page: Any, fernet_key: str, tmp_path: Path
) -> None:
    kanwil, institution = live_server.run(seed)
    admin = live_server.add_user(kanwil, "admin")
    login(page, live_server, admin.key)
    page.click("a[data-nav=reports]")
    page.wait_for_url(f"{live_server.url}/laporan")
    assert "Belum ada logo" in page.inner_text("[data-testid=logo-card]")

    bad = tmp_path / "bukan-logo.png"
    bad.write_bytes(b"ini bukan gambar")
    page.set_input_files("#f-logo", str(bad))
    page.click("[data-testid=logo-upload]")
    page.wait_for_selector("[data-testid=logo-card] [data-testid=field-error]")
    assert "Logo harus berupa gambar PNG, JPEG, atau WebP." in page.inner_text("[data-testid=logo-card]")

    good = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", SIZE, COLOUR).save(buffer, "PNG")
    good.write_bytes(buffer.getvalue())
    page.set_input_files("#f-logo", str(good))
    page.click("[data-testid=logo-upload]")
    page.wait_for_selector("[data-testid=logo-preview]")
    assert page.locator("[data-testid=logo-preview]").evaluate("img => img.naturalWidth") == SIZE[0]

    page.goto(f"{live_server.url}/laporan/draf?unit={kanwil}&period={NOVEMBER.key}&turunan=1")
    with page.expect_download(timeout=120_000) as download:  # the PDF is rendered now: minutes on a busy box
        page.click("a[href*='berkas=pdf']")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert institution in pdf_pages(pdf)[0]  # the cover: the institution's name beside its logo
    (logo,) = cover_images(pdf)
    assert logo.size == SIZE and logo.getpixel((SIZE[0] // 2, SIZE[1] // 2)) == COLOUR
