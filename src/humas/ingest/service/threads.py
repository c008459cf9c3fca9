"""Thread context and media of stored mentions: roots taken from stored parents, late sightings filling
what an earlier one lacked, and the placeholder shown for a media-only mention ("[gambar]")."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from humas.core.i18n import gettext
from humas.ingest.models import Mention

THREAD_FIELDS = ("thread_root_id", "in_reply_to_id", "media_kind", "media_ref")
_CHUNK = 900


def N_(message: str) -> str:
    """Mark a msgid for extraction (``pybabel extract -k N_``); translated when shown."""
    return message


# The label of each media kind (connectors.base.MEDIA_KINDS); msgids are English, see the id catalog.
MEDIA_LABELS = {
    "image": N_("[image]"),
    "video": N_("[video]"),
    "audio": N_("[audio]"),
    "document": N_("[document]"),
    "sticker": N_("[sticker]"),
    "location": N_("[location]"),
    "contact": N_("[contact]"),
    "reaction": N_("[reaction]"),
    "other": N_("[media]"),
}


class HasText(Protocol):
    text: str
    media_kind: str | None
    media_ref: str | None


def media_label(kind: str | None) -> str:
    """The translated placeholder of a media kind ("[gambar]" in Indonesian); "" without media."""
    if not kind:
        return ""
    return gettext(MEDIA_LABELS.get(kind, "[media]"))


def display_text(mention: HasText) -> str:
    """What a page shows for a mention: its text, or for a media-only one the placeholder of its kind.

    Plain text: templates escape it like any other mention text. A reaction shows its emoji after the label.
    """
    if mention.text:
        return mention.text
    label = media_label(mention.media_kind)
    if mention.media_kind == "reaction" and mention.media_ref:
        return f"{label} {mention.media_ref}"
    return label


def resolve_roots(session: Session, rows: list[dict[str, Any]]) -> None:
    """A reply whose answer named no root takes its parent's: stored, or earlier in the same batch.

    Only a parent whose own root is known counts (a root's root is itself); rows stored before threads were
    kept have none and are not guessed at.
    """
    wanting = [r for r in rows if r["thread_root_id"] is None and r["in_reply_to_id"]]
    if not wanting:
        return
    known = {(r["platform"], r["external_id"]): r["thread_root_id"] for r in rows if r["thread_root_id"]}
    missing = {(r["platform"], r["in_reply_to_id"]) for r in wanting} - set(known)
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in missing:
        by_platform.setdefault(platform, []).append(external_id)
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), _CHUNK):
            stmt = select(Mention.external_id, Mention.thread_root_id).where(
                Mention.platform == platform,
                Mention.external_id.in_(ids[start : start + _CHUNK]),
                Mention.thread_root_id.is_not(None),
            )
            known.update({(platform, ext): root for ext, root in session.execute(stmt)})
    for _ in range(3):  # chains inside one batch: a reply to a reply to a post
        for row in wanting:
            if row["thread_root_id"] is None:
                row["thread_root_id"] = known.get((row["platform"], row["in_reply_to_id"]))
                if row["thread_root_id"]:
                    known[(row["platform"], row["external_id"])] = row["thread_root_id"]


def fill_missing(session: Session, pairs: list[tuple[int, dict[str, Any]]]) -> None:
    """A mention seen again (a poll after a webhook) gets the thread and media fields it lacked.

    Never overwrites: a value stored first stays, so the order of sightings changes nothing.
    """
    rows = [
        {"mid": mid, **{f"new_{name}": row[name] for name in THREAD_FIELDS}}
        for mid, row in pairs
        if any(row[name] is not None for name in THREAD_FIELDS)
    ]
    if not rows:
        return
    table = Mention.metadata.tables[Mention.__tablename__]
    stmt = (
        table.update()
        .where(table.c.id == bindparam("mid"))
        .values({name: func.coalesce(table.c[name], bindparam(f"new_{name}")) for name in THREAD_FIELDS})
    )
    session.connection().execute(stmt, rows)


__all__ = ["display_text", "fill_missing", "media_label", "resolve_roots"]
