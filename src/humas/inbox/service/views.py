"""Saved views: a person's named inbox filters (mine, unassigned, overdue, channel, type, sentiment)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.inbox.models import SavedView
from humas.inbox.service.listing import InboxFilters, check_filters
from humas.org import audit as audit_service
from humas.org.service import Principal

NAME_MAX = 200
MAX_VIEWS = 50


def list_views(session: Session, actor: Principal) -> list[SavedView]:
    """The actor's own saved views, by name."""
    return list(
        session.scalars(select(SavedView).where(SavedView.user_id == actor.id).order_by(SavedView.name))
    )


def access_view(session: Session, actor: Principal, view_id: int) -> SavedView:
    """One of the actor's own views; anyone else's is simply not found."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != actor.id:
        raise NotFound(_("View not found."))
    return view


def create_view(session: Session, *, actor: Principal, name: str, filters: InboxFilters) -> SavedView:
    """Save the current filters under a name (a person's names are unique)."""
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_("Give the view a name."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(_("At most %(n)s characters.", n=NAME_MAX), field="name")
    filters = check_filters(filters)
    existing = list_views(session, actor)
    if any(v.name.casefold() == name.casefold() for v in existing):
        raise Conflict(_("You already have a view with this name."), field="name")
    if len(existing) >= MAX_VIEWS:
        raise Invalid(_("At most %(n)s saved views.", n=MAX_VIEWS), field="name")
    view = SavedView(user_id=actor.id, name=name, filters=filters.to_dict())
    session.add(view)
    session.flush()
    audit_service.record(
        session, actor=actor, action="inbox.view.create", obj=view, unit=actor.unit, after={"name": name}
    )
    return view


def delete_view(session: Session, *, view: SavedView, actor: Principal) -> None:
    """Remove one of the actor's views."""
    audit_service.record(
        session,
        actor=actor,
        action="inbox.view.delete",
        obj=view,
        unit=actor.unit,
        before={"name": view.name},
    )
    session.delete(view)
    session.flush()


def view_filters(view: SavedView) -> InboxFilters:
    """The filters a view applies."""
    return InboxFilters.from_dict(dict(view.filters or {}))


def count_views(session: Session, actor: Principal) -> int:
    return int(session.scalar(select(func.count()).where(SavedView.user_id == actor.id)) or 0)
