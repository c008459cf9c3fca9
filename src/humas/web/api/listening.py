"""Listening data: dashboard figures (from rollups), spikes, narratives and alerts of the caller's units."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from humas.listening.service import alerts as alerts_service
from humas.listening.service import dashboard
from humas.listening.service import narratives as narratives_service
from humas.listening.service import spikes as spikes_service
from humas.listening.service.scope import Scope, resolve_scope, visible_queries
from humas.org.service import Principal
from humas.web.deps import ApiActor, DbSession
from humas.web.listening_panels import cache_headers, cache_inputs, not_modified, panel_cache
from humas.web.params import DateTimeQuery, DaysQuery, IdPath, IdQuery, LatestLimitQuery

router = APIRouter(prefix="/listening", tags=["listening"])


def api_scope(
    session: DbSession,
    actor: ApiActor,
    unit_id: IdQuery = None,
    query_id: IdQuery = None,
    since: DateTimeQuery = None,
    until: DateTimeQuery = None,
    days: DaysQuery = None,
) -> Scope:
    """The unit subtree (default: the caller's unit) or saved query, over [since, until) or the last days."""
    return resolve_scope(
        session, actor, unit_id=unit_id, query_id=query_id, since=since, until=until, days=days
    )


ScopeDep = Annotated[Scope, Depends(api_scope)]


def _out(scope: Scope, rows: Any) -> dict[str, Any]:
    return {
        "unit_id": scope.unit.id,
        "query_id": scope.query_id or None,
        "since": scope.since.isoformat(),
        "until": scope.until.isoformat(),
        "bucket": scope.bucket,
        "rows": rows,
    }


# The cached figures: endpoint -> (cache name, computation). Each answers with an ETag and 304 on a match.
FIGURES: dict[str, tuple[str, Callable[[Session, Principal, Scope], Any], str]] = {
    "summary": (
        "summary",
        lambda s, a, sc: dashboard.summary(s, sc),
        "Totals of the range: mentions, sentiment, net sentiment, previous period.",
    ),
    "volume": (
        "volume",
        lambda s, a, sc: dashboard.volume(s, sc),
        "Mentions per hour (ranges up to 3 days) or per WIB day.",
    ),
    "sentiment": (
        "sentiment",
        lambda s, a, sc: dashboard.sentiment(s, sc),
        "Sentiment counts and net sentiment per bucket.",
    ),
    "platforms": ("platforms", lambda s, a, sc: dashboard.platforms(s, sc), "Mentions per platform."),
    "share-of-voice": (
        "share_of_voice",
        lambda s, a, sc: dashboard.share_of_voice(s, sc, visible_queries(s, a)),
        "Mentions matched by each saved query of the caller's units within the scope.",
    ),
    "emotions": ("emotions", lambda s, a, sc: dashboard.emotions(s, sc), "Mentions per emotion."),
    "keyphrases": (
        "keyphrases",
        lambda s, a, sc: dashboard.trending(s, sc, facet="kp"),
        "Key phrases growing against their previous period.",
    ),
    "hashtags": (
        "hashtags",
        lambda s, a, sc: dashboard.trending(s, sc, facet="tag"),
        "Hashtags growing against their previous period.",
    ),
    "authors": ("authors", lambda s, a, sc: dashboard.authors(s, sc), "Authors with the widest reach."),
}


def _figure_route(path: str, name: str, read: Callable[[Session, Principal, Scope], Any], doc: str) -> None:
    def endpoint(request: Request, session: DbSession, actor: ApiActor, scope: ScopeDep) -> Any:
        lookup = panel_cache(request).lookup(session, scope, name, extra=cache_inputs(session, actor, name))
        etag = lookup.etag("json")
        if not_modified(request, etag):
            return Response(status_code=304, headers=cache_headers(etag))
        body = _out(scope, lookup.value(lambda: read(session, actor, scope)))
        return JSONResponse(body, headers=cache_headers(etag))

    endpoint.__name__ = path.replace("-", "_")
    endpoint.__doc__ = doc
    router.add_api_route(f"/{path}", endpoint, methods=["GET"], response_model=dict[str, Any])


for _path, (_name, _read, _doc) in FIGURES.items():
    _figure_route(_path, _name, _read, _doc)


@router.get("/latest")
def latest(session: DbSession, scope: ScopeDep, limit: LatestLimitQuery = 20) -> dict[str, Any]:
    """The newest mentions of the scope (ids, text, platform, time)."""
    rows = [
        {
            "id": m.id,
            "platform": m.platform,
            "created_at": m.created_at.isoformat(),
            "text": m.text[:500],
            "sentiment": m.sentiment,
            "url": f"/mentions/{m.id}",
        }
        for m in dashboard.latest(session, scope, limit=limit)
    ]
    return _out(scope, rows)


@router.get("/spikes")
def spikes(session: DbSession, scope: ScopeDep) -> dict[str, Any]:
    """Spikes overlapping the range."""
    rows = [
        {
            "id": s.id,
            "unit_id": s.unit_id,
            "query_id": s.query_id or None,
            "metric": s.metric,
            "start": s.start_at.isoformat(),
            "peak": s.peak_at.isoformat(),
            "end": s.end_at.isoformat(),
            "score": round(s.score, 3),
            "peak_value": s.peak_value,
            "expected": round(s.expected, 2),
            "ongoing": s.ongoing,
            "keyphrases": s.keyphrases,
            "mention_ids": s.mention_ids,
        }
        for s in spikes_service.list_spikes(session, scope=scope, limit=200)
    ]
    return _out(scope, rows)


def _narrative(n: Any) -> dict[str, Any]:
    return {
        "id": n.id,
        "unit_id": n.unit_id,
        "representative_text": n.representative_text,
        "size": n.size,
        "first_seen_at": n.first_seen_at.isoformat(),
        "last_seen_at": n.last_seen_at.isoformat(),
        "label": n.label,
        "hoax_score_hint": n.hoax_score,
        "clarification_url": n.clarification_url,
        "clarified_at": n.clarified_at.isoformat() if n.clarified_at else None,
    }


@router.get("/narratives")
def narratives(
    session: DbSession, actor: ApiActor, label: Annotated[str | None, Query(max_length=64)] = None
) -> list[dict[str, Any]]:
    """Narratives of the caller's units."""
    return [_narrative(n) for n in narratives_service.list_narratives(session, actor, label=label)]


@router.get("/narratives/{narrative_id}")
def narrative(session: DbSession, actor: ApiActor, narrative_id: IdPath) -> dict[str, Any]:
    """One narrative with its spread before and after the clarification."""
    n = narratives_service.access_narrative(session, actor, narrative_id)
    return {**_narrative(n), "spread": narratives_service.spread(session, n)}


@router.get("/alerts")
def alerts(session: DbSession, actor: ApiActor) -> list[dict[str, Any]]:
    """The alert history of the caller's units with each delivery's status."""
    return [
        {
            "id": e.id,
            "rule_id": e.rule_id,
            "unit_id": e.unit_id,
            "kind": e.kind,
            "subject": e.subject,
            "occurred_at": e.occurred_at.isoformat(),
            "suppressed": e.suppressed,
            "deliveries": [
                {
                    "channel": d.medium,
                    "status": d.shown_status,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                }
                for d in e.deliveries
            ],
        }
        for e in alerts_service.list_events(session, actor)
    ]
