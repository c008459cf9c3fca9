"""Canned replies: safe variables, shared down the tree and never across to a sibling, audited changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.inbox.service import replies, templates
from humas.inbox.service.templates import TemplateInput
from humas.org.models import AuditLog
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation


def _add(session, unit, actor, text, *, name="Salam", shared=True, kind=None):
    data = TemplateInput(name=name, text=text, shared_down=shared, message_type=kind)
    return templates.create_template(session, unit=unit, data=data, actor=actor)


def test_variables_are_filled_and_anything_else_is_left_as_written(session):
    unit = make_unit(session, name="Dinas Kependudukan")
    admin = make_user(session, unit=unit)
    conversation = make_channel_conversation(
        session, unit=unit, channel=make_channel(session, unit=unit, platform="x")
    )
    template = _add(
        session,
        unit,
        admin,
        "Yth. {nama}, tiket {nomor_tiket} ditangani {unit}. "
        "{tidak_dikenal} {0.__class__} {nama.__class__} {{nama}}",
    )

    text = templates.render(template, conversation)

    assert text == (
        f"Yth. Budi Santoso, tiket {conversation.ticket} ditangani Dinas Kependudukan. "
        "{tidak_dikenal} {0.__class__} {nama.__class__} {Budi Santoso}"
    )
    assert templates.unknown_variables(template.text) == ["tidak_dikenal"]


def test_a_value_is_never_substituted_again(session):
    values = {"nama": "{unit}", "unit": "RAHASIA", "nomor_tiket": "U1-000001"}
    assert templates.render_text("Halo {nama} dari {unit}", values) == "Halo {unit} dari RAHASIA"


def test_an_unnamed_author_is_greeted_politely(session):
    unit = make_unit(session)
    conversation = make_channel_conversation(session, unit=unit, channel=None, platform="x")
    conversation.author_name = conversation.author_handle = None
    assert templates.values_for(conversation)["nama"] == "Bapak/Ibu"


def test_a_unit_sees_its_own_and_its_ancestors_shared_templates_never_a_siblings(session):
    root = make_unit(session)
    left, right = make_unit(session, parent=root), make_unit(session, parent=root)
    admin = make_user(session, unit=root)
    shared = _add(session, root, admin, "Terima kasih, {nama}.", name="Dibagikan")
    private = _add(session, root, admin, "Hanya pusat.", name="Pusat saja", shared=False)
    mine = _add(session, left, admin, "Kiri.", name="Kiri")
    theirs = _add(session, right, admin, "Kanan.", name="Kanan")
    conversation = make_channel_conversation(
        session, unit=left, channel=make_channel(session, unit=left, platform="x")
    )

    seen = {t.id for t in templates.visible_to_unit(session, left)}

    assert seen == {shared.id, mine.id}
    assert templates.usable_template(session, conversation, shared.id) == shared
    for hidden in (private, theirs):
        with pytest.raises(NotFound):
            templates.usable_template(session, conversation, hidden.id)
    left_admin = make_user(session, unit=left)
    with pytest.raises(NotFound):  # editing: only the actor's subtree
        templates.access_template(session, left_admin, theirs.id)
    with pytest.raises(NotFound):
        templates.access_template(session, left_admin, shared.id)
    assert {t.id for t, _u in templates.list_inherited(session, left_admin)} == {shared.id}
    assert {t.id for t, _u in templates.list_manageable(session, left_admin)} == {mine.id}


def test_changes_are_audited_and_an_archived_template_is_gone_from_the_composer(session):
    unit = make_unit(session)
    admin = make_user(session, unit=unit)
    template = _add(session, unit, admin, "Halo {nama}.")
    templates.update_template(
        session,
        template=template,
        data=TemplateInput(name="Sapaan", text="Selamat pagi {nama}."),
        actor=admin,
    )
    templates.archive_template(session, template=template, actor=admin)

    rows = session.scalars(
        select(AuditLog).where(AuditLog.object_type == "template").order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == [
        "inbox.template.create",
        "inbox.template.update",
        "inbox.template.archive",
    ]
    assert rows[1].before["text"] == "Halo {nama}." and rows[1].after["text"] == "Selamat pagi {nama}."
    assert templates.visible_to_unit(session, unit) == []


def test_an_analyst_cannot_write_templates_and_empty_text_is_refused(session):
    unit = make_unit(session)
    with pytest.raises(PermissionDenied):
        _add(session, unit, make_user(session, unit=unit, roles=("analyst",)), "Halo")
    with pytest.raises(Invalid):
        _add(session, unit, make_user(session, unit=unit), "   ")


def test_the_rendered_text_is_checked_against_each_platforms_length(session):
    fits = {f.platform: f for f in templates.platform_fit("Terima kasih {nama}. " + "a" * 240)}
    assert fits["x"].limit == 280 and fits["x"].over > 0  # the long sample name pushes it over on X
    assert fits["facebook"].over == 0
    unit = make_unit(session)
    responder = make_user(session, unit=unit, roles=("responder",))
    conversation = make_channel_conversation(
        session, unit=unit, channel=make_channel(session, unit=unit, platform="x")
    )
    template = _add(session, unit, make_user(session, unit=unit), "Halo {nama}, " + "b" * 300)
    with pytest.raises(Invalid):  # the composer refuses a rendered template that does not fit the platform
        replies.compose_reply(
            session, conversation=conversation, actor=responder, text=templates.render(template, conversation)
        )
