"""The reports service: building a unit's evaluation report (``build_report``), its first-draft text
(``draft``) and the rows behind each figure (``drill_rows``)."""

from humas.reports.service.build import build_report as build_report
from humas.reports.service.drill import DrillRows as DrillRows
from humas.reports.service.drill import drill_rows as drill_rows
from humas.reports.service.figures import DEFS as FIGURES
from humas.reports.service.figures import SUMMARY as SUMMARY

__all__ = ["FIGURES", "SUMMARY", "DrillRows", "build_report", "drill_rows"]
