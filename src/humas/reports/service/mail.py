"""A finalised report by e-mail, through the outbox, with its PDF attached.

One outbox row per recipient (kind ``report.email``, key ``report:<archived id>:<hash of the address>``),
written in the caller's transaction: a recipient's refused address fails only that row, a retry resends only
what was not sent, and the same report is never queued twice to the same person. The row's payload holds the
rendered text and the id of the PDF, not its bytes; the sender reads the PDF from the archive when it
sends, checks its SHA-256 and attaches it. A resend after an unknown outcome carries the same Message-ID
(the outbox's e-mail sender, ``humas.outbox.notify.send_email_job``).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from humas.core.i18n import _, use_locale
from humas.outbox import handlers, notify, transport
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent
from humas.reports.models import ArchivedReport, ReportFile
from humas.reports.period import Period

KIND = "report.email"
OWNER = "report"
# A larger PDF is not attached (many mail servers refuse messages over 10-25 MB); the mail says so.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def email_key(report_id: int, recipient: str) -> str:
    digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:40]
    return f"report:{report_id}:{digest}"


def queue_report_email(
    session: Session, *, report: ArchivedReport, recipients: Sequence[str]
) -> list[OutboxMessage]:
    """Queue the report's e-mail to each recipient (addresses already validated); returns the rows."""
    pdf = report.file("pdf")
    if pdf is None:
        raise ValueError(f"archived report {report.id} has no PDF")
    with use_locale(report.locale):
        period = Period.parse(report.period_key).label(report.locale)
        subject = str(
            _("%(title)s: %(unit)s, %(period)s", title=report.title, unit=report.unit.name, period=period)
        )
        text = str(
            _(
                "Attached is the report %(title)s of %(unit)s for %(period)s (version %(version)s, finalised "
                "by %(by)s). SHA-256 of the PDF: %(sha)s",
                title=report.title,
                unit=report.unit.name,
                period=period,
                version=report.version,
                by=report.finalised_by_label,
                sha=pdf.sha256,
            )
        )
    payload = {
        "report_id": report.id,
        "file_id": pdf.id,
        "subject": transport.clean_line(subject),
        "text": text,
        "html": f"<p>{html.escape(text)}</p>",
        "locale": report.locale,
    }
    return [
        outbox_service.enqueue(
            session,
            kind=KIND,
            key=email_key(report.id, address),
            owner_type=OWNER,
            owner_id=report.id,
            target=address,
            payload=payload,
        )
        for address in recipients
    ]


def _prepare(session: Session, message: OutboxMessage) -> notify.Job:
    """The e-mail with the archived PDF, read and checked inside the claim's transaction."""
    p = message.payload
    found = session.scalar(
        select(ReportFile).where(ReportFile.id == int(p["file_id"])).options(undefer(ReportFile.content))
    )
    if found is None:
        raise Permanent(f"the PDF of report {p.get('report_id')} is no longer in the archive")
    if hashlib.sha256(found.content).hexdigest() != found.sha256:
        raise Permanent(f"the PDF of report {p.get('report_id')} fails its checksum; not sent")
    text, page = str(p.get("text", "")), str(p.get("html", ""))
    attachments: tuple[transport.Attachment, ...] = ()
    if len(found.content) <= ATTACHMENT_MAX_BYTES:
        attachments = (transport.Attachment(found.filename, found.content_type, found.content),)
    else:
        with use_locale(str(p.get("locale", "id"))):
            note = str(_("The PDF is too large to attach; open it in humas' report archive."))
        text, page = f"{text}\n\n{note}", f"{page}<p>{html.escape(note)}</p>"
    rendered = transport.RenderedAlert(
        subject=str(p.get("subject", "")),
        text=text,
        html=page,
        locale=str(p.get("locale", "id")),
        attachments=attachments,
    )
    return notify.Job(
        kind=message.kind, target=message.target, key=message.idempotency_key, rendered=rendered
    )


handlers.register(
    KIND, handlers.Handler(prepare=_prepare, send=notify.send_email_job, reconcile=notify.resend_email)
)
