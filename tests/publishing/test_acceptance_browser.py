"""Publishing's acceptance run in real Chromium (the part built so far): a drafter writes a post for X, the
live counter marks an over-long X variant and the submit is refused, the shortened post goes through a
two-step chain (a reviewer, then the leader) on the pages, is scheduled, appears on the content calendar, and
at its time the publishing clock sends it: X's recorded API receives exactly one ``POST /2/tweets`` (respx,
tests/connectors/fixtures/x/create_tweet.json, sources in SOURCES.md there) and the link shows on the post.

Left for the next step (see the report in docs/decisions/0084-publishing.md): Instagram and WordPress
variants with an image, metrics read back and the published post's comment in the inbox.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import respx

from humas.core.time import as_utc, utcnow
from humas.org.models import Unit, User
from humas.publishing.service import StepInput
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser
CREATED = json.loads((Path(__file__).parents[1] / "connectors/fixtures/x/create_tweet.json").read_text())


def _desk(live: LiveServer) -> dict[str, int]:
    from humas.org import service as org_service
    from humas.publishing import service as publishing_service

    admin = live.users["admin"]

    def seed(session) -> dict[str, int]:
        actor = session.get(User, admin.id)
        unit = org_service.create_unit(
            session, name=unique("KPPN Terbit"), parent=session.get(Unit, live.units["kanwil_a"]), actor=actor
        )
        x = make_channel(session, unit=unit, platform="x", values=DEFAULT_VALUES["x"])
        return {"unit": unit.id, "x": x.id}

    ids = live.run(seed)
    people = {
        r: live.add_user(ids["unit"], r, key=unique(r).replace(" ", "-"))
        for r in ("drafter", "reviewer", "pimpinan")
    }

    def chain(session) -> None:
        publishing_service.create_chain(
            session, unit_id=ids["unit"], name="Dua tahap", actor=session.get(User, admin.id),
            steps=[StepInput(name="Kasubbag Humas", role="reviewer"),
                   StepInput(name="Kabag", role="pimpinan")],
        )  # fmt: skip

    live.run(chain)
    return {**ids, **{k: v.id for k, v in people.items()}, "keys": people}  # type: ignore[dict-item]


def test_a_post_goes_from_draft_to_x_once(live_server: LiveServer, page) -> None:
    live = live_server
    desk = _desk(live)
    keys = desk.pop("keys")
    login(page, live, keys["drafter"].key)
    page.goto(f"{live.url}/publishing/posts/new?unit_id={desk['unit']}")
    page.fill("[data-testid=post-title]", "Layanan Sabtu")
    x_text = page.locator(f"#f-text-{desk['x']}")
    x_text.fill("Info layanan KPPN. " * 20)  # 380 characters: X takes 280
    counter = f"#counter-{desk['x']} [data-testid=variant-counter]"
    page.locator(f"{counter}[data-over=true]").wait_for()  # recounted live by the server
    assert "380 / 280" in page.locator(counter).inner_text()
    page.click("[data-testid=post-save]")
    page.wait_for_url(re.compile(r"/publishing/posts/\d+$"))
    post_url = page.url
    page.click("[data-testid=post-submit] button")
    refused = page.locator("[data-testid=variant] [data-testid=field-error], [data-testid=form-error]")
    assert refused.count() >= 1, page.content()[-3000:]
    page.goto(post_url)
    page.locator(f"#f-text-{desk['x']}").fill("KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima")
    page.locator(f"{counter}[data-over=false]").wait_for()
    page.click("[data-testid=post-save]")
    when = (utcnow() + timedelta(days=2)).astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    page.fill("#f-when", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=post-schedule] button")
    page.click("[data-testid=post-submit] button")
    for key in ("reviewer", "pimpinan"):
        page.context.clear_cookies()
        login(page, live, keys[key].key)
        page.goto(f"{live.url}/publishing")
        page.click("[data-testid=queue-link]")
        page.click("[data-testid=post-approve]")
        page.wait_for_url(post_url)
    assert "Dijadwalkan" in page.locator("h1 + p").inner_text() or "dijadwalkan" in page.content()

    page.goto(
        f"{live.url}/publishing/calendar?view=week&date={when.date().isoformat()}&unit_id={desk['unit']}"
    )
    assert page.locator("[data-testid=calendar-post]", has_text="Layanan Sabtu").count() == 1

    post_id = int(post_url.rsplit("/", 1)[1])
    from humas.publishing.models import Post
    from humas.publishing.tasks import run_tick

    scheduled = live.run(lambda s: as_utc(s.get(Post, post_id).scheduled_at))
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post("https://api.x.com/2/tweets").mock(return_value=httpx.Response(201, json=CREATED))
        run_tick(now=scheduled + timedelta(minutes=1))
        from humas.outbox import runner

        runner.send_due(live.engine, now=scheduled + timedelta(minutes=2))
        assert route.call_count == 1
        assert json.loads(route.calls[0].request.content)["text"].startswith("KPPN buka Sabtu")
    page.goto(post_url)
    link = page.locator("[data-testid=variant-state] [data-testid=variant-link]")
    assert link.count() == 1 and CREATED["data"]["id"] in link.get_attribute("href")
