"""Each explorer filter returns exactly the mentions carrying its value; every offered value is one a mention
can have (labels from humas.nlp, platforms from the connector registry), and any other value is refused."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.ingest.models import Mention
from humas.ingest.service import pipeline
from humas.ingest.service import search as search_service
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item

FIELDS = ("platform", "kind", "sentiment", "emotion")


def _mentions(session: Session, unit, choices: dict[str, tuple[str, ...]]) -> list[Mention]:
    """One mention per value of every filter (the other fields as the pipeline set them)."""
    wanted: list[tuple[str, str]] = [(f, v) for f in FIELDS for v in choices[f]]
    wanted += [("abuse", v) for v in choices["abuse"] if v != search_service.ANY_ABUSE]
    ids = pipeline.ingest_items(
        session, [item(f"sebutan {f} {v}") for f, v in wanted], unit=unit, analyzer=fake_analyze
    ).added_ids
    mentions = [session.get(Mention, i) for i in ids]
    for mention, (field, value) in zip(mentions, wanted, strict=True):
        assert mention is not None
        if field == "abuse":
            mention.abuse = [value, "HS"] if value.startswith("HS_") else [value]
        else:
            setattr(mention, field, value)
    session.flush()
    return [m for m in mentions if m is not None]


def _found(session: Session, user, **filters: str) -> set[int]:
    page = search_service.search_mentions(
        session, actor=user, filters=search_service.MentionFilters(per_page=200, **filters)
    )
    assert not page.has_next
    return {m.id for m in page.items}


def test_each_filter_returns_exactly_its_mentions(session: Session) -> None:
    unit = make_unit(session, name="Kanwil Filter")
    user = make_user(session, unit=unit, roles=("analyst",))
    choices = search_service.filter_choices()
    mentions = _mentions(session, unit, choices)
    checked = 0
    for field in FIELDS:
        for value in choices[field]:
            expected = {m.id for m in mentions if getattr(m, field) == value}
            assert expected, f"no mention made for {field}={value}"
            assert _found(session, user, **{field: value}) == expected, f"{field}={value}"
            checked += 1
    for value in choices["abuse"]:
        if value == search_service.ANY_ABUSE:
            expected = {m.id for m in mentions if m.abuse}
        else:
            expected = {m.id for m in mentions if value in (m.abuse or [])}
        assert expected, f"no mention made for abuse={value}"
        assert _found(session, user, abuse=value) == expected, f"abuse={value}"
        checked += 1
    assert checked >= 30


def test_filter_values_come_from_the_models_and_the_registry() -> None:
    from humas import nlp
    from humas.connectors.registry import REGISTRY

    choices = search_service.filter_choices()
    assert choices["emotion"] == nlp.labels("emotion")
    assert choices["sentiment"] == nlp.labels("sentiment")
    assert choices["abuse"][1:] == nlp.labels("abuse")
    assert set(REGISTRY) <= set(choices["platform"])
    # The labels the old lists offered, which no model outputs, are gone.
    assert not {"joy", "surprise"} & set(choices["emotion"])
    assert not {"hate_speech", "insult"} & set(choices["abuse"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("emotion", "joy"),
        ("abuse", "hate_speech"),
        ("platform", "myspace"),
        ("kind", "tweet"),
        ("sentiment", "+"),
    ],
)
def test_an_unknown_filter_value_is_refused_naming_the_field(
    session: Session, field: str, value: str
) -> None:
    user = make_user(session, roles=("analyst",))
    with pytest.raises(Invalid) as refused:
        search_service.search_mentions(
            session, actor=user, filters=search_service.MentionFilters(**{field: value})
        )
    assert refused.value.field == field
