"""What a person reads for a stored value (a mention's kind, an emotion or abuse label): English msgids,
translated when shown. The values themselves come from their owners (`humas.nlp.labels`, the connectors);
a value with no entry here is shown as it is stored, and tests/web/test_filters.py flags it."""

from __future__ import annotations

from typing import Any

from humas.core.i18n import _
from humas.web.flash import N_

TEXT: dict[str, dict[str, str]] = {
    "kind": {
        "post": N_("Post"),
        "comment": N_("Comment"),
        "reply": N_("Reply"),
        "message": N_("Message"),
        "article": N_("Article"),
        "mention": N_("Mention"),
    },
    "sentiment": {"positive": N_("Positive"), "neutral": N_("Neutral"), "negative": N_("Negative")},
    "emotion": {
        "anger": N_("Anger"),
        "fear": N_("Fear"),
        "happy": N_("Happy"),
        "love": N_("Love"),
        "sadness": N_("Sadness"),
    },
    "abuse": {
        "any": N_("Any abuse"),
        "HS": N_("Hate speech"),
        "Abusive": N_("Abusive language"),
        "HS_Individual": N_("Hate speech: at an individual"),
        "HS_Group": N_("Hate speech: at a group"),
        "HS_Religion": N_("Hate speech: religion"),
        "HS_Race": N_("Hate speech: race or ethnicity"),
        "HS_Physical": N_("Hate speech: physical traits"),
        "HS_Gender": N_("Hate speech: gender"),
        "HS_Other": N_("Hate speech: other"),
        "HS_Weak": N_("Hate speech: weak"),
        "HS_Moderate": N_("Hate speech: moderate"),
        "HS_Strong": N_("Hate speech: strong"),
    },
    "platform": {"news": N_("News"), "import": N_("Import")},
    "hoax": {"hoax": N_("Hoax"), "valid": N_("Not a hoax")},
    "topic": {
        "entertainment": N_("Entertainment"),
        "geography": N_("Geography"),
        "health": N_("Health"),
        "politics": N_("Politics"),
        "science/technology": N_("Science and technology"),
        "sports": N_("Sports"),
        "travel": N_("Travel"),
    },
}


def label_text(field: str, value: str) -> Any:
    """The value as a person reads it, rendered lazily in the locale of the page (or the stored value)."""
    msgid = TEXT.get(field, {}).get(value)
    return _(msgid) if msgid else value


def choices(field: str, values: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(value, text) pairs for a filter's options."""
    return [(value, label_text(field, value)) for value in values]
