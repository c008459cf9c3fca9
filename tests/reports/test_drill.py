"""The rows behind a figure: only the report's units, access-checked, paged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from humas.core.errors import Invalid, NotFound
from humas.reports.service import build_report, drill_rows
from tests.reports.world import NOVEMBER, World, build_world

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(session, fernet_key) -> World:
    return build_world(session)


def _rows(session, world: World, figure: str, *, unit=None, descendants=True, actor=None, **kw):
    return drill_rows(
        session, actor=actor or world.leader_a, unit=unit or world.kanwil_a, period=NOVEMBER,
        include_descendants=descendants, figure=figure, now=NOW, **kw,
    )  # fmt: skip


def _ids(rows) -> set[int]:
    return {o.id for o in rows.page.items}


def test_conversations_behind_each_inbox_figure(session, world):
    c = world.conversations
    received = _rows(session, world, "inbox.received", per_page=50)
    assert received.target == "conversations" and received.label == "Percakapan masuk"
    assert _ids(received) == {c[k].id for k in ("a_answered", "a_open", "a1_one", "a1_three", "a2_open")}
    assert received.page.total == 5 and not received.capped
    assert _ids(_rows(session, world, "inbox.response_rate")) == {c["a_open"].id, c["a2_open"].id}
    assert _ids(_rows(session, world, "inbox.first_response_p50")) == {
        c[k].id for k in ("a_answered", "a1_one", "a1_three")
    }
    # one child alone: its own two
    assert _ids(_rows(session, world, "inbox.received", unit=world.a1)) == {c["a1_one"].id, c["a1_three"].id}
    # the unit alone, without its descendants
    alone = _rows(session, world, "inbox.received", descendants=False)
    assert _ids(alone) == {c["a_answered"].id, c["a_open"].id}


def test_mentions_and_posts_never_a_siblings(session, world):
    m = world.mentions
    mentions = _rows(session, world, "listening.mentions", per_page=50)
    assert _ids(mentions) == {x.id for k in ("a_pos", "a_neg", "a1_neg") for x in m[k]}
    negative = _rows(session, world, "listening.negative", per_page=50)
    assert _ids(negative) == {x.id for k in ("a_neg", "a1_neg") for x in m[k]}
    assert all(x.unit_id != world.kanwil_b.id for x in negative.page.items)
    posts = _rows(session, world, "publishing.posts")
    assert _ids(posts) == {world.variants["a1_first"].id, world.variants["a1_second"].id}
    one = _rows(session, world, "publishing.reach", filters={"post": str(world.variants["a1_first"].post_id)})
    assert _ids(one) == {world.variants["a1_first"].id}
    # the sibling's own report leads to its own rows only
    sibling = _rows(
        session, world, "listening.negative", unit=world.kanwil_b, actor=world.leader_b, per_page=50
    )
    assert _ids(sibling) == {x.id for x in m["b_neg"]}


def test_access_and_bad_figures(session, world):
    with pytest.raises(NotFound):  # Kanwil B's leader does not see Kanwil A
        _rows(session, world, "inbox.received", actor=world.leader_b)
    with pytest.raises(NotFound):  # nor Kanwil A's leader the sibling
        _rows(session, world, "inbox.received", unit=world.kanwil_b)
    with pytest.raises(NotFound):  # nor the root above
        _rows(session, world, "inbox.received", unit=world.root.id)
    for bad in ("inbox.resolution_p50", "nope", "'; drop table units; --"):
        with pytest.raises(Invalid):
            _rows(session, world, bad)
    with pytest.raises(Invalid):
        _rows(session, world, "publishing.posts", filters={"post": "1 or 1=1"})


def test_pages_and_every_built_drill_leads_somewhere(session, world):
    first = _rows(session, world, "inbox.received", per_page=2, page=1)
    third = _rows(session, world, "inbox.received", per_page=2, page=3)
    assert (len(first.page.items), len(third.page.items), first.page.pages) == (2, 1, 3)
    report = build_report(
        session, unit=world.kanwil_a, period=NOVEMBER, include_descendants=True, locale="id", now=NOW
    )
    for figure in report.figures().values():
        if figure.drill is not None:
            rows = _rows(session, world, figure.drill.params["figure"])
            assert rows.target == figure.drill.target
