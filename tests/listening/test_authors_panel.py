"""Top authors by reach: the widest-reaching accounts come first, however rarely they spoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from humas.listening.models import FacetRollup
from humas.listening.service import dashboard
from humas.listening.service.scope import resolve_scope
from tests.factories import make_unit, make_user

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


def _row(unit_id: int, day: int, key: str, count: int, reach: int) -> FacetRollup:
    return FacetRollup(
        unit_id=unit_id,
        query_id=0,
        facet="author",
        day=DAY0 + timedelta(days=day),
        key=key,
        count=count,
        reach=reach,
    )


def test_a_rare_account_with_the_widest_reach_comes_first(session):
    root = make_unit(session, name="Kementerian")
    units = [make_unit(session, parent=root, name=f"Kantor {i}") for i in range(15)]
    user = make_user(session, unit=root)
    # 250 chatty accounts of middling reach, more than the old "200 most frequent" cut-off kept.
    rows = [_row(units[i % 15].id, i % 28, f"x:akun{i}", 5, 600 + i) for i in range(250)]
    # One account that spoke once but reaches the most people.
    rows.append(_row(units[0].id, 3, "x:media_besar", 1, 900_000))
    # One account seen in every unit every day (more rows than the first window reads), second widest.
    rows += [_row(u.id, d, "x:portal", 2, 500_000) for u in units for d in range(28)]
    session.add_all(rows)
    session.flush()
    scope = resolve_scope(session, user, since=DAY0, until=DAY0 + timedelta(days=30))
    top = dashboard.authors(session, scope)
    assert [a["author"] for a in top[:2]] == ["media_besar", "portal"]
    assert top[0] == {"author": "media_besar", "platform": "x", "mentions": 1, "reach": 900_000}
    assert top[1]["mentions"] == 2 * 15 * 28
    reach = [a["reach"] for a in top]
    assert len(top) == dashboard.TOP and reach == sorted(reach, reverse=True)
    assert top[2]["author"] == "akun249" and top[2]["mentions"] == 5
