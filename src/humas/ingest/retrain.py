"""The scheduled retrain with analysts' label corrections (off unless HUMAS_NLP_RETRAIN_WITH_CORRECTIONS).

Every unit's current corrections are exported (the same rows as ``humas nlp corrections export``) to a JSON
lines file, read back by the trainer's own reader, and each task is retrained with
``humas.nlp.corrections.retrain_with_corrections``, which switches a model in only when it is better by
cross-validation on the corrections and keeps the previous one for ``humas nlp rollback``. The database is
read in one short transaction; training runs with no session open.
"""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from huey import crontab

from humas.core.db import session_scope
from humas.core.settings import get_settings

log = logging.getLogger(__name__)
SETTING = "HUMAS_NLP_RETRAIN_WITH_CORRECTIONS"


def schedule(value: str | None) -> Any | None:
    """The crontab of a five-field cron-like value ("0 2 * * 0": Sundays 02:00 UTC); None when off."""
    text = (value or "").strip()
    if text.lower() in ("", "0", "off", "false", "no"):
        return None
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(
            f"{SETTING}: expected five cron fields (minute hour day month weekday), got {text!r}"
        )
    try:
        return crontab(*fields)
    except ValueError as exc:
        raise ValueError(f"{SETTING}: {exc} in {text!r}") from None


def due(moment: datetime) -> bool:
    """Whether the retrain runs at this minute (huey asks once a minute); never when the setting is off."""
    try:
        check = schedule(get_settings().nlp_retrain_with_corrections)
    except ValueError as exc:
        log.error("%s", exc)
        return False
    return check is not None and bool(check(moment))


def export_file(folder: Path) -> tuple[Path, int]:
    """Every unit's current corrections of the trainable tasks as JSON lines in ``folder``."""
    from humas.ingest.service import corrections as corrections_service

    path = folder / "label-corrections.jsonl"
    n = 0
    with session_scope() as session, path.open("w", encoding="utf-8") as out:
        for row in corrections_service.export_rows(session, unit_ids=None):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return path, n


def run(*, root: Path | None = None) -> list[dict[str, Any]]:
    """Export the corrections and retrain every task that has some; returns the trainer's decisions."""
    from humas.nlp import api
    from humas.nlp.corrections import CorrectionError, read_corrections, retrain_with_corrections

    with tempfile.TemporaryDirectory(prefix="humas-retrain-") as tmp:
        path, n = export_file(Path(tmp))
        if n == 0:
            log.info("retrain with corrections: no corrections yet")
            return []
        rows = read_corrections(path)
    decisions = []
    for task in sorted({r.task for r in rows}):
        try:
            if root is None:
                decision = retrain_with_corrections(task, rows)
            else:
                decision = retrain_with_corrections(task, rows, root=root)
        except (CorrectionError, OSError) as exc:  # one task's failure never stops the others
            log.error("retrain with corrections: %s: %s", task, exc)
            continue
        log.info("retrain with corrections: %s", json.dumps(decision.as_dict(), ensure_ascii=False))
        decisions.append(decision.as_dict())
    api.reset_cache()
    return decisions
