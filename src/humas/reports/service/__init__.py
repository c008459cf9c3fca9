"""The reports service: building a unit's evaluation report (``build_report``), its first-draft text
(``draft``) and the rows behind each figure (``drill_rows``)."""

from humas.reports.service.build import build_report as build_report
from humas.reports.service.drill import DrillRows as DrillRows
from humas.reports.service.drill import drill_rows as drill_rows
from humas.reports.service.figures import DEFS as FIGURES
from humas.reports.service.figures import SUMMARY as SUMMARY

__all__ = ["FIGURES", "SUMMARY", "DrillRows", "build_report", "drill_rows"]

# The archive (finalised versions, their files and checksums), the analyst's section texts, schedules and
# logos (docs/decisions/0093-report-archive-schedules.md).
from humas.reports.service.archive import access_archived_report as access_archived_report  # noqa: E402
from humas.reports.service.archive import finalise_report as finalise_report  # noqa: E402
from humas.reports.service.archive import list_archive as list_archive  # noqa: E402
from humas.reports.service.archive import read_archived_report as read_archived_report  # noqa: E402
from humas.reports.service.archive import report_file as report_file  # noqa: E402
from humas.reports.service.archive import verify_archived_report as verify_archived_report  # noqa: E402
from humas.reports.service.logo import effective_logo as effective_logo  # noqa: E402
from humas.reports.service.logo import remove_unit_logo as remove_unit_logo  # noqa: E402
from humas.reports.service.logo import set_unit_logo as set_unit_logo  # noqa: E402
from humas.reports.service.schedules import access_schedule as access_schedule  # noqa: E402
from humas.reports.service.schedules import create_schedule as create_schedule  # noqa: E402
from humas.reports.service.schedules import list_schedules as list_schedules  # noqa: E402
from humas.reports.service.schedules import remove_schedule as remove_schedule  # noqa: E402
from humas.reports.service.schedules import set_schedule_active as set_schedule_active  # noqa: E402
from humas.reports.service.texts import save_section_text as save_section_text  # noqa: E402
from humas.reports.service.texts import section_texts as section_texts  # noqa: E402

__all__ += [
    "access_archived_report", "access_schedule", "create_schedule", "effective_logo", "finalise_report",
    "list_archive", "list_schedules", "read_archived_report", "remove_schedule", "remove_unit_logo",
    "report_file", "save_section_text", "section_texts", "set_schedule_active", "set_unit_logo",
    "verify_archived_report",
]  # fmt: skip
