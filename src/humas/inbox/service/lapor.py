"""Forwarding a complaint to SP4N-LAPOR!, the national complaint system.

humas fills the fields a LAPOR! report needs from the conversation (title, description, category, location,
date, attachments; the reporter's contact only with their consent), keeps them as a ``LaporForward`` that
staff correct, print (``lapor_print.html``) or export (JSON, CSV), and records the tracking number and the
status LAPOR! gives. The report follows its LAPOR! tier: a first answer within 3 working days, resolution
within 5 (information, complaints), 14 (needing checks) or 60 (field checks) working days of the unit's
calendar; the deadline clock (``inbox.service.sla``) reads the forward's tier for the resolution target.

LAPOR!'s integration API is given only to registered institutions, so sending is an adapter:
``LaporAdapter.submit(report) -> tracking number``. The ``ManualAdapter`` is what every unit has: staff
submit the printed or exported report on lapor.go.id and type the number LAPOR! shows. A registered
institution registers its own adapter (``register_adapter``) without changing this module.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox import sla
from humas.inbox.models import Conversation, ConversationEvent, ConversationItem, LaporForward
from humas.inbox.service import privacy
from humas.ingest.models import Mention
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

FORWARDERS = (Role.admin, Role.responder, Role.reviewer)
TIERS = tuple(sla.LAPOR_TIERS)  # pertanyaan | keluhan | aduan | lapangan
STATUSES = ("disiapkan", "terkirim", "diproses", "selesai", "ditolak")
TIER_FOR_TYPE = {"pertanyaan": "pertanyaan", "keluhan": "keluhan", "aduan": "aduan"}
TITLE_MAX, TEXT_MAX, CATEGORY_MAX, LOCATION_MAX, CONTACT_MAX = 300, 20_000, 200, 300, 300
ATTACHMENTS_MAX = 20
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{2,99}")
_URL = re.compile(r"https?://[^\s<>\"']{3,2000}")


# --- the report and the adapters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LaporReport:
    """What a LAPOR! report carries (the printable page, the exports, and an adapter's input)."""

    ticket: str
    unit: str
    title: str
    description: str
    category: str
    location: str
    occurred_on: str  # ISO date in the unit's zone, or ""
    attachments: list[str]
    reporter_contact: str | None  # only with the reporter's consent
    tier: str
    first_answer_due_at: str | None
    due_at: str | None
    tracking_number: str | None
    status: str


class LaporAdapter(Protocol):
    """Hands a report to LAPOR! and returns the tracking number LAPOR! gave it."""

    @property
    def name(self) -> str: ...

    def submit(self, report: LaporReport) -> str: ...


@dataclass(frozen=True)
class ManualAdapter:
    """A person submitted the report on lapor.go.id and typed the number LAPOR! showed."""

    tracking_number: str
    name: str = "manual"

    def submit(self, report: LaporReport) -> str:
        return clean_tracking(self.tracking_number)


_ADAPTERS: dict[str, Callable[[], LaporAdapter]] = {}


def register_adapter(name: str, factory: Callable[[], LaporAdapter]) -> None:
    """A registered institution plugs in LAPOR!'s integration API under a name (settings choose it)."""
    _ADAPTERS[name] = factory


def adapter_named(name: str) -> LaporAdapter:
    try:
        return _ADAPTERS[name]()
    except KeyError:
        raise Invalid(_("No LAPOR! connection of that name is configured.")) from None


def clean_tracking(value: str | None) -> str:
    number = (value or "").strip()
    if not _TRACKING.fullmatch(number):
        raise Invalid(
            _("Type the tracking number LAPOR! gave (letters, digits, - . /)."), field="tracking_number"
        )
    return number


# --- filling in ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaporInput:
    title: str
    description: str
    category: str = ""
    location: str = ""
    occurred_on: date | None = None
    attachments: Sequence[str] = field(default_factory=tuple)
    contact_consent: bool = False
    reporter_contact: str | None = None
    tier: str = "keluhan"


def _citizen_mentions(session: Session, conversation: Conversation) -> list[Mention]:
    stmt = (
        select(Mention)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .where(ConversationItem.conversation_id == conversation.id, ConversationItem.from_staff.is_(False))
        .order_by(ConversationItem.at, ConversationItem.id)
    )
    return list(session.scalars(stmt))


def draft_for(session: Session, conversation: Conversation) -> LaporInput:
    """The form prefilled from the conversation: its messages as the description, their media as
    attachments, its type as the tier; no contact (the reporter has not consented yet)."""
    mentions = _citizen_mentions(session, conversation)
    texts = [m.text.strip() for m in mentions if m.text and m.text.strip()]
    first = texts[0] if texts else ""
    title = (conversation.subject or first or conversation.ticket).strip().splitlines()[0][:120]
    media = [m.media_ref for m in mentions if m.media_ref and _URL.fullmatch(m.media_ref)]
    links = [m.url for m in mentions if m.url and _URL.fullmatch(m.url)]
    zone = org_service.unit_zone(session, conversation.unit)
    occurred = mentions[0].created_at if mentions else conversation.opened_at
    return LaporInput(
        title=title,
        description="\n\n".join(texts)[:TEXT_MAX],
        category=conversation.message_type,
        occurred_on=occurred.astimezone(zone).date() if occurred else None,
        attachments=tuple(dict.fromkeys(media + links))[:ATTACHMENTS_MAX],
        tier=TIER_FOR_TYPE.get(conversation.message_type, "keluhan"),
    )


def _text(value: str | None, limit: int, field_name: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("This field is required."), field=field_name)
    if len(value) > limit:
        raise Invalid(_("This field is too long."), field=field_name)
    return value


def _checked(data: LaporInput) -> LaporInput:
    if data.tier not in TIERS:
        raise Invalid(_("Choose a LAPOR! tier."), field="tier")
    attachments = [a.strip() for a in data.attachments if a and a.strip()]
    if len(attachments) > ATTACHMENTS_MAX or any(not _URL.fullmatch(a) for a in attachments):
        raise Invalid(_("Attachments are web addresses (http or https), one per line."), field="attachments")
    contact = _text(data.reporter_contact, CONTACT_MAX, "reporter_contact") if data.contact_consent else ""
    return LaporInput(
        title=_text(data.title, TITLE_MAX, "title", required=True),
        description=_text(data.description, TEXT_MAX, "description", required=True),
        category=_text(data.category, CATEGORY_MAX, "category"),
        location=_text(data.location, LOCATION_MAX, "location"),
        occurred_on=data.occurred_on,
        attachments=tuple(attachments),
        contact_consent=bool(data.contact_consent),
        reporter_contact=contact or None,  # without consent nothing is kept, whatever was typed
        tier=data.tier,
    )


def _occurred_at(session: Session, unit: Unit, day: date | None) -> datetime | None:
    if day is None:
        return None
    zone = org_service.unit_zone(session, unit)
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone).astimezone(UTC)


def due_times(session: Session, conversation: Conversation, tier: str) -> tuple[datetime, datetime]:
    """(first answer due, resolution due) of a LAPOR! report received when the conversation opened."""
    calendar = org_service.unit_calendar(session, conversation.unit)
    received = conversation.opened_at
    first = calendar.add_working_days(received, sla.LAPOR_FIRST_ANSWER_DAYS)
    return first, sla.lapor_due_at(calendar, received, tier)


# --- changes ------------------------------------------------------------------------------------------------


def find_forward(session: Session, conversation: Conversation) -> LaporForward | None:
    return session.scalar(select(LaporForward).where(LaporForward.conversation_id == conversation.id))


def _apply(session: Session, forward: LaporForward, conversation: Conversation, data: LaporInput) -> None:
    forward.title, forward.description = data.title, data.description
    forward.category, forward.location = data.category, data.location
    forward.occurred_at = _occurred_at(session, conversation.unit, data.occurred_on)
    forward.attachments = list(data.attachments)
    forward.contact_consent, forward.reporter_contact = data.contact_consent, data.reporter_contact
    forward.tier = data.tier
    forward.due_at = due_times(session, conversation, data.tier)[1]
    forward.updated_at = utcnow()


def _snapshot(forward: LaporForward) -> dict[str, object]:
    return {
        "title": forward.title,
        "category": forward.category,
        "location": forward.location,
        "tier": forward.tier,
        "contact_consent": forward.contact_consent,
        "attachments": len(forward.attachments or []),
        "tracking_number": forward.tracking_number,
        "lapor_status": forward.lapor_status,
    }


def _record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    forward: LaporForward,
    conversation: Conversation,
    before: dict[str, object] | None = None,
) -> None:
    after = _snapshot(forward)
    session.add(
        ConversationEvent(
            conversation_id=conversation.id,
            kind="lapor",
            actor_id=actor.id,
            data={"action": action, "status": forward.lapor_status, "tier": forward.tier},
        )
    )
    audit_service.record(
        session,
        actor=actor,
        action=f"inbox.lapor.{action}",
        obj=forward,
        unit=conversation.unit,
        label=conversation.ticket,
        before=before,
        after=after,
    )


def _refresh_deadlines(session: Session, conversation: Conversation) -> None:
    from humas.inbox.service import sla as sla_service

    session.flush()
    sla_service.refresh_deadlines(session, conversation=conversation)


def create_forward(
    session: Session, *, conversation: Conversation, data: LaporInput, actor: Principal
) -> LaporForward:
    """Prepare the LAPOR! report of a conversation (one per conversation); its tier's deadline applies."""
    org_service.require_role(actor, *FORWARDERS)
    if find_forward(session, conversation) is not None:
        raise Conflict(_("This conversation was already forwarded to LAPOR!."))
    forward = LaporForward(conversation_id=conversation.id, created_by_id=actor.id, lapor_status=STATUSES[0])
    _apply(session, forward, conversation, _checked(data))
    session.add(forward)
    session.flush()
    _record(session, actor=actor, action="create", forward=forward, conversation=conversation)
    _refresh_deadlines(session, conversation)
    return forward


def update_forward(
    session: Session, *, forward: LaporForward, conversation: Conversation, data: LaporInput, actor: Principal
) -> LaporForward:
    """Correct the report's fields (before or after it went to LAPOR!); audited."""
    org_service.require_role(actor, *FORWARDERS)
    before = _snapshot(forward)
    _apply(session, forward, conversation, _checked(data))
    _record(session, actor=actor, action="update", forward=forward, conversation=conversation, before=before)
    _refresh_deadlines(session, conversation)
    return forward


def submit_forward(
    session: Session,
    *,
    forward: LaporForward,
    conversation: Conversation,
    actor: Principal,
    adapter: LaporAdapter,
) -> LaporForward:
    """Hand the report to LAPOR! through an adapter and keep the tracking number it returns."""
    org_service.require_role(actor, *FORWARDERS)
    if forward.tracking_number:
        raise Conflict(_("This report already has a LAPOR! tracking number."))
    before = _snapshot(forward)
    number = clean_tracking(adapter.submit(report_of(session, forward, conversation)))
    forward.tracking_number, forward.lapor_status = number, "terkirim"
    forward.updated_at = utcnow()
    _record(session, actor=actor, action="submit", forward=forward, conversation=conversation, before=before)
    return forward


def set_lapor_status(
    session: Session, *, forward: LaporForward, conversation: Conversation, status: str, actor: Principal
) -> LaporForward:
    """Record the status LAPOR! shows for the report (processed, done, refused)."""
    org_service.require_role(actor, *FORWARDERS)
    if status not in STATUSES:
        raise Invalid(_("Unknown LAPOR! status."), field="lapor_status")
    if status != STATUSES[0] and not forward.tracking_number:
        raise Invalid(_("Record the tracking number first."), field="lapor_status")
    before = _snapshot(forward)
    forward.lapor_status, forward.updated_at = status, utcnow()
    _record(session, actor=actor, action="status", forward=forward, conversation=conversation, before=before)
    return forward


# --- reading and exporting ----------------------------------------------------------------------------


def access_forward(session: Session, actor: Principal, forward_id: int) -> tuple[LaporForward, Conversation]:
    """A forward the actor may see, through its conversation's access check."""
    from humas.inbox.service import conversations

    forward = session.get(LaporForward, forward_id)
    if forward is None:
        raise NotFound(_("LAPOR! report not found."))
    try:
        conversation = conversations.access_conversation(session, actor, forward.conversation_id)
    except NotFound:
        raise NotFound(_("LAPOR! report not found.")) from None
    return forward, conversation


def list_forwards(
    session: Session, actor: Principal, *, limit: int = 500
) -> list[tuple[LaporForward, Conversation]]:
    """Forwards of the actor's units, newest first."""
    stmt = (
        select(LaporForward, Conversation)
        .join(Conversation, Conversation.id == LaporForward.conversation_id)
        .join(Unit, Unit.id == Conversation.unit_id)
        .where(Unit.path.startswith(actor.unit.path))
        .order_by(LaporForward.created_at.desc(), LaporForward.id.desc())
        .limit(limit)
    )
    return [(f, c) for f, c in session.execute(stmt).tuples()]


def report_of(
    session: Session, forward: LaporForward, conversation: Conversation, *, viewer: Principal | None = None
) -> LaporReport:
    """The report as LAPOR! gets it. With a ``viewer`` who may not see personal data, the description's
    phone numbers, e-mail addresses and NIK are masked (the contact, given with consent, is kept)."""
    zone = org_service.unit_zone(session, conversation.unit)
    first, _due = due_times(session, conversation, forward.tier)
    description = forward.description
    if viewer is not None and not privacy.may_see_personal(viewer, conversation):
        description = privacy.mask_personal(description)
    contact = forward.reporter_contact if forward.contact_consent else None
    if contact and viewer is not None and not privacy.may_see_personal(viewer, conversation):
        contact = privacy.mask_personal(contact)
    return LaporReport(
        ticket=conversation.ticket,
        unit=conversation.unit.name,
        title=forward.title,
        description=description,
        category=forward.category,
        location=forward.location,
        occurred_on=forward.occurred_at.astimezone(zone).date().isoformat() if forward.occurred_at else "",
        attachments=[str(a) for a in forward.attachments or []],
        reporter_contact=contact,
        tier=forward.tier,
        first_answer_due_at=first.astimezone(zone).isoformat(timespec="minutes"),
        due_at=forward.due_at.astimezone(zone).isoformat(timespec="minutes") if forward.due_at else None,
        tracking_number=forward.tracking_number,
        status=forward.lapor_status,
    )


def report_json(report: LaporReport) -> str:
    return json.dumps(asdict(report), ensure_ascii=False, indent=2)


CSV_FIELDS = tuple(LaporReport.__dataclass_fields__)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = " | ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no spreadsheet formulas


def reports_csv(reports: Sequence[LaporReport]) -> str:
    """One row per report (attachments joined with `` | ``); cells a spreadsheet would run are defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for report in reports:
        writer.writerow([_cell(getattr(report, name)) for name in CSV_FIELDS])
    return out.getvalue()
