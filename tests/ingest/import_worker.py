"""Run one file import in its own process (the kill -9 test kills it halfway).

The same code path as `humas import` (run_import, a transaction per batch), with the test analyzer so the
test measures crash safety, not model speed; or with analysis processes and the real models.
"""

from __future__ import annotations

import sys
from pathlib import Path

from humas.core.db import make_engine
from humas.ingest.runner import run_import
from tests.ingest.helpers import fake_analyze

if __name__ == "__main__":
    url, path, unit_id = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    # An optional fourth argument: that many analysis processes with the real models (decision 0102).
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    report = run_import(
        path,
        unit_id=unit_id,
        engine=make_engine(url),
        analyzer=None if workers else fake_analyze,
        batch_size=1000 if workers else 2000,
        workers=workers,
    )
    print(f"rows={report.rows} added={report.added} resumed_after={report.resumed_after}", flush=True)
