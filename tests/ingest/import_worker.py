"""Run one file import in its own process (the kill -9 test kills it halfway).

The same code path as `humas import` (run_import, a transaction per batch), with the test analyzer so the
test measures crash safety, not model speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from humas.core.db import make_engine
from humas.ingest.runner import run_import
from tests.ingest.helpers import fake_analyze

if __name__ == "__main__":
    url, path, unit_id = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    report = run_import(
        path, unit_id=unit_id, engine=make_engine(url), analyzer=fake_analyze, batch_size=2000
    )
    print(f"rows={report.rows} added={report.added} resumed_after={report.resumed_after}", flush=True)
