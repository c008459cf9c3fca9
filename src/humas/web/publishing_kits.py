"""Content kit pages (*materi narasi tunggal*): the queue of kits a unit received and the kits it issued, a
new kit, one kit (what it asks, the receiving unit's "adapt" button, and for the issuer the tracker with its
reminders, CSV and signed export), and the import of signed kit files with the issuers trusted for them.
Every rule is the publishing service's (``kits``, ``kit_tracker``, ``kit_files``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.compliance import service as compliance_service
from humas.connectors.registry import find_platform, platform_names
from humas.core.errors import Invalid
from humas.core.i18n import _, get_locale
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.org.models import Role, User
from humas.publishing.kits import ContentKit
from humas.publishing.service import kit_files, kit_tracker
from humas.publishing.service import kits as kits_service
from humas.publishing.service import posts as posts_service
from humas.publishing.service.validation import can_publish
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.guardrails import findings_view
from humas.web.templating import render, viewer_zone
from humas.web.units import unit_rows

router = APIRouter(include_in_schema=False)
BASE = "/publishing/kits"
FIELD_MAX = 40_000
Text = Annotated[str, Form(max_length=FIELD_MAX)]
Lines = Annotated[list[str], Form(max_length=2000)]
Ints = Annotated[list[int], Form()]
KEY_ROWS = 5
FILE_MAX = kit_files.FILE_MAX


def variant_platforms() -> list[str]:
    """Platforms a kit may carry a variant for: those humas publishes on."""
    return [p for p in platform_names() if (spec := find_platform(p)) is not None and can_publish(spec)]


def time_left(left: timedelta) -> str:
    """``2 hari`` / ``3 jam``; a closed window says so."""
    if left <= timedelta(0):
        return _("window closed")
    return format_timedelta(left, granularity="minute", threshold=1.5, locale=get_locale())


@router.get(BASE, response_class=HTMLResponse)
def kits_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The kits issued to the user's units (time left) and the kits they issued."""
    queue = kits_service.kit_queue(session, user)
    left = {i.receipt.id: time_left(i.time_left) for i in queue}
    return render(
        request, "publishing/kits/index.html", queue=queue, left=left,
        issued=kits_service.list_issued(session, user),
        can_issue=org_service.has_role(user, *kits_service.ISSUERS),
        is_admin=org_service.has_role(user, Role.admin),
    )  # fmt: skip


def _new_context(session: Session, user: User) -> dict[str, Any]:
    units = org_service.list_units(session, user)
    return {
        "units": unit_rows(units),
        "platforms": variant_platforms(),
        "key_rows": range(KEY_ROWS),
        "levels": range(1, 4),
    }


@router.get(BASE + "/new", response_class=HTMLResponse)
def new_kit_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """The form for a new kit, issued to the unit's descendants."""
    org_service.require_role(user, *kits_service.ISSUERS)
    return render(request, "publishing/kits/new.html", **_new_context(session, user), values={}, error=None)


def _when(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        raise Invalid(_("Enter a date and time."), field=name) from None


def _target(mode: str, levels: list[int], unit_ids: list[int]) -> kits_service.TargetInput:
    return kits_service.TargetInput(mode=mode or "all", levels=levels, unit_ids=unit_ids)


@dataclass(frozen=True)
class KitFields:
    """The fields the new-kit and the correction forms share, as typed."""

    title: str
    master_text: str
    key_text: list[str]
    key_locked: list[int]
    platform: list[str]
    variant: list[str]
    media: str
    hashtags: str
    links: str
    instructions: str
    starts_at: str
    ends_at: str
    mandatory: bool

    def values(self) -> dict[str, Any]:
        """What the form shows again when the service refuses it."""
        return {"title": self.title, "master_text": self.master_text, "hashtags": self.hashtags,
                "links": self.links, "instructions": self.instructions, "starts_at": self.starts_at,
                "ends_at": self.ends_at, "media": self.media, "mandatory": self.mandatory,
                "variants": dict(zip(self.platform, self.variant, strict=False))}  # fmt: skip

    def key_rows(self) -> list[dict[str, Any]]:
        return [{"text": t, "locked": i in self.key_locked} for i, t in enumerate(self.key_text)]

    def kit_input(self) -> kits_service.KitInput:
        """The service's input; a form that lost a variant's platform, or a bad time, is refused."""
        if len(self.platform) != len(self.variant):
            raise Invalid(_("The form is not complete; reload the page."), field="variants")
        return kits_service.KitInput(
            title=self.title, master_text=self.master_text, starts_at=_when(self.starts_at, "starts_at"),
            ends_at=_when(self.ends_at, "ends_at"), instructions=self.instructions, mandatory=self.mandatory,
            key_messages=[kits_service.KeyMessage(r["text"], r["locked"]) for r in self.key_rows()],
            variants={p: v for p, v in zip(self.platform, self.variant, strict=True) if v.strip()},
            media_ids=_media_ids(self.media), hashtags=[self.hashtags], links=self.links.splitlines(),
        )  # fmt: skip


def kit_fields(
    title: Text = "",
    master_text: Text = "",
    key_text: Lines = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    key_locked: Ints = [],  # noqa: B006 - the row numbers whose message is locked
    platform: Lines = [],  # noqa: B006
    variant: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
    media: Text = "",
    hashtags: Text = "",
    links: Text = "",
    instructions: Text = "",
    starts_at: Text = "",
    ends_at: Text = "",
    mandatory: Annotated[bool, Form()] = False,
) -> KitFields:
    """The kit form's fields, read from the posted form."""
    return KitFields(title, master_text, key_text, key_locked, platform, variant, media, hashtags, links,
                     instructions, starts_at, ends_at, mandatory)  # fmt: skip


KitForm = Annotated[KitFields, Depends(kit_fields)]


@router.post(BASE)
def create_kit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    form: KitForm,
    mode: Annotated[str, Form(max_length=10)] = "all",
    level: Ints = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    target_unit: Ints = [],  # noqa: B006
) -> Response:
    """Write a kit and issue it to the chosen descendant units."""
    with_form(request, "publishing/kits/new.html", values=form.values(), **_new_context(session, user))
    kit = kits_service.create_kit(session, unit_id=unit_id, data=form.kit_input(), actor=user)
    receipts = kits_service.issue_kit(session, kit=kit, target=_target(mode, level, target_unit), actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Kit issued to %(n)s units."), n=len(receipts))


def _media_ids(text: str) -> list[int]:
    """``media:12`` (or just ``12``) a line: files of the media library."""
    ids = []
    for line in (raw.strip().lower().removeprefix("media:") for raw in text.splitlines()):
        if not line:
            continue
        if not line.isdigit() or len(line) > 10:
            raise Invalid(_("Media are media:123 (file 123 of the library), one a line."), field="media")
        ids.append(int(line))
    return ids


@router.post(BASE + "/check", response_class=HTMLResponse)
def live_check(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    part: Annotated[str, Form(max_length=32)] = "master",
    master_text: Text = "",
    key_text: Lines = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    platform: Lines = [],  # noqa: B006
    variant: Annotated[list[str], Form(max_length=FIELD_MAX)] = [],  # noqa: B006
    hashtags: Text = "",
    links: Text = "",
) -> HTMLResponse:
    """A kit's text checked as the issuer types (htmx, debounced): the master text or one platform's
    variant as the receiving units' drafts will carry it (key messages, hashtags and links appended), with
    the issuing unit's rules and that platform's limits; the same check refuses the issue."""
    org_service.require_role(user, *kits_service.ISSUERS)
    unit = org_service.access_unit(session, user, unit_id)
    texts = dict(zip(platform, variant, strict=False))
    own, on = (master_text, None) if part == "master" else (texts.get(part, ""), part)
    if not own.strip():
        return HTMLResponse("")
    try:
        tags, urls = kits_service.clean_hashtags([hashtags]), kits_service.clean_links(links.splitlines())
    except Invalid:  # the form shows those fields' own errors when it is sent
        tags, urls = [], []
    content = {"key_messages": [{"text": t} for t in key_text if t.strip()], "hashtags": tags, "links": urls}
    full = kits_service._with_required(own, content)
    found = compliance_service.check_text(session, unit=unit, text=full, platform=on)
    return render(request, "guardrails/_findings.html", gr=findings_view(full, found))


@router.get(BASE + "/trust", response_class=HTMLResponse)
def trust_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """This installation's signing key, the issuers trusted for kit files, the import of a kit file."""
    org_service.require_role(user, Role.admin)
    return render(request, "publishing/kits/trust.html", **_trust_context(session, user), error=None)


def _trust_context(session: Session, user: User) -> dict[str, Any]:
    key = kit_files.signing_key(session)
    return {
        "public_key": key.public_key,
        "fingerprint": kit_files.show_fingerprint(kit_files.fingerprint(key.public_key)),
        "trusted": [
            (t, kit_files.show_fingerprint(t.fingerprint)) for t in kit_files.list_trusted(session, user)
        ],
        "units": unit_rows(org_service.list_units(session, user)),
        "retired": [
            (k, kit_files.show_fingerprint(kit_files.fingerprint(k.public_key)))
            for k in kit_files.retired_keys(session)
        ],
        "can_rotate": kit_files.can_rotate(user),
    }  # fmt: skip


@router.post(BASE + "/trust")
def trust_issuer(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    name: Annotated[str, Form(max_length=200)] = "",
    public_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Trust kit files signed with an issuer's public key, in a unit and below."""
    with_form(request, "publishing/kits/trust.html", values={"name": name, "public_key": public_key},
              **_trust_context(session, user))  # fmt: skip
    unit = org_service.access_unit(session, user, unit_id)
    kit_files.trust_issuer(session, unit=unit, name=name, public_key=public_key, actor=user)
    return redirect(f"{BASE}/trust", N_("Issuer trusted."))


@router.post(BASE + "/import")
async def import_kit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import a signed kit file from a trusted issuer into a unit (then issue it onward)."""
    with_form(request, "publishing/kits/trust.html", **_trust_context(session, user))
    unit = org_service.access_unit(session, user, unit_id)
    data = await file.read(FILE_MAX + 1)
    kit = kit_files.import_kit(session, unit=unit, data=data, actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Kit imported and verified."))


@router.post(BASE + "/trust/{issuer_id}/remove")
def remove_trusted(request: Request, session: DbSession, user: CurrentUser, issuer_id: IdPath) -> Response:
    """Stop trusting an issuer's key: files signed with it are refused from now on."""
    kit_files.remove_trusted(session, issuer_id=issuer_id, actor=user)
    return redirect(f"{BASE}/trust", N_("Issuer removed: its files are no longer accepted."))


@router.post(BASE + "/key/rotate")
def rotate_key(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Replace this installation's signing key (the old one is retired and signs nothing more)."""
    with_form(request, "publishing/kits/trust.html", **_trust_context(session, user))
    if confirm.strip().upper() != "GANTI":
        raise Invalid(_("Type GANTI to confirm replacing the key."), field="confirm")
    kit_files.rotate_signing_key(session, actor=user)
    return redirect(
        f"{BASE}/trust",
        N_("New signing key made; give its public key to the installations that import your kits."),
    )


@router.post(BASE + "/chat")
def unit_chat(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdForm,
    telegram_chat_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Where a unit also gets kit reminders: its Telegram chat."""
    with_form(request, "publishing/kits/trust.html", **_trust_context(session, user))
    unit = org_service.access_unit(session, user, unit_id)
    kit_tracker.set_unit_chat(session, unit=unit, chat_id=telegram_chat_id, actor=user)
    return redirect(f"{BASE}/trust", N_("Saved."))


def field_labels() -> dict[str, str]:
    """How a changed field of a corrected kit is named on its page."""
    return {
        "title": _("Title"), "key_messages": _("Key messages"), "master_text": _("Master text"),
        "media": _("Media"), "hashtags": _("Required hashtags"), "links": _("Required links"),
        "instructions": _("Instructions"), "mandatory": _("Mandatory"), "starts_at": _("Publish from"),
        "ends_at": _("Publish until"),
    }  # fmt: skip


def _kit_context(request: Request, session: Session, user: User, kit: ContentKit) -> dict[str, Any]:
    receipts = kits_service.own_receipts(session, user, kit) if kit.issued_at else []
    track = kits_service.can_track(user, kit)
    board = kit_tracker.tracker(session, kit=kit) if track and kit.issued_at else None
    made = [i for i in kits_service.kit_queue(session, user) if i.kit.id == kit.id]
    to_review = {p for i in made for p in i.to_review}
    followed = kits_service.post_versions(session, sorted(to_review))
    since = min(followed.values(), default=kit.version - 1)
    return {
        "kit": kit,
        "receipts": receipts,
        "drafts": {i.receipt.id: i.post_ids for i in made},
        "to_review": to_review,
        "versions": kits_service.versions(session, kit) if kit.version > 1 else [],
        "since": since,
        "changes": kits_service.changes_since(session, kit, since) if since >= 1 else [],
        "labels": field_labels(),
        "can_correct": track
        and kit.issued_at is not None
        and not kit.withdrawn
        and org_service.has_role(user, *kits_service.ISSUERS),
        "left": time_left(kit.ends_at - utcnow()),
        "board": board,
        "can_track": track,
        "can_issue": track and org_service.has_role(user, *kits_service.ISSUERS),
        "can_remind": track and org_service.has_role(user, *kit_tracker.REMINDERS),
        "can_draft": org_service.has_role(user, *kits_service.ISSUERS) and not kit.withdrawn,
        "levels": range(1, 4),
        "units": unit_rows(org_service.list_units(session, user)),
    }


@router.get(BASE + "/{kit_id}", response_class=HTMLResponse)
def kit_page(request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath) -> HTMLResponse:
    """One kit: what it asks, the receiving unit's adapt button, and the issuer's tracker."""
    kit = kits_service.access_kit(session, user, kit_id)
    context = _kit_context(request, session, user, kit)
    return render(request, "publishing/kits/kit.html", **context, error=None)


@router.post(BASE + "/{kit_id}/adapt")
def adapt_kit(
    request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath, unit_id: IdForm
) -> Response:
    """Make the unit's own draft from the kit, pre-filled, and open it."""
    kit = kits_service.access_kit(session, user, kit_id)
    receipt = kits_service.receipt_of(session, user, kit=kit, unit_id=unit_id)
    post = kits_service.adapt_kit(session, receipt=receipt, actor=user)
    return redirect(f"/publishing/posts/{post.id}", N_("Draft made from the kit."))


@router.post(BASE + "/{kit_id}/issue")
def issue_kit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    kit_id: IdPath,
    mode: Annotated[str, Form(max_length=10)] = "all",
    level: Ints = [],  # noqa: B006
    target_unit: Ints = [],  # noqa: B006
) -> Response:
    """Issue a kit not issued yet (an imported one) to the chosen descendant units."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    receipts = kits_service.issue_kit(session, kit=kit, target=_target(mode, level, target_unit), actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Kit issued to %(n)s units."), n=len(receipts))


@router.post(BASE + "/{kit_id}/remind")
def remind(request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath) -> Response:
    """Remind the units behind on the kit (each once a day)."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    told = kit_tracker.remind_units(session, kit=kit, actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Reminded %(n)s units."), n=len(told))


@router.get(BASE + "/{kit_id}/tracker.csv")
def tracker_csv(request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath) -> Response:
    """The tracker as CSV, times in the viewer's zone."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    zone = viewer_zone(request)
    text = kit_tracker.tracker_csv(
        kit_tracker.tracker(session, kit=kit),
        show_time=lambda t: t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if t else "",
    )
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kit-{kit.id}-tracker.csv"'},
    )  # fmt: skip


@router.get(BASE + "/{kit_id}/export")
def export_kit(request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath) -> Response:
    """The kit as one signed file for another humas installation."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    data = kit_files.export_kit(session, kit=kit, actor=user)
    return Response(
        data, media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="kit-{kit.uid}.humas-kit.json"'},
    )  # fmt: skip


@router.post(BASE + "/{kit_id}/withdraw")
def withdraw_kit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    kit_id: IdPath,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Withdraw an issued kit, with the reason every receiving unit sees."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    with_form(request, "publishing/kits/kit.html", values={"reason": reason},
              **_kit_context(request, session, user, kit))  # fmt: skip
    pulled = kits_service.withdraw_kit(session, kit=kit, reason=reason, actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Kit withdrawn; %(n)s posts taken back to drafts."), n=len(pulled))


def _form_values(session: Session, kit: ContentKit) -> dict[str, Any]:
    """The kit as the correction form shows it (times in the issuer's zone)."""
    zone = org_service.unit_zone(session, kit.issuer)
    return {
        "title": kit.title, "master_text": kit.master_text, "hashtags": " ".join(kit.hashtags),
        "links": "\n".join(kit.links), "instructions": kit.instructions, "mandatory": kit.mandatory,
        "media": "\n".join(f"media:{r['media_id']}" for r in kit.media),
        "starts_at": kit.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": kit.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "variants": dict(kit.variants), "reason": "",
    }  # fmt: skip


def _correct_context(kit: ContentKit) -> dict[str, Any]:
    keys = [dict(m) for m in kit.key_messages]
    keys += [{"text": "", "locked": False}] * max(KEY_ROWS - len(keys), 1)
    return {"kit": kit, "keys": keys, "platforms": variant_platforms()}


@router.get(BASE + "/{kit_id}/correct", response_class=HTMLResponse)
def correct_page(request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath) -> HTMLResponse:
    """The correction form: the kit's current texts to change, and why."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    org_service.require_role(user, *kits_service.ISSUERS)
    return render(request, "publishing/kits/correct.html", **_correct_context(kit),
                  values=_form_values(session, kit), error=None)  # fmt: skip


@router.post(BASE + "/{kit_id}/correct")
def correct_kit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    kit_id: IdPath,
    form: KitForm,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Issue a correction: a new version of the kit that supersedes the old one."""
    kit = kits_service.access_tracked_kit(session, user, kit_id)
    context = _correct_context(kit)
    context["keys"] = form.key_rows() or context["keys"]
    with_form(request, "publishing/kits/correct.html", values={**form.values(), "reason": reason}, **context)
    row = kits_service.correct_kit(session, kit=kit, data=form.kit_input(), reason=reason, actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Correction issued: version %(n)s."), n=row.version)


@router.post(BASE + "/{kit_id}/review")
def review_post(
    request: Request, session: DbSession, user: CurrentUser, kit_id: IdPath, post_id: IdForm
) -> Response:
    """Mark a post made from an earlier version reviewed against the corrected kit."""
    kit = kits_service.access_kit(session, user, kit_id)
    with_form(request, "publishing/kits/kit.html", **_kit_context(request, session, user, kit))
    post = posts_service.access_post(session, user, post_id)
    if kits_service.kit_of_post(session, post) is not kit:
        raise Invalid(_("This post was not made from this kit."), field="post_id")
    kits_service.review_kit_draft(session, post=post, actor=user)
    return redirect(f"{BASE}/{kit.id}", N_("Post #%(n)s follows the corrected kit."), n=post.id)
