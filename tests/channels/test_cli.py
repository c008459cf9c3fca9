"""`humas channels list|poll|send` on a real database."""

from __future__ import annotations

import respx
from typer.testing import CliRunner

from humas.cli.main import app
from humas.core.db import session_scope
from tests.channels.conftest import BOT, BOT_TOKEN, load
from tests.channels.factories import make_channel
from tests.factories import make_unit


@respx.mock
def test_list_and_poll(app_db):
    with session_scope(app_db) as session:
        channel_id = make_channel(session, unit=make_unit(session, name="Biro Humas"), name="Bot Kota").id
    respx.get(f"{BOT}/getUpdates").respond(200, json=load("telegram", "get_updates_page1.json"))
    runner = CliRunner()

    polled = runner.invoke(app, ["channels", "poll"])
    assert polled.exit_code == 0, polled.output
    assert f"channel {channel_id}: ok: 2 new, 0 known" in polled.output

    listed = runner.invoke(app, ["channels", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "Bot Kota" in listed.output and "ok" in listed.output
    assert BOT_TOKEN not in listed.output + polled.output

    sent = runner.invoke(app, ["channels", "send"])
    assert sent.exit_code == 0 and sent.output == ""
