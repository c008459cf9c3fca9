"""Analysts' corrections of the labels the models gave mentions (sentiment, emotion, abuse, hoax, topic).

A correction writes the corrected label into the mention itself, the column every filter, page and rollup
reads (hoax has only a score there, so its label lives in the correction row), moves the mention's count in
the hourly rollup, and keeps the model's own label beside it. One current correction per (mention, task);
every change is in the audit log. ``export_rows`` gives them in the format ``humas nlp train
--with-corrections`` reads (``humas.nlp.corrections.read_corrections``: text, task, label, unit).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.sql import upsert_add
from humas.core.time import utcnow
from humas.ingest.models import LabelCorrection, Mention, MentionRollup, QueryMatch
from humas.ingest.service.pipeline import ALL_QUERIES, ROLLUP_KEYS
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal

# The mention fields that hold a model's label, in the order pages show them. The message type joins here
# once mentions store it.
TASKS: tuple[str, ...] = ("sentiment", "emotion", "abuse", "hoax", "topic")
# Tasks the trainer retrains from corrections (abuse is multi-label: exported only when asked for).
TRAINABLE: tuple[str, ...] = ("sentiment", "emotion", "hoax", "topic")
LABEL_CORRECTORS = (Role.admin, Role.analyst)
HOAX_CUT = 0.5  # the hoax model's arg-max over (hoax, valid): a score of one half or more reads as hoax
# The hoax model learned from news articles; on social posts its score is no evidence
# (humas.bench.hoax_calibration: 83% of hoax-free demo posts score above 0.5): its label shows for these only.
HOAX_HINT_KINDS = frozenset({"article"})
ABUSE_SEP = ","


def can_correct(actor: Principal) -> bool:
    """Analysts (and admins) correct labels; drafters, responders, reviewers and leaders only read them."""
    return org_service.has_role(actor, *LABEL_CORRECTORS)


def label_choices(task: str) -> tuple[str, ...]:
    """The labels a task's model outputs (humas.nlp.labels): the only values a correction may take."""
    from humas import nlp  # NOTE: lazy: reading label names loads no model

    if task not in TASKS:
        raise Invalid(_("Labels of this kind cannot be corrected."), field="task")
    return tuple(nlp.labels(task))


def shown_label(mention: Mention, task: str, correction: LabelCorrection | None = None) -> str | None:
    """The label a page shows for a mention (the corrected one where there is a correction)."""
    if task not in TASKS:
        raise Invalid(_("Labels of this kind cannot be corrected."), field="task")
    if task == "hoax":
        if correction is not None:
            return correction.label
        if mention.hoax_score is None or mention.kind not in HOAX_HINT_KINDS:
            return None
        return "hoax" if mention.hoax_score >= HOAX_CUT else "valid"
    if task == "abuse":
        return ABUSE_SEP.join(mention.abuse or [])
    return getattr(mention, task)


def clean_label(task: str, value: str | Sequence[str]) -> str:
    """A label (abuse: a set of labels, maybe none) checked against the model's labels, naming the field."""
    choices = label_choices(task)
    if task == "abuse":
        parts = value.split(ABUSE_SEP) if isinstance(value, str) else list(value)
        picked = {p.strip() for p in parts if p.strip()}
        unknown = sorted(picked - set(choices))
        if unknown:
            raise Invalid(_("Unknown label: %(label)s.", label=", ".join(unknown)[:200]), field="label")
        return ABUSE_SEP.join(c for c in choices if c in picked)
    label = value.strip() if isinstance(value, str) else ""
    if label not in choices:
        raise Invalid(_("Choose one of the labels offered."), field="label")
    return label


def _apply(mention: Mention, task: str, label: str) -> None:
    if task == "abuse":
        mention.abuse = label.split(ABUSE_SEP) if label else []
    elif task != "hoax":
        setattr(mention, task, label)


def _move_hourly(session: Session, mention: Mention, old: str | None, new: str) -> None:
    """Move the mention's count in the hourly sentiment rollup (all mentions and each matched query)."""
    queries = session.scalars(select(QueryMatch.query_id).where(QueryMatch.mention_id == mention.id))
    hour = mention.created_at.replace(minute=0, second=0, microsecond=0)
    base = {"unit_id": mention.unit_id, "platform": mention.platform, "hour": hour}
    rows = []
    for query_id in (ALL_QUERIES, *queries):
        rows.append({**base, "query_id": query_id, "sentiment": old or "unknown", "count": -1})
        rows.append({**base, "query_id": query_id, "sentiment": new, "count": 1})
    upsert_add(session, MentionRollup, rows, keys=ROLLUP_KEYS, add="count")


def find_correction(session: Session, *, mention: Mention, task: str) -> LabelCorrection | None:
    return session.scalar(
        select(LabelCorrection).where(LabelCorrection.mention_id == mention.id, LabelCorrection.task == task)
    )


def correct_label(
    session: Session, *, mention: Mention, task: str, label: str | Sequence[str], actor: User
) -> LabelCorrection:
    """Correct one model label of a mention (analysts and admins of the mention's unit or above)."""
    org_service.require_role(actor, *LABEL_CORRECTORS)
    unit = session.get(Unit, mention.unit_id)
    if unit is None or not org_service.can_access(actor, unit):
        raise NotFound(_("Mention not found."))
    new = clean_label(task, label)
    correction = find_correction(session, mention=mention, task=task)
    old = shown_label(mention, task, correction)
    if correction is None:
        correction = LabelCorrection(
            unit_id=mention.unit_id, mention_id=mention.id, task=task, model_label=old or ""
        )
        session.add(correction)
    correction.previous_label, correction.label = old or "", new
    correction.corrected_by_id, correction.corrected_at = actor.id, utcnow()
    if task == "sentiment" and old != new:
        _move_hourly(session, mention, old, new)
    _apply(mention, task, new)
    audit_service.record(
        session, actor=actor, action="mention.correct_label", obj=mention, unit=unit,
        before={task: old or ""}, after={task: new}, label=f"#{mention.id} {task}",
    )  # fmt: skip
    return correction


def corrections_for(session: Session, mention_ids: Iterable[int]) -> dict[tuple[int, str], Any]:
    """The current corrections of some mentions by (mention id, task), with who made them (for pages)."""
    ids = list(dict.fromkeys(mention_ids))
    found: dict[tuple[int, str], Any] = {}
    for start in range(0, len(ids), 900):
        stmt = (
            select(LabelCorrection, User.name, User.email)
            .outerjoin(User, User.id == LabelCorrection.corrected_by_id)
            .where(LabelCorrection.mention_id.in_(ids[start : start + 900]))
        )
        for row, name, email in session.execute(stmt):
            found[(row.mention_id, row.task)] = CorrectionView(row, name or email or "")
    return found


class CorrectionView:
    """A correction as a page shows it: the label, who and when."""

    def __init__(self, row: LabelCorrection, by: str) -> None:
        self.task, self.label, self.model_label = row.task, row.label, row.model_label
        self.corrected_at: datetime = row.corrected_at
        self.by = by


def export_rows(
    session: Session, *, unit_ids: Sequence[int] | None, tasks: Sequence[str] = TRAINABLE
) -> Iterator[dict[str, Any]]:
    """Every current correction of the units (None: all units) and tasks, oldest first, as export rows."""
    stmt = (
        select(LabelCorrection, Mention.text, Unit.name, User.email)
        .join(Mention, Mention.id == LabelCorrection.mention_id)
        .join(Unit, Unit.id == LabelCorrection.unit_id)
        .outerjoin(User, User.id == LabelCorrection.corrected_by_id)
        .where(LabelCorrection.task.in_(list(tasks)))
        .order_by(LabelCorrection.corrected_at, LabelCorrection.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(LabelCorrection.unit_id.in_(list(unit_ids)))
    for row, text, unit_name, email in session.execute(stmt).yield_per(1000):
        yield {
            "text": text,
            "task": row.task,
            "label": row.label,
            "unit": unit_name,
            "unit_id": row.unit_id,
            "mention_id": row.mention_id,
            "corrected_by": email or "",
            "corrected_at": row.corrected_at.isoformat(),
            "previous_label": row.previous_label,
            "model_label": row.model_label,
        }


def count_corrections(session: Session, *, unit_ids: Sequence[int]) -> dict[str, int]:
    """How many current corrections each task has in the units."""
    stmt = (
        select(LabelCorrection.task, func.count())
        .where(LabelCorrection.unit_id.in_(list(unit_ids)))
        .group_by(LabelCorrection.task)
    )
    return {task: int(n) for task, n in session.execute(stmt)}


def export_unit_ids(session: Session, actor: Principal) -> list[int]:
    """The units whose corrections an admin may download: their own subtree."""
    org_service.require_role(actor, Role.admin)
    return org_service.visible_unit_ids(session, actor)


TYPE_TASK = "type"  # the inbox's message type: stored here for retraining, not shown on mentions


def record_type_correction(
    session: Session, *, mention: Mention, model_label: str, label: str, actor: Principal
) -> LabelCorrection:
    """Store a staff correction of a message's type (made in the inbox, which checks who may make it)."""
    correction = find_correction(session, mention=mention, task=TYPE_TASK)
    if correction is None:
        correction = LabelCorrection(
            unit_id=mention.unit_id, mention_id=mention.id, task=TYPE_TASK, model_label=model_label[:255]
        )
        session.add(correction)
    correction.previous_label = correction.label if correction.label else model_label[:255]
    correction.label = label[:255]
    correction.corrected_by_id, correction.corrected_at = actor.id, utcnow()
    return correction
