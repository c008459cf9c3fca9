from datetime import date
from zoneinfo import ZoneInfo

import pytest

from humas.core.errors import Invalid
from humas.reports.document import Report
from humas.reports.period import Period
from tests.reports.sample import sample_report


def test_snapshot_round_trips_exactly():
    report = sample_report(version=2)
    again = Report.from_json(report.to_json())
    assert again == report
    assert again.to_json() == report.to_json()


def test_figure_change_and_direction():
    f = sample_report().figures()
    assert f["inbox.received"].change == pytest.approx(134 / 1100)
    assert f["inbox.received"].improved is True
    assert f["inbox.first_response_p50"].direction == "down"
    assert f["inbox.first_response_p50"].improved is True  # lower is better
    assert f["listening.mentions"].improved is None  # neutral measure


@pytest.mark.parametrize(
    ("key", "first", "last", "previous"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026-10"),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31), "2025-12"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4"),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31), "2026-H1"),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "2023"),
        ("2026-11-03..2026-11-12", date(2026, 11, 3), date(2026, 11, 12), "2026-10-24..2026-11-02"),
    ],
)
def test_period_keys(key, first, last, previous):
    p = Period.parse(key)
    assert (p.first, p.last, p.key) == (first, last, key)
    assert p.previous().key == previous
    assert p.previous().next() == p


@pytest.mark.parametrize(
    "bad",
    ["", "2026-13", "2026-Q5", "nov", "2026-11-30..2026-11-01", "2020-01-01..2026-01-01", "9999", "0001-01",
     "0001-01-01..0001-01-05", "0000-Q1"],
)  # fmt: skip
def test_period_refuses_bad_keys(bad):
    with pytest.raises(Invalid):
        Period.parse(bad)


def test_bounds_in_the_unit_zone():
    start, end = Period.month(2026, 11).bounds(ZoneInfo("Asia/Jayapura"))
    assert start.isoformat() == "2026-10-31T15:00:00+00:00"
    assert end.isoformat() == "2026-11-30T15:00:00+00:00"


def test_labels():
    assert Period.month(2026, 12).label("id") == "Desember 2026"
    assert Period.month(2026, 12).label("en") == "December 2026"
    assert Period.quarter(2026, 4).label("id") == "Triwulan IV 2026"


def test_a_bad_period_names_itself():
    with pytest.raises(Invalid) as caught:
        Period.parse("2026-13")
    assert "2026-13" in str(caught.value) and "%(" not in str(caught.value)
