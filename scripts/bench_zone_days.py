"""Dashboard day series of a WITA unit (WIB-day rollups + the zone-shift correction) against a WIB unit.

    python scripts/bench_zone_days.py [--days 90] [--units 10] [--db /tmp/zone_days.db]

Two regional offices with `--units` offices each (one WIB, one WITA), hourly and daily rollups for `--days`
days (4 platforms x 3 sentiments), then volume + sentiment of each office's subtree over 7, 30 and 90 days:
median and max of 7 runs. Figures are in docs/decisions/0060-unit-time-zones-working-calendar.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from humas.core import migrations
from humas.core.db import make_engine, session_scope
from humas.ingest.models import MentionRollup
from humas.listening.models import DailyRollup
from humas.listening.service import dashboard
from humas.listening.service.scope import WIB, resolve_scope
from humas.org import service as org_service
from humas.org.models import User

END = datetime(2026, 11, 30, tzinfo=UTC)
PLATFORMS, SENTIMENTS = ("x", "facebook", "instagram", "news"), ("positive", "neutral", "negative")


def _rows(unit_ids: list[int], days: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hourly, daily = [], []
    kinds = [(p, s) for p in PLATFORMS for s in SENTIMENTS]
    for uid in unit_ids:
        for h in range(days * 24):
            hour = END - timedelta(hours=h + 1)
            hourly += [
                dict(unit_id=uid, query_id=0, platform=p, sentiment=s, hour=hour, count=3) for p, s in kinds
            ]
        for d in range(days + 1):
            day = END - timedelta(days=d) - WIB
            daily += [
                dict(unit_id=uid, query_id=0, day=day, platform=p, sentiment=s, count=72) for p, s in kinds
            ]
    return hourly, daily


def build(db: Path, days: int, per_office: int) -> tuple[int, int, int]:
    engine = make_engine(f"sqlite:///{db}")
    migrations.upgrade(engine)
    with session_scope(engine) as s:
        root = org_service.create_root_unit(s, name="Kementerian")
        admin, _ = org_service.create_user(
            s, email="admin@bench.go.id", name="Admin", unit=root, roles=["admin"], actor=None,
            password="panjang-sekali-rahasia",
        )  # fmt: skip
        offices = {}
        for name, zone in (("Kanwil Jawa Barat", None), ("Kanwil Sulawesi Selatan", "Asia/Makassar")):
            office = org_service.create_unit(s, name=name, parent=root, actor=admin)
            org_service.set_unit_zone(s, unit=office, zone=zone, actor=admin)
            kids = [
                org_service.create_unit(s, name=f"KPPN {i}", parent=office, actor=admin)
                for i in range(per_office - 1)
            ]
            offices[name] = [office.id] + [k.id for k in kids]
        hourly, daily = _rows([u for ids in offices.values() for u in ids], days)
        for table, rows in ((MentionRollup, hourly), (DailyRollup, daily)):
            for i in range(0, len(rows), 20_000):
                s.execute(insert(table), rows[i : i + 20_000])
        print(f"{len(hourly)} hourly and {len(daily)} daily rollup rows")
        return admin.id, offices["Kanwil Jawa Barat"][0], offices["Kanwil Sulawesi Selatan"][0]


def measure(db: Path, admin_id: int, unit_id: int, days: int) -> tuple[float, float]:
    engine = make_engine(f"sqlite:///{db}")
    times = []
    for _ in range(7):
        with session_scope(engine) as s:
            admin = s.get(User, admin_id)
            assert admin is not None
            t0 = time.perf_counter()
            scope = resolve_scope(s, admin, unit_id=unit_id, since=END - timedelta(days=days), until=END)
            dashboard.volume(s, scope)
            dashboard.sentiment(s, scope)
            times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--db", type=Path, default=Path("/tmp/zone_days.db"))
    args = parser.parse_args()
    args.db.unlink(missing_ok=True)
    admin_id, wib_id, wita_id = build(args.db, args.days, args.units)
    for days in (7, 30, 90):
        for label, unit_id in (("WIB ", wib_id), ("WITA", wita_id)):
            median, worst = measure(args.db, admin_id, unit_id, days)
            print(f"{days:>3} days {label}: median {median:.3f} s, max {worst:.3f} s")


if __name__ == "__main__":
    main()
