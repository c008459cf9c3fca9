"""Finalised reports: build, apply the analyst's texts, snapshot, render, checksum, archive; read them back.

A finalised report is a new version (1, 2, …) of its identity (unit, period key, descendants or not,
locale): never an overwrite. Its snapshot is ``Report.to_json()`` of the report with the texts applied and
the version set, and its files are rendered from that snapshot read back, so the archive's figures, its PDF,
XLSX and CSV are the same numbers; later data for the period changes none of them.

Roles (docs/decisions/0093-report-archive-schedules.md): admins, leaders (*pimpinan*) and analysts finalise
and write the texts; every role reads the archive of its unit's subtree (a unit sees its own and its
descendants' reports, never a sibling's or a parent's, which hold a sibling's numbers).
"""

from __future__ import annotations

import hashlib
import importlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _, use_locale
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.reports.document import Report
from humas.reports.models import ArchivedReport, ReportFile
from humas.reports.period import Period
from humas.reports.service import logo as logo_service
from humas.reports.service import texts as texts_service

FINALISERS = (Role.admin, Role.pimpinan, Role.analyst)
READERS = tuple(Role)
SYSTEM_LABEL = audit_service.SYSTEM
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip"}


class Builder(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        unit: Unit,
        period: Period,
        include_descendants: bool,
        locale: str,
        actor: Any = None,
        now: datetime | None = None,
    ) -> Report: ...


@dataclass(frozen=True)
class Renderers:
    """The renderers of the three files (``humas.reports.render`` by default; tests pass their own)."""

    pdf: Callable[..., bytes]
    xlsx: Callable[[Report], bytes]
    csv: Callable[[Report], bytes]


def default_builder() -> Builder:
    """``humas.reports.service.build.build_report``, imported when first needed."""
    from humas.reports.service.build import build_report

    return build_report


def default_renderers() -> Renderers:
    """``humas.reports.render``'s PDF, XLSX and CSV ZIP renderers, imported when first needed."""
    pdf, xlsx, csv = (importlib.import_module(f"humas.reports.render.{m}") for m in ("pdf", "xlsx", "csv"))
    return Renderers(pdf=pdf.render_pdf, xlsx=xlsx.render_xlsx, csv=csv.render_csv_zip)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# --- finalising --------------------------------------------------------------------------------------


def next_version(
    session: Session, *, unit: Unit, period: Period, include_descendants: bool, locale: str
) -> int:
    last = session.scalar(
        select(func.max(ArchivedReport.version)).where(
            ArchivedReport.unit_id == unit.id,
            ArchivedReport.period_key == period.key,
            ArchivedReport.include_descendants == include_descendants,
            ArchivedReport.locale == locale,
        )
    )
    return int(last or 0) + 1


def check_period_ended(session: Session, *, unit: Unit, period: Period, now: datetime) -> None:
    """A report is finalised once its period is over in the unit's zone (its figures are then complete)."""
    today = now.astimezone(org_service.unit_zone(session, unit)).date()
    if period.last >= today:
        raise Invalid(
            _("The period %(period)s has not ended yet; finalise it from its next day.", period=period.key),
            field="period",
        )


def finalise_report(
    session: Session,
    *,
    unit: Unit,
    period: Period,
    include_descendants: bool,
    locale: str,
    actor: org_service.Principal | None,
    now: datetime | None = None,
    build: Builder | None = None,
    renderers: Renderers | None = None,
) -> ArchivedReport:
    """Build the report, apply the saved texts, archive it as the next version with its files; audited.

    ``actor`` None is the system (a schedule's worker)."""
    if actor is not None:
        texts_service.check_unit_access(actor, unit, *FINALISERS)
    locale = texts_service.clean_locale(locale)
    now = now or utcnow()
    check_period_ended(session, unit=unit, period=period, now=now)
    build = build or default_builder()
    renderers = renderers or default_renderers()
    with use_locale(locale):
        built = build(
            session,
            unit=unit,
            period=period,
            include_descendants=include_descendants,
            locale=locale,
            actor=actor,
            now=now,
        )
    texts = texts_service.section_texts(
        session, unit=unit, period=period, include_descendants=include_descendants, locale=locale
    )
    version = next_version(
        session, unit=unit, period=period, include_descendants=include_descendants, locale=locale
    )
    label = actor.email if actor is not None else SYSTEM_LABEL
    final = replace(
        texts_service.apply_texts(built, texts), version=version, finalised_at=now, finalised_by=label
    )
    snapshot = final.to_json()
    stored = Report.from_json(snapshot)  # the files show exactly what the archive keeps
    files = render_files(session, stored, unit=unit, renderers=renderers)
    row = ArchivedReport(
        unit_id=unit.id,
        period_key=period.key,
        period_kind=period.kind,
        first_on=period.first,
        last_on=period.last,
        include_descendants=include_descendants,
        locale=locale,
        version=version,
        title=final.title[:300],
        snapshot=snapshot,
        sha256=sha256(snapshot),
        finalised_at=now,
        finalised_by_id=actor.id if actor is not None else None,
        finalised_by_label=label,
        files=files,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Someone finalised this report at the same moment; open the archive and try again."),
            field="version",
        ) from None
    audit_service.record(
        session,
        actor=actor,
        action="report.finalise",
        obj=row,
        unit=unit,
        after={"period": period.key, "version": version, "sha256": row.sha256},
        label=f"{final.title} {period.key} v{version}",
    )
    return row


def render_files(session: Session, report: Report, *, unit: Unit, renderers: Renderers) -> list[ReportFile]:
    """The PDF (with the unit's logo), XLSX and CSV ZIP of a report, each with its size and SHA-256."""
    logo = logo_service.effective_logo(session, unit)
    with use_locale(report.locale):
        contents = {
            "pdf": renderers.pdf(report, logo=logo),
            "xlsx": renderers.xlsx(report),
            "csv": renderers.csv(report),
        }
    stem = file_stem(report)
    return [
        ReportFile(
            kind=kind,
            filename=f"{stem}.{EXTENSIONS[kind]}",
            content_type=CONTENT_TYPES[kind],
            size_bytes=len(data),
            sha256=sha256(data),
            content=data,
        )
        for kind, data in contents.items()
    ]


def file_stem(report: Report) -> str:
    """``laporan-kanwil-djpb-jawa-barat-2026-11-v2``: ASCII, safe in a header and on any disk."""
    name = unicodedata.normalize("NFKD", report.unit_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or f"unit-{report.unit_id}"
    period = re.sub(r"[^0-9A-Za-z-]+", "_", report.period.key)
    scope = "-all" if report.include_descendants else ""
    return f"laporan-{slug}{scope}-{period}-{report.locale}-v{report.version}"


# --- reading ------------------------------------------------------------------------------------------


def access_archived_report(session: Session, actor: org_service.Principal, report_id: int) -> ArchivedReport:
    """A finalised report the actor may read; any other id is simply not found."""
    row = session.get(ArchivedReport, report_id)
    if row is None or not org_service.can_access(actor, row.unit):
        raise NotFound(_("Report not found."))
    org_service.require_role(actor, *READERS)
    return row


def list_archive(
    session: Session,
    actor: org_service.Principal,
    *,
    unit: Unit | None = None,
    period: Period | None = None,
    limit: int = 500,
) -> list[ArchivedReport]:
    """Finalised reports of the actor's subtree (or of one unit in it), newest period and version first."""
    org_service.require_role(actor, *READERS)
    stmt = select(ArchivedReport)
    if unit is not None:
        if not org_service.can_access(actor, unit):
            raise NotFound(_("Unit not found."))
        stmt = stmt.where(ArchivedReport.unit_id == unit.id)
    else:
        stmt = stmt.where(ArchivedReport.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    if period is not None:
        stmt = stmt.where(ArchivedReport.period_key == period.key)
    stmt = stmt.order_by(
        ArchivedReport.first_on.desc(),
        ArchivedReport.unit_id,
        ArchivedReport.period_key,
        ArchivedReport.version.desc(),
    )
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class Verification:
    """What the checksums say: the snapshot and each file, by kind."""

    snapshot_ok: bool
    files_ok: dict[str, bool]

    @property
    def ok(self) -> bool:
        return self.snapshot_ok and all(self.files_ok.values())


def verify_archived_report(session: Session, row: ArchivedReport) -> Verification:
    """Recompute the SHA-256 of the snapshot and of every file and compare with the stored ones."""
    snapshot = session.scalar(select(ArchivedReport.snapshot).where(ArchivedReport.id == row.id))
    files = session.execute(
        select(ReportFile.kind, ReportFile.content, ReportFile.sha256, ReportFile.size_bytes).where(
            ReportFile.report_id == row.id
        )
    ).all()
    return Verification(
        snapshot_ok=snapshot is not None and sha256(snapshot) == row.sha256,
        files_ok={kind: sha256(data) == digest and len(data) == size for kind, data, digest, size in files},
    )


def read_archived_report(session: Session, row: ArchivedReport) -> Report:
    """The finalised report as it was archived; refused when its snapshot fails its checksum."""
    snapshot = session.scalar(select(ArchivedReport.snapshot).where(ArchivedReport.id == row.id))
    if snapshot is None or sha256(snapshot) != row.sha256:
        raise Conflict(_("The archived report fails its checksum: it was changed outside humas."))
    return Report.from_json(snapshot)


def report_file(session: Session, row: ArchivedReport, kind: str) -> tuple[ReportFile, bytes]:
    """A file of a finalised report and its bytes; refused when they fail their checksum."""
    if kind not in CONTENT_TYPES:
        raise Invalid(_("Unknown file kind %(kind)s: use pdf, xlsx or csv.", kind=kind[:10]), field="kind")
    found = session.scalar(
        select(ReportFile)
        .where(ReportFile.report_id == row.id, ReportFile.kind == kind)
        .options(undefer(ReportFile.content))
    )
    if found is None:
        raise NotFound(_("Report file not found."))
    if sha256(found.content) != found.sha256:
        raise Conflict(_("The report file fails its checksum: it was changed outside humas."))
    return found, found.content
