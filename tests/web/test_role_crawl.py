"""Every link and button a role is shown leads somewhere that role may go (real Chromium, all six roles).

The crawl starts at the home page, follows same-origin GET links (`a[href]`, `[hx-get]`), submits GET forms
with their shown values, and submits POST forms (with the CSRF token and the values shown) after the GET
walk, in a unit of its own so nothing another test relies on changes. A link, tile or button shown to a role
that answers 403, 404, 405 or 422 is a dead end (a POST form may answer a validation error: it was allowed).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from humas.org.models import Role
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser

DEAD = {403, 404, 405, 422}
MAX_PAGES = 70
PER_SHAPE = 2
# Leaving the session, or changing the crawler's own account, would end the walk; they are tested elsewhere.
SKIP_POST = re.compile(
    r"^/(logout|locale|password|profile/password)$|/users/(?P<own>\d+)/(deactivate|reset-password)$"
)

COLLECT = """() => {
  const links = [...document.querySelectorAll('a[href]')]
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.getAttribute('href'));
  const downloads = [...document.querySelectorAll('a[href][download]')].map(a => a.getAttribute('href'));
  const hx = [...document.querySelectorAll('[hx-get]')].map(e => e.getAttribute('hx-get'));
  // A form counts as a button shown only when it has a visible submit control.
  const submitting = 'button:not([type=button]):not([type=reset]), input[type=submit]';
  const submits = f => [...f.querySelectorAll(submitting)].some(b => b.offsetParent !== null);
  const forms = [...document.querySelectorAll('form')].filter(submits).map(f => ({
    method: (f.getAttribute('method') || 'get').toLowerCase(),
    action: f.getAttribute('action') || location.pathname,
    fields: [...new FormData(f).entries()].filter(([k, v]) => typeof v === 'string'),
  }));
  return {links, downloads, hx, forms};
}"""


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/{id}", path)


class Crawl:
    def __init__(self, live: LiveServer, page: Any, role: str, user_id: int) -> None:
        self.live, self.page, self.role, self.user_id = live, page, role, user_id
        self.seen: set[str] = set()
        self.shapes: Counter[str] = Counter()
        self.queue: list[tuple[str, str]] = [("/", "start")]
        self.posts: dict[str, tuple[list[tuple[str, str]], str]] = {}
        self.dead: list[str] = []

    def _local(self, href: str | None, base: str) -> str | None:
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            return None
        url = urlsplit(urljoin(base, href))
        if f"{url.scheme}://{url.netloc}" != self.live.url or url.path.startswith(("/static", "/api")):
            return None
        return url.path + (f"?{url.query}" if url.query else "")

    def _want(self, target: str) -> bool:
        shape = _shape(target.split("?")[0]) + ("?" if "?" in target else "")
        if target in self.seen or self.shapes[shape] >= PER_SHAPE or target == "/logout":
            return False
        self.shapes[shape] += 1
        self.seen.add(target)
        return True

    def _check(self, status: int, target: str, origin: str) -> None:
        if status in DEAD:
            self.dead.append(f"{self.role}: {target} answered {status} (shown on {origin})")

    def walk(self) -> None:
        pages = 0
        while self.queue and pages < MAX_PAGES:
            target, origin = self.queue.pop(0)
            response = self.page.goto(self.live.url + target, wait_until="domcontentloaded")
            pages += 1
            assert response is not None
            self._check(response.status, target, origin)
            if response.status >= 400 or "html" not in (response.headers.get("content-type") or ""):
                continue
            self._collect(self.page.url, target)

    def _collect(self, base: str, origin: str) -> None:
        found = self.page.evaluate(COLLECT)
        for href in found["links"] + found["hx"]:
            local = self._local(href, base)
            if local and self._want(local):
                self.queue.append((local, origin))
        for href in found["downloads"]:
            local = self._local(href, base)
            if local and self._want(local):
                # A download may render its file on request (a report's PDF: WeasyPrint, cold in a busy run).
                answer = self.page.request.get(self.live.url + local, timeout=60_000)
                self._check(answer.status, local, origin)
        for form in found["forms"]:
            action = self._local(form["action"], base)
            if action is None:
                continue
            if form["method"] == "get":
                query = "&".join(f"{k}={v}" for k, v in form["fields"] if k != "csrf_token" and v)
                target = action + (f"?{query}" if query else "")
                if self._want(target):
                    self.queue.append((target, origin))
            else:
                self.posts.setdefault(action, (form["fields"], origin))

    def _post(self, action: str, fields: dict[str, str]) -> Any:
        from playwright.sync_api import Error

        try:
            return self.page.request.post(self.live.url + action, form=fields, max_redirects=0)
        except Error:  # a connection reset by the busy shared server: once more
            return self.page.request.post(self.live.url + action, form=fields, max_redirects=0)

    def submit_posts(self) -> None:
        for action, (fields, origin) in sorted(self.posts.items()):
            skip = SKIP_POST.search(action)
            if skip and (skip.group("own") is None or int(skip.group("own")) == self.user_id):
                continue
            response = self._post(action, dict(fields))
            if response.status in (403, 404, 405):
                self.dead.append(f"{self.role}: POST {action} answered {response.status} (form on {origin})")


@pytest.fixture(scope="module")
def crawl_units(live_server: LiveServer) -> dict[str, Any]:
    """For each role a unit of its own (with a child and some data) and a user there: what one role's
    buttons change (a user deactivated, a unit archived) never reaches another role's walk."""
    from humas.ingest.service import feeds as feeds_service
    from humas.ingest.service import queries as queries_service
    from humas.listening.service import facets, narratives
    from humas.org import service as org_service
    from humas.org.models import Unit
    from tests.listening.conftest import add_mentions

    def seed(session: Any) -> dict[str, int]:
        root = session.get(Unit, live_server.units["root"])
        admin = org_service.find_user_by_email(session, live_server.users["admin"].email)
        at = datetime.now(UTC) - timedelta(hours=2)
        ids = {}
        for role in Role:
            name = unique(f"Biro {role.value}")
            unit = org_service.create_unit(session, name=name, parent=root, actor=admin)
            org_service.create_unit(session, name=unique("Bagian"), parent=unit, actor=admin)
            queries_service.create_query(session, unit=unit, name=unique("Pajak"), query="pajak", actor=None)
            feeds_service.add_feed(session, unit=unit, url="https://berita.example/rss", actor=None)
            add_mentions(session, unit, ["Antrean pajak di KPPN lambat sekali hari ini"] * 6, at=at)
            add_mentions(session, unit, ["Pelayanan ramah, terima kasih petugas"] * 3, at=at)
            ids[role.value] = int(unit.id)
        facets.update_facets(session)
        narratives.build_narratives(session)
        return ids

    unit_ids = live_server.run(seed)
    return {role: live_server.add_user(unit_id, role) for role, unit_id in unit_ids.items()}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_link_and_button_shown_is_allowed(page, live_server: LiveServer, crawl_units, role) -> None:
    user = crawl_units[role]
    login(page, live_server, user.key)
    crawl = Crawl(live_server, page, role, user.id)
    crawl.walk()
    assert len(crawl.seen) > 8, f"the crawl reached too little: {sorted(crawl.seen)}"
    crawl.submit_posts()
    assert not crawl.dead, "\n".join(crawl.dead)
