"""File import: CSV, JSON lines and XLSX in humas' schema, or any columns through a mapping.

Reading never stops at a bad row: each record comes out as values or as an error with its row number (the
line or sheet row where the record starts; the header is row 1). CSV is read line by line, so a row with a
wrong encoding or an unclosed quote is reported and the rows after it still import.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from humas.connectors.base import KINDS, SourceItem
from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.ingest.service.messages import tr

FIELDS = (
    "platform", "external_id", "kind", "text", "created_at", "author_id", "author_handle", "author_name",
    "author_followers", "url", "parent_external_id", "thread_external_id", "channel_external_id",
    "likes", "replies", "shares", "views",
)  # fmt: skip
METRICS = ("likes", "replies", "shares", "views")
SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".xlsx")
MAX_RECORD_LINES = 200


@dataclass(frozen=True)
class Record:
    row: int
    values: dict[str, Any] | None
    error: str | None = None
    excerpt: str = ""


class RowError(ValueError):
    pass


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`--map text=Tweet` pairs into {our field: their column}."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        field = field.strip()
        if not sep or field not in FIELDS:
            raise Invalid(tr("unknown field %(field)s in --map", field=field or pair), field="map")
        mapping[field] = column.strip()
    return mapping


# --- readers --------------------------------------------------------------------------------------------


def _sniff(header: str) -> str:
    return max((",", ";", "\t", "|"), key=header.count)


def read_csv(f: IO[bytes], *, encoding: str = "utf-8") -> Iterator[Record]:
    """Records of a delimited file; the first line is the header."""
    lines = enumerate(f, start=1)
    queue: deque[tuple[int, bytes]] = deque()  # lines to read again after a record was given up
    header: list[str] | None = None
    delimiter = ","
    held: list[tuple[int, bytes]] = []  # lines of a record still inside quotes
    buf = ""
    while True:
        item = queue.popleft() if queue else next(lines, None)
        if item is None:
            if not held:
                return
            yield _give_up(held, queue)  # end of file inside quotes
            held, buf = [], ""
            continue
        lineno, raw = item
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else encoding)
        except UnicodeDecodeError:
            yield Record(
                lineno, None, str(tr("not valid %(encoding)s text (wrong encoding)", encoding=encoding))
            )
            continue
        held.append(item)
        buf += text
        if buf.count('"') % 2 == 1:
            if len(held) >= MAX_RECORD_LINES:
                yield _give_up(held, queue)
                held, buf = [], ""
            continue
        start, record_text = held[0][0], buf
        held, buf = [], ""
        if not record_text.strip():
            continue
        if header is None:
            delimiter = _sniff(record_text)
            header = [h.strip() for h in next(csv.reader([record_text.rstrip("\r\n")], delimiter=delimiter))]
            continue
        yield _csv_record(start, record_text, header, delimiter)


def _give_up(held: list[tuple[int, bytes]], queue: deque[tuple[int, bytes]]) -> Record:
    """An unclosed quote: report the record's first line, then read the lines it swallowed again."""
    queue.extendleft(reversed(held[1:]))
    return Record(held[0][0], None, str(tr("unclosed quote")), held[0][1][:80].decode("utf-8", "replace"))


def _csv_record(row: int, record_text: str, header: list[str], delimiter: str) -> Record:
    excerpt = record_text[:80]
    try:
        fields = next(csv.reader([record_text.rstrip("\r\n")], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return Record(row, None, str(tr("broken quoting: %(detail)s", detail=str(exc))), excerpt)
    if len(fields) != len(header):
        message = tr(
            "expected %(expected)s columns, found %(found)s", expected=len(header), found=len(fields)
        )
        return Record(row, None, str(message), excerpt)
    return Record(row, dict(zip(header, fields, strict=True)), excerpt=excerpt)


def read_jsonl(f: IO[bytes], *, encoding: str = "utf-8") -> Iterator[Record]:
    for lineno, raw in enumerate(f, start=1):
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else encoding)
        except UnicodeDecodeError:
            yield Record(
                lineno, None, str(tr("not valid %(encoding)s text (wrong encoding)", encoding=encoding))
            )
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield Record(lineno, None, str(tr("invalid JSON: %(detail)s", detail=str(exc))), text[:80])
            continue
        if not isinstance(value, dict):
            yield Record(lineno, None, str(tr("not a JSON object")), text[:80])
            continue
        yield Record(lineno, value, excerpt=text[:80])


def read_xlsx(path: Path) -> Iterator[Record]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        for row_number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if header is None:
                header = ["" if c is None else str(c).strip() for c in cells]
                continue
            if all(c is None or c == "" for c in cells):
                continue
            values = dict(zip(header, list(cells) + [None] * (len(header) - len(cells)), strict=False))
            yield Record(row_number, values, excerpt=str(next((c for c in cells if c), ""))[:80])
    finally:
        book.close()


def read_records(path: Path, *, encoding: str = "utf-8") -> Iterator[Record]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from read_xlsx(path)
        return
    if suffix not in SUFFIXES:
        raise Invalid(
            tr("unsupported file type %(suffix)s (csv, jsonl, xlsx)", suffix=suffix or "?"), field="file"
        )
    with path.open("rb") as f:
        if suffix in (".jsonl", ".ndjson", ".json"):
            yield from read_jsonl(f, encoding=encoding)
        else:
            yield from read_csv(f, encoding=encoding)


def estimate_rows(path: Path) -> int:
    """Rows to expect (for the progress bar): lines for text files, the sheet's size for XLSX."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return max((book.worksheets[0].max_row or 1) - 1, 0)
        finally:
            book.close()
    count = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return max(count - (0 if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else 1), 0)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- values to items ------------------------------------------------------------------------------------

_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%a %b %d %H:%M:%S %z %Y", "%Y/%m/%d %H:%M:%S",
)  # fmt: skip
_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")


def parse_datetime(value: Any, tz: tzinfo) -> datetime | None:
    """Dates as files carry them: ISO 8601, d/m/Y, Twitter's format, UNIX seconds or ms; naive means `tz`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if _EPOCH.match(text):
            number = float(text)
            return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
        parsed = _parse_text_date(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if not 1990 <= parsed.year <= 2100:
        raise RowError(tr("unrecognised date %(value)s", value=repr(str(value))[:60]))
    return parsed.astimezone(UTC)


def _parse_text_date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise RowError(tr("unrecognised date %(value)s", value=repr(text)[:60]))


def parse_count(value: Any) -> int | None:
    """Counts like 1234, '1.234' or '1,234' (thousands separators); empty is None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(tr("not a whole number: %(value)s", value=repr(value)))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text.isdigit():
        raise RowError(tr("not a whole number: %(value)s", value=repr(str(value))[:40]))
    return int(text)


def _get(values: dict[str, Any], field: str, mapping: dict[str, str], lower: dict[str, str]) -> Any:
    column = mapping.get(field) or lower.get(field)
    if column is None:
        return None
    value = values.get(column)
    return value.strip() if isinstance(value, str) else value


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def to_item(values: dict[str, Any], *, mapping: dict[str, str], platform: str, tz: tzinfo) -> SourceItem:
    """One record as a SourceItem; raises RowError naming what is wrong."""
    lower = {k.strip().lower(): k for k in values if isinstance(k, str)}

    def get(field: str) -> Any:
        return _get(values, field, mapping, lower)

    text = _text(get("text"))
    if not text or not text.strip():
        raise RowError(tr("text is missing"))
    created_at = parse_datetime(get("created_at"), tz)
    kind = (_text(get("kind")) or "post").lower()
    if kind not in KINDS:
        raise RowError(tr("unknown kind %(value)s", value=repr(kind)[:40]))
    plat = (_text(get("platform")) or platform).lower()
    metrics = {m: n for m in METRICS if (n := parse_count(get(m))) is not None}
    handle = _text(get("author_handle"))
    external_id = _text(get("external_id")) or _derived_id(plat, handle, created_at, text)
    return SourceItem(
        platform=plat, external_id=external_id, kind=kind, text=text, created_at=created_at,
        author_id=_text(get("author_id")), author_handle=handle, author_name=_text(get("author_name")),
        author_followers=parse_count(get("author_followers")), url=_text(get("url")),
        parent_external_id=_text(get("parent_external_id")),
        thread_external_id=_text(get("thread_external_id")),
        channel_external_id=_text(get("channel_external_id")), metrics=metrics,
        raw={k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in values.items()},
    )  # fmt: skip


def _derived_id(platform: str, handle: str | None, created_at: datetime | None, text: str) -> str:
    """Rows without an id get one from their content: the same file imported twice maps to the same rows."""
    basis = "\x1f".join([platform, handle or "", created_at.isoformat() if created_at else "", text])
    return "sha1:" + hashlib.sha1(basis.encode()).hexdigest()  # noqa: S324 - an identifier, not a secret


def check_columns(header: list[str], mapping: dict[str, str]) -> None:
    for column in mapping.values():
        if column not in header:
            raise Invalid(tr("column %(column)s is not in the file", column=column), field="map")


def zone(name: str) -> tzinfo:
    """The IANA zone dates without one are read in (the target unit's, unless the importer names another)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(_("Unknown time zone: %(name)s", name=name[:60]), field="tz") from None


def csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
