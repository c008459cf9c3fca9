"""Canned replies (*templat jawaban*): a unit's own, and its ancestors' that are shared down the tree.

A template's text may name ``{nama}`` (the author's name), ``{nomor_tiket}`` (the conversation's ticket) and
``{unit}`` (the unit's name). Rendering is one regular-expression substitution over a fixed dict: no
``str.format`` (which would reach attributes and indexes: ``{0.__class__}``), unknown names and stray braces
stay as written, and a value is never substituted again (a citizen named ``{unit}`` stays ``{unit}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from humas.connectors.registry import REGISTRY, Capability
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import Conversation, MessageType, Template
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

MANAGERS = (Role.admin, Role.reviewer, Role.responder)
NAME_MAX = 200
TEXT_MAX = 5000
VARIABLES = ("nama", "nomor_tiket", "unit")
_VARIABLE = re.compile(r"\{([a-z_]{1,32})\}")
# What the length check assumes a variable expands to when no conversation is at hand (the admin page):
# long but plausible values, so a template that fits here fits almost every real conversation.
SAMPLE = {"nama": "Muhammad Rizky Pratama Nugroho", "nomor_tiket": "U1234-012345", "unit": "X" * 60}


def render_text(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known ``{name}`` replaced by its value; anything else left as written."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def values_for(conversation: Conversation) -> dict[str, str]:
    """The variables of one conversation (an unknown author's name becomes a polite default)."""
    name = (conversation.author_name or conversation.author_handle or "").strip()
    return {
        "nama": name or str(_("Bapak/Ibu")),
        "nomor_tiket": conversation.ticket,
        "unit": conversation.unit.name,
    }


def render(template: Template, conversation: Conversation) -> str:
    return render_text(template.text, values_for(conversation))


def unknown_variables(text: str) -> list[str]:
    """Names in braces that are not variables (shown as a warning while editing)."""
    return sorted({m.group(1) for m in _VARIABLE.finditer(text)} - set(VARIABLES))


@dataclass(frozen=True)
class PlatformFit:
    platform: str
    label: str
    count: int
    limit: int
    over: int


def platform_fit(text: str, *, values: Mapping[str, str] = SAMPLE) -> list[PlatformFit]:
    """How the rendered text fits each platform that takes replies, as each counts it."""
    rendered = render_text(text, values)
    out = []
    for spec in REGISTRY.values():
        if not spec.can(Capability.REPLY):
            continue
        limits = spec.limits
        out.append(
            PlatformFit(
                spec.name,
                spec.label,
                limits.count_text(rendered),
                limits.text_limit(),
                limits.text_over(rendered),
            )
        )
    return out


# --- which templates a unit sees --------------------------------------------------------------------------


def _line(unit: Unit) -> list[int]:
    return [int(x) for x in unit.path.strip("/").split("/") if x]


def visible_to_unit(session: Session, unit: Unit, *, message_type: str | None = None) -> list[Template]:
    """The templates a conversation of ``unit`` may use: its own, and its ancestors' shared ones."""
    ancestors = [i for i in _line(unit) if i != unit.id]
    stmt = select(Template).where(
        Template.archived_at.is_(None),
        or_(Template.unit_id == unit.id, Template.unit_id.in_(ancestors) & Template.shared_down.is_(True)),
    )
    if message_type:
        stmt = stmt.where(or_(Template.message_type.is_(None), Template.message_type == message_type))
    return list(session.scalars(stmt.order_by(Template.name, Template.id)))


def for_conversation(session: Session, conversation: Conversation) -> list[Template]:
    """Templates for the composer: the conversation's unit's, those for its type first."""
    found = visible_to_unit(session, conversation.unit)
    return sorted(found, key=lambda t: (t.message_type != conversation.message_type, t.name.lower()))


def usable_template(session: Session, conversation: Conversation, template_id: int) -> Template:
    """A template the conversation's unit may use, else NotFound (a sibling's is never found)."""
    template = session.get(Template, template_id)
    if template is None or template.archived_at is not None:
        raise NotFound(_("Template not found."))
    unit = conversation.unit
    own = template.unit_id == unit.id
    inherited = template.shared_down and template.unit_id in _line(unit)
    if not (own or inherited):
        raise NotFound(_("Template not found."))
    return template


def list_manageable(session: Session, actor: Principal) -> list[tuple[Template, Unit]]:
    """Templates of the actor's unit and below (what the actor may edit), with their units."""
    stmt = (
        select(Template, Unit)
        .join(Unit, Unit.id == Template.unit_id)
        .where(Unit.path.startswith(actor.unit.path), Template.archived_at.is_(None))
        .order_by(Unit.path, Template.name)
    )
    return [(t, u) for t, u in session.execute(stmt).tuples()]


def list_inherited(session: Session, actor: Principal) -> list[tuple[Template, Unit]]:
    """Shared templates of the actor's ancestors: used, not edited, by the actor's unit."""
    ancestors = [i for i in _line(actor.unit) if i != actor.unit.id]
    stmt = (
        select(Template, Unit)
        .join(Unit, Unit.id == Template.unit_id)
        .where(
            Template.unit_id.in_(ancestors), Template.shared_down.is_(True), Template.archived_at.is_(None)
        )
        .order_by(Unit.path, Template.name)
    )
    return [(t, u) for t, u in session.execute(stmt).tuples()]


def access_template(session: Session, actor: Principal, template_id: int) -> Template:
    """A template the actor may change: one of a unit in the actor's subtree."""
    template = session.get(Template, template_id)
    if template is None:
        raise NotFound(_("Template not found."))
    unit = session.get(Unit, template.unit_id)
    if unit is None or not org_service.can_access(actor, unit):
        raise NotFound(_("Template not found."))
    return template


# --- changes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateInput:
    name: str
    text: str
    message_type: str | None = None
    shared_down: bool = True


def _checked(data: TemplateInput) -> TemplateInput:
    name = org_service.clean_name(data.name, max_length=NAME_MAX)
    text = (data.text or "").strip()
    if not text:
        raise Invalid(_("Write the template's text."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("The text is too long."), field="text")
    kind = data.message_type or None
    if kind is not None and kind not in {t.value for t in MessageType}:
        raise Invalid(_("Unknown type."), field="message_type")
    return TemplateInput(name=name, text=text, message_type=kind, shared_down=bool(data.shared_down))


def _snapshot(template: Template) -> dict[str, object]:
    return {
        "name": template.name,
        "text": template.text,
        "message_type": template.message_type,
        "shared_down": template.shared_down,
    }


def create_template(session: Session, *, unit: Unit, data: TemplateInput, actor: Principal) -> Template:
    """Add a canned reply to a unit in the actor's subtree; audited."""
    org_service.require_role(actor, *MANAGERS)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    data = _checked(data)
    template = Template(
        unit_id=unit.id,
        name=data.name,
        text=data.text,
        message_type=data.message_type,
        shared_down=data.shared_down,
        created_by_id=actor.id,
    )
    session.add(template)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="inbox.template.create",
        obj=template,
        unit=unit,
        after=_snapshot(template),
    )
    return template


def update_template(
    session: Session, *, template: Template, data: TemplateInput, actor: Principal
) -> Template:
    """Change a canned reply's name, text, type or sharing; audited with before and after."""
    org_service.require_role(actor, *MANAGERS)
    data = _checked(data)
    before = _snapshot(template)
    template.name, template.text = data.name, data.text
    template.message_type, template.shared_down = data.message_type, data.shared_down
    template.updated_at = utcnow()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="inbox.template.update",
        obj=template,
        unit=session.get(Unit, template.unit_id),
        before=before,
        after=_snapshot(template),
    )
    return template


def archive_template(session: Session, *, template: Template, actor: Principal) -> Template:
    """Take a canned reply out of use (replies that used it keep their text); audited."""
    org_service.require_role(actor, *MANAGERS)
    if template.archived_at is None:
        template.archived_at = utcnow()
        audit_service.record(
            session,
            actor=actor,
            action="inbox.template.archive",
            obj=template,
            unit=session.get(Unit, template.unit_id),
        )
    return template
