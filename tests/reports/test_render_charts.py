"""Charts: Vega-Lite to SVG offline, in the report's number format, safe on bad specs."""

import re
import xml.etree.ElementTree as ET

import pytest

from humas.reports.document import Chart
from humas.reports.render.charts import clean_svg, prepared_spec, render_chart

BARS = {
    "data": {"values": [{"kanal": "Instagram", "n": 1500}, {"kanal": "X", "n": 2500}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "kanal", "type": "nominal", "title": "Kanal"},
        "y": {"field": "n", "type": "quantitative", "title": "Sebutan"},
    },
}


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def test_svg_in_the_report_number_format():
    indonesian = render_chart(Chart("c", "Per kanal", BARS), locale="id")
    english = render_chart(Chart("c", "Per kanal", BARS), locale="en")
    assert indonesian.svg and english.svg
    ET.fromstring(indonesian.svg)  # well-formed
    assert indonesian.svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in indonesian.svg
    assert "2.500" in _texts(indonesian.svg) and "2,500" in _texts(english.svg)
    assert "Kanal" in _texts(indonesian.svg)


def test_the_spec_own_config_wins():
    spec = {**BARS, "config": {"locale": {"number": {"decimal": ".", "thousands": " ", "grouping": [3]}}}}
    prepared = prepared_spec(spec, locale="id")
    assert prepared["config"]["locale"]["number"]["thousands"] == " "
    assert "axisTemporal" in prepared["config"]
    assert "config" not in BARS  # the report's spec is not changed
    assert "2 500" in _texts(render_chart(Chart("c", "t", spec), locale="id").svg or "")


@pytest.mark.parametrize(
    "spec",
    [
        {"data": {"url": "https://example.com/data.json"}, "mark": "bar"},  # never fetched
        {"mark": "no-such-mark"},
        {"foo": 1},
        {},
        ["not", "a", "spec"],
        {"data": {"sequence": {"start": 0, "stop": 1e9}}, "mark": "point"},
        {"data": {"values": [1]}, "mark": "bar", "bad": {1, 2}},  # not JSON
    ],
)
def test_a_bad_spec_gives_no_svg_and_never_raises(spec):
    image = render_chart(Chart("bad", "Rusak", spec), locale="id")
    assert image.svg is None
    assert image.error


def test_external_data_is_refused_not_fetched():
    spec = {"data": {"url": "https://example.com/x.csv"}, "mark": "bar"}
    image = render_chart(Chart("c", "t", spec), locale="id")
    assert "not allowed" in image.error


def test_clean_svg_removes_scripts_handlers_and_outside_links():
    dirty = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
        "<script>alert(1)</script><foreignObject><p>html</p></foreignObject>"
        '<a xlink:href="javascript:alert(1)"><text onclick="y()">label</text></a>'
        '<image href="file:///etc/passwd"/><image href="data:image/png;base64,AAAA"/>'
        '<rect fill="url(http://evil/x)"/><rect fill="url(#grad)"/><use href="#m"/></svg>'
    )
    clean = clean_svg(dirty)
    for gone in ("script", "foreignObject", "onload", "onclick", "javascript", "passwd", "evil"):
        assert gone not in clean
    for kept in ("label", "data:image/png", "url(#grad)", 'href="#m"'):
        assert kept in clean


def test_hostile_label_stays_text():
    spec = {
        "data": {"values": [{"a": "<script>alert(1)</script> & <b>x</b>", "n": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "n", "type": "quantitative"}},
    }
    image = render_chart(Chart("c", "t", spec), locale="id")
    assert image.svg and "<script" not in image.svg and "<b>" not in image.svg
    assert ET.fromstring(image.svg) is not None
