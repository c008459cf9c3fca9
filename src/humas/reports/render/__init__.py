"""Report outputs: one value formatter (``fmt``), charts to SVG (``charts``), PDF (``pdf``), XLSX (``xlsx``)
and CSV (``csv``).

The renderers are exported here lazily (PEP 562): the web page imports ``fmt`` for its numbers and should
not pay for loading vl-convert, openpyxl or WeasyPrint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from humas.reports.render.csv import render_csv, render_csv_zip
    from humas.reports.render.fmt import format_change, format_value
    from humas.reports.render.pdf import render_html, render_pdf
    from humas.reports.render.xlsx import render_xlsx

_WHERE = {
    "render_pdf": "pdf",
    "render_html": "pdf",
    "render_xlsx": "xlsx",
    "render_csv": "csv",
    "render_csv_zip": "csv",
    "format_value": "fmt",
    "format_change": "fmt",
}
__all__ = [
    "format_change",
    "format_value",
    "render_csv",
    "render_csv_zip",
    "render_html",
    "render_pdf",
    "render_xlsx",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
