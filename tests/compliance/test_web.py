"""The guardrails admin page (a unit's rules over what it inherits, the central election list; a weakening
of a block above refused with the field marked) and `humas guardrails check --unit` with stored rules."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from humas.cli.main import app
from humas.compliance import service as compliance_service
from humas.compliance.models import GuardrailElectionList
from humas.core.db import session_scope
from tests.factories import make_unit, make_user


def test_the_rules_page_shows_what_is_inherited_and_refuses_weakening_a_block(web, session):
    root = make_unit(session)
    child = make_unit(session, parent=root)
    admin = make_user(session, unit=root, roles=("admin",))
    compliance_service.save_rules(session, unit=root, severities={"phone": "blokir"}, words={}, actor=admin)
    web.login(admin)

    page = web.get(f"/settings/guardrails?unit_id={child.id}")
    assert page.status_code == 200
    assert 'data-testid="severity-phone"' not in page.text  # locked: a block set above
    assert 'data-testid="severity-email"' in page.text and 'data-testid="election-form"' not in page.text
    refused = web.post(f"/settings/guardrails/{child.id}", {"severity-phone": "peringatan"})
    assert refused.status_code == 422 and "phone" in refused.text
    saved = web.post(
        f"/settings/guardrails/{child.id}",
        {"severity-email": "blokir", "words-internal_phrase": "bahan rapat <b>terbatas</b>"},
    )
    assert saved.status_code == 303
    assert compliance_service.effective_rules(session, child).severities["email"] == "blokir"
    assert "&lt;b&gt;terbatas&lt;/b&gt;" in web.get(f"/settings/guardrails?unit_id={child.id}").text

    assert 'data-testid="election-form"' in web.get(f"/settings/guardrails?unit_id={root.id}").text
    election = {
        "candidates": "Budi Hartono",
        "numbers": "2",
        "active_from": "01/02/2027",
        "active_to": "2027-02-14",
    }
    assert web.post(f"/settings/guardrails/{root.id}/election", election).status_code == 303
    row = session.scalars(select(GuardrailElectionList).where(GuardrailElectionList.unit_id == root.id)).one()
    assert row.candidates == ["budi hartono"] and str(row.active_from) == "2027-02-01"
    bad = web.post(f"/settings/guardrails/{root.id}/election", {**election, "active_to": "31/13/2027"})
    assert bad.status_code == 422

    web.login(make_user(session, unit=root, roles=("drafter",)))
    assert web.get(f"/settings/guardrails?unit_id={root.id}").status_code == 403


def test_the_checker_command_uses_the_units_stored_rules(use_database):
    from humas.core import migrations
    from humas.core.db import get_engine

    migrations.upgrade(get_engine())
    with session_scope() as session:
        unit = make_unit(session)
        admin = make_user(session, unit=unit, roles=("admin",))
        compliance_service.save_rules(
            session, unit=unit, severities={"phone": "blokir"}, words={"abuse": "dasar lamban"}, actor=admin
        )
        unit_id = unit.id
    lines = json.dumps({"text": "Hubungi 0812-3456-7890, dasar lamban"}) + "\n"

    plain = CliRunner().invoke(app, ["guardrails", "check"], input=lines)
    stored = CliRunner().invoke(app, ["guardrails", "check", "--unit", str(unit_id)], input=lines)
    assert plain.exit_code == 0 and stored.exit_code == 0, stored.output
    assert [(f["rule"], f["severity"]) for f in json.loads(plain.stdout)["findings"]] == [
        ("phone", "peringatan")
    ]
    assert [(f["rule"], f["severity"]) for f in json.loads(stored.stdout)["findings"]] == [
        ("phone", "blokir"),
        ("abuse", "peringatan"),
    ]
    unknown = CliRunner().invoke(app, ["guardrails", "check", "--unit", "999999"], input=lines)
    assert unknown.exit_code != 0
