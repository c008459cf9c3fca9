"""`humas bench reports`: a ministry's monthly evaluation report with its descendants, built and rendered.

Data (a fresh SQLite file, or a PostgreSQL schema), with the other benches' seeders: the inbox bench's
ministry (`--units` descendants: offices of regional offices and their service offices, responders, a
Facebook channel) and its `--conversations` conversations opened over the 90 days before the month's end;
three saved queries and `--mentions` analysed mentions over the reported month with their hourly and daily
rollups (the dashboard bench's seeder); an X channel per unit with `--posts` posts published over the month,
each with a metrics read-back (the publishing bench's seeder); each channel's follower count read at the
month's start and end. The month is October 2026 (31 days, WIB): every generated mention and post falls in
it, the heaviest case for a month.

Timed in a fresh process (so its peak RSS is the report's alone, not the seeding's): ``build_report`` for
the ministry with descendants, then ``render_pdf`` and ``render_xlsx`` of that report. A person asking for a
PDF waits for the build and the render: the targets (PDF ≤ 30 s, XLSX ≤ 15 s) are judged on those sums;
peak RSS (``VmHWM`` of the report process) ≤ 500 MB.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

SCHEMA = "humas_bench_reports"
YEAR, MONTH = 2026, 10
TARGETS = {"pdf_s": 30.0, "xlsx_s": 15.0, "peak_rss_mb": 500.0}


def _rss_mb() -> float:
    """This process's peak resident memory: ``VmHWM`` (the high-water mark of its own memory map; NOTE: a
    spawned child's ``ru_maxrss`` starts at its parent's RSS, which Linux carries across the fork and exec),
    else ``ru_maxrss`` where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _tree(units: int) -> tuple[int, int]:
    """Regional offices and service offices per office for about ``units`` descendants (50: 5 × (1 + 9))."""
    offices = max(1, round(units / 10))
    return offices, max(0, units // offices - 1)


def _bounds() -> tuple[datetime, datetime]:
    from zoneinfo import ZoneInfo

    from humas.reports.period import Period

    start, end = Period.month(YEAR, MONTH).bounds(ZoneInfo("Asia/Jakarta"))
    return start.astimezone(UTC), end.astimezone(UTC)


def build(
    engine: Engine, *, units: int, mentions: int, posts: int, conversations: int, seed: int = 1
) -> dict:
    """The ministry and its data (see the module's docstring); returns the ids the timing needs."""
    from sqlalchemy import select

    from humas.bench import dashboard as dashboard_bench
    from humas.bench import inbox as inbox_bench
    from humas.bench import publishing as publishing_bench
    from humas.channels.models import ChannelFollowers
    from humas.core import migrations
    from humas.core.db import session_scope
    from humas.ingest.models import SavedQuery
    from humas.org.models import Unit

    start, end = _bounds()
    migrations.upgrade(engine)
    ids = inbox_bench._org(engine, *_tree(units))
    if conversations:  # first: their mentions carry explicit ids from 1
        inbox_bench.seed_conversations(engine, ids, conversations, seed=seed, now=end)
    with session_scope(engine) as session:
        queries = [
            SavedQuery(unit_id=ids["root"], name=f"Topik {k}", query=dashboard_bench.WORDS[k])
            for k in range(3)
        ]
        session.add_all(queries)
        session.flush()
        query_ids = [q.id for q in queries]
    if mentions:
        days = (end - start).days
        dashboard_bench.seed_mentions(
            engine, units=ids["units"], queries=query_ids, n=mentions, seed=seed, end=end, days=days
        )
    with session_scope(engine) as session:
        tree = session.scalars(select(Unit).where(Unit.id.in_(ids["units"])).order_by(Unit.id)).all()
        channels = [publishing_bench._channel(session, unit, i) for i, unit in enumerate(tree)]
        channel_of = {c.unit_id: c.id for c in channels}
        if posts:
            publishing_bench.seed_posts(
                session,
                admin_id=ids["admin"],
                channel_of=channel_of,
                posts=posts,
                month=start,
                published=True,
            )
        for n, channel in enumerate(channels):  # read the afternoon before the month and on its last day
            readings = (
                (start - timedelta(hours=7), 10_000 + 37 * n),
                (end - timedelta(hours=7), 10_400 + 41 * n),
            )
            for at, followers in readings:
                row = ChannelFollowers(channel_id=channel.id, counted_on=at.date(), followers=followers)
                row.read_at = at
                session.add(row)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return {"root": ids["root"], "units": len(ids["units"]), "channels": len(channels)}


def _time_report(url: str, root_id: int, out_path: str, pdf_path: str | None) -> None:
    """In a fresh process: build the ministry's report with descendants, render the PDF and the XLSX."""
    from humas.core.db import make_engine, session_scope
    from humas.org.models import Unit
    from humas.reports.period import Period
    from humas.reports.render.pdf import render_pdf
    from humas.reports.render.xlsx import render_xlsx
    from humas.reports.service import build_report

    out: dict[str, Any] = {"rss_start_mb": _rss_mb()}
    engine = make_engine(url)
    _start, end = _bounds()
    with session_scope(engine) as session:
        unit = session.get(Unit, root_id)
        assert unit is not None
        t0, c0 = time.perf_counter(), time.process_time()
        report = build_report(
            session,
            unit=unit,
            period=Period.month(YEAR, MONTH),
            include_descendants=True,
            locale="id",
            now=end + timedelta(days=1),
        )
        out["build_s"] = round(time.perf_counter() - t0, 2)
        out["build_cpu_s"] = round(time.process_time() - c0, 2)
        out["rss_after_build_mb"] = _rss_mb()
    engine.dispose()
    t0, c0 = time.perf_counter(), time.process_time()
    pdf = render_pdf(report)
    out["pdf_render_s"] = round(time.perf_counter() - t0, 2)
    out["pdf_render_cpu_s"] = round(time.process_time() - c0, 2)
    out["pdf_bytes"] = len(pdf)
    out["rss_after_pdf_mb"] = _rss_mb()
    if pdf_path:
        Path(pdf_path).write_bytes(pdf)
    del pdf
    t0, c0 = time.perf_counter(), time.process_time()
    xlsx = render_xlsx(report)
    out["xlsx_render_s"] = round(time.perf_counter() - t0, 2)
    out["xlsx_render_cpu_s"] = round(time.process_time() - c0, 2)
    out["xlsx_bytes"] = len(xlsx)
    out["peak_rss_mb"] = _rss_mb()
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


def _url(engine_name: str, pg_url: str | None) -> str:
    from humas.bench import inbox as inbox_bench

    url, _args = inbox_bench._url(engine_name, pg_url, schema=SCHEMA)
    return url


def run(
    *,
    engine_name: str = "sqlite",
    units: int = 50,
    mentions: int = 1_000_000,
    posts: int = 20_000,
    conversations: int = 100_000,
    pg_url: str | None = None,
    pdf_out: Path | None = None,
    isolate: bool = True,
) -> dict[str, Any]:
    """Build the data, then time the report in a fresh process (``isolate``; else in this one, whose peak RSS
    then includes the seeding's); the figures as a JSON-ready dict."""
    import tempfile

    from cryptography.fernet import Fernet

    from humas.core.db import make_engine
    from humas.core.settings import get_settings

    os.environ.setdefault("HUMAS_FERNET_KEY", Fernet.generate_key().decode())  # the channels' credentials
    get_settings.cache_clear()
    url = _url(engine_name, pg_url)
    out: dict[str, Any] = {
        "engine": engine_name,
        "cores": os.cpu_count(),
        "load_1m_before": round(os.getloadavg()[0], 2),
        "units": units,
        "mentions": mentions,
        "posts": posts,
        "conversations": conversations,
        "period": f"{YEAR}-{MONTH:02d} (month, Asia/Jakarta), with descendants",
    }
    engine = make_engine(url)
    t0 = time.perf_counter()
    ids = build(engine, units=units, mentions=mentions, posts=posts, conversations=conversations)
    out["seed_s"] = round(time.perf_counter() - t0, 1)
    out["units"], out["channels"] = ids["units"] - 1, ids["channels"]
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="humas-bench-reports-") as folder:
        result = Path(folder) / "report.json"
        args = (url, ids["root"], str(result), str(pdf_out) if pdf_out else None)
        if isolate:
            child = multiprocessing.get_context("spawn").Process(target=_time_report, args=args)
            child.start()
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"the report process failed (exit code {child.exitcode})")
        else:
            _time_report(*args)
        timed = json.loads(result.read_text(encoding="utf-8"))
    out.update(timed)
    out["report_process"] = "fresh (spawned)" if isolate else "the bench's own"
    out["pdf_s"] = round(timed["build_s"] + timed["pdf_render_s"], 2)
    out["xlsx_s"] = round(timed["build_s"] + timed["xlsx_render_s"], 2)
    # the report process's own CPU (on PostgreSQL the server's share is not in it): what a quiet core takes
    out["pdf_cpu_s"] = round(timed["build_cpu_s"] + timed["pdf_render_cpu_s"], 2)
    out["xlsx_cpu_s"] = round(timed["build_cpu_s"] + timed["xlsx_render_cpu_s"], 2)
    out["load_1m_after"] = round(os.getloadavg()[0], 2)
    if engine_name == "sqlite":  # the generated database goes with the run (the figures are the result)
        import shutil

        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    out["targets"] = TARGETS
    out["met"] = {name: out[name] <= limit for name, limit in TARGETS.items()}
    return out
