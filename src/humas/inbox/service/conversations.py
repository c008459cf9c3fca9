"""Work on a conversation: access, status, assignment (by hand or round-robin in a team), priority, type,
notes with @mentions, the "someone else is replying" marker, bulk actions, and the thread as a page shows it.

Every change writes a conversation event (the deadline clock reads them) and an audit row in the caller's
transaction, then recomputes the conversation's deadlines (``inbox.service.sla.refresh_deadlines``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import (
    OPEN_STATUSES,
    Conversation,
    ConversationEvent,
    ConversationItem,
    MessageType,
    Note,
    Priority,
    Reply,
    Status,
    Team,
    TeamMember,
)
from humas.inbox.service import sla as sla_service
from humas.ingest.models import Mention
from humas.ingest.service import corrections as corrections_service
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit, User
from humas.org.service import Principal
from humas.outbox import notify as notify_service

WORKERS = (Role.admin, Role.responder, Role.reviewer)
READERS = (Role.admin, Role.responder, Role.reviewer, Role.analyst, Role.pimpinan)
NOTE_MAX = 5000
REPLYING_FOR = timedelta(seconds=90)
ABUSIVE_CUT = 0.8  # the attack score from which a message from the public reads as abusive (kasar)
MENTION_RE = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]{2,64})")


def require_worker(actor: Principal) -> None:
    """Responders, reviewers and admins work on conversations."""
    org_service.require_role(actor, *WORKERS)


def access_conversation(session: Session, actor: Principal, conversation_id: int) -> Conversation:
    """The one permission-checked fetch: a conversation of the actor's unit or below, else NotFound."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not org_service.can_access(actor, conversation.unit):
        raise NotFound(_("Conversation not found."))
    if not org_service.has_role(actor, *READERS):
        raise NotFound(_("Conversation not found."))
    return conversation


def _event(
    session: Session,
    conversation: Conversation,
    kind: str,
    *,
    actor: Principal | None,
    at: datetime | None = None,
    **data: Any,
) -> None:
    session.add(
        ConversationEvent(
            conversation_id=conversation.id,
            at=at or utcnow(),
            kind=kind,
            actor_id=actor.id if actor else None,
            data=data,
        )
    )


def _audit(
    session: Session, conversation: Conversation, action: str, actor: Principal, **change: Any
) -> None:
    audit_service.record(
        session, actor=actor, action=f"conversation.{action}", obj=conversation, unit=conversation.unit,
        label=conversation.ticket, after=change or None,
    )  # fmt: skip


def _refresh(session: Session, conversation: Conversation, now: datetime | None = None) -> None:
    conversation.updated_at = utcnow()
    session.flush()
    sla_service.refresh_deadlines(session, conversation=conversation, now=now)


# --- what the public and the platform do --------------------------------------------------------------


def citizen_message(
    session: Session,
    *,
    conversation: Conversation,
    mention: Mention,
    model_type: str,
    score: float,
    abuse_score: float | None = None,
    refresh: bool = True,
) -> None:
    """A message from the public joined the conversation: reopen it, note what it is, restart the clock."""
    at = mention.created_at
    conversation.last_citizen_at = max(filter(None, (conversation.last_citizen_at, at)))
    if conversation.unanswered_since is None:
        conversation.unanswered_since = at
    conversation.sentiment = mention.sentiment or conversation.sentiment
    # NOTE: stored abuse labels pass the model's low per-label cuts ("kantor ini lambat" carries HS);
    # a message is "kasar" only when the attack score is high.
    abusive = abuse_score is not None and abuse_score >= ABUSIVE_CUT
    conversation.abusive = conversation.abusive or abusive
    suggested = MessageType.kasar.value if abusive else model_type
    if conversation.suggested_type is None or conversation.suggested_type == MessageType.lainnya.value:
        conversation.suggested_type, conversation.type_score = suggested, score
        if not conversation.type_corrected:
            conversation.message_type = suggested
    if conversation.status in (Status.selesai.value, Status.menunggu.value, Status.ditunda.value):
        before = conversation.status
        conversation.status, conversation.snoozed_until = Status.terbuka.value, None
        conversation.resolved_at = conversation.waiting_since = None
        _event(
            session, conversation, "status", actor=None, at=at, to=Status.terbuka.value, **{"from": before}
        )
    if refresh:
        _refresh(session, conversation)


def record_staff_reply(
    session: Session, *, conversation: Conversation, at: datetime, refresh: bool = True
) -> None:
    """A reply of the unit reached the platform (from humas or typed on the platform): it answers."""
    conversation.first_response_at = conversation.first_response_at or at
    conversation.last_staff_at = max(filter(None, (conversation.last_staff_at, at)))
    conversation.unanswered_since = None
    conversation.last_activity_at = max(conversation.last_activity_at, at)
    if conversation.status == Status.baru.value:
        conversation.status = Status.terbuka.value
    _event(session, conversation, "staff_reply", actor=None, at=at)
    if refresh:
        _refresh(session, conversation)


# --- status, priority, type ----------------------------------------------------------------------------


def set_status(
    session: Session,
    *,
    conversation: Conversation,
    status: str,
    actor: Principal,
    snoozed_until: datetime | None = None,
    now: datetime | None = None,
) -> Conversation:
    """Open, wait on the public (the clock pauses), snooze until a time, or close a conversation."""
    require_worker(actor)
    try:
        new = Status(status)
    except ValueError:
        raise Invalid(_("Unknown status."), field="status") from None
    now = now or utcnow()
    if new is Status.ditunda:
        if snoozed_until is None or snoozed_until <= now:
            raise Invalid(_("Choose a time in the future to snooze until."), field="snoozed_until")
        conversation.snoozed_until = snoozed_until
    else:
        conversation.snoozed_until = None
    before = conversation.status
    if before == new.value and new is not Status.ditunda:
        return conversation
    conversation.status = new.value
    conversation.waiting_since = now if new is Status.menunggu else None
    conversation.resolved_at = now if new is Status.selesai else None
    conversation.replying_user_id = conversation.replying_until = None
    _event(session, conversation, "status", actor=actor, at=now, to=new.value, **{"from": before})
    _audit(session, conversation, "status", actor, status=new.value)
    _refresh(session, conversation, now)
    return conversation


def wake_snoozed(session: Session, *, now: datetime | None = None) -> int:
    """Snoozed conversations whose time has come are open again (the minute job)."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Conversation).where(
                Conversation.status == Status.ditunda.value, Conversation.snoozed_until <= now
            )
        )
    )
    for conversation in due:
        conversation.status, conversation.snoozed_until = Status.terbuka.value, None
        _event(
            session,
            conversation,
            "status",
            actor=None,
            at=now,
            to=Status.terbuka.value,
            **{"from": "ditunda"},
        )
        _refresh(session, conversation, now)
    return len(due)


def set_priority(
    session: Session, *, conversation: Conversation, priority: str, actor: Principal
) -> Conversation:
    """Change the priority (its deadline policy may change with it)."""
    require_worker(actor)
    try:
        value = Priority(priority).value
    except ValueError:
        raise Invalid(_("Unknown priority."), field="priority") from None
    if value != conversation.priority:
        conversation.priority = value
        _event(session, conversation, "priority", actor=actor, to=value)
        _audit(session, conversation, "priority", actor, priority=value)
        _refresh(session, conversation)
    return conversation


def set_type(
    session: Session, *, conversation: Conversation, message_type: str, actor: Principal
) -> Conversation:
    """Correct the message type; the correction is stored on the first citizen item for retraining."""
    require_worker(actor)
    try:
        value = MessageType(message_type).value
    except ValueError:
        raise Invalid(_("Unknown message type."), field="message_type") from None
    if value == conversation.message_type and conversation.type_corrected:
        return conversation
    conversation.message_type, conversation.type_corrected = value, True
    first = _first_citizen_mention(session, conversation)
    if first is not None:
        corrections_service.record_type_correction(
            session, mention=first, model_label=conversation.suggested_type or "", label=value, actor=actor
        )
    _event(session, conversation, "type", actor=actor, to=value)
    _audit(session, conversation, "type", actor, message_type=value)
    _refresh(session, conversation)
    return conversation


def _first_citizen_mention(session: Session, conversation: Conversation) -> Mention | None:
    return session.scalars(
        select(Mention)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .where(ConversationItem.conversation_id == conversation.id, ConversationItem.from_staff.is_(False))
        .order_by(ConversationItem.at, ConversationItem.id)
        .limit(1)
    ).first()


def set_sensitive(
    session: Session, *, conversation: Conversation, sensitive: bool, actor: Principal
) -> Conversation:
    """Flag a conversation as sensitive (its replies may need a reviewer's approval)."""
    require_worker(actor)
    if conversation.sensitive != sensitive:
        conversation.sensitive = sensitive
        _audit(session, conversation, "sensitive", actor, sensitive=sensitive)
    return conversation


# --- assignment -----------------------------------------------------------------------------------------


def _can_work(session: Session, user: User, conversation: Conversation) -> bool:
    return (
        user.is_active and org_service.can_access(user, conversation.unit) and bool(user.roles & set(WORKERS))
    )


def assign(
    session: Session,
    *,
    conversation: Conversation,
    assignee: User | None,
    actor: Principal,
    team: Team | None = None,
) -> Conversation:
    """Give a conversation to a person (or nobody) and optionally a team; the assignee is told in the app."""
    require_worker(actor)
    if assignee is not None and not _can_work(session, assignee, conversation):
        raise Invalid(_("This person cannot work on this conversation."), field="assignee_id")
    if team is not None and not _team_covers(session, team, conversation):
        raise Invalid(_("This team does not belong to the conversation's unit."), field="team_id")
    current = conversation.assignee_id
    if current is not None and current not in (actor.id, getattr(assignee, "id", None)):
        if not org_service.has_role(actor, Role.admin, Role.reviewer):
            raise PermissionDenied(
                _("Only an admin or a reviewer can take a conversation from someone else.")
            )
    conversation.assignee_id = assignee.id if assignee is not None else None
    conversation.assignee = assignee
    if team is not None:
        conversation.team_id = team.id
    conversation.assigned_at = utcnow() if assignee is not None else None
    if conversation.status == Status.baru.value and assignee is not None:
        conversation.status = Status.terbuka.value
    _event(
        session, conversation, "assign", actor=actor, to=conversation.assignee_id, team=conversation.team_id
    )
    _audit(
        session,
        conversation,
        "assign",
        actor,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
    )
    if assignee is not None and assignee.id != actor.id:
        notify_service.notify(
            session,
            users=[assignee],
            kind="inbox.assigned",
            key=f"inbox.assigned:{conversation.id}:{utcnow().isoformat()}",
            subject=_("Conversation {ticket} was assigned to you").format(ticket=conversation.ticket),
            text=conversation.subject[:200],
            link=f"/inbox/{conversation.id}",
            unit=conversation.unit,
            email=False,
        )
    _refresh(session, conversation)
    return conversation


def _team_covers(session: Session, team: Team, conversation: Conversation) -> bool:
    """A team of the conversation's unit or of one above it."""
    team_unit = session.get(Unit, team.unit_id)
    return (
        team_unit is not None
        and team.archived_at is None
        and conversation.unit.path.startswith(team_unit.path)
    )


def open_load(session: Session, user_ids: Sequence[int]) -> dict[int, int]:
    """Open conversations per person."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.assignee_id.in_(list(user_ids)), Conversation.status.in_(OPEN_STATUSES))
        .group_by(Conversation.assignee_id)
    )
    return {int(uid): int(n) for uid, n in rows}


def assign_round_robin(
    session: Session, *, conversation: Conversation, team: Team, actor: Principal
) -> User | None:
    """Give the conversation to the team member on duty who waited longest, under the per-person cap."""
    require_worker(actor)
    members = list(
        session.scalars(select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.on_duty.is_(True)))
    )
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([m.user_id for m in members])))}
    load = open_load(session, list(users))
    ordered = sorted(
        members, key=lambda m: (m.last_assigned_at is not None, m.last_assigned_at or utcnow(), m.user_id)
    )
    for member in ordered:
        user = users.get(member.user_id)
        if (
            user is None
            or load.get(user.id, 0) >= team.per_person_cap
            or not _can_work(session, user, conversation)
        ):
            continue
        member.last_assigned_at = utcnow()
        assign(session, conversation=conversation, assignee=user, actor=actor, team=team)
        return user
    assign(session, conversation=conversation, assignee=None, actor=actor, team=team)
    return None


# --- teams ----------------------------------------------------------------------------------------------


def can_manage_teams(actor: Principal) -> bool:
    """Admins make teams; admins and reviewers (team leads) change members and duty."""
    return org_service.has_role(actor, Role.admin, Role.reviewer)


def create_team(
    session: Session,
    *,
    unit_id: int,
    name: str,
    actor: Principal,
    lead: User | None = None,
    per_person_cap: int = 20,
) -> Team:
    """A responders' team of a unit (an admin of the unit or above)."""
    org_service.require_role(actor, Role.admin)
    unit = org_service.access_unit(session, actor, unit_id)
    clean = org_service.clean_name(name)
    if session.scalar(select(Team.id).where(Team.unit_id == unit.id, Team.name == clean)) is not None:
        raise Invalid(_("A team with this name already exists."), field="name")
    if not 1 <= per_person_cap <= 500:
        raise Invalid(
            _("Enter a number from {low} to {high}.").format(low=1, high=500), field="per_person_cap"
        )
    team = Team(unit_id=unit.id, name=clean, lead_id=lead.id if lead else None, per_person_cap=per_person_cap)
    session.add(team)
    session.flush()
    audit_service.record(session, actor=actor, action="inbox.team_create", obj=team, unit=unit, label=clean)
    return team


def set_member(session: Session, *, team: Team, user: User, on_duty: bool, actor: Principal) -> TeamMember:
    """Add a person to a team or change whether they are on duty (round-robin skips those off duty)."""
    org_service.require_role(actor, Role.admin, Role.reviewer)
    unit = org_service.access_unit(session, actor, team.unit_id)
    if not org_service.can_access(user, unit) and not unit.path.startswith(user.unit.path):
        raise Invalid(_("This person is not in the team's unit."), field="user_id")
    member = session.get(TeamMember, (team.id, user.id))
    if member is None:
        member = TeamMember(team_id=team.id, user_id=user.id, on_duty=on_duty)
        session.add(member)
    member.on_duty = on_duty
    audit_service.record(
        session, actor=actor, action="inbox.team_member", obj=team, unit=unit, label=team.name,
        after={"user_id": user.id, "on_duty": on_duty},
    )  # fmt: skip
    return member


def list_teams(session: Session, actor: Principal) -> list[Team]:
    """Teams of the actor's unit and below."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.unit_id.in_(org_service.visible_unit_ids(session, actor)), Team.archived_at.is_(None))
            .order_by(Team.name)
        )
    )


def access_team(session: Session, actor: Principal, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.unit_id not in org_service.visible_unit_ids(session, actor):
        raise NotFound(_("Team not found."))
    return team


# --- replying marker, notes -----------------------------------------------------------------------------


def mark_replying(session: Session, *, conversation: Conversation, actor: Principal) -> None:
    """Say that the actor is writing a reply now (shown to others for a short while)."""
    require_worker(actor)
    conversation.replying_user_id = actor.id
    conversation.replying_until = utcnow() + REPLYING_FOR


def replying_now(session: Session, conversation: Conversation, viewer: Principal) -> str | None:
    """The name of someone else writing a reply in this conversation right now, if any."""
    if conversation.replying_user_id in (None, viewer.id) or not conversation.replying_until:
        return None
    if conversation.replying_until < utcnow():
        return None
    user = session.get(User, conversation.replying_user_id)
    return user.name if user is not None else None


def _mentioned(session: Session, conversation: Conversation, text: str) -> list[User]:
    handles = {h.lower() for h in MENTION_RE.findall(text)}
    if not handles:
        return []
    units = org_service.subtree_ids(session, conversation.unit)
    ancestors = [int(p) for p in conversation.unit.path.strip("/").split("/") if p.isdigit()]
    people = session.scalars(
        select(User).where(User.unit_id.in_(set(units) | set(ancestors)), User.is_active.is_(True))
    )
    found = []
    for user in people:
        local = user.email.split("@")[0].lower()
        if user.email.lower() in handles or local in handles:
            if org_service.can_access(user, conversation.unit):
                found.append(user)
    return found


def add_note(session: Session, *, conversation: Conversation, text: str, actor: Principal) -> Note:
    """An internal note; colleagues named with @ (their e-mail or its part before @) are told."""
    require_worker(actor)
    clean = (text or "").strip()
    if not clean:
        raise Invalid(_("The note must not be empty."), field="text")
    if len(clean) > NOTE_MAX:
        raise Invalid(_("The note is too long."), field="text")
    told = [u for u in _mentioned(session, conversation, clean) if u.id != actor.id]
    note = Note(
        conversation_id=conversation.id,
        author_id=actor.id,
        text=clean,
        mentioned_user_ids=[u.id for u in told],
    )
    session.add(note)
    session.flush()
    _event(session, conversation, "note", actor=actor, note_id=note.id)
    _audit(session, conversation, "note", actor, note_id=note.id)
    if told:
        notify_service.notify(
            session, users=told, kind="inbox.mention", key=f"inbox.note:{note.id}",
            subject=_("{name} mentioned you in conversation {ticket}").format(
                name=getattr(actor, "name", actor.email), ticket=conversation.ticket
            ),
            text=clean[:500], link=f"/inbox/{conversation.id}", unit=conversation.unit,
        )  # fmt: skip
    return note


# --- bulk -----------------------------------------------------------------------------------------------

BULK_ACTIONS = ("status", "assign", "priority", "type")


def bulk_apply(
    session: Session, *, conversations: Sequence[Conversation], action: str, value: Any, actor: Principal
) -> int:
    """Apply one action to many conversations (each checked and audited as if done one by one)."""
    if action not in BULK_ACTIONS:
        raise Invalid(_("Unknown action."), field="action")
    if len(conversations) > 500:
        raise Invalid(_("Choose at most 500 conversations at once."), field="ids")
    for conversation in conversations:
        if action == "status":
            set_status(session, conversation=conversation, status=str(value), actor=actor)
        elif action == "priority":
            set_priority(session, conversation=conversation, priority=str(value), actor=actor)
        elif action == "type":
            set_type(session, conversation=conversation, message_type=str(value), actor=actor)
        else:
            assignee = value if isinstance(value, User) or value is None else None
            assign(session, conversation=conversation, assignee=assignee, actor=actor)
    return len(conversations)


# --- the thread as shown --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    kind: str  # item | staff_item | reply | note
    at: datetime
    mention: Mention | None = None
    item: ConversationItem | None = None
    reply: Reply | None = None
    note: Note | None = None


def thread_of(session: Session, *, conversation: Conversation) -> list[Entry]:
    """The conversation in time order: items from the public and the unit, staff replies, internal notes."""
    entries: list[Entry] = []
    rows = session.execute(
        select(ConversationItem, Mention)
        .join(Mention, Mention.id == ConversationItem.mention_id)
        .where(ConversationItem.conversation_id == conversation.id)
    )
    for item, mention in rows:
        entries.append(
            Entry("staff_item" if item.from_staff else "item", item.at, mention=mention, item=item)
        )
    for reply in session.scalars(select(Reply).where(Reply.conversation_id == conversation.id)):
        entries.append(Entry("reply", reply.sent_at or reply.created_at, reply=reply))
    for note in session.scalars(select(Note).where(Note.conversation_id == conversation.id)):
        entries.append(Entry("note", note.created_at, note=note))
    entries.sort(key=lambda e: (e.at, e.kind))
    return entries


def root_post(session: Session, *, conversation: Conversation) -> Mention | None:
    """The original post the thread hangs under (the unit's post for comment threads), if stored."""
    if conversation.root_mention_id is None:
        return None
    return session.get(Mention, conversation.root_mention_id)


def author_history(session: Session, *, conversation: Conversation, limit: int = 10) -> list[Conversation]:
    """This person's earlier conversations with the unit."""
    if not conversation.author_key or conversation.author_key.endswith(":"):
        return []
    return list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.unit_id == conversation.unit_id,
                Conversation.author_key == conversation.author_key,
                Conversation.id != conversation.id,
            )
            .order_by(Conversation.opened_at.desc())
            .limit(limit)
        )
    )


def team_members(session: Session, *, team: Team) -> list[tuple[TeamMember, User]]:
    """A team's members with their user rows, by name."""
    rows = session.execute(
        select(TeamMember, User)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team.id)
    )
    return sorted(((m, u) for m, u in rows), key=lambda pair: pair[1].name.lower())


def team_candidates(session: Session, *, team: Team) -> list[User]:
    """People who may join a team: active responders, reviewers and admins of the team's unit and below."""
    unit = session.get(Unit, team.unit_id)
    if unit is None:
        return []
    members = {m.user_id for m in session.scalars(select(TeamMember).where(TeamMember.team_id == team.id))}
    people = session.scalars(
        select(User).where(User.unit_id.in_(org_service.subtree_ids(session, unit)), User.is_active.is_(True))
    )
    return sorted(
        (u for u in people if u.id not in members and u.roles & set(WORKERS)), key=lambda u: u.name.lower()
    )


def remove_member(session: Session, *, team: Team, user: User, actor: Principal) -> None:
    """Take a person out of a team (their conversations stay assigned to them)."""
    org_service.require_role(actor, Role.admin, Role.reviewer)
    unit = org_service.access_unit(session, actor, team.unit_id)
    member = session.get(TeamMember, (team.id, user.id))
    if member is None:
        raise NotFound(_("This person is not in the team."))
    session.delete(member)
    audit_service.record(
        session, actor=actor, action="inbox.team_member_remove", obj=team, unit=unit, label=team.name,
        after={"user_id": user.id},
    )  # fmt: skip
