"""Top authors by reach: the widest-reaching accounts come first, however rarely they spoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from humas.listening.models import FacetRollup
from humas.listening.service import dashboard, facets
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
    # The facet job keeps each day's widest-reaching accounts beside the rollup (decision 0083).
    facets.keep_top_authors(session, {(r.unit_id, r.query_id, r.day, r.key): r.reach for r in rows})
    session.flush()
    scope = resolve_scope(session, user, since=DAY0, until=DAY0 + timedelta(days=30))
    top = dashboard.authors(session, scope)
    assert [a["author"] for a in top[:2]] == ["media_besar", "portal"]
    assert top[0] == {"author": "media_besar", "platform": "x", "mentions": 1, "reach": 900_000}
    assert top[1]["mentions"] == 2 * 15 * 28
    reach = [a["reach"] for a in top]
    assert len(top) == dashboard.TOP and reach == sorted(reach, reverse=True)
    assert top[2]["author"] == "akun249" and top[2]["mentions"] == 5


def test_top_authors_from_the_daily_tops_equal_a_full_recount(session):
    """Authors fed through the facet job in batches rank exactly as a recount of every author row would."""
    import random
    from types import SimpleNamespace

    from sqlalchemy import func, select

    rng = random.Random(5)
    root = make_unit(session, name="Kementerian")
    units = [root, *(make_unit(session, parent=root, name=f"Kantor {i}") for i in range(4))]
    user = make_user(session, unit=root)
    start = DAY0 + timedelta(hours=2)
    for batch in range(6):  # six facet-job batches: tops merged batch by batch
        rows = [
            SimpleNamespace(
                id=-1,
                unit_id=rng.choice(units).id,
                created_at=start + timedelta(hours=rng.randrange(24 * 12)),
                keyphrases=[],
                emotion=None,
                text="",
                platform="x",
                sentiment="neutral",
                author_handle=f"akun{rng.randrange(120)}",
                author_name=None,
                author_followers=rng.choice([500, 800, 1_000, 5_000]) + rng.randrange(200) * batch,
            )
            for _ in range(400)
        ]
        facets.add_rows(session, rows, {})
    session.flush()
    scope = resolve_scope(session, user, since=DAY0 + timedelta(days=2), until=DAY0 + timedelta(days=9))
    f = FacetRollup
    full = session.execute(
        select(f.key, func.sum(f.count), func.max(f.reach))
        .where(f.facet == "author", f.query_id == 0, f.day >= dashboard._facet_since(scope))
        .where(f.day < scope.until, f.unit_id.in_([u.id for u in units]))
        .group_by(f.key)
    ).all()
    ranked = sorted(full, key=lambda r: (-r[2], r[0]))[: dashboard.TOP]
    expected = sorted(
        [
            {"author": k.partition(":")[2], "platform": "x", "mentions": int(n), "reach": int(r)}
            for k, n, r in ranked
        ],
        key=lambda r: (-r["reach"], -r["mentions"]),
    )
    assert len(expected) == dashboard.TOP
    assert dashboard.authors(session, scope) == expected
