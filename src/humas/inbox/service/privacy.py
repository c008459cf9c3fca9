"""Personal data in the inbox (UU PDP No. 27/2022): phone numbers, e-mail addresses and NIK are masked in
lists, pages and exports unless the viewer may see them.

Who may see them unmasked (decision 0087): a unit **admin** (they answer for the unit's data), and the
**responder the conversation is assigned to** (they may have to call back or write to the person). Every
other viewer — leaders, reviewers, analysts, drafters, responders not assigned, API tokens of those roles —
reads the masked text. Exports of a list follow the same rule row by row.
"""

from __future__ import annotations

import re
from typing import Any

from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal

MASK = "•"

# NIK: 16 digits (province, regency, district, birth date, serial), alone, possibly grouped by spaces/dots.
_NIK = re.compile(r"(?<![\w+])\d(?:[ .-]?\d){15}(?![\w-])")
# An e-mail address (ASCII local part; any domain with a dot).
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})"
)
# A phone number: Indonesian (0…, 62 8…, +62…) or any international +CC / 00CC, 9 to 15 digits, with
# separators (space, dot, dash, brackets) between groups. A date or an amount does not start like one.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)[1-9]|0[1-9]|62[\s.-]?8|\(0\d)(?:[\s.()-]{0,2}\d){7,14}(?![\w-])")


def _mask_nik(match: re.Match[str]) -> str:
    digits = [c for c in match.group(0) if c.isdigit()]
    return MASK * 12 + "".join(digits[-4:])


def _mask_email(match: re.Match[str]) -> str:
    local, domain = match.group(1), match.group(2)
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[0]}{MASK * 3}@{MASK * 3}.{tld}"


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [c for c in text if c.isdigit()]
    if len(digits) < 8:
        return text
    trailing = "".join(digits[-3:])
    lead = "+" if text.startswith("+") else ""
    return f"{lead}{''.join(digits[:2])}{MASK * (len(digits) - 5)}{trailing}"


def mask_personal(text: str | None) -> str:
    """The text with NIK, e-mail addresses and phone numbers masked (the last digits kept apart)."""
    if not text:
        return text or ""
    text = _NIK.sub(_mask_nik, text)
    text = _EMAIL.sub(_mask_email, text)
    return _PHONE.sub(_mask_phone, text)


def may_see_personal(actor: Principal, conversation: Any | None = None) -> bool:
    """Admins see personal data everywhere; a responder in the conversations assigned to them."""
    if org_service.has_role(actor, Role.admin):
        return True
    if conversation is None:
        return False
    return (
        org_service.has_role(actor, Role.responder)
        and getattr(conversation, "assignee_id", None) is not None
        and conversation.assignee_id == actor.id
    )


def shown(actor: Principal, conversation: Any | None, text: str | None) -> str:
    """`text` as this viewer may read it in this conversation."""
    return (text or "") if may_see_personal(actor, conversation) else mask_personal(text)
