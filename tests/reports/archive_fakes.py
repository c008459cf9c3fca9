"""Small stand-ins for the archive tests: a builder that counts a period's mentions from the database and
renderers that make a real (one-page) PDF, an XLSX-like and a ZIP quickly."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.ingest.models import Mention
from humas.org import service as org_service
from humas.org.models import Unit
from humas.reports.document import Figure, Report, Section
from humas.reports.period import Period
from humas.reports.service.archive import Renderers
from tests.reports.sample import sample_report

CALLS: list[dict[str, object]] = []


def counting_builder(
    session: Session,
    *,
    unit: Unit,
    period: Period,
    include_descendants: bool,
    locale: str,
    actor: object = None,
    now: datetime | None = None,
) -> Report:
    """The sample report whose mention figure is the live count of the period's mentions of the units."""
    ids = org_service.subtree_ids(session, unit) if include_descendants else [unit.id]
    start, end = period.bounds(ZoneInfo("Asia/Jakarta"))
    count = session.scalar(
        select(func.count(Mention.id)).where(
            Mention.unit_id.in_(ids), Mention.created_at >= start, Mention.created_at < end
        )
    )
    base = sample_report(locale=locale)
    figure = Figure("listening.mentions", "Jumlah sebutan", int(count or 0), "count", better="none")
    summary = replace(base.sections[0], figures=(*base.sections[0].figures[:3], figure))
    sections = (summary, *base.sections[1:3], Section("listening", "Pemantauan", figures=(figure,)))
    CALLS.append({"unit": unit.id, "period": period.key, "locale": locale})
    return replace(
        base,
        unit_id=unit.id,
        unit_name=unit.name,
        period=period,
        previous=period.previous(),
        include_descendants=include_descendants,
        unit_ids=tuple(sorted(ids)),
        generated_at=now or datetime.now(UTC),
        sections=sections,
    )


def _pdf(report: Report, *, logo: bytes | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(out, "PDF", title=report.title)
    return out.getvalue()


def _zip(report: Report) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("figures.csv", "\n".join(f"{k},{f.value}" for k, f in report.figures().items()))
    return out.getvalue()


FAKE_RENDERERS = Renderers(pdf=_pdf, xlsx=lambda r: b"PK-xlsx " + r.to_json().encode(), csv=_zip)


def add_mention(session: Session, *, unit: Unit, at: datetime, n: int) -> Mention:
    mention = Mention(unit_id=unit.id, platform="x", external_id=f"m-{unit.id}-{n}", created_at=at, text="…")
    session.add(mention)
    session.flush()
    return mention
