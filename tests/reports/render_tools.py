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
