"""`humas bench reports` at a tiny size: the data it seeds (every mention and post in the reported month,
the conversations, two follower readings per channel) and a whole run through the command with --json."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from humas.bench import reports as bench
from humas.channels.models import Channel, ChannelFollowers
from humas.cli.main import app
from humas.core.db import session_scope
from humas.inbox.models import Conversation
from humas.ingest.models import Mention
from humas.org.models import Unit
from humas.publishing.models import PostMetric, PostVariant


def test_the_seeded_ministry_has_the_asked_data_in_the_month(committing_engine, fernet_key):
    ids = bench.build(committing_engine, units=4, mentions=300, posts=40, conversations=25)
    start, end = bench._bounds()
    with session_scope(committing_engine) as session:
        assert ids["units"] == session.scalar(select(func.count(Unit.id))) == 5  # the ministry and 4
        assert session.scalar(select(func.count(Conversation.id))) == 25
        generated = Mention.external_id.not_like("%-%")  # the conversations' own mentions are b<i>-<k>
        in_month = (Mention.created_at >= start, Mention.created_at < end, generated)
        assert session.scalar(select(func.count(Mention.id)).where(*in_month)) == 300
        published = select(func.count(PostVariant.id)).where(
            PostVariant.state == "terbit", PostVariant.published_at >= start, PostVariant.published_at < end
        )
        assert session.scalar(published) == 40
        assert session.scalar(select(func.count(PostMetric.id))) == 40
        channels = session.scalar(select(func.count(Channel.id)).where(Channel.platform == "x"))
        assert channels == ids["channels"] == 5
        assert session.scalar(select(func.count(ChannelFollowers.id))) == 2 * channels


@pytest.mark.slow  # renders a real PDF with WeasyPrint: a few seconds even at this size
def test_a_tiny_run_times_every_step(tmp_path, fernet_key):
    pdf = tmp_path / "r.pdf"
    figures = bench.run(
        engine_name="sqlite", units=2, mentions=200, posts=20, conversations=20, pdf_out=pdf, isolate=False
    )
    json.dumps(figures)  # what --json writes
    assert figures["engine"] == "sqlite" and figures["mentions"] == 200 and figures["units"] == 2
    for step in ("build_s", "pdf_render_s", "xlsx_render_s", "pdf_s", "xlsx_s", "peak_rss_mb"):
        assert figures[step] > 0
    assert figures["pdf_s"] == round(figures["build_s"] + figures["pdf_render_s"], 2)
    assert 0 < figures["pdf_cpu_s"] == round(figures["build_cpu_s"] + figures["pdf_render_cpu_s"], 2)
    assert 0 < figures["xlsx_cpu_s"] == round(figures["build_cpu_s"] + figures["xlsx_render_cpu_s"], 2)
    assert set(figures["met"]) == {"pdf_s", "xlsx_s", "peak_rss_mb"}
    assert pdf.read_bytes().startswith(b"%PDF") and figures["xlsx_bytes"] > 1000


def test_a_bad_engine_is_refused():
    result = CliRunner().invoke(app, ["bench", "reports", "--engine", "oracle"])
    assert result.exit_code == 2
