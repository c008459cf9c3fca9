"""First-draft sentences: only for meaningful changes, from the numbers only, in the report's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from humas.core.i18n import use_locale
from humas.reports.document import Figure
from humas.reports.service import build_report
from humas.reports.service import draft as D
from tests.reports.world import NOVEMBER, build_world


def fig(key: str, label: str, value, previous, kind="count", better="up") -> Figure:
    return Figure(key, label, value, kind, previous=previous, better=better)


NEGATIVE = fig("listening.negative", "Sebutan negatif", 112, 100, better="down")


def test_indonesian_sentences_with_indonesian_numbers():
    with use_locale("id"):
        assert D.change_sentence(NEGATIVE, "Oktober 2026") == (
            "Sebutan negatif naik 12% dibanding Oktober 2026 (dari 100 menjadi 112)."
        )
        rate = fig("inbox.response_rate", "Tingkat respons", 0.875, 0.8, kind="percent")
        assert D.change_sentence(rate, "Oktober 2026") == (
            "Tingkat respons naik 7,5 poin persentase dibanding Oktober 2026 (dari 80% menjadi 87,5%)."
        )
        hours = fig("inbox.first_response_p50", "Median respons pertama (jam kerja)", 2.5, 4.0, kind="hours")
        assert D.change_sentence(hours, "Oktober 2026") == (
            "Median respons pertama (jam kerja) turun 38% dibanding Oktober 2026 "
            "(dari 4,0 jam menjadi 2,5 jam)."
        )
        big = fig("listening.mentions", "Sebutan", 12345, 10000)
        assert D.change_sentence(big, "Oktober 2026") == (
            "Sebutan naik 23% dibanding Oktober 2026 (dari 10.000 menjadi 12.345)."
        )
        net = fig("listening.net_sentiment", "Sentimen bersih", -0.25, 0.1, kind="number")
        assert D.change_sentence(net, "Oktober 2026") == (
            "Sentimen bersih turun 0,35 dibanding Oktober 2026 (dari 0,1 menjadi -0,25)."
        )


def test_english_sentence():
    with use_locale("en"):
        f = fig("listening.negative", "Negative mentions", 1120, 1000, better="down")
        assert D.change_sentence(f, "October 2026") == (
            "Negative mentions rose 12% compared with October 2026 (from 1,000 to 1,120)."
        )


@pytest.mark.parametrize(
    ("value", "previous", "kind", "written"),
    [
        (109, 100, "count", False),  # 9 %: under 10 %
        (110, 100, "count", True),
        (12, 8, "count", False),  # +50 % but only 4 apart
        (13, 8, "count", True),
        (6, 0, "count", True),  # from none to 6
        (4, 0, "count", False),
        (0.84, 0.8, "percent", False),  # 4 points
        (0.85, 0.8, "percent", True),
        (2.2, 2.0, "hours", False),  # 10 % but a fifth of an hour
        (5.5, 5.0, "hours", True),
        (0.05, 0.0, "number", False),  # net sentiment 0.05 apart
        (0.1, 0.0, "number", True),
        (5, None, "count", False),  # nothing to compare with
        (100, 100, "count", False),
    ],
)
def test_thresholds(value, previous, kind, written):
    with use_locale("id"):
        sentence = D.change_sentence(fig("x", "Angka", value, previous, kind=kind), "Oktober 2026")
    assert (sentence is not None) is written


def test_main_topic_only_when_it_carries_half_the_rise():
    with use_locale("id"):
        topics = [("Pajak", 40, 30), ("Gaji ke-13", 15, 5), ("Antrian", 2, 4)]
        (sentence,) = D.listening_draft(
            {"listening.negative": NEGATIVE}, "Oktober 2026", topic_negative=topics
        )
        assert sentence == (
            "Sebutan negatif naik 12% dibanding Oktober 2026 (dari 100 menjadi 112), terutama pada topik "
            "Pajak (dari 30 menjadi 40 sebutan negatif)."
        )
        # no saved query carries half of the rise of 12: no "terutama" claimed
        (plain,) = D.listening_draft(
            {"listening.negative": NEGATIVE},
            "Oktober 2026",
            topic_negative=[("Pajak", 35, 30), ("Gaji", 5, 0)],
        )
        assert "terutama" not in plain
        spikes = D.listening_draft({}, "Oktober 2026", spikes=2, hoaxes=1)
        assert spikes == (
            "Tercatat 2 lonjakan pada periode ini.",
            "1 narasi berlabel hoaks memiliki sebutan pada periode ini.",
        )


def test_children_and_best_post_sentences():
    with use_locale("id"):
        rate = fig("inbox.response_rate", "Tingkat respons", 1.0, 0.0, kind="percent")
        assert D.children_draft([(rate, "KPPN A1")]) == (
            "KPPN A1 paling membaik pada Tingkat respons (dari 0% menjadi 100%).",
        )
        (best,) = D.publishing_draft({}, "Oktober 2026", best=("Layanan KPPN", "X KPPN A1", 0.065))
        assert (
            best
            == "Unggahan dengan tingkat keterlibatan tertinggi adalah “Layanan KPPN” di X KPPN A1 (6,5%)."
        )


def test_report_draft_from_known_changes(session, fernet_key):
    world = build_world(session)
    report = build_report(
        session, unit=world.kanwil_a, period=NOVEMBER, include_descendants=True, locale="id",
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    responsiveness = report.section("responsiveness")
    assert responsiveness is not None
    # response rate 50 % -> 60 %, median first response 4 h -> 2 h; 2 -> 5 received is only 3 apart
    assert responsiveness.draft == (
        "Tingkat respons naik 10 poin persentase dibanding Oktober 2026 (dari 50% menjadi 60%).",
        "Median respons pertama (jam kerja) turun 50% dibanding Oktober 2026 (dari 4,0 jam menjadi 2,0 jam).",
        "Persentil ke-90 respons pertama (jam kerja) turun 25% dibanding Oktober 2026 "
        "(dari 4,0 jam menjadi 3,0 jam).",
    )
    summary = report.section("summary")
    assert summary is not None
    assert (
        "Tingkat respons naik 10 poin persentase dibanding Oktober 2026 (dari 50% menjadi 60%)."
        in summary.draft
    )
    # net sentiment -1 -> 0: a rise of 1
    assert "Sentimen bersih naik 1 dibanding Oktober 2026 (dari -1 menjadi 0)." in summary.draft
    publishing = report.section("publishing")
    assert publishing is not None
    assert publishing.draft[-1] == (
        "Unggahan dengan tingkat keterlibatan tertinggi adalah “Layanan KPPN” di X KPPN A1 (6,5%)."
    )
