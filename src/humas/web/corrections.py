"""Label corrections where labels are shown (explorer, mention, narrative) and the admin page "Model".

Pages that show labels add ``label_context(session, user, mentions)`` to their context; the partial
``mentions/_label.html`` shows a label (marked "dikoreksi" with who and when) and, to analysts and admins,
a small form that posts here. The rules are ingest's and listening's correction services.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from humas.ingest.models import Mention
from humas.ingest.service import corrections as corrections_service
from humas.ingest.service import search as search_service
from humas.listening.service import corrections as listening_corrections
from humas.web import labels
from humas.web.deps import AdminUser, CurrentUser, DbSession
from humas.web.flash import N_, redirect
from humas.web.params import IdPath
from humas.web.templating import render

router = APIRouter(include_in_schema=False)
TaskPath = Annotated[str, Path(max_length=16)]


@dataclass
class LabelCell:
    """One label of one mention as a page shows it, with the choices of its correction form."""

    mention_id: int
    task: str
    value: str | None
    correction: Any = None  # corrections_service.CorrectionView
    options: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def values(self) -> list[str]:
        if self.task == "abuse":
            return [v for v in (self.value or "").split(corrections_service.ABUSE_SEP) if v]
        return [self.value] if self.value else []

    @property
    def texts(self) -> list[Any]:
        return [labels.label_text(self.task, v) for v in self.values]


def _options(task: str) -> list[tuple[str, Any]]:
    try:
        return labels.choices(task, corrections_service.label_choices(task))
    except OSError:  # no model for this task in this deployment: nothing to choose from
        return []


def label_cells(session: Session, mentions: Iterable[Mention]) -> dict[int, dict[str, LabelCell]]:
    """Every correctable label of the mentions, by mention id and task."""
    listed = list(mentions)
    found = corrections_service.corrections_for(session, [m.id for m in listed])
    options = {task: _options(task) for task in corrections_service.TASKS}
    cells: dict[int, dict[str, LabelCell]] = {}
    for mention in listed:
        cells[mention.id] = {}
        for task in corrections_service.TASKS:
            correction = found.get((mention.id, task))
            value = corrections_service.shown_label(mention, task, correction)
            cells[mention.id][task] = LabelCell(mention.id, task, value, correction, options[task])
    return cells


def label_context(session: Session, mentions: Iterable[Mention]) -> dict[str, Any]:
    """What a page showing mentions' labels adds to its context (the partial reads ``label_cells``)."""
    return {
        "label_cells": label_cells(session, mentions),
        "hoax_hint_kinds": corrections_service.HOAX_HINT_KINDS,
    }


@router.post("/mentions/{mention_id}/labels/{task}", response_model=None)
def correct_label(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    mention_id: IdPath,
    task: TaskPath,
    label: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Correct one label of a mention (analysts and admins); htmx gets the label back, a form a redirect."""
    mention = search_service.access_mention(session, user, mention_id)
    value: str | list[str] = label if task == "abuse" else (label[0] if len(label) == 1 else "")
    listening_corrections.correct_label(session, mention=mention, task=task, label=value, actor=user)
    if request.headers.get("hx-request") != "true":
        return redirect(f"/mentions/{mention.id}", N_("Label corrected."))
    cell = label_cells(session, [mention])[mention.id][task]
    return render(request, "mentions/_label.html", cell=cell)


def _cards() -> list[Any]:
    from humas.nlp.cards import model_cards  # NOTE: reads the card files only; no model is loaded

    return model_cards()


@router.get("/settings/models", response_class=HTMLResponse)
def models_page(request: Request, session: DbSession, user: AdminUser) -> HTMLResponse:
    """Each model's card (data, date, scores) and the download of the label corrections (admins)."""
    unit_ids = corrections_service.export_unit_ids(session, user)
    counts = corrections_service.count_corrections(session, unit_ids=unit_ids)
    return render(request, "settings/models.html", cards=_cards(), counts=counts)


def _jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


@router.get("/settings/models/corrections.jsonl")
def corrections_download(session: DbSession, user: AdminUser) -> StreamingResponse:
    """The label corrections of the admin's units as JSON lines (what ``humas nlp train`` reads)."""
    unit_ids = corrections_service.export_unit_ids(session, user)
    rows = list(corrections_service.export_rows(session, unit_ids=unit_ids))
    return StreamingResponse(
        _jsonl(iter(rows)),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="label-corrections.jsonl"'},
    )
