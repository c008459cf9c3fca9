"""argon2 password hashing and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from humas.core.errors import Invalid
from humas.core.i18n import _

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()
# A real hash to verify against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("humas-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(_("The password must have at least %(n)s characters.", n=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(_("The password is too long."), field="password")
