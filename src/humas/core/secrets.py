"""Secrets at rest: JSON encrypted with Fernet under ``HUMAS_FERNET_KEY``.

``HUMAS_FERNET_KEY`` holds one key, or several separated by commas while a key is being rotated: the first
encrypts, every one of them decrypts (``cryptography``'s ``MultiFernet``). ``reencrypt`` turns a token made
under any listed key into one under the first, so after ``humas secrets rotate`` the old keys can be removed.

NOTE: nothing here logs, and a decrypted value must never reach a template, an API answer, a log line or
the audit log; only the set of field names (never the values) is recorded.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from humas.core.errors import HumasError
from humas.core.i18n import _
from humas.core.settings import get_settings


class SecretsUnavailable(HumasError):
    status_code = 503
    code = "secrets_unavailable"


def _keys() -> list[str]:
    raw = get_settings().fernet_key or ""
    return [k.strip() for k in raw.split(",") if k.strip()]


def _fernet() -> MultiFernet:
    keys = _keys()
    if not keys:
        raise SecretsUnavailable(
            _("HUMAS_FERNET_KEY is not set, so credentials cannot be stored. Run `humas init` or set it.")
        )
    fernets = []
    for key in keys:
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise SecretsUnavailable(
                _("HUMAS_FERNET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes).")
            ) from None
    return MultiFernet(fernets)


def available() -> None:
    """Raise ``SecretsUnavailable`` now when no usable key is configured (refuse early and clearly)."""
    _fernet()


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


def reencrypt(token: str) -> str:
    """The same secret encrypted under the first key (``InvalidToken`` as in ``decrypt``)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretsUnavailable(
            _("The stored credentials cannot be decrypted with the current HUMAS_FERNET_KEY; re-enter them.")
        ) from None
