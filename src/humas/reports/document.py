"""The evaluation report as data: what the builder produces and every output (page, PDF, XLSX, CSV, API,
archive snapshot) reads. One structure, so the same numbers appear everywhere.

A report is built in one locale: labels, titles, chart axes and draft sentences are already translated
strings. Values stay raw numbers (``kind`` says how to show them); the renderers format them with Babel in
``Report.locale`` (``1.234,5`` in Indonesian). Times are timezone-aware; renderers show them in
``Report.zone``.

``to_json``/``from_json`` round-trip exactly: a finalised report's snapshot is ``to_json`` and is read back
with ``from_json`` to render the same figures years later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from humas.reports.period import Period

ValueKind = Literal["count", "number", "percent", "hours", "ratio", "text", "date", "datetime", "url"]
"""How a value is shown: count (integer), number (decimal), percent (a 0..1 share shown as %), hours (working
hours, one decimal), ratio (a decimal like 0.0123), text, date (ISO date), datetime (ISO datetime, shown in
the report's zone), url (a link)."""

Better = Literal["up", "down", "none"]
"""Which way of change is good: response rate up, first-response time down, mention volume none."""

DrillTarget = Literal["conversations", "posts", "mentions"]

RELATIVE_KINDS = ("count", "hours", "ratio")
"""Kinds whose change is shown relative to the previous value; the others by their difference (``delta``)."""

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Drill:
    """Where a figure leads: the rows behind it. ``params`` are string filters the reports drill-down
    understands (``figure`` key, ``unit``, ``period``, plus target filters such as ``sentiment``)."""

    target: DrillTarget
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    key: str  # stable, e.g. "inbox.response_rate"; the measure's name in docs/metrics.md
    label: str
    value: float | int | None
    kind: ValueKind = "count"
    previous: float | int | None = None  # the same measure in the previous period
    better: Better = "up"
    drill: Drill | None = None
    note: str = ""  # e.g. "over followers: the platform gives no reach"

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (0.12 = +12 %); None when not comparable.

        A share (``percent``) or an index (``number``: net sentiment, -1..1) changes by its difference
        (``delta``, in points for a share), never by a relative change: 0.10 -> -0.25 is not "-350 %"."""
        if self.value is None or self.previous is None or self.kind not in RELATIVE_KINDS:
            return None
        if self.previous == 0:
            return None
        return (float(self.value) - float(self.previous)) / abs(float(self.previous))

    @property
    def delta(self) -> float | None:
        """Absolute change (for percent figures: percentage points as a 0..1 difference)."""
        if self.value is None or self.previous is None or self.kind in ("text", "date", "datetime", "url"):
            return None
        return float(self.value) - float(self.previous)

    @property
    def direction(self) -> Literal["up", "down", "flat"] | None:
        d = self.delta
        if d is None:
            return None
        return "up" if d > 0 else "down" if d < 0 else "flat"

    @property
    def improved(self) -> bool | None:
        """True when the change goes the good way, False the bad way, None when neutral or unknown."""
        direction = self.direction
        if direction is None or direction == "flat" or self.better == "none":
            return None
        return direction == self.better


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ValueKind = "text"


@dataclass(frozen=True)
class Table:
    key: str  # e.g. "publishing.best_posts"
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]  # JSON values; date/datetime cells as ISO strings
    definition: str = ""  # what the table's measures mean (XLSX writes it under the table)
    drills: tuple[Drill | None, ...] = ()  # optional: one per row, where the row leads


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    spec: dict[str, Any]  # a Vega-Lite spec with inline data, the same the pages draw


@dataclass(frozen=True)
class Section:
    key: str  # "summary", "publishing", "responsiveness", "listening", "narasi", "children"
    title: str
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    draft: tuple[str, ...] = ()  # rule-based sentences from the numbers, offered as a first draft
    text: str = (
        ""  # the analyst's evaluation (findings, recommendations); plain text, paragraphs by blank line
    )


@dataclass(frozen=True)
class Report:
    unit_id: int
    unit_name: str
    institution: str  # the root unit's name, on the cover
    period: Period
    previous: Period
    include_descendants: bool
    unit_ids: tuple[int, ...]  # every unit whose numbers are in it
    zone: str  # IANA zone of the unit, e.g. "Asia/Makassar"
    locale: str
    generated_at: datetime
    title: str
    sections: tuple[Section, ...]
    version: int = 0  # 0: a draft built live; 1, 2, …: finalised versions in the archive
    finalised_at: datetime | None = None
    finalised_by: str = ""

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def figures(self) -> dict[str, Figure]:
        """Every figure by key, across sections (the summary repeats some: the first wins)."""
        out: dict[str, Figure] = {}
        for s in self.sections:
            for f in s.figures:
                out.setdefault(f.key, f)
        return out

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    # ---- snapshot -----------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(_encode(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Report:
        return _decode_report(json.loads(text))


def _encode(value: Any) -> Any:
    if isinstance(value, Period):
        return {"first": value.first.isoformat(), "last": value.last.isoformat(), "kind": value.kind}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        out = {name: _encode(getattr(value, name)) for name in value.__dataclass_fields__}
        if isinstance(value, Report):
            out["schema"] = SCHEMA_VERSION
        return out
    return value


def _period(d: dict[str, Any]) -> Period:
    return Period(date.fromisoformat(d["first"]), date.fromisoformat(d["last"]), d["kind"])


def _drill(d: dict[str, Any] | None) -> Drill | None:
    return None if d is None else Drill(target=d["target"], params=dict(d["params"]))


def _figure(d: dict[str, Any]) -> Figure:
    return Figure(
        key=d["key"],
        label=d["label"],
        value=d["value"],
        kind=d["kind"],
        previous=d["previous"],
        better=d["better"],
        drill=_drill(d["drill"]),
        note=d.get("note", ""),
    )


def _table(d: dict[str, Any]) -> Table:
    return Table(
        key=d["key"],
        title=d["title"],
        columns=tuple(Column(c["key"], c["label"], c["kind"]) for c in d["columns"]),
        rows=tuple(tuple(r) for r in d["rows"]),
        definition=d.get("definition", ""),
        drills=tuple(_drill(x) for x in d.get("drills", [])),
    )


def _section(d: dict[str, Any]) -> Section:
    return Section(
        key=d["key"],
        title=d["title"],
        figures=tuple(_figure(f) for f in d["figures"]),
        tables=tuple(_table(t) for t in d["tables"]),
        charts=tuple(Chart(c["key"], c["title"], c["spec"]) for c in d["charts"]),
        draft=tuple(d["draft"]),
        text=d.get("text", ""),
    )


def _decode_report(d: dict[str, Any]) -> Report:
    if d.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unknown report snapshot schema {d.get('schema')!r}")
    return Report(
        unit_id=d["unit_id"],
        unit_name=d["unit_name"],
        institution=d["institution"],
        period=_period(d["period"]),
        previous=_period(d["previous"]),
        include_descendants=d["include_descendants"],
        unit_ids=tuple(d["unit_ids"]),
        zone=d["zone"],
        locale=d["locale"],
        generated_at=datetime.fromisoformat(d["generated_at"]),
        title=d["title"],
        sections=tuple(_section(s) for s in d["sections"]),
        version=d["version"],
        finalised_at=datetime.fromisoformat(d["finalised_at"]) if d["finalised_at"] else None,
        finalised_by=d.get("finalised_by", ""),
    )
