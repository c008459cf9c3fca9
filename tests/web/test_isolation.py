"""A user of one unit gets 404 for any object of a sibling unit, on every page and API route taking an id.

The routes are enumerated from the app: a new route with an `..._id` parameter is covered automatically, and
one whose parameter has no factory in `tests/web/isolation.py` fails loudly.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from humas.org.models import Role
from humas.web.app import iter_routes
from tests.factories import make_unit, make_user
from tests.web.conftest import WebClient, api_token
from tests.web.isolation import ID_FACTORIES

ID_PARAM = re.compile(r"\{(\w+_id)(?::\w+)?\}")


def _value(annotation: Any, name: str, own_unit_id: int) -> Any:
    """A valid value for a body field, pointing at the actor's own objects: only the path id is foreign."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:  # a bounded type (humas.web.params): the value of the type inside
        return _value(typing.get_args(annotation)[0], name, own_unit_id)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and args:
        return _value(args[0], name, own_unit_id)
    if origin is list:
        return [_value(args[0] if args else str, name, own_unit_id)]
    if annotation is int:
        return own_unit_id
    if annotation is bool:
        return False
    if name in ("role", "roles"):
        return Role.analyst.value
    return "Nilai Uji"


def _body(route: Any, own_unit_id: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(json, form) for a route's body parameters."""
    params = route.route.dependant.body_params
    for param in params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return {
                n: _value(f.annotation, n, own_unit_id)
                for n, f in annotation.model_fields.items()
                if f.is_required() or n.endswith("_id")
            }, None
    if not params:
        return None, None
    return None, {p.name: _value(p.field_info.annotation, p.name, own_unit_id) for p in params}


def test_every_route_with_an_id_hides_sibling_objects(web: WebClient, web_app, session) -> None:
    root = make_unit(session, name="Kementerian Isolasi")
    mine = make_unit(session, parent=root, name="Ditjen Saya")
    sibling = make_unit(session, parent=root, name="Ditjen Tetangga")
    actor = make_user(session, unit=mine, roles=tuple(r.value for r in Role))
    token = api_token(session, actor)
    web.login(actor)

    routes = [r for r in iter_routes(web_app) if ID_PARAM.search(r.path)]
    assert len(routes) >= 10, "route enumeration found too few routes"
    unknown = {p for r in routes for p in ID_PARAM.findall(r.path)} - ID_FACTORIES.keys()
    assert not unknown, f"register an isolation factory in tests/web/isolation.py for: {sorted(unknown)}"

    failures = []
    for route in routes:
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            path = route.path
            for param in ID_PARAM.findall(route.path):
                foreign_id = ID_FACTORIES[param](session, sibling)
                path = re.sub(r"\{" + param + r"(?::\w+)?\}", str(foreign_id), path)
            session.commit()
            json_body, form = _body(route, mine.id)
            if route.path.startswith("/api/"):
                response = web.api(method, path, token, json=json_body)
            elif method == "GET":
                response = web.get(path, follow_redirects=False)
            else:
                response = web.post(path, form or {}, csrf=True)
            if response.status_code != 404:
                failures.append(f"{method} {route.path} -> {response.status_code}: {response.text[:200]}")
    assert not failures, "\n".join(failures)


def test_own_objects_are_reachable(web: WebClient, session) -> None:
    """The same routes work for objects of the actor's own subtree (the 404s above are not accidental)."""
    root = make_unit(session)
    mine = make_unit(session, parent=root)
    child = make_unit(session, parent=mine)
    actor = make_user(session, unit=mine)
    colleague = make_user(session, unit=child, roles=("drafter",))
    token = api_token(session, actor)
    web.login(actor)
    assert web.get(f"/units/{child.id}").status_code == 200
    assert web.get(f"/users/{colleague.id}").status_code == 200
    assert web.api("GET", f"/api/v1/units/{child.id}", token).status_code == 200
    assert web.api("GET", f"/api/v1/users/{colleague.id}", token).status_code == 200
    # ...and the parent unit, above the actor, is as invisible as a sibling.
    assert web.get(f"/units/{root.id}").status_code == 404
    assert web.api("GET", f"/api/v1/units/{root.id}", token).status_code == 404
