# ruff: noqa: E501
"""A hand-built report for renderer and page tests that must not depend on the builder."""

from __future__ import annotations

from datetime import UTC, datetime

from humas.reports.document import Chart, Column, Drill, Figure, Report, Section, Table
from humas.reports.period import Period


def sample_report(*, locale: str = "id", version: int = 0) -> Report:
    period = Period.month(2026, 11)
    figures = (
        Figure(
            "inbox.received",
            "Percakapan masuk",
            1234,
            "count",
            previous=1100,
            drill=Drill("conversations", {"figure": "inbox.received"}),
        ),
        Figure("inbox.response_rate", "Tingkat respons", 0.875, "percent", previous=0.8),
        Figure(
            "inbox.first_response_p50",
            "Median respons pertama (jam kerja)",
            2.5,
            "hours",
            previous=3.0,
            better="down",
        ),
        Figure(
            "listening.mentions",
            "Jumlah sebutan",
            45678,
            "count",
            previous=50000,
            better="none",
            drill=Drill("mentions", {"figure": "listening.mentions"}),
        ),
    )
    table = Table(
        "publishing.best_posts",
        "Unggahan terbaik",
        (
            Column("text", "Teks"),
            Column("published_at", "Terbit", "datetime"),
            Column("reach", "Jangkauan", "count"),
            Column("er", "Tingkat keterlibatan", "percent"),
        ),
        (
            ("Vaksinasi gratis <b>hari ini</b> & besok", "2026-11-03T02:00:00+00:00", 12000, 0.043),
            ("Layanan KPPN tetap buka", "2026-11-10T03:30:00+00:00", 8000, 0.021),
        ),
        definition="Keterlibatan = suka + komentar + bagikan; tingkat = keterlibatan ÷ jangkauan.",
        drills=(Drill("posts", {"post": "1"}), None),
    )
    chart = Chart(
        "listening.volume",
        "Volume sebutan per hari",
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": [{"hari": "2026-11-01", "n": 10}, {"hari": "2026-11-02", "n": 14}]},
            "mark": "line",
            "encoding": {
                "x": {"field": "hari", "type": "temporal", "title": "Tanggal"},
                "y": {"field": "n", "type": "quantitative", "title": "Sebutan"},
            },
        },
    )
    return Report(
        unit_id=1,
        unit_name="Biro Komunikasi",
        institution="Kementerian Contoh",
        period=period,
        previous=period.previous(),
        include_descendants=True,
        unit_ids=(1, 2, 3),
        zone="Asia/Makassar",
        locale=locale,
        generated_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        title="Laporan Evaluasi Media Sosial",
        sections=(
            Section("summary", "Ringkasan", figures=figures),
            Section(
                "responsiveness",
                "Responsivitas",
                figures=figures[:3],
                draft=("Tingkat respons naik 7,5 poin dibanding Oktober.",),
                text="Temuan: respons membaik.",
            ),
            Section("publishing", "Publikasi", tables=(table,)),
            Section("listening", "Pemantauan", figures=figures[3:], charts=(chart,)),
        ),
        version=version,
    )
