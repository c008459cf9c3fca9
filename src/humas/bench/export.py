"""Explorer export time: `n` mentions bulk-inserted into a fresh SQLite file, exported as XLSX and CSV.

    python -m humas.bench.export [--rows 20000] [--repeat 3]

Prints the median seconds of the whole XLSX and CSV export of every row (the explorer's "download" with no
filter), through the service (`humas.ingest.service.search.export_xlsx` / `export_csv`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert


def _seed(url: str, rows: int) -> None:
    from humas.core import migrations
    from humas.core.db import make_engine, session_scope
    from humas.ingest.models import Mention
    from humas.org import service as org_service

    engine = make_engine(url)
    migrations.upgrade(engine)
    start = datetime.now(UTC) - timedelta(days=30)
    with session_scope(engine) as session:
        unit = org_service.create_root_unit(session, name="Kementerian Ekspor")
        session.execute(
            insert(Mention),
            [{"unit_id": unit.id, "platform": "x", "external_id": f"e{i}", "kind": "post",
              "author_handle": f"warga{i % 997}", "author_name": f"Warga {i % 997}",
              "author_followers": i % 5000,
              "url": f"https://x.example/status/{i}", "created_at": start + timedelta(seconds=97 * i),
              "text": f"Antrean layanan pajak nomor {i} lambat sekali, mohon perbaikan sistem antrean online",
              "language": "id", "sentiment": "negative", "sentiment_score": 0.81, "emotion": "anger",
              "emotion_score": 0.6, "abuse": [], "hoax_score": 0.1, "topic": "ekonomi",
              "metrics": {"likes": i % 40, "replies": i % 7}, "raw": {"id": str(i), "text": "x" * 400}}
             for i in range(rows)],
        )  # fmt: skip
    engine.dispose()


def run(rows: int = 20_000, repeat: int = 3) -> dict[str, float]:
    from humas.core.db import make_engine, session_scope
    from humas.ingest.service import search
    from humas.ingest.service.search import MentionFilters

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='humas-bench-export-')) / 'export.db'}"
    _seed(url, rows)
    engine = make_engine(url)
    out: dict[str, float] = {}
    for name in ("xlsx", "csv"):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            with session_scope(engine) as session:
                export = search.export_xlsx_chunks if name == "xlsx" else search.export_csv
                size = sum(len(chunk) for chunk in export(session, actor=None, filters=MentionFilters()))
            times.append(time.perf_counter() - start)
        out[f"{name}_s"] = round(statistics.median(times), 2)
        out[f"{name}_kib"] = round(size / 1024)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(args.rows, "rows:", run(args.rows, args.repeat))


if __name__ == "__main__":
    main()
