"""The registry of senders: each domain registers the kinds it sends (``channel.reply``, ``alert.email``).

A ``Handler`` has three parts. ``prepare`` runs inside the claim's transaction and turns the row into plain
data (credentials decrypted, the alert's text): nothing after it touches the database. ``send`` performs the
write once. ``reconcile`` runs instead when the previous attempt's outcome is unknown: it returns ``Sent``
when the write is found, ``None`` when resending is safe (proved absent, or the receiver drops a duplicate
with the same delivery id / Message-ID), or raises ``Unknown``. ``on_outcome`` (optional) records
consequences in the finishing transaction (a channel marked as needing re-authorisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, SendError, Sent


@dataclass(frozen=True)
class Handler:
    prepare: Callable[[Session, OutboxMessage], Any]
    send: Callable[[Any], Sent]
    reconcile: Callable[[Any], Sent | None]
    on_outcome: Callable[[Session, OutboxMessage, Sent | SendError], None] | None = None


_REGISTRY: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Register (or replace, on a re-import) the sender of one kind."""
    _REGISTRY[kind] = handler


def kinds() -> list[str]:
    return sorted(_REGISTRY)


def handler_for(kind: str) -> Handler:
    """The sender of ``kind``; the domains' task modules (which register them) are imported on first need."""
    if kind not in _REGISTRY:
        from humas.jobs import import_task_modules

        import_task_modules()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise Permanent(f"no sender registered for {kind!r}") from None
