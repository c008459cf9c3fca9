"""The finding a guardrail rule returns, and the plain-Indonesian explanation of each rule.

``why`` and ``what_to_do`` are lazy gettext strings (msgids in English, Indonesian in the catalog),
rendered in the locale current when they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from humas.core.i18n import _


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted here, translated when shown
    return message


Severity = Literal["blokir", "peringatan"]
BLOCK: Severity = "blokir"
WARN: Severity = "peringatan"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    start: int
    end: int
    text: str
    why: Any
    what_to_do: Any

    @property
    def message(self) -> str:
        return f"{self.why} {self.what_to_do}"


# rule -> (why, what to do); one place so every rule explains itself the same way everywhere.
_EXPLAIN: dict[str, tuple[str, str]] = {
    "nik": (
        N_(
            "This looks like a citizen's NIK (valid region code and birth date); publishing it exposes"
            " personal data."
        ),
        N_("Remove the number or mask it (e.g. 3273xxxxxxxx0001)."),
    ),
    "kk": (
        N_("This looks like a family card (KK) number; it is personal data."),
        N_("Remove the number or mask it."),
    ),
    "npwp": (
        N_("This looks like a taxpayer number (NPWP); it is personal data protected by tax secrecy."),
        N_("Remove the number or mask it."),
    ),
    "phone": (
        N_("This looks like a personal mobile number."),
        N_("Use the unit's official contact or hotline instead, unless this is the unit's official number."),
    ),
    "email": (
        N_("This looks like a personal e-mail address (not a government domain)."),
        N_("Use the unit's official address instead."),
    ),
    "bank_account": (
        N_("This looks like a bank account number next to a bank name."),
        N_("Remove the account number; an official account for payments must come from the official page."),
    ),
    "address": (
        N_("This looks like a person's full home address (street with RT/RW and village/district)."),
        N_("Remove the address or keep only the district or city."),
    ),
    "classification": (
        N_("This text carries a security classification marking; classified material must not be published."),
        N_("Do not publish; ask the document's owner for a releasable version."),
    ),
    "memo_number": (
        N_("This looks like an internal memo or invitation number (nota dinas, undangan)."),
        N_("Remove the internal reference; cite the public document instead."),
    ),
    "letter_number": (
        N_("This looks like an official letter number; check that the letter is public."),
        N_("Keep it only if the letter itself has been published."),
    ),
    "internal_phrase": (
        N_("This wording marks a draft or internal-only material."),
        N_("Check that the text is final and meant for the public, then remove the wording."),
    ),
    "abuse": (
        N_("This word is abusive or offensive."),
        N_("Rephrase politely; official channels must not use abusive language."),
    ),
    "sara": (
        N_("This term touches on ethnicity, religion, race or group (SARA) in a demeaning way."),
        N_("Rephrase neutrally or remove it."),
    ),
    "election": (
        N_(
            "This text supports a candidate, party or number during the election period; civil servants must"
            " stay neutral."
        ),
        N_("Remove the support; report election news neutrally and cite the election commission."),
    ),
    "shortener": (
        N_("This link uses a shortener that hides where it leads."),
        N_("Use the full address of the official page."),
    ),
    "hoax_link": (
        N_("This link points to a page the hoax desk has labelled as a hoax."),
        N_("Remove the link."),
    ),
    "dead_link": (
        N_("This link did not answer when it was checked."),
        N_("Check the address and the page."),
    ),
    "platform_length": (
        N_("The text is longer than the platform allows."),
        N_("Shorten the text."),
    ),
    "platform_hashtags": (
        N_("The text has more hashtags than the platform allows."),
        N_("Remove some hashtags."),
    ),
    "exif_gps": (
        N_("This image carries the GPS location where it was taken (EXIF)."),
        N_(
            "The copy sent to the platforms is stripped of it; remove it from the original too if the file is"
            " shared elsewhere."
        ),
    ),
}

RULES: tuple[str, ...] = tuple(_EXPLAIN)


def finding(rule: str, severity: Severity, text: str, start: int, end: int) -> Finding:
    why, todo = _EXPLAIN[rule]
    return Finding(rule, severity, start, end, text[start:end], _(why), _(todo))
