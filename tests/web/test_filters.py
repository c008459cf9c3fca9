"""The explorer offers what the models output, in Indonesian, and says which filter value it does not know."""

from __future__ import annotations

import re

from humas import nlp
from humas.ingest.service import search as search_service
from humas.web import labels
from tests.factories import make_user
from tests.web.conftest import WebClient


def test_every_offered_label_has_a_display_text() -> None:
    """A label humas.nlp starts to output (a retrained model) needs its msgid in humas.web.labels."""
    for field, values in search_service.filter_choices().items():
        if field == "platform":
            continue  # platforms show their own name
        missing = [v for v in values if v not in labels.TEXT[field]]
        assert not missing, f"add display texts to humas.web.labels.TEXT[{field!r}] for {missing}"


def test_explorer_shows_filter_values_in_indonesian(web: WebClient, session) -> None:
    web.login(make_user(session, roles=("analyst",)))
    page = web.get("/mentions").text
    emotions = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', _select(page, "emotion")))
    assert tuple(emotions) == nlp.labels("emotion")
    assert all(text != value for value, text in emotions.items()), emotions  # each one translated
    assert emotions["anger"] == "Marah"
    abuse = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', _select(page, "abuse")))
    assert abuse["HS"] == "Ujaran kebencian" and abuse["Abusive"] == "Kata kasar"
    assert "joy" not in emotions and "hate_speech" not in abuse
    kinds = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', _select(page, "kind")))
    assert kinds["comment"] == "Komentar"


def test_an_unknown_filter_value_is_named(web: WebClient, session) -> None:
    web.login(make_user(session, roles=("analyst",)))
    response = web.get("/mentions?emotion=joy")
    assert response.status_code == 200
    assert "Nilai tidak dikenal untuk emotion: joy." in response.text
    export = web.get("/mentions/export.csv?abuse=insult")
    assert export.status_code == 422 and "Nilai tidak dikenal untuk abuse: insult." in export.text


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select id="f-{name}" name="{name}".*?</select>', html, re.S)
    assert match, name
    return match.group(0)
