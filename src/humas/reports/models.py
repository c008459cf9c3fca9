"""Report persistence: the analyst's texts before finalising, the archive of finalised versions with their
files, report schedules and each unit's institution logo (docs/decisions/0093-report-archive-schedules.md).

A finalised report is never changed: its snapshot (``Report.to_json()`` with the texts applied) and its files
are written once with their SHA-256; regenerating makes the next version. The files are kept in the database
(bytes), so that a finalised report, its files and its checksums commit or roll back together and are in
every database backup; their content column is deferred, so listing the archive never reads them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit

FILE_KINDS = ("pdf", "xlsx", "csv")


class ReportDraft(Base):
    """The analyst's evaluation text per section of one report (unit, period, descendants, locale), kept
    until the report is finalised and reused by the next version."""

    __tablename__ = "report_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(40))
    include_descendants: Mapped[bool]
    locale: Mapped[str] = mapped_column(String(8))
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # section key -> text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint(
            "unit_id", "period_key", "include_descendants", "locale", name="uq_report_drafts_report"
        ),
    )


class ArchivedReport(Base):
    """One finalised version of a report: the snapshot as it was, its checksum, who finalised it and when."""

    __tablename__ = "report_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_key: Mapped[str] = mapped_column(String(40))
    period_kind: Mapped[str] = mapped_column(String(8))
    first_on: Mapped[date]
    last_on: Mapped[date]
    include_descendants: Mapped[bool]
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    # NOTE: text, not JSON: the checksum is over these exact bytes (JSONB would reorder the keys).
    snapshot: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    finalised_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    finalised_by_label: Mapped[str] = mapped_column(String(254))  # an e-mail, or "system" (a schedule)

    unit: Mapped[Unit] = relationship(lazy="joined")
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", lazy="selectin", order_by="ReportFile.kind"
    )

    __table_args__ = (
        UniqueConstraint(
            "unit_id",
            "period_key",
            "include_descendants",
            "locale",
            "version",
            name="uq_report_archive_version",
        ),
        Index("ix_report_archive_unit_period", "unit_id", "first_on"),
    )

    def file(self, kind: str) -> ReportFile | None:
        return next((f for f in self.files if f.kind == kind), None)

    def __repr__(self) -> str:
        return f"<ArchivedReport {self.id} unit={self.unit_id} {self.period_key} v{self.version}>"


class ReportFile(Base):
    """A rendered file of a finalised report (PDF, XLSX, a ZIP of CSV tables), its size and SHA-256."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report_archive.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # FILE_KINDS
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    report: Mapped[ArchivedReport] = relationship(back_populates="files")

    __table_args__ = (UniqueConstraint("report_id", "kind", name="uq_report_files_report_id_kind"),)


class ReportSchedule(Base):
    """Generate, finalise and e-mail a unit's report for every period, on the first working day after it."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    period_kind: Mapped[str] = mapped_column(String(8))  # month, quarter, half, year
    include_descendants: Mapped[bool]
    locale: Mapped[str] = mapped_column(String(8))
    recipients: Mapped[list[Any]] = mapped_column(default=list)  # validated e-mail addresses
    active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime]
    next_period_key: Mapped[str] = mapped_column(String(40))  # the period the next run reports on
    last_run_at: Mapped[datetime | None]
    last_report_id: Mapped[int | None] = mapped_column(ForeignKey("report_archive.id", ondelete="SET NULL"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint(
            "unit_id", "period_kind", "include_descendants", "locale", name="uq_report_schedules_kind"
        ),
        Index("ix_report_schedules_due", "active", "next_run_at"),
    )


class UnitLogo(Base):
    """A unit's institution logo for report covers (a clean PNG re-encoded from the upload); a unit without
    one uses its nearest ancestor's, so the root's applies down the tree."""

    __tablename__ = "unit_logos"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


# Every column of a finalised report and of its files: the title, dates and author on its archive row and a
# file's name and MIME type (the e-mail attachment's) are as much a part of it as the snapshot.
FROZEN: dict[type, tuple[str, ...]] = {
    model: tuple(c.key for c in model.__mapper__.column_attrs) for model in (ArchivedReport, ReportFile)
}


@event.listens_for(Session, "before_flush")
def _refuse_archive_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    """A finalised report and its files are written once: no code path changes or deletes them."""
    from sqlalchemy import inspect

    from humas.core.errors import Conflict
    from humas.core.i18n import _

    for obj in session.dirty:
        frozen = FROZEN.get(type(obj))
        if frozen and any(inspect(obj).attrs[name].history.has_changes() for name in frozen):
            raise Conflict(_("A finalised report is never changed; finalise a new version instead."))
    for obj in session.deleted:
        if type(obj) in FROZEN:
            raise Conflict(_("A finalised report is never changed; finalise a new version instead."))
