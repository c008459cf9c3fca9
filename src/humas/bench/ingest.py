"""`humas bench ingest`: end-to-end pipeline, matching alone, explorer search (targets in issue 5).

Figures, all measured in one run on a fresh database:
- mentions_per_s: the whole pipeline (clean, dedupe, nlp.analyze, near-duplicates, 1,000 queries, store,
  rollups), committed per batch of 1,000, over `n` generated mentions; analysis (and query matching while
  the writer is the slower side) runs one batch ahead in `workers` processes (service/stream.py, decision
  0102), as `humas import` does.
- ratio_to_raw_insert: mentions_per_s / rows per second of a plain DB-API `executemany` of the same rows into
  a table without indexes; ratio_to_analyze: mentions_per_s / texts per second of `nlp.analyze` alone.
- match_per_s: the compiled matcher with 1,000 queries, one core.
- search_p95_ms: explorer searches (two terms and a date range, first page) over `search_n` stored mentions.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, text

from humas.connectors.base import SourceItem
from humas.core import migrations
from humas.core.db import make_engine, session_scope
from humas.ingest.models import SavedQuery
from humas.ingest.runner import ingest_stream
from humas.ingest.service import pipeline
from humas.ingest.service.matcher import Matcher, MentionView
from humas.ingest.service.search import MentionFilters, search_mentions
from humas.ingest.service.stream import analysis_pool
from humas.org import service as org_service

START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_DAYS = 60
_SYLLABLES = (
    "ba be bi bu ka ki ku ko la li lu ma mi mu na ni nu pa pi ra ri ru sa si su ta ti tu ja ya ga".split()
)
_COMMON = (
    "yang dan di ke dari ini itu untuk dengan tidak sudah akan ada juga pajak layanan kppn djpb kantor "
    "antrian pelayanan online sistem mohon bantuan tolong cepat lambat bagus buruk ramah petugas warga "
    "pemerintah dana bansos kemenkeu anggaran daerah pusat kota desa jalan rusak banjir listrik air sekolah "
    "guru rumah sakit bpjs ktp sim paspor izin usaha harga naik turun beras cabai minyak bbm subsidi gaji "
    "pensiun tunjangan"
).split()


def vocabulary(size: int = 3000, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    words = list(dict.fromkeys(_COMMON))
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in words:
            words.append(word)
    return words


class Corpus:
    """Deterministic Indonesian-looking posts: Zipf-distributed words, 8-40 words, some near-copies."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary()
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        self._cum = list(_accumulate(weights))
        self.recent: list[str] = []

    def text(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < 0.05:  # a retweet / copy-paste with a small change
            return rng.choice(self.recent) + " " + rng.choice(["!!", "setuju", "benar", "#viral"])
        words = rng.choices(self.words, cum_weights=self._cum, k=rng.randint(8, 40))
        text = " ".join(words)
        if rng.random() < 0.3:
            text += " @" + rng.choice(self.words) + " #" + rng.choice(self.words)
        self.recent = (self.recent + [text])[-200:]
        return text

    def item(self, i: int) -> SourceItem:
        rng = self.rng
        return SourceItem(
            platform=rng.choice(("x", "x", "instagram", "facebook", "youtube", "news")),
            external_id=f"b{i}",
            kind=rng.choice(("post", "comment", "reply")),
            text=self.text(),
            # A stream: one mention about every 5 s (1,000,000 span 58 days), a few minutes of jitter.
            created_at=START + timedelta(seconds=i % 10_000_000 * 5 + rng.randint(0, 600)),
            author_id=str(rng.randint(1, 50_000)),
            author_handle=f"akun{rng.randint(1, 50_000)}",
            author_followers=rng.randint(0, 100_000),
            metrics={"likes": rng.randint(0, 500), "replies": rng.randint(0, 50)},
            raw={"id": f"b{i}", "source": "bench"},
        )


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def make_queries(count: int, seed: int = 11) -> list[str]:
    """Saved-query shapes units write: OR-lists of topic words, a required word, exclusions, phrases, filters.

    Terms come from the middle of the vocabulary (ranks 150-3000): a topic is named by specific words, not by
    "yang" or "dan", and a mention then matches one or two queries, as in a unit's real listening set.
    """
    rng = random.Random(seed)
    words = vocabulary()[150:]
    out = []
    for _ in range(count):
        a, b, c, d = rng.sample(words, 4)
        shape = rng.randrange(6)
        if shape == 0:
            out.append(f"{a} AND ({b} OR {c}) -{d}")
        elif shape == 1:
            out.append(f'"{a} {b}" OR {c}')
        elif shape == 2:
            out.append(f"{a}* {b} lang:id")
        elif shape == 3:
            out.append(f"({a} OR {b} OR {c}) sentiment:negative")
        elif shape == 4:
            out.append(f"{a} {b} platform:x")
        else:
            out.append(f"{a} OR {b} NOT {c}")
    return out


# --- engines ---------------------------------------------------------------------------------------------


def _fresh_engine(kind: str, pg_url: str | None) -> tuple[Engine, Callable[[], None]]:
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="humas-bench-"))
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
        migrations.upgrade(engine)

        def remove() -> None:
            engine.dispose()
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()

        return engine, remove
    url = pg_url or os.environ.get("HUMAS_BENCH_PG_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    migrations.upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, drop


# --- the measurements ------------------------------------------------------------------------------------


def raw_insert_rate(engine: Engine, items: list[SourceItem]) -> float:
    """Rows per second of a plain DB-API executemany of the same columns into an unindexed table."""
    rows = [
        (i.platform, i.external_id, i.kind, i.text, i.created_at.isoformat() if i.created_at else None,
         i.author_handle, json.dumps(i.metrics), json.dumps(i.raw))
        for i in items
    ]  # fmt: skip
    create = (
        "CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, platform TEXT, external_id TEXT, kind TEXT, "
        "text TEXT, created_at TEXT, author_handle TEXT, metrics TEXT, raw TEXT)"
    )
    if engine.dialect.name == "postgresql":
        create = create.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
    placeholders = ", ".join(["%s" if engine.dialect.name == "postgresql" else "?"] * 8)
    columns = "platform, external_id, kind, text, created_at, author_handle, metrics, raw"
    insert = f"INSERT INTO bench_raw ({columns}) VALUES ({placeholders})"  # noqa: S608 - constants
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(create)
        raw.commit()
        started = time.perf_counter()
        for start in range(0, len(rows), 1000):
            cur.executemany(insert, rows[start : start + 1000])
            raw.commit()
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE bench_raw")
        raw.commit()
    finally:
        raw.close()
    return len(rows) / elapsed


def analyze_rate(items: list[SourceItem], analyzer: pipeline.Analyzer) -> float:
    texts = [i.text for i in items]
    started = time.perf_counter()
    for start in range(0, len(texts), 1000):
        analyzer(texts[start : start + 1000])
    return len(texts) / (time.perf_counter() - started)


def pipeline_rate(
    engine: Engine, items: list[SourceItem], unit_id: int, analyzer: pipeline.Analyzer | None, workers: int
) -> float:
    batches = (items[start : start + 1000] for start in range(0, len(items), 1000))
    with analysis_pool(workers if analyzer is None else 0) as pool:
        started = time.perf_counter()  # the workers have loaded their models
        ingest_stream(batches, unit_id=unit_id, engine=engine, pool=pool, analyzer=analyzer)
        elapsed = time.perf_counter() - started
    return len(items) / elapsed


def match_rate(queries: list[str], items: list[SourceItem]) -> float:
    matcher = Matcher.from_texts(enumerate(queries, start=1))
    views = [MentionView(i.text, "id", i.platform, i.author_handle, "negative") for i in items]
    started = time.perf_counter()
    for view in views:
        matcher.match(view)
    return len(views) / (time.perf_counter() - started)


def fill(engine: Engine, corpus: Corpus, unit_id: int, target: int, console: Console) -> None:
    """Top the mentions table up to `target` rows with plain driver inserts (and their full-text rows)."""
    with engine.connect() as conn:
        have, top = conn.execute(text("SELECT count(*), coalesce(max(id), 0) FROM mentions")).one()
    columns = (
        "id, unit_id, platform, external_id, kind, text, language, created_at, fetched_at, metrics, raw, "
        "sentiment, abuse, keyphrases"
    )
    pg = engine.dialect.name == "postgresql"
    marks = ", ".join(["%s" if pg else "?"] * 14)
    insert = f"INSERT INTO mentions ({columns}) VALUES ({marks})"  # noqa: S608 - constant columns
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        i, next_id = have, top + 1
        while i < target:
            rows = []
            for _ in range(min(5000, target - i)):
                item = corpus.item(i + 10_000_000)  # same timeline (i mod 10,000,000), distinct ids
                assert item.created_at is not None
                created: Any = item.created_at if pg else item.created_at.strftime("%Y-%m-%d %H:%M:%S.%f")
                sentiment = corpus.rng.choice(("positive", "negative", "neutral"))
                rows.append(
                    (next_id, unit_id, item.platform, item.external_id, item.kind, item.text, "id", created,
                     created, "{}", "{}", sentiment, "[]", "[]")
                )  # fmt: skip
                i, next_id = i + 1, next_id + 1
            cur.executemany(insert, rows)
            if not pg:
                cur.executemany(
                    "INSERT INTO mentions_fts(rowid, text) VALUES (?, ?)", [(r[0], r[5]) for r in rows]
                )
            raw.commit()
            if i % 100_000 < 5000:
                console.log(f"stored {i:,} mentions")
        if pg:
            cur.execute("SELECT setval(pg_get_serial_sequence('mentions', 'id'), %s)", (next_id,))
        cur.execute("ANALYZE")  # what autovacuum / a nightly ANALYZE give a real database
        raw.commit()
    finally:
        raw.close()


def search_p95(engine: Engine, searches: int = 100, seed: int = 5) -> tuple[float, float]:
    """p95 milliseconds of a first explorer page, and the share of searches that found something."""
    rng = random.Random(seed)
    words = vocabulary()[:800]
    timings, found = [], 0
    for _ in range(searches):
        since = START + timedelta(days=rng.randint(0, SPAN_DAYS - 30))
        filters = MentionFilters(
            q=f"{rng.choice(words)} {rng.choice(words)}", since=since, until=since + timedelta(days=30)
        )
        started = time.perf_counter()
        with session_scope(engine) as session:
            found += bool(search_mentions(session, actor=None, filters=filters).items)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=100)[94], found / searches


def run(
    *,
    n: int,
    engine: str,
    queries: int,
    search_n: int,
    pg_url: str | None = None,
    console: Console | None = None,
    analyzer: pipeline.Analyzer | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    console = console or Console(stderr=True)
    corpus = Corpus()
    items = [corpus.item(i) for i in range(n)]
    query_texts = make_queries(queries)
    db, cleanup = _fresh_engine(engine, pg_url)
    try:
        with session_scope(db) as session:
            unit_id = org_service.create_root_unit(session, name="Bench").id
            session.add_all(
                SavedQuery(unit_id=unit_id, name=f"q{i}", query=q) for i, q in enumerate(query_texts)
            )
        console.log(f"{n:,} mentions, {queries} queries, engine {engine}")
        raw = raw_insert_rate(db, items)
        console.log(f"raw executemany: {raw:,.0f} rows/s")
        analyze = analyzer or pipeline.default_analyzer
        analyze(["pemanasan model"])  # load the models before timing
        alone = analyze_rate(items, analyze)
        console.log(f"nlp.analyze alone: {alone:,.0f} texts/s")
        rate = pipeline_rate(db, items, unit_id, analyzer, workers)
        console.log(f"pipeline: {rate:,.0f} mentions/s")
        matching = match_rate(query_texts, items[: min(n, 50_000)])
        console.log(f"matching: {matching:,.0f} mentions/s against {queries} queries")
        fill(db, corpus, unit_id, search_n, console)
        p95, found = search_p95(db)
        console.log(f"search p95 over {max(search_n, n):,} mentions: {p95:.1f} ms ({found:.0%} found some)")
    finally:
        cleanup()
    return {
        "mentions_per_s": round(rate, 1),
        "ratio_to_raw_insert": round(rate / raw, 4),
        "ratio_to_analyze": round(rate / alone, 4),
        "match_per_s": round(matching, 1),
        "search_p95_ms": round(p95, 1),
        "engine": engine,
        "n": n,
        "queries": queries,
        "search_n": max(search_n, n),
        "raw_insert_per_s": round(raw, 1),
        "analyze_per_s": round(alone, 1),
        "search_found_share": round(found, 2),
        "workers": workers,
    }
