"""Publishing jobs, every minute: expire posts not approved by their time (first, so none of them is ever
sent), hand due posts to the outbox, release variants whose channel was re-authorised, make the coming
week's recurring posts, read back metrics. Importing this module registers the ``publishing.variant``
sender with the outbox."""

from __future__ import annotations

import logging
from datetime import datetime

from huey import crontab
from sqlalchemy.orm import Session

from humas.core.db import each_in_own_transaction, session_scope
from humas.core.time import utcnow
from humas.jobs import huey
from humas.publishing.service import publish as _publish  # noqa: F401 - registers the variant sender

log = logging.getLogger(__name__)
# Due posts handed out per transaction: one commit per post cost most of a busy minute's hand-out.
HAND_OUT_BATCH = 50
DUE_MAX = 20_000  # every due post in one tick (a busy minute is ~1,000), not the first 500 of them


@huey.periodic_task(crontab(minute="*"))
def publishing_tick_task() -> None:
    """Expire, then publish what is due, in batches of posts (one by one where a batch fails)."""
    run_tick()


def run_tick(now: datetime | None = None) -> dict[str, list[int]]:
    """One pass of the publishing clock (the periodic task; tests and the CLI call it directly)."""
    from humas.publishing import service as publishing_service

    now = now or utcnow()
    with session_scope() as session:
        expired = publishing_service.expire_due_posts(session, now=now)
    with session_scope() as session:
        due = publishing_service.due_post_ids(session, now=now, limit=DUE_MAX)
    published: list[int] = []
    for start in range(0, len(due), HAND_OUT_BATCH):
        published += _hand_out(due[start : start + HAND_OUT_BATCH], now)
    with session_scope() as session:
        released = publishing_service.release_held(session)
    with session_scope() as session:
        recurring = publishing_service.materialise_recurrences(session, now=now)
    return {"expired": expired, "published": published, "released": released, "recurring": recurring}


def _hand_out(post_ids: list[int], now: datetime) -> list[int]:
    """Hand a batch of due posts to the outbox in one transaction; if any of them fails, the batch is rolled
    back and each post goes in its own transaction, so one post's failure never stops the others."""
    from humas.publishing import service as publishing_service

    def one(session: Session, post_id: int) -> bool:
        post = publishing_service.get_post(session, post_id)
        handed = publishing_service.publish_post(session, post=post, now=now)
        return bool(handed) or post.queued_at is not None

    try:
        with session_scope() as session:
            return [post_id for post_id in post_ids if one(session, post_id)]
    except Exception:  # noqa: BLE001 - retried one by one below
        log.warning("publishing batch of %s posts failed; handing them out one by one", len(post_ids))
    published = []
    for post_id in post_ids:
        try:
            with session_scope() as session:
                if one(session, post_id):
                    published.append(post_id)
        except Exception:  # noqa: BLE001 - one post's failure never stops the others
            log.exception("publishing post %s failed", post_id)
    return published


@huey.periodic_task(crontab(minute="*/5"))
def publishing_metrics_task() -> None:
    """Read back the counts of every published variant that is due."""
    run_metrics()


def run_metrics(now: datetime | None = None) -> int:
    """Read back every due variant's counts, each in its own transaction; returns how many were read."""
    from humas.publishing.models import PostVariant
    from humas.publishing.service import metrics

    now = now or utcnow()
    with session_scope() as session:
        due = metrics.due_variant_ids(session, now=now)

    def read(session: Session, variant_id: int) -> bool:
        variant = session.get(PostVariant, variant_id)
        return variant is not None and metrics.read_metrics(session, variant=variant, now=now) is not None

    return sum(
        bool(ok) for ok in each_in_own_transaction(due, read, what="metrics of variant", logger=log).values()
    )


@huey.periodic_task(crontab(hour="1", minute="30"))
def kit_reminders_task() -> None:
    """Each morning (08:30 WIB), remind the units behind on a content kit (once per unit, kit and day)."""
    run_kit_reminders()


def run_kit_reminders(now: datetime | None = None) -> int:
    """Remind the units behind on every open or recently closed kit, each kit in its own transaction."""
    from humas.publishing.kits import ContentKit
    from humas.publishing.service import kit_tracker

    now = now or utcnow()
    with session_scope() as session:
        kit_ids = kit_tracker.kits_to_remind(session, now=now)

    def remind(session: Session, kit_id: int) -> int:
        kit = session.get(ContentKit, kit_id)
        return len(kit_tracker.remind_units(session, kit=kit, actor=None, now=now)) if kit is not None else 0

    return sum(
        n or 0 for n in each_in_own_transaction(kit_ids, remind, what="reminders of kit", logger=log).values()
    )
