"""Credentials at rest: JSON encrypted with Fernet under HUMAS_FERNET_KEY.

NOTE: nothing here logs, and the decrypted dict must never reach a template, an API answer, a log line or
the audit log; only the set of field names (never the values) is recorded.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from humas.core.errors import HumasError
from humas.core.i18n import _
from humas.core.settings import get_settings


class SecretsUnavailable(HumasError):
    status_code = 503
    code = "secrets_unavailable"


def _fernet() -> Fernet:
    key = get_settings().fernet_key
    if not key:
        raise SecretsUnavailable(
            _("HUMAS_FERNET_KEY is not set, so credentials cannot be stored. Run `humas init` or set it.")
        )
    try:
        return Fernet(key.encode())
    except ValueError:
        raise SecretsUnavailable(
            _("HUMAS_FERNET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes).")
        ) from None


def encrypt(values: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise SecretsUnavailable(
            _("The stored credentials cannot be decrypted with the current HUMAS_FERNET_KEY; re-enter them.")
        ) from None
    return data if isinstance(data, dict) else {}
