"""`humas reports`: finalise a unit's report and write its files; report schedules (add, list, remove).

The operator at the command line acts as the system (like `humas user add`): no role check, and the
archive and audit log name "system" unless `--as` names a user, whose roles and subtree then apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from humas.cli.common import fail, handle_errors
from humas.cli.ingest import UnitOption, resolve_unit
from humas.core.db import session_scope
from humas.org import service as org_service
from humas.org.models import User
from humas.reports.models import ArchivedReport, ReportSchedule
from humas.reports.period import Period
from humas.reports.service import archive as archive_service
from humas.reports.service import schedules as schedules_service

console = Console()
app = typer.Typer(help="Evaluation reports: finalise, archive, schedules.", no_args_is_help=True)
schedule_app = typer.Typer(
    help="Report schedules: generated and e-mailed every period.", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")

LocaleOption = Annotated[str, typer.Option("--locale", help="Language of the report: id or en.")]
DescendantsOption = Annotated[
    bool, typer.Option("--descendants", help="Include the numbers of the unit's descendants.")
]


def _actor(session, email: str | None) -> User | None:
    if email is None:
        return None
    user = org_service.find_user_by_email(session, email.strip().lower())
    if user is None or not user.is_active:
        raise fail(f"no active user {email!r} (as)")
    return user


@app.command("generate")
@handle_errors
def generate(
    period: Annotated[str, typer.Option("--period", help="2026-11, 2026-Q4, 2026-H2, 2026 or a..b.")],
    unit: UnitOption = None,
    descendants: DescendantsOption = False,
    locale: LocaleOption = "id",
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the PDF, XLSX and CSV ZIP.")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Finalise as this user (e-mail).")] = None,
) -> None:
    """Finalise a unit's report for a period as its next version and write its files."""
    parsed = Period.parse(period)
    with session_scope() as session:
        target = resolve_unit(session, unit)
        row = archive_service.finalise_report(
            session,
            unit=target,
            period=parsed,
            include_descendants=descendants,
            locale=locale,
            actor=_actor(session, as_user),
        )
        files = [archive_service.report_file(session, row, f.kind) for f in row.files]
        summary = (row.id, row.version, row.sha256, target.name)
    archive_id, version, digest, name = summary
    console.print(f"Finalised {name} {parsed.key} version {version} (archive {archive_id}, sha256 {digest}).")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for file, data in files:
            path = out / Path(file.filename).name
            path.write_bytes(data)
            console.print(f"  {path}  {file.size_bytes:,} bytes  sha256 {file.sha256}")


@app.command("show")
@handle_errors
def show(
    period: Annotated[str, typer.Option("--period", help="2026-11, 2026-Q4, 2026-H2, 2026 or a..b.")],
    unit: UnitOption = None,
    descendants: DescendantsOption = False,
    locale: LocaleOption = "id",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
) -> None:
    """Build a unit's report for a period (nothing stored) and print its figures, or the report's JSON."""
    from humas.reports.render.fmt import format_value
    from humas.reports.service import build_report

    parsed = Period.parse(period)
    with session_scope() as session:
        target = resolve_unit(session, unit)
        report = build_report(
            session, unit=target, period=parsed, include_descendants=descendants, locale=locale
        )
    if as_json:
        typer.echo(report.to_json())
        return
    table = Table("section", "figure", "value", "previous", "key", title=f"{report.unit_name} {parsed.key}")
    for section in report.sections:
        for f in section.figures:
            shown = [
                format_value(v, f.kind, locale=report.locale, zone=report.zone) for v in (f.value, f.previous)
            ]
            table.add_row(section.title, f.label, *shown, f.key)
    console.print(table)


@app.command("verify")
@handle_errors
def verify(report_id: Annotated[int, typer.Argument(help="The finalised report's archive id.")]) -> None:
    """Recompute the SHA-256 of a finalised report's snapshot and files; exit 1 when one differs."""
    with session_scope() as session:
        row = session.get(ArchivedReport, report_id)
        if row is None:
            raise fail(f"finalised report {report_id} not found (report_id)")
        check = archive_service.verify_archived_report(session, row)
    console.print(f"snapshot: {'ok' if check.snapshot_ok else 'CHANGED'}")
    for kind, ok in sorted(check.files_ok.items()):
        console.print(f"{kind}: {'ok' if ok else 'CHANGED'}")
    if not check.ok:
        raise fail(f"finalised report {report_id} fails its checksums")


@schedule_app.command("add")
@handle_errors
def schedule_add(
    to: Annotated[list[str], typer.Option("--to", help="A recipient's e-mail address (repeatable).")],
    kind: Annotated[str, typer.Option("--kind", help="month, quarter, half or year.")] = "month",
    unit: UnitOption = None,
    descendants: DescendantsOption = False,
    locale: LocaleOption = "id",
) -> None:
    """Generate and e-mail a unit's report on the first working day after every period."""
    with session_scope() as session:
        target = resolve_unit(session, unit)
        schedule = schedules_service.create_schedule(
            session,
            unit=target,
            period_kind=kind,
            include_descendants=descendants,
            locale=locale,
            recipients=to,
            actor=None,
        )
        first = f"{schedule.next_run_at:%Y-%m-%d %H:%M} UTC for {schedule.next_period_key}"
        line = f"Schedule {schedule.id}: {target.name}, {schedule.period_kind}; first run {first}."
    console.print(line)


@schedule_app.command("list")
@handle_errors
def schedule_list(unit: UnitOption = None) -> None:
    """List report schedules (of one unit with --unit)."""
    with session_scope() as session:
        target = resolve_unit(session, unit) if unit is not None else None
        rows = schedules_service.list_all_schedules(session, unit=target)
        table = Table("id", "unit", "kind", "descendants", "locale", "recipients", "next run (UTC)", "active")
        table.add_column("last error")
        for s in rows:
            table.add_row(
                str(s.id), s.unit.name, s.period_kind, "yes" if s.include_descendants else "no", s.locale,
                ", ".join(s.recipients), f"{s.next_run_at:%Y-%m-%d %H:%M} ({s.next_period_key})",
                "yes" if s.active else "no", (s.last_error or "")[:60],
            )  # fmt: skip
    console.print(table)


@schedule_app.command("remove")
@handle_errors
def schedule_remove(schedule_id: Annotated[int, typer.Argument(help="The schedule's id.")]) -> None:
    """Delete a schedule (its reports stay in the archive)."""
    with session_scope() as session:
        schedule = session.get(ReportSchedule, schedule_id)
        if schedule is None:
            raise fail(f"schedule {schedule_id} not found (schedule_id)")
        schedules_service.remove_schedule(session, schedule=schedule, actor=None)
    console.print(f"Schedule {schedule_id} removed.")
