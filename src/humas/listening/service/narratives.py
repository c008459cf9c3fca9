"""Narratives and the hoax desk: mentions that make the same claim, labelled and answered.

Grouping joins two signals: ingest's near-duplicate groups (MinHash-LSH: copies and light edits of one
text) and a clustering of recent text (TF-IDF cosine, greedy, against existing narratives first), so a claim
retold in other words joins its narrative. A narrative needs `MIN_SIZE` mentions to be created; a later
mention joins an existing one when similar enough. The hoax model's score is kept as a hint for the analyst,
never as a verdict: only a person labels a narrative.

A narrative is a *claim* (klaim): repeated praise or thanks is not, and does not become one, unless many
accounts post it at once. That, any text posted by `UNIFORM_ACCOUNTS` accounts within `UNIFORM_WINDOW`, is a
coordination signal (*pesan seragam*) shown as its own badge, never as a hoax hint. The hoax model was trained
on news articles and is calibrated only for them (docs/BENCHMARKS.md, "Hoax hint calibration"): its score is
shown only for kinds in `HOAX_HINT_KINDS`, and a narrative's hint averages only those mentions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.pages import Page, paginate
from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.ingest.service import corrections as corrections_service
from humas.listening.models import Narrative, NarrativeLabel, NarrativeMention
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.org.service import Principal

WINDOW = timedelta(days=14)
MIN_SIZE = 3
SIMILAR = 0.5
MAX_MENTIONS = 20_000
MAX_GROUPS = 2000
LABELS = tuple(label.value for label in NarrativeLabel)
# The hoax model is calibrated for news articles only: it scores 78-83% of (hoax-free) social posts above 0.5.
HOAX_HINT_KINDS = corrections_service.HOAX_HINT_KINDS
# A cluster mostly of positive mentions (praise, thanks) is no claim to answer.
CLAIM_MAX_POSITIVE = 0.5
UNIFORM_ACCOUNTS = 5
UNIFORM_WINDOW = timedelta(minutes=15)


def hoax_hint(kind: str | None, score: float | None) -> float | None:
    """The hoax model's score where it is calibrated (news articles), else None: no hint is shown."""
    return score if kind in HOAX_HINT_KINDS else None


def _text_key(text: str, group: int | None) -> str:
    return f"g{group}" if group is not None else " ".join(text.casefold().split())


def uniform_accounts(rows: list[Any]) -> int:
    """The most accounts that posted one text (or its near-copies) within `UNIFORM_WINDOW` of each other.

    `rows` need `.text`, `.near_dup_group`, `.author_handle` and `.created_at`."""
    by_text: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for r in rows:
        if r.author_handle:
            by_text[_text_key(r.text, r.near_dup_group)].append((r.created_at, r.author_handle.casefold()))
    best = 0
    for posts in by_text.values():
        posts.sort()
        start = 0
        for end in range(len(posts)):
            while posts[end][0] - posts[start][0] > UNIFORM_WINDOW:
                start += 1
            best = max(best, len({a for _t, a in posts[start : end + 1]}))
    return best


def is_uniform(rows: list[Any]) -> bool:
    """Whether `UNIFORM_ACCOUNTS` or more accounts posted the same text within minutes (*pesan seragam*)."""
    return uniform_accounts(rows) >= UNIFORM_ACCOUNTS


def is_claim(rows: list[Any]) -> bool:
    """A claim is not mostly praise: fewer than `CLAIM_MAX_POSITIVE` of its mentions are positive."""
    positive = sum(1 for r in rows if r.sentiment == "positive")
    return positive < CLAIM_MAX_POSITIVE * len(rows)


@dataclass
class _Group:
    unit_id: int
    rows: list[Any]

    @property
    def text(self) -> str:
        return self.rows[0].text[:600]


def _unassigned(session: Session, since: datetime) -> list[Any]:
    taken = select(NarrativeMention.mention_id)
    stmt = (
        select(
            Mention.id,
            Mention.unit_id,
            Mention.text,
            Mention.near_dup_group,
            Mention.created_at,
            Mention.author_handle,
            Mention.sentiment,
        )
        .where(Mention.created_at >= since, Mention.id.not_in(taken), func.length(Mention.text) >= 20)
        .order_by(Mention.id.desc())
        .limit(MAX_MENTIONS)
    )
    return list(session.execute(stmt))


def _vectors(texts: list[str]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)
    return vectorizer.fit_transform(texts)


def build_narratives(session: Session, *, now: datetime | None = None) -> list[Narrative]:
    """Assign recent mentions to narratives (new or existing); returns the narratives that changed."""
    now = now or utcnow()
    rows = _unassigned(session, now - WINDOW)
    by_unit: dict[int, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_unit[row.unit_id][row.near_dup_group if row.near_dup_group is not None else -row.id].append(row)
    changed: dict[int, Narrative] = {}
    for unit_id, groups in by_unit.items():
        for narrative in _cluster_unit(session, unit_id, [_Group(unit_id, g) for g in groups.values()], now):
            changed[narrative.id] = narrative
    for narrative in changed.values():
        refresh_stats(session, narrative)
    return list(changed.values())


def _cluster_unit(session: Session, unit_id: int, groups: list[_Group], now: datetime) -> list[Narrative]:
    existing = list(
        session.scalars(
            select(Narrative).where(Narrative.unit_id == unit_id, Narrative.last_seen_at >= now - WINDOW)
        )
    )
    groups.sort(key=lambda g: (-len(g.rows), g.rows[0].id))
    candidates = groups[:MAX_GROUPS]
    if not candidates:
        return []
    matrix = _vectors([n.representative_text for n in existing] + [g.text for g in candidates])
    sim = (matrix @ matrix.T).tocsr()
    rep_rows = list(range(len(existing)))  # matrix row of each narrative's (or new cluster's) text
    owners: list[Narrative | _Group] = list(existing)
    members: dict[int, list[_Group]] = defaultdict(list)
    for i, group in enumerate(candidates, start=len(existing)):
        if rep_rows:
            row = sim.getrow(i).toarray().ravel()[rep_rows]
            j = int(np.argmax(row))
            if row[j] >= SIMILAR:
                members[j].append(group)
                continue
        rep_rows.append(i)
        owners.append(group)
        members[len(owners) - 1].append(group)
    out = []
    for index, joined in members.items():
        size = sum(len(g.rows) for g in joined)
        owner = owners[index]
        if isinstance(owner, _Group):
            rows = [r for g in joined for r in g.rows]
            if size < MIN_SIZE or not (is_claim(rows) or is_uniform(rows)):
                continue
            first = min(rows, key=lambda r: r.created_at)
            owner = Narrative(
                unit_id=unit_id,
                representative_text=owner.text,
                representative_mention_id=first.id,
                first_seen_at=first.created_at,
                last_seen_at=first.created_at,
            )
            session.add(owner)
            session.flush()
        session.add_all(
            NarrativeMention(narrative_id=owner.id, mention_id=r.id) for g in joined for r in g.rows
        )
        out.append(owner)
    session.flush()
    return out


def refresh_stats(session: Session, narrative: Narrative) -> None:
    """Size, first/last seen, mean hoax score, negative share and key phrases from its mentions."""
    rows = session.execute(
        select(Mention.created_at, Mention.hoax_score, Mention.sentiment, Mention.keyphrases, Mention.kind)
        .join(NarrativeMention, NarrativeMention.mention_id == Mention.id)
        .where(NarrativeMention.narrative_id == narrative.id)
    ).all()
    if not rows:
        return
    narrative.size = len(rows)
    narrative.first_seen_at = min(r.created_at for r in rows)
    narrative.last_seen_at = max(r.created_at for r in rows)
    hints = (hoax_hint(r.kind, r.hoax_score) for r in rows)
    scores = [h for h in hints if h is not None]
    narrative.hoax_score = round(sum(scores) / len(scores), 3) if scores else None
    narrative.negative_share = round(sum(r.sentiment == "negative" for r in rows) / len(rows), 3)
    phrases = Counter(p for r in rows for p in (r.keyphrases or [])[:5] if isinstance(p, str))
    narrative.keyphrases = [p for p, _n in phrases.most_common(6)]
    narrative.updated_at = utcnow()


# --- the hoax desk ------------------------------------------------------------------------------------


def access_narrative(session: Session, actor: Principal, narrative_id: int) -> Narrative:
    """A narrative of a unit the actor may see; any other id is not found."""
    narrative = session.get(Narrative, narrative_id)
    if narrative is None or not org_service.can_access(actor, narrative.unit):
        raise NotFound(_("Narrative not found."))
    return narrative


def list_narratives(
    session: Session,
    actor: Principal,
    *,
    unit_ids: list[int] | None = None,
    label: str | None = None,
    limit: int = 100,
) -> list[Narrative]:
    """Narratives of the actor's units, largest recent first."""
    ids = unit_ids if unit_ids is not None else org_service.visible_unit_ids(session, actor)
    stmt = select(Narrative).where(Narrative.unit_id.in_(ids))
    if label in LABELS:
        stmt = stmt.where(Narrative.label == label)
    return list(
        session.scalars(stmt.order_by(Narrative.last_seen_at.desc(), Narrative.size.desc()).limit(limit))
    )


def page_narratives(
    session: Session, actor: Principal, *, label: str | None = None, page: int | None = None
) -> Page[Narrative]:
    """One page of the narratives of the actor's units, latest first, with the total."""
    ids = select(Unit.id).where(Unit.path.startswith(actor.unit.path))
    stmt = select(Narrative).where(Narrative.unit_id.in_(ids))
    if label in LABELS:
        stmt = stmt.where(Narrative.label == label)
    stmt = stmt.order_by(Narrative.last_seen_at.desc(), Narrative.size.desc(), Narrative.id.desc())
    return paginate(session, stmt, page=page)


def label_narrative(session: Session, *, narrative: Narrative, label: str, actor: User) -> Narrative:
    """Set the analyst's label (hoaks / disinformasi / keluhan / lainnya)."""
    if label not in LABELS:
        raise Invalid(_("Choose a label: hoaks, disinformasi, keluhan or lainnya."), field="label")
    before = narrative.label
    narrative.label, narrative.labelled_by_id, narrative.labelled_at = label, actor.id, utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="narrative.label",
        obj=narrative,
        unit=narrative.unit,
        before={"label": before},
        after={"label": label},
    )
    return narrative


def link_clarification(
    session: Session,
    *,
    narrative: Narrative,
    url: str,
    note: str = "",
    actor: User,
    at: datetime | None = None,
) -> Narrative:
    """Link the official clarification (a statement URL) that answers the narrative, and when it came out."""
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000 or any(c.isspace() for c in url):
        raise Invalid(_("Enter the clarification's address, starting with https://."), field="url")
    before = {"url": narrative.clarification_url}
    narrative.clarification_url, narrative.clarification_note = url, (note or "").strip()[:4000] or None
    narrative.clarified_at = at or utcnow()
    audit_service.record(
        session,
        actor=actor,
        action="narrative.clarify",
        obj=narrative,
        unit=narrative.unit,
        before=before,
        after={"url": url},
    )
    return narrative


def spread(session: Session, narrative: Narrative) -> dict[str, Any]:
    """Mentions per day in the unit's zone, and how many came before and after the clarification."""
    from humas.listening.service.scope import bucket_of, floor_hour, unit_offset

    offset = unit_offset(session, narrative.unit)

    times = list(
        session.scalars(
            select(Mention.created_at)
            .join(NarrativeMention, NarrativeMention.mention_id == Mention.id)
            .where(NarrativeMention.narrative_id == narrative.id)
        )
    )
    days = Counter(bucket_of(floor_hour(t), "day", offset) for t in times)
    cut = narrative.clarified_at
    return {
        "days": [
            {"t": d.astimezone(timezone(offset)).isoformat(), "count": n} for d, n in sorted(days.items())
        ],
        "before": sum(1 for t in times if cut is None or t < cut),
        "after": sum(1 for t in times if cut is not None and t >= cut),
    }


def uniform_counts(
    session: Session, narrative_ids: list[int], *, per_narrative: int = 2000
) -> dict[int, int]:
    """For each narrative, the most accounts that posted one text within minutes; a narrative whose count
    reaches `UNIFORM_ACCOUNTS` shows the *pesan seragam* badge. Reads the newest `per_narrative` mentions."""
    out: dict[int, int] = {}
    for narrative_id in narrative_ids:
        rows = session.execute(
            select(Mention.text, Mention.near_dup_group, Mention.author_handle, Mention.created_at)
            .join(NarrativeMention, NarrativeMention.mention_id == Mention.id)
            .where(NarrativeMention.narrative_id == narrative_id)
            .order_by(Mention.created_at.desc())
            .limit(per_narrative)
        ).all()
        out[narrative_id] = uniform_accounts(list(rows))
    return out


def details(session: Session, narrative: Narrative, *, limit: int = 50) -> dict[str, Any]:
    """Platforms, sentiment, first and top spreaders, and the newest mentions of a narrative."""
    base = (
        select(Mention)
        .join(NarrativeMention, NarrativeMention.mention_id == Mention.id)
        .where(NarrativeMention.narrative_id == narrative.id)
    )
    mentions = list(session.scalars(base.order_by(Mention.created_at)))
    return {
        "platforms": Counter(m.platform for m in mentions).most_common(),
        "sentiment": Counter(m.sentiment or "unknown" for m in mentions).most_common(),
        "first": mentions[:5],
        "top": sorted(mentions, key=lambda m: -(m.author_followers or 0))[:5],
        "mentions": list(reversed(mentions))[:limit],
    }
