"""Mentions (search with the query language, one mention) and saved queries."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from humas.ingest.schemas import MentionDetail, MentionPageRead, MentionRead, SavedQueryCreate, SavedQueryRead
from humas.ingest.service import queries as queries_service
from humas.ingest.service import search as search_service
from humas.org import service as org_service
from humas.org.models import Role, User
from humas.org.service import TokenPrincipal
from humas.web.deps import ApiActor, DbSession
from humas.web.params import DateTimeQuery, IdPath, IdQuery, PageQuery, PerPageQuery

QUERY_MAX = 4000

router = APIRouter(tags=["mentions"])


def _user_of(actor: ApiActor) -> User:
    return actor.user if isinstance(actor, TokenPrincipal) else actor  # type: ignore[return-value]


@router.get("/mentions", response_model=MentionPageRead)
def search_mentions(
    session: DbSession,
    actor: ApiActor,
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    since: DateTimeQuery = None,
    until: DateTimeQuery = None,
    unit_id: IdQuery = None,
    query_id: IdQuery = None,
    platform: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    sentiment: Annotated[str | None, Query(max_length=64)] = None,
    emotion: Annotated[str | None, Query(max_length=64)] = None,
    abuse: Annotated[str | None, Query(max_length=64)] = None,
    sort: Annotated[Literal["newest", "oldest", "followers"], Query()] = "newest",
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> MentionPageRead:
    """Search the mentions of the caller's units with the query language and filters, newest first."""
    filters = search_service.MentionFilters(
        q=q, since=since, until=until, unit_id=unit_id, query_id=query_id, platform=platform, kind=kind,
        sentiment=sentiment, emotion=emotion, abuse=abuse, sort=sort, page=page, per_page=per_page,
    )  # fmt: skip
    result = search_service.search_mentions(session, actor=actor, filters=filters)  # type: ignore[arg-type]
    return MentionPageRead(
        items=[MentionRead.model_validate(m) for m in result.items],
        page=result.page,
        per_page=result.per_page,
        has_next=result.has_next,
    )


@router.get("/mentions/{mention_id}", response_model=MentionDetail)
def get_mention(session: DbSession, actor: ApiActor, mention_id: IdPath) -> MentionDetail:
    """One mention with its analysis, raw payload and matching saved queries."""
    mention = search_service.access_mention(session, actor, mention_id)  # type: ignore[arg-type]
    detail = MentionDetail.model_validate(mention)
    detail.query_ids = [q.id for q in search_service.matched_queries(session, mention=mention, actor=actor)]  # type: ignore[arg-type]
    return detail


@router.get("/queries", response_model=list[SavedQueryRead])
def list_queries(session: DbSession, actor: ApiActor) -> list[SavedQueryRead]:
    """Active saved queries of the caller's units."""
    return [SavedQueryRead.model_validate(q) for q in queries_service.list_queries(session, actor)]


@router.post("/queries", response_model=SavedQueryRead, status_code=201)
def create_query(session: DbSession, actor: ApiActor, body: SavedQueryCreate) -> SavedQueryRead:
    """Save a query for a unit (admins, analysts); its matches over history are backfilled as a job."""
    org_service.require_role(actor, Role.admin, Role.analyst)
    unit = org_service.access_unit(session, actor, body.unit_id)
    saved = queries_service.create_query(
        session, unit=unit, name=body.name, query=body.query, actor=_user_of(actor)
    )
    return SavedQueryRead.model_validate(saved)
