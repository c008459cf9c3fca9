"""Label corrections as listening sees them: the ingest correction, plus listening's own daily rollups.

``ingest``'s ``correct_label`` rewrites the mention and moves its hourly count; the daily sentiment rollup
and the emotion facet were folded by the facet job from the label the model gave, so a mention the job has
already read (its id at or below the job's cursor) has its count moved here, in the same transaction. A
mention past the cursor is folded later, with its corrected label.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.sql import upsert_add
from humas.ingest.models import LabelCorrection, Mention, QueryMatch
from humas.ingest.service import corrections as corrections_service
from humas.listening.models import DailyRollup, ListeningCursor
from humas.listening.service.facets import CURSOR, upsert_facets
from humas.listening.service.scope import bucket_of, floor_hour
from humas.org.models import User


def _folded(session: Session, mention: Mention) -> bool:
    cursor = session.get(ListeningCursor, CURSOR)
    # NOTE: a facet run that reads this mention while the correction commits may still count the old label;
    # the window is one facet batch (a minute), and analysts correct mentions they have already seen.
    return cursor is not None and mention.id <= cursor.value


def _move_daily(session: Session, mention: Mention, task: str, old: str | None, new: str) -> None:
    queries = list(session.scalars(select(QueryMatch.query_id).where(QueryMatch.mention_id == mention.id)))
    day = bucket_of(floor_hour(mention.created_at), "day")
    if task == "sentiment":
        rows = []
        for query_id in (0, *queries):
            key = {"unit_id": mention.unit_id, "query_id": query_id, "day": day, "platform": mention.platform}
            rows += [
                {**key, "sentiment": old or "unknown", "count": -1},
                {**key, "sentiment": new, "count": 1},
            ]
        keys = ["unit_id", "query_id", "day", "platform", "sentiment"]
        upsert_add(session, DailyRollup, rows, keys=keys, add="count")
    elif task == "emotion":
        values = []
        for query_id in (0, *queries):
            key = {"unit_id": mention.unit_id, "query_id": query_id, "facet": "emo", "day": day, "reach": 0}
            if old:
                values.append({**key, "key": old, "count": -1})
            values.append({**key, "key": new, "count": 1})
        upsert_facets(session, values)


def correct_label(
    session: Session, *, mention: Mention, task: str, label: str | Sequence[str], actor: User
) -> LabelCorrection:
    """Correct a mention's label (see ingest's ``correct_label``) and keep listening's rollups counting it."""
    before = corrections_service.shown_label(
        mention, task, corrections_service.find_correction(session, mention=mention, task=task)
    )
    correction = corrections_service.correct_label(
        session, mention=mention, task=task, label=label, actor=actor
    )
    if task in ("sentiment", "emotion") and before != correction.label and _folded(session, mention):
        _move_daily(session, mention, task, before, correction.label)
    return correction
