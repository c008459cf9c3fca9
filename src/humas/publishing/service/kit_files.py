"""Signed kit files: a kit travels to another humas installation as one JSON file (its texts, windows and
media as base64) signed with this installation's Ed25519 key. The importing installation accepts a file
only from an issuer whose public key one of its admins entered (``trust_issuer``, shown with its
fingerprint); a file that fails any check is refused with a clear error and nothing is stored.

The installation's key pair is made on first use; its private half is kept encrypted under
``HUMAS_FERNET_KEY`` (``humas.core.secrets``), like channel credentials (docs/decisions/0098-content-kits.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core import secrets
from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal
from humas.publishing.kits import ContentKit, KitSigningKey, KitTrustedIssuer
from humas.publishing.models import MediaFile
from humas.publishing.service import kits as kits_service
from humas.publishing.service import media as media_service

FORMAT = "humas-kit/1"
FILE_MAX = 200 * 1024 * 1024
KIT_FIELDS = ("uid", "title", "key_messages", "master_text", "variants", "hashtags", "links", "instructions",
              "mandatory")  # fmt: skip
TRUST_ADMINS = (Role.admin,)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 of the raw public key, hex; shown in groups of four so people can compare it aloud."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()


def show_fingerprint(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- the installation's key -----------------------------------------------------------------------------


def signing_key(session: Session) -> KitSigningKey:
    """The installation's current signing key, made (and its private half encrypted) on first use."""
    stmt = select(KitSigningKey).where(KitSigningKey.retired_at.is_(None))
    row = session.scalar(stmt.order_by(KitSigningKey.id.desc()).limit(1))
    if row is not None:
        return row
    return _new_key(session)


def _new_key(session: Session) -> KitSigningKey:
    secrets.available()
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    row = KitSigningKey(public_key=_b64(public), private_encrypted=secrets.encrypt({"ed25519": _b64(raw)}))
    session.add(row)
    session.flush()
    return row


def _private(row: KitSigningKey) -> Ed25519PrivateKey:
    raw = base64.b64decode(secrets.decrypt(row.private_encrypted)["ed25519"])
    return Ed25519PrivateKey.from_private_bytes(raw)


def retired_keys(session: Session) -> list[KitSigningKey]:
    """The installation's earlier public keys, newest first (files signed with them stay verifiable)."""
    stmt = select(KitSigningKey).where(KitSigningKey.retired_at.is_not(None))
    return list(session.scalars(stmt.order_by(KitSigningKey.id.desc())))


def can_rotate(actor: Principal) -> bool:
    """The installation's key is the whole installation's: an admin of a top unit replaces it."""
    return org_service.has_role(actor, Role.admin) and actor.unit.parent_id is None


def rotate_signing_key(session: Session, *, actor: Principal, now: datetime | None = None) -> KitSigningKey:
    """Replace the installation's signing key (suspected leak, a person with access left, a yearly
    change): a new pair signs every file from now; the old key is retired and its private half erased, so
    it signs nothing more. Files already sent keep verifying against the key they carry wherever that key
    is still trusted; importing installations add the new public key (compared by its fingerprint) and
    remove the old one when they no longer want its files. Audited with both fingerprints."""
    if not can_rotate(actor):
        raise PermissionDenied(_("Only an admin of a top unit replaces this installation's key."))
    old = signing_key(session)
    old.retired_at, old.private_encrypted = now or utcnow(), ""
    session.flush()
    new = _new_key(session)
    audit_service.record(
        session, actor=actor, action="kit.rotate_key", obj=new, unit=actor.unit,
        before={"fingerprint": fingerprint(old.public_key)},
        after={"fingerprint": fingerprint(new.public_key)},
    )  # fmt: skip
    return new


# --- export ---------------------------------------------------------------------------------------------


def export_kit(session: Session, *, kit: ContentKit, actor: Principal) -> bytes:
    """The kit as one signed JSON file (texts, window, media bytes), for another installation."""
    org_service.require_role(actor, *kits_service.ISSUERS)
    if not kits_service.can_track(actor, kit):
        raise NotFound(_("Content kit not found."))
    key = signing_key(session)
    body: dict[str, Any] = {
        "format": FORMAT,
        "kit": {
            **{name: getattr(kit, name) for name in KIT_FIELDS},
            "starts_at": kit.starts_at.isoformat(),
            "ends_at": kit.ends_at.isoformat(),
            # A newer version of the same uid is a correction on the importing side; a withdrawal travels.
            "version": kit.version,
            "correction_reason": _latest_reason(session, kit),
            "withdrawn": (
                {"at": kit.withdrawn_at.isoformat(), "reason": kit.withdrawn_reason or ""}
                if kit.withdrawn_at else None
            ),
        },
        "media": [_media_entry(session, ref) for ref in kit.media],
        # The installation's retired keys: a correction signed with the new key may follow a kit first
        # imported with an old one (the importer still trusts only keys its admins entered).
        "issuer": {"name": kit.issuer.name, "public_key": key.public_key,
                   "previous_keys": [k.public_key for k in retired_keys(session)]},
    }  # fmt: skip
    signature = _private(key).sign(_canonical(body))
    audit_service.record(session, actor=actor, action="kit.export", obj=kit, unit=kit.issuer, label=kit.title)
    return json.dumps({**body, "signature": _b64(signature)}, ensure_ascii=False).encode()


def _latest_reason(session: Session, kit: ContentKit) -> str:
    stored = kits_service.versions(session, kit) if kit.version > 1 else []
    return stored[-1].reason if stored else ""


def _media_entry(session: Session, ref: dict[str, Any]) -> dict[str, Any]:
    media = session.get(MediaFile, ref.get("media_id"))
    if media is None:
        raise Conflict(_("A media file of the kit no longer exists."))
    data = media_service.read_bytes(media)
    return {
        "kind": media.kind,
        "content_type": media.content_type,
        "filename": media.original_name,
        "alt_text": media.alt_text,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": _b64(data),
    }


# --- trust ----------------------------------------------------------------------------------------------


def trust_issuer(
    session: Session, *, unit: Unit, name: str, public_key: str, actor: Principal
) -> KitTrustedIssuer:
    """Accept kit files signed with this public key in the unit and below (an admin enters it)."""
    org_service.require_role(actor, *TRUST_ADMINS)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    key = "".join((public_key or "").split())
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key, validate=True))
    except (ValueError, binascii.Error):
        raise Invalid(
            _("This is not an Ed25519 public key (32 bytes, base64)."), field="public_key"
        ) from None
    print_ = fingerprint(key)
    found = session.scalar(
        select(KitTrustedIssuer).where(
            KitTrustedIssuer.unit_id == unit.id, KitTrustedIssuer.fingerprint == print_
        )
    )
    if found is not None and found.removed_at is None:
        raise Conflict(_("This issuer is already trusted here."), field="public_key")
    if found is not None:  # trusted again after a removal: the same row, audited again
        found.removed_at, found.removed_by_id = None, None
        found.name, found.created_by_id, found.created_at = org_service.clean_name(name), actor.id, utcnow()
        audit_service.record(
            session, actor=actor, action="kit.trust_issuer", obj=found, unit=unit, label=found.name,
            after={"fingerprint": print_, "again": True},
        )  # fmt: skip
        return found
    row = KitTrustedIssuer(
        unit_id=unit.id, unit=unit, name=org_service.clean_name(name), public_key=key, fingerprint=print_,
        created_by_id=actor.id,
    )  # fmt: skip
    session.add(row)
    audit_service.record(
        session, actor=actor, action="kit.trust_issuer", obj=row, unit=unit, label=row.name,
        after={"fingerprint": print_},
    )  # fmt: skip
    return row


def list_trusted(session: Session, actor: Principal) -> list[KitTrustedIssuer]:
    """Issuers trusted by the actor's units and by the units above them (their trust covers the actor),
    the removed ones too (shown as removed)."""
    ids = set(org_service.visible_unit_ids(session, actor)) | set(media_service.ancestor_ids(actor.unit))
    stmt = select(KitTrustedIssuer).where(KitTrustedIssuer.unit_id.in_(ids))
    return list(session.scalars(stmt.order_by(KitTrustedIssuer.removed_at.is_not(None), KitTrustedIssuer.id)))


def remove_trusted(
    session: Session, *, issuer_id: int, actor: Principal, now: datetime | None = None
) -> KitTrustedIssuer:
    """Stop trusting an issuer's key in its unit and below (an admin over that unit): from now on a file
    signed with it is refused, saying when the key was removed. Kits imported before stay (they were
    verified when they came). Audited."""
    org_service.require_role(actor, *TRUST_ADMINS)
    row = session.get(KitTrustedIssuer, issuer_id)
    if row is None or not org_service.can_access(actor, row.unit):
        raise NotFound(_("Trusted issuer not found."))
    if row.removed_at is not None:
        raise Conflict(_("This issuer was already removed."))
    row.removed_at, row.removed_by_id = now or utcnow(), actor.id
    audit_service.record(
        session, actor=actor, action="kit.untrust_issuer", obj=row, unit=row.unit, label=row.name,
        before={"fingerprint": row.fingerprint},
    )  # fmt: skip
    return row


def _trusted_for(
    session: Session, unit: Unit, public_key: str, *, removed: bool = False
) -> KitTrustedIssuer | None:
    stmt = select(KitTrustedIssuer).where(
        KitTrustedIssuer.unit_id.in_(media_service.ancestor_ids(unit)),
        KitTrustedIssuer.public_key == public_key,
        KitTrustedIssuer.removed_at.is_not(None) if removed else KitTrustedIssuer.removed_at.is_(None),
    )
    return session.scalars(stmt.order_by(KitTrustedIssuer.id)).first()


# --- import ---------------------------------------------------------------------------------------------


def _refuse(message: Any) -> Invalid:
    return Invalid(message, field="file")


def read_file(data: bytes) -> tuple[dict[str, Any], str]:
    """Parse and verify a kit file's signature; returns (its signed body, the signer's public key)."""
    if len(data) > FILE_MAX:
        raise _refuse(_("The file is too large."))
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _refuse(_("This is not a humas kit file (not JSON).")) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _refuse(_("This is not a humas kit file (format %(format)s expected).", format=FORMAT))
    signature, issuer = doc.pop("signature", None), doc.get("issuer")
    if not isinstance(signature, str) or not isinstance(issuer, dict):
        raise _refuse(_("The kit file is not signed."))
    try:
        key = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(str(issuer.get("public_key")), validate=True)
        )
        key.verify(base64.b64decode(signature, validate=True), _canonical(doc))
    except (ValueError, binascii.Error, InvalidSignature):
        raise _refuse(
            _(
                "The signature does not match the file: it was changed after signing, or is damaged. "
                "Nothing was imported."
            )
        ) from None
    return doc, str(issuer["public_key"])


def import_kit(session: Session, *, unit: Unit, data: bytes, actor: Principal) -> ContentKit:
    """Verify a signed kit file from a trusted issuer and keep it as a kit of ``unit`` (not issued yet)."""
    org_service.require_role(actor, *TRUST_ADMINS)
    if not org_service.can_access(actor, unit):
        raise NotFound(_("Unit not found."))
    doc, public_key = read_file(data)
    trusted = _trusted_for(session, unit, public_key)
    removed = None if trusted is not None else _trusted_for(session, unit, public_key, removed=True)
    if removed is not None and removed.removed_at is not None:
        day = removed.removed_at.astimezone(org_service.unit_zone(session, removed.unit)).date()
        raise _refuse(
            _("The issuer's key (fingerprint %(fp)s) was removed from the trusted issuers on %(day)s; files "
              "signed with it are no longer accepted. Nothing was imported.",
              fp=show_fingerprint(fingerprint(public_key)), day=day.isoformat())
        )  # fmt: skip
    if trusted is None:
        raise _refuse(
            _("The issuer's key (fingerprint %(fp)s) is not trusted here; an admin adds it first.",
              fp=show_fingerprint(fingerprint(public_key)))
        )  # fmt: skip
    body, media = _checked_body(doc)
    existing = session.scalar(select(ContentKit).where(ContentKit.uid == body["uid"]))
    if existing is not None:
        return _update(session, kit=existing, doc=doc, body=body, media=media, trusted=trusted, actor=actor)
    if body.get("withdrawn"):
        raise _refuse(_("The issuer has withdrawn this kit. Nothing was imported."))
    kit = _store(session, unit=unit, body=body, media=media, actor=actor)
    kit.origin_fingerprint, kit.origin_name = trusted.fingerprint, str(doc["issuer"].get("name") or "")[:200]
    kit.origin_version = _version(body)
    audit_service.record(
        session, actor=actor, action="kit.import", obj=kit, unit=unit, label=kit.title,
        after={"fingerprint": trusted.fingerprint, "uid": kit.uid},
    )  # fmt: skip
    return kit


def _checked_body(doc: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    body = doc.get("kit")
    if not isinstance(body, dict) or not isinstance(body.get("uid"), str) or len(body["uid"]) != 36:
        raise _refuse(_("The kit file has no kit in it."))
    media = []
    for entry in doc.get("media") or []:
        try:
            raw = base64.b64decode(str(entry["data"]), validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise _refuse(_("A media file in the kit file is damaged.")) from None
        if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
            raise _refuse(_("A media file in the kit file is damaged."))
        media.append((entry, raw))
    return body, media


def _version(body: dict[str, Any]) -> int:
    try:
        return max(int(body.get("version") or 1), 1)
    except (TypeError, ValueError):
        raise _refuse(_("The kit in the file is not complete.")) from None


def _update(
    session: Session, *, kit: ContentKit, doc: dict[str, Any], body: dict[str, Any],
    media: list[tuple[dict[str, Any], bytes]], trusted: KitTrustedIssuer, actor: Principal,
) -> ContentKit:  # fmt: skip
    """A newer file of a kit imported before: its withdrawal or its correction, applied here as the issuer
    would (the units it was issued to onward are told). The file must come from the kit's own issuer: signed
    with the key it was first imported with, or with a key whose signed file names that one as retired."""
    if kit.origin_fingerprint is None or not org_service.can_access(actor, kit.issuer):
        raise Conflict(_("This kit has already been imported."), field="file")
    previous = {fingerprint(str(k)) for k in doc["issuer"].get("previous_keys") or [] if _is_key(str(k))}
    if kit.origin_fingerprint != trusted.fingerprint and kit.origin_fingerprint not in previous:
        raise _refuse(
            _("This kit was imported from another issuer (fingerprint %(fp)s); only its own issuer corrects "
              "or withdraws it. Nothing was changed.", fp=show_fingerprint(kit.origin_fingerprint))
        )  # fmt: skip
    withdrawn, version = body.get("withdrawn"), _version(body)
    origin = str(doc["issuer"].get("name") or kit.origin_name or "")[:200]
    if isinstance(withdrawn, dict) and not kit.withdrawn:
        reason = f"{origin}: {withdrawn.get('reason') or ''}"[: kits_service.REASON_MAX]
        if kit.issued_at is not None:
            kits_service.withdraw_kit(session, kit=kit, reason=reason, actor=actor)
        else:
            kit.withdrawn_at, kit.withdrawn_reason, kit.withdrawn_by_id = utcnow(), reason, actor.id
        _record_update(session, kit, actor, trusted, "withdrawn")
        return kit
    if withdrawn or version <= (kit.origin_version or 1):
        raise Conflict(_("This kit has already been imported."), field="file")
    data = _kit_input(body)
    data.media_ids = _store_media(session, unit=kit.issuer, media=media, actor=actor)
    reason = f"{origin}: {body.get('correction_reason') or ''}"[: kits_service.REASON_MAX]
    if kit.issued_at is not None:
        kits_service.correct_kit(session, kit=kit, data=data, reason=reason, actor=actor)
    else:  # nobody received it yet: the newer texts simply replace the older ones
        content = kits_service._content(session, unit=kit.issuer, data=data, actor=actor)
        for name in kits_service.CONTENT_FIELDS:
            setattr(kit, name, content[name])
    kit.origin_version = version
    _record_update(session, kit, actor, trusted, f"version {version}")
    return kit


def _is_key(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (ValueError, binascii.Error):
        return False


def _record_update(
    session: Session, kit: ContentKit, actor: Principal, trusted: KitTrustedIssuer, what: str
) -> None:
    audit_service.record(
        session, actor=actor, action="kit.import_update", obj=kit, unit=kit.issuer, label=kit.title,
        after={"fingerprint": trusted.fingerprint, "uid": kit.uid, "update": what},
    )  # fmt: skip


def _kit_input(body: dict[str, Any]) -> kits_service.KitInput:
    try:
        data = kits_service.KitInput(
            title=str(body["title"]), master_text=str(body.get("master_text") or ""),
            starts_at=datetime.fromisoformat(str(body["starts_at"])),
            ends_at=datetime.fromisoformat(str(body["ends_at"])),
            key_messages=[kits_service.KeyMessage(str(m["text"]), bool(m.get("locked")))
                          for m in body.get("key_messages") or []],
            variants={str(k): str(v) for k, v in dict(body.get("variants") or {}).items()},
            hashtags=[str(t) for t in body.get("hashtags") or []],
            links=[str(t) for t in body.get("links") or []],
            instructions=str(body.get("instructions") or ""), mandatory=bool(body.get("mandatory")),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        raise _refuse(_("The kit in the file is not complete.")) from None
    return data


def _store_media(
    session: Session, *, unit: Unit, media: list[tuple[dict[str, Any], bytes]], actor: Principal
) -> list[int]:
    ids = []
    for entry, raw in media:
        file, _new = media_service.upload_media(
            session, actor=actor, unit=unit, data=raw, filename=str(entry.get("filename") or ""),
            alt_text=str(entry.get("alt_text") or ""), tags=["narasi"],
        )  # fmt: skip
        ids.append(file.id)
    return ids


def _store(
    session: Session, *, unit: Unit, body: dict[str, Any], media: list[tuple[dict[str, Any], bytes]],
    actor: Principal,
) -> ContentKit:  # fmt: skip
    data = _kit_input(body)
    data.media_ids = _store_media(session, unit=unit, media=media, actor=actor)
    kit = kits_service.create_kit(session, unit_id=unit.id, data=data, actor=actor)
    kit.uid = str(body["uid"])
    return kit
