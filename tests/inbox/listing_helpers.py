"""A conversation made directly (the intake has its own tests): for the listing, page and API tests."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from humas.core.time import utcnow
from humas.inbox.models import Conversation
from humas.org.models import Unit

_seq = itertools.count(1)


def make_conversation(
    session: Session, *, unit: Unit, minutes_ago: int = 0, **overrides: Any
) -> Conversation:
    n = next(_seq)
    at = utcnow() - timedelta(minutes=minutes_ago)
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "platform": "facebook",
        "thread_key": f"t:{n}",
        "subject": f"Pertanyaan nomor {n}",
        "author_key": f"facebook:author{n}",
        "author_name": f"Warga {n}",
        "last_activity_at": at,
        "opened_at": at,
        "created_at": at,
    }
    values.update(overrides)
    conversation = Conversation(**values)
    session.add(conversation)
    session.flush()
    return conversation
