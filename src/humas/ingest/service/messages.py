"""Translatable messages of the ingest services, with their Indonesian text.

NOTE: Indonesian is the default locale; until the gettext catalog carries these msgids, the Indonesian text
lives here and is used whenever the catalog has no translation.
"""

from __future__ import annotations

from typing import Any

from babel.support import LazyProxy

from humas.core.i18n import get_locale, gettext

ID = {
    # query language
    "column %(col)s: unclosed parenthesis": "kolom %(col)s: tanda kurung tidak ditutup",
    "column %(col)s: closing parenthesis without an opening one": (
        "kolom %(col)s: tanda kurung tutup tanpa pembuka"
    ),
    "column %(col)s: unclosed quote": "kolom %(col)s: tanda kutip tidak ditutup",
    "column %(col)s: %(op)s needs a term after it": "kolom %(col)s: %(op)s memerlukan istilah sesudahnya",
    "column %(col)s: %(op)s needs a term before it": "kolom %(col)s: %(op)s memerlukan istilah sebelumnya",
    "column %(col)s: empty term": "kolom %(col)s: istilah kosong",
    "column %(col)s: empty parentheses": "kolom %(col)s: tanda kurung kosong",
    "column %(col)s: filter %(key)s needs a value": "kolom %(col)s: filter %(key)s memerlukan nilai",
    "column %(col)s: unknown sentiment %(value)s (positive, negative, neutral)": (
        "kolom %(col)s: sentimen %(value)s tidak dikenal (positive, negative, neutral)"
    ),
    "column %(col)s: a prefix needs at least 2 letters": (
        "kolom %(col)s: awalan memerlukan sedikitnya 2 huruf"
    ),
    "the query is empty": "kueri kosong",
    "the query is longer than %(max)s characters": "kueri lebih dari %(max)s karakter",
    # file import
    "not valid %(encoding)s text (wrong encoding)": "bukan teks %(encoding)s yang sah (pengkodean salah)",
    "unclosed quote": "tanda kutip tidak ditutup",
    "broken quoting: %(detail)s": "tanda kutip rusak: %(detail)s",
    "expected %(expected)s columns, found %(found)s": "seharusnya %(expected)s kolom, ditemukan %(found)s",
    "not a JSON object": "bukan objek JSON",
    "invalid JSON: %(detail)s": "JSON tidak sah: %(detail)s",
    "text is missing": "teks kosong",
    "unrecognised date %(value)s": "tanggal tidak dikenali %(value)s",
    "not a whole number: %(value)s": "bukan bilangan bulat: %(value)s",
    "unknown kind %(value)s": "jenis tidak dikenal %(value)s",
    "the file has no header row": "berkas tidak memiliki baris judul",
    "column %(column)s is not in the file": "kolom %(column)s tidak ada di berkas",
    "unknown field %(field)s in --map": "bidang %(field)s pada --map tidak dikenal",
    "unsupported file type %(suffix)s (csv, jsonl, xlsx)": (
        "jenis berkas %(suffix)s tidak didukung (csv, jsonl, xlsx)"
    ),
}


def render(msgid: str, params: dict[str, Any]) -> str:
    text = gettext(msgid)
    if text == msgid and get_locale() == "id" and msgid in ID:
        text = ID[msgid]
    return text % params if params else text


def tr(msgid: str, **params: Any) -> Any:
    """A lazy message rendered in the locale current when it is shown."""
    return LazyProxy(render, msgid, params, enable_cache=False)
