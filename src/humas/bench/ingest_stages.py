"""Per-stage cost of a mention (docs/scaling.md): analysis, matching, storing, rollups.

`python -m humas.bench.ingest_stages --engine sqlite|postgresql --n 20000 [--json FILE]`

The generated posts and 1,000 saved queries of `humas bench ingest`, on one core each:

- **analysis**: `nlp.analyze` (every model) over the texts, batches of 1,000;
- **matching**: the saved-query matcher over the same texts;
- **storing** and **hourly rollups**: `ingest_items` with the analyses computed beforehand, so the writer's
  own work is what is timed; a profile splits it into the mention insert (with its full-text row), near-
  duplicate groups, query matches, the hourly rollup and the rest (key lookups, row building, listeners);
- **daily and facet rollups**: the facet job (`update_facets`: daily counts, key phrases, hashtags,
  emotions, authors and the per-day top authors) over the stored mentions.

Each figure is microseconds of wall time per mention (the database server's work is inside the storing
figures, same machine), and `cpu_us_per_mention` this process's CPU time, which on a shared machine is the
steadier figure.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from typing import Any

STORE_PARTS = {
    "insert mention + full text": "_insert_new",
    "near-duplicate groups": "assign_groups",
    "query matches": "insert_ignore",
    "hourly rollup": "upsert_add",
}


def _cumulative(stats: pstats.Stats, function: str, caller: str | None = None) -> float:
    """Seconds inside `function` (called from `caller` only, when given)."""
    total = 0.0
    for (_file, _line, name), (_cc, _nc, _tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name != function:
            continue
        if caller is None:
            total += ct
        else:
            total += sum(c[3] for (_f, _l, who), c in callers.items() if who == caller)
    return total


def run(engine_name: str, n: int, pg_url: str | None = None) -> dict[str, Any]:
    from humas.bench.ingest import Corpus, _fresh_engine, make_queries, match_rate
    from humas.core.db import session_scope
    from humas.ingest.models import SavedQuery
    from humas.ingest.service import pipeline
    from humas.listening.service import facets
    from humas.org import service as org_service
    from humas.org.models import Unit

    corpus = Corpus()
    items = [corpus.item(i) for i in range(n)]
    texts = [i.text for i in items]
    queries = make_queries(1000)
    pipeline.default_analyzer(["pemanasan model"])
    started, cpu = time.perf_counter(), time.process_time()
    analyses: dict[str, Any] = {}
    for start in range(0, n, 1000):
        chunk = texts[start : start + 1000]
        analyses.update(zip(chunk, pipeline.default_analyzer(chunk), strict=True))
    analysis_us = (time.perf_counter() - started) / n * 1e6
    analysis_cpu = (time.process_time() - cpu) / n * 1e6
    matching_us = 1e6 / match_rate(queries, items)
    db, cleanup = _fresh_engine(engine_name, pg_url)
    try:
        with session_scope(db) as session:
            unit_id = org_service.create_root_unit(session, name="Bench").id
            session.add_all(SavedQuery(unit_id=unit_id, name=f"q{i}", query=q) for i, q in enumerate(queries))
        profile = cProfile.Profile()
        store_s = store_cpu = 0.0
        for start in range(0, n, 1000):
            with session_scope(db) as session:
                unit = session.get(Unit, unit_id)
                assert unit is not None
                t, c = time.perf_counter(), time.process_time()
                profile.enable()
                pipeline.ingest_items(
                    session,
                    items[start : start + 1000],
                    unit=unit,
                    analyzer=lambda ts: [analyses[x] for x in ts],
                )
                session.commit()
                profile.disable()
                store_s += time.perf_counter() - t
                store_cpu += time.process_time() - c
        stats = pstats.Stats(profile)
        parts = {label: _cumulative(stats, fn, "ingest_items") / n * 1e6 for label, fn in STORE_PARTS.items()}
        # profiling adds its own overhead: the parts are scaled to the unprofiled total below
        profiled = _cumulative(stats, "ingest_items") + _cumulative(stats, "commit")
        t, c = time.perf_counter(), time.process_time()
        with session_scope(db) as session:
            facets.update_facets(session)
        facet_us = (time.perf_counter() - t) / n * 1e6
        facet_cpu = (time.process_time() - c) / n * 1e6
    finally:
        cleanup()
    store_us = store_s / n * 1e6
    scale = store_us / (profiled / n * 1e6) if profiled else 1.0
    split = {label: round(us * scale, 1) for label, us in parts.items()}
    split["rest (key lookups, row building, listeners, commit)"] = round(store_us - sum(split.values()), 1)
    return {
        "engine": engine_name,
        "n": n,
        "us_per_mention": {
            "analysis (nlp.analyze, every model)": round(analysis_us, 1),
            "matching (1,000 saved queries)": round(matching_us, 1),
            "storing + hourly rollup (writer, with the database)": round(store_us, 1),
            "daily and facet rollups (facet job)": round(facet_us, 1),
        },
        "storing_split_us": split,
        # this process's CPU only (profiling included): on PostgreSQL the server's own CPU is not in it
        "cpu_us_per_mention": {
            "analysis": round(analysis_cpu, 1),
            "storing + hourly rollup (profiled)": round(store_cpu / n * 1e6, 1),
            "facet job": round(facet_cpu, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    result = run(args.engine, args.n, args.pg_url)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
