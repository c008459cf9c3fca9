"""Report outputs: one value formatter (``fmt``), charts to SVG (``charts``), PDF (``pdf``), XLSX (``xlsx``)
and CSV (``csv``). Import from the modules: ``pdf`` loads WeasyPrint, which a caller of ``fmt`` (the web
page) need not pay for."""
