"""A report chart (a Vega-Lite spec) as a static SVG, offline, through vl-convert.

- Offline: vl-convert is called with ``allowed_base_urls=[]``, so a spec that names external data fails
  instead of fetching it; vl-convert draws text with the system's fonts and loads none from the web.
- In the report's language: unless the spec carries its own ``config.locale`` (the listening charts do),
  d3 number and time locales made from Babel's data are added (not ``humas.listening.charts.chart_locale``:
  importing it loads Altair, seconds on a busy worker, for two small tables), and temporal axes use a
  24-hour clock ("09.00", "2 Nov") instead of d3's "09 AM".
- Safe: a spec that is not a dict, too large, or that vl-convert refuses yields no SVG, and the caller shows a
  short note instead; the SVG that comes back is cleaned of scripts, foreign objects, event handlers and
  links to anything but a data: image, because chart labels are public text and the SVG is inlined in the
  PDF's HTML.
- Cache-free: every call converts again (a report is rendered once; its snapshot is what is archived).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from typing import Any

import vl_convert
from babel import dates, numbers

from humas.reports.document import Chart
from humas.reports.render.fmt import language

log = logging.getLogger(__name__)

MAX_SPEC_BYTES = 2_000_000  # a report chart has at most a few thousand points of inline data
MAX_SEQUENCE = 100_000  # a `sequence` data generator larger than this is refused (it could exhaust memory)
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_DROP_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "style"}
_HOUR_FORMATS = {
    "id": {"year": "%Y", "quarter": "%B", "month": "%B", "week": "%e %b", "date": "%e %b",
           "day": "%a %e", "hours": "%H.%M", "minutes": "%H.%M", "seconds": ":%S", "milliseconds": ".%L"},
    "en": {"year": "%Y", "quarter": "%B", "month": "%B", "week": "%b %e", "date": "%b %e",
           "day": "%a %e", "hours": "%H:%M", "minutes": "%H:%M", "seconds": ":%S", "milliseconds": ".%L"},
}  # fmt: skip


@dataclass(frozen=True)
class ChartImage:
    key: str
    title: str
    svg: str | None  # cleaned SVG markup; None when the chart could not be drawn
    error: str = ""  # why not, for the log (never shown: it may quote the spec)


@cache
def d3_locale(locale: str) -> dict[str, Any]:
    """Vega-Lite's ``config.locale`` (d3-format and d3-time-format) from Babel's data for a humas language,
    so chart axes read like the report's text ("10.000", "Desember")."""
    lang = language(locale)
    days = dates.get_day_names("wide", locale=lang)  # Monday = 0; d3 starts on Sunday
    short_days = dates.get_day_names("abbreviated", locale=lang)
    order = [6, 0, 1, 2, 3, 4, 5]
    number = {
        "decimal": numbers.get_decimal_symbol(lang),
        "thousands": numbers.get_group_symbol(lang),
        "grouping": [3],
        "currency": ["Rp", ""] if lang == "id" else ["$", ""],
    }
    time = {
        "dateTime": "%A, %e %B %Y %X",
        "date": "%d/%m/%Y" if lang == "id" else "%-m/%-d/%Y",
        "time": "%H.%M.%S" if lang == "id" else "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": [days[i] for i in order],
        "shortDays": [short_days[i] for i in order],
        "months": [dates.get_month_names("wide", locale=lang)[m] for m in range(1, 13)],
        "shortMonths": [dates.get_month_names("abbreviated", locale=lang)[m] for m in range(1, 13)],
    }
    return {"number": number, "time": time}


def chart_config(locale: str) -> dict[str, Any]:
    """The config humas adds to a spec without its own: d3 locales and 24-hour temporal axes."""
    lang = language(locale)
    return {"locale": d3_locale(lang), "axisTemporal": {"format": _HOUR_FORMATS[lang]}, "font": "DejaVu Sans"}


def prepared_spec(spec: dict[str, Any], *, locale: str) -> dict[str, Any]:
    """A copy of ``spec`` with humas' config underneath the spec's own (the spec's settings win)."""
    out = copy.deepcopy(spec)
    config = out.get("config")
    if not isinstance(config, dict):
        config = {}
    for key, value in copy.deepcopy(chart_config(locale)).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**value, **config[key]}
        else:
            config.setdefault(key, value)
    out["config"] = config
    return out


def _check(spec: Any) -> str:
    """Why a spec is refused before conversion, or ""."""
    if not isinstance(spec, dict) or not spec:
        return "the spec is not a JSON object"
    try:
        size = len(json.dumps(spec))
    except (TypeError, ValueError) as exc:
        return f"the spec is not JSON: {exc}"
    if size > MAX_SPEC_BYTES:
        return f"the spec has {size} bytes, more than {MAX_SPEC_BYTES}"
    for match in re.finditer(r'"sequence":\s*\{([^{}]*)\}', json.dumps(spec)):
        try:
            seq = json.loads("{" + match[1] + "}")
            count = (float(seq["stop"]) - float(seq.get("start", 0))) / float(seq.get("step", 1) or 1)
        except (ValueError, KeyError, TypeError, ZeroDivisionError):
            return "a sequence generator without numbers"
        if abs(count) > MAX_SEQUENCE:
            return f"a sequence generator of {count:.0f} items"
    return ""


def render_chart(chart: Chart, *, locale: str) -> ChartImage:
    """The chart as cleaned SVG, or ``svg=None`` with the reason; never raises for a bad spec."""
    problem = _check(chart.spec)
    if not problem:
        try:
            svg = vl_convert.vegalite_to_svg(prepared_spec(chart.spec, locale=locale), allowed_base_urls=[])
            return ChartImage(chart.key, chart.title, clean_svg(svg))
        except Exception as exc:  # noqa: BLE001 - vl-convert raises ValueError, but a chart must never break a report
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            problem = " ".join(lines[:2])[:300] or type(exc).__name__
    log.warning("report chart %s not drawn: %s", chart.key, problem)
    return ChartImage(chart.key, chart.title, None, problem)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def clean_svg(svg: str) -> str:
    """Remove what an SVG inlined in a document must not carry: scripts, foreign HTML, event handlers, and
    any reference that is not to the SVG itself or a data: image (WeasyPrint would fetch it)."""
    root = ET.fromstring(svg)  # noqa: S314 - vl-convert's own output; expat refuses external entities
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in _DROP_TAGS:
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            local = _local(name).lower()
            value = element.attrib[name].strip()
            if local.startswith("on"):
                del element.attrib[name]
            elif local == "href" and not (value.startswith("#") or value.startswith("data:image/")):
                del element.attrib[name]
            elif "url(" in value and not re.fullmatch(r"url\(#[\w.-]+\)", value):
                del element.attrib[name]
    # NOTE: plain tags and an explicit xmlns, not ET.register_namespace("", …): that prefix map is global and
    # other libraries change it (the SVG then came out as <ns0:svg>, which WeasyPrint drew as text).
    for element in root.iter():
        element.tag = _local(element.tag)
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")
