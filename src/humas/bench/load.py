"""`humas bench load`: many logged-in people on the dashboard and the explorer at once, over loopback.

Starts `humas serve` on the demo institution (a fresh SQLite file or PostgreSQL schema, a month of demo
mentions, N extra analyst accounts spread over its units) or targets a server already running on loopback,
logs N users in through the login form, and replays what their browsers request:

- a **page visit** is the page itself, then the fragments its markup loads at once (htmx `load`), several
  in parallel as a browser does (at most 6 connections per host);
- while the page stays open its **polls** fire on the page's own schedule (the dashboard's pulse every 5 s,
  its panels every 60 s), with the ETag of the previous answer (`If-None-Match`), as a browser's cache does;
- after `dwell` seconds the user opens the next page of their round (dashboard 30 days, explorer search,
  dashboard 7 days, ...). `dwell` 0 turns every user into a closed loop (a stress test, not a day's use).

Pages are data (`PAGES`, `register_page`): the inbox pages join the round by adding entries. Reported:
requests/s, errors (a transport error or a status other than 200, 303 or 304), p50/p95/p99 latency overall
and per request kind, and how many answers were 304.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

MAX_USERS = 500
MAX_SECONDS = 600
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PASSWORD = "beban-uji-yang-panjang-1"  # noqa: S105 - bench accounts in a throwaway database
BROWSER_CONNECTIONS = 6
OK = frozenset({200, 303, 304})
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SEARCHES = ("pencairan", "pelayanan", "gaji", "antrean", "sp2d", "hoaks", "layanan lambat", "")


@dataclass(frozen=True)
class Fetch:
    """One request a page makes: at load, and again every `every` seconds while it is open (a poll)."""

    kind: str
    path: str
    every: float | None = None
    htmx: bool = True


@dataclass(frozen=True)
class Page:
    kind: str
    path: str
    fragments: tuple[Fetch, ...] = ()


def dashboard(days: int, unit_id: int | None = None) -> Page:
    """The Pantauan dashboard: its pulse (every 5 s) and every panel (every 60 s), as its template asks."""
    from humas.web.listening_panels import PANELS

    params = {"days": days} | ({"unit_id": unit_id} if unit_id else {})
    qs = urlencode(params)
    fragments = (
        Fetch("pulse", f"/listening/pulse?{qs}", every=5.0),
        *(Fetch(f"panel:{name}", f"/listening/panels/{name}?{qs}", every=60.0) for name in PANELS),
    )
    return Page(f"dashboard:{days}d", f"/listening?{qs}", fragments)


def explorer(q: str, days: int = 30) -> Page:
    """The explorer: one search over the last `days` days, newest first (its filters reload the same URL)."""
    from datetime import date, timedelta

    today = date.today()
    params = {"q": q, "since": (today - timedelta(days=days)).isoformat(), "until": today.isoformat()}
    return Page("explorer", f"/mentions?{urlencode({k: v for k, v in params.items() if v})}")


# A user's round; each user starts at a different place in it and searches different words.
PAGES: list[Callable[[random.Random], Page]] = [
    lambda rng: dashboard(30),
    lambda rng: explorer(rng.choice(SEARCHES)),
    lambda rng: dashboard(7),
    lambda rng: explorer(rng.choice(SEARCHES), days=7),
]


def register_page(factory: Callable[[random.Random], Page]) -> None:
    """Add a page to every user's round (e.g. the inbox, once built)."""
    PAGES.append(factory)


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    retried: int = 0

    def add(self, kind: str, ms: float, status: int | None, note: str = "") -> None:
        self.samples[kind].append(ms)
        if status is not None:
            self.statuses[status] += 1
        if status not in OK:
            self.errors[kind] += 1
            if len(self.error_examples) < 10:
                self.error_examples.append(f"{kind}: {status} {note}"[:300])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def _figures(values: list[float]) -> dict[str, Any]:
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(values), 1) if values else 0.0,
        "p95_ms": _pct(values, 0.95),
        "p99_ms": _pct(values, 0.99),
    }


class User:
    def __init__(self, base: str, account: Account, stats: Stats, seed: int) -> None:
        import httpx

        self.client = httpx.AsyncClient(base_url=base, timeout=60.0, follow_redirects=False)
        self.email, self.password, self.cookie = account
        self.stats = stats
        self.rng = random.Random(seed)
        self.etags: dict[str, str] = {}
        self.slots = asyncio.Semaphore(BROWSER_CONNECTIONS)

    async def login(self) -> None:
        if self.cookie is not None:  # a session made in the database (see build_demo_database)
            from humas.web.deps import SESSION_COOKIE

            self.client.cookies.set(SESSION_COOKIE, self.cookie)
            return
        form = await self.client.get("/login")
        match = CSRF.search(form.text)
        data = {"email": self.email, "password": self.password, "csrf_token": match.group(1) if match else ""}
        response = await self.client.post("/login", data=data)
        if response.status_code != 303:
            raise RuntimeError(f"login of {self.email} failed: {response.status_code}")

    async def fetch(self, kind: str, path: str, *, htmx: bool = False, measure: bool = True) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        import httpx

        async with self.slots:
            t = time.perf_counter()
            try:
                try:
                    response = await self.client.get(path, headers=headers)
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    # The server closed a kept-alive connection as this GET went out on it (uvicorn closes
                    # idle ones after 5 s, the pulse's period): a browser sends it again on a new one.
                    self.stats.retried += 1
                    response = await self.client.get(path, headers=headers)
            except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
                if measure:
                    self.stats.add(kind, (time.perf_counter() - t) * 1000, None, repr(exc))
                return
            ms = (time.perf_counter() - t) * 1000
        if "etag" in response.headers:
            self.etags[path] = response.headers["etag"]
        if measure:
            self.stats.add(kind, ms, response.status_code, response.text[:200])

    async def run(self, until: float, dwell: float, start: int) -> None:
        turn = start
        while time.monotonic() < until:
            page = PAGES[turn % len(PAGES)](self.rng)
            turn += 1
            await self.visit(page, min(until, time.monotonic() + dwell))

    async def visit(self, page: Page, leave: float) -> None:
        await self.fetch(page.kind, page.path)
        await asyncio.gather(*(self.fetch(f.kind, f.path, htmx=f.htmx) for f in page.fragments))
        due = {f: time.monotonic() + f.every for f in page.fragments if f.every}
        while True:
            now = time.monotonic()
            ready = [f for f, t in due.items() if t <= now]
            if ready:
                await asyncio.gather(*(self.fetch(f.kind, f.path, htmx=f.htmx) for f in ready))
                for f in ready:
                    due[f] = time.monotonic() + (f.every or 0)
            wake = min([leave, *due.values()])
            if time.monotonic() >= leave:
                return
            await asyncio.sleep(max(0.0, wake - time.monotonic()))


Account = tuple[str, str, str | None]  # e-mail, password, and a session cookie already made (or None)


async def _drive(base: str, accounts: list[Account], seconds: float, dwell: float) -> dict[str, Any]:
    stats = Stats()
    users = [User(base, account, stats, seed=i) for i, account in enumerate(accounts)]
    t = time.perf_counter()
    gate = asyncio.Semaphore(4)  # password hashing is deliberately slow: a few logins at a time

    async def login(user: User) -> None:
        async with gate:
            await user.login()

    await asyncio.gather(*(login(u) for u in users))
    login_s = time.perf_counter() - t
    started = time.monotonic()
    until = started + seconds
    # Users arrive over the first seconds (not all in the same millisecond), each at its own page.
    ramp = min(5.0, seconds / 4)

    async def one(i: int, user: User) -> None:
        await asyncio.sleep(ramp * i / max(1, len(users)))
        await user.run(until, dwell, start=i)

    await asyncio.gather(*(one(i, u) for i, u in enumerate(users)))
    elapsed = time.monotonic() - started
    for user in users:
        await user.client.aclose()
    every = [ms for values in stats.samples.values() for ms in values]
    return {
        "users": len(users),
        "seconds": round(elapsed, 1),
        "dwell_s": dwell,
        "login_s": round(login_s, 1),
        "requests_per_s": round(len(every) / elapsed, 1) if elapsed else 0.0,
        "errors": sum(stats.errors.values()),
        "not_modified": stats.statuses.get(304, 0),
        "retried_on_closed_connection": stats.retried,
        **_figures(every),
        "by_kind": {
            k: {**_figures(v), "errors": stats.errors.get(k, 0)} for k, v in sorted(stats.samples.items())
        },
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "error_examples": stats.error_examples,
    }


def check_loopback(url: str) -> str:
    """The target must be this machine: the benchmark is a load test, not a tool against others' servers."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
        raise ValueError(f"--url must be a loopback address (127.0.0.1, localhost, ::1), not {host!r}")
    return url.rstrip("/")


def bounded(users: int, seconds: int) -> None:
    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"--users must be between 1 and {MAX_USERS}")
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"--seconds must be between 1 and {MAX_SECONDS}")


def build_demo_database(url: str, users: int, *, seed: int = 3, sessions: bool = True) -> list[Account]:
    """The demo institution with its month of mentions, plus `users` analysts (40% at the ministry).

    With `sessions` each analyst also gets a browser session made in the database (the cookie the login form
    would set): the password hash is deliberately slow, and a hundred of them on a shared two-core machine
    took minutes before the first page (measured), which is not what the run is about.
    """
    from sqlalchemy import select

    from humas.core.db import make_engine, session_scope
    from humas.demo.listening import seed_demo_mentions
    from humas.demo.org import build_demo
    from humas.org import auth as auth_service
    from humas.org import service as org_service
    from humas.org.models import Unit
    from humas.web.deps import sign

    engine = make_engine(url)
    build_demo(engine)
    seed_demo_mentions(engine)
    rng = random.Random(seed)
    accounts = []
    with session_scope(engine) as session:
        units = list(session.scalars(select(Unit).order_by(Unit.path)))
        admin = org_service.find_user_by_email(session, "admin@demo.go.id")
        for i in range(users):
            unit = units[0] if rng.random() < 0.4 else rng.choice(units)
            email = f"beban{i}@demo.go.id"
            user, _pw = org_service.create_user(
                session, email=email, name=f"Beban {i}", unit=unit, roles=["analyst"], actor=admin,
                password=PASSWORD,
            )  # fmt: skip
            cookie = None
            if sessions:
                token, _web = auth_service.start_session(session, user=user)
                cookie = sign(token, salt="humas.session")
            accounts.append((email, PASSWORD, cookie))
        if engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE")
    engine.dispose()
    return accounts


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (Linux /proc), or None where that is not readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_tree(root: int) -> list[int]:
    """The process and its descendants (the web processes `humas serve` spawns), from /proc."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents[ppid].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def server_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of each process of the server's tree (empty off Linux)."""
    if not Path("/proc").is_dir():
        return {}
    out = {}
    for pid in _process_tree(root):
        cpu = _cpu_seconds(pid)
        if cpu is not None:
            out[pid] = cpu
    return out


def cpu_used(root: int, before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    """The CPU seconds the server used between two readings: its web processes, and the supervising
    process (the task consumer runs there)."""
    web = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items() if pid != root)
    return {
        "web_cpu_s": round(web, 2),
        "supervisor_cpu_s": round(after.get(root, 0.0) - before.get(root, 0.0), 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"humas serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/login", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("humas serve did not answer in time")


@contextmanager
def serving(
    env: dict[str, str], folder: Path, *, cwd: Path | None = None, log: Callable[[str], None] = print
) -> Iterator[tuple[str, subprocess.Popen[bytes], list[str]]]:
    """`humas serve` on loopback and a free port with `env`, started in `cwd` (where it reads a `.env`), its
    log in `folder`; yields the base URL, the process and its command once it answers, then stops it."""
    port = _free_port()
    command = [sys.executable, "-m", "humas.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (folder / "serve.log").open("wb") as server_log:
        server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            command, cwd=cwd, env=env, stdout=server_log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                _wait_ready(base, server)
            except RuntimeError:
                log((folder / "serve.log").read_text(errors="replace")[-3000:])
                raise
            yield base, server, command
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def run(
    users: int,
    seconds: int,
    *,
    engine: str = "sqlite",
    url: str | None = None,
    login: tuple[str, str] | None = None,
    form_login: bool = False,
    pg_url: str | None = None,
    dwell: float = 15.0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the load test; with `url` against that loopback server (every user logs in as `login`)."""
    bounded(users, seconds)
    if url is not None:
        base = check_loopback(url)
        if login is None:
            raise ValueError("--login EMAIL:PASSWORD is needed with --url")
        result = asyncio.run(_drive(base, [(*login, None)] * users, seconds, dwell))
        return {"target": base, "engine": "external", **result}
    tmp = Path(tempfile.mkdtemp(prefix="humas-bench-load-"))
    schema = None
    if engine == "sqlite":
        db_url = f"sqlite:///{tmp / 'demo.db'}"
    else:
        db_url, schema = _pg_schema(pg_url)
    log(f"building the demo on {engine} with {users} extra users…")
    t = time.perf_counter()
    accounts = build_demo_database(db_url, users, sessions=not form_login)
    build_s = time.perf_counter() - t
    env = dict(os.environ, HUMAS_DATABASE_URL=db_url, HUMAS_QUEUE_PATH=str(tmp / "queue.db"))
    command: list[str] = []
    try:
        with serving(env, tmp, log=log) as (base, server, command):
            log(f"serving at {base}; {users} users for {seconds} s…")
            cpu_before = server_cpu(server.pid)
            client_before = time.process_time()
            result = asyncio.run(_drive(base, accounts, seconds, dwell))
            client_s = time.process_time() - client_before
            used = cpu_used(server.pid, cpu_before, server_cpu(server.pid))
            if used["web_cpu_s"] or used["supervisor_cpu_s"]:
                # What a request cost the web processes in CPU: independent of how many cores were free.
                result["web_cpu_ms_per_request"] = round(
                    1000 * used["web_cpu_s"] / max(1, result["requests"]), 1
                )
                result |= used
            result["client_cpu_s"] = round(client_s, 2)
    finally:
        if schema is not None:
            _drop_schema(pg_url, schema)
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "engine": engine,
        "serve": " ".join(command[2:]),
        "web_workers_env": os.environ.get("HUMAS_WEB_WORKERS"),
        "cores": os.cpu_count(),
        "build_s": round(build_s, 1),
        **result,
    }


def _pg_base(pg_url: str | None) -> str:
    return pg_url or os.environ.get("HUMAS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_schema(pg_url: str | None) -> tuple[str, str]:
    from sqlalchemy import text

    from humas.core.db import make_engine

    schema = "humas_bench_load"
    admin = make_engine(_pg_base(pg_url))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    admin.dispose()
    return f"{_pg_base(pg_url)}?options=-csearch_path%3D{schema}", schema


def _drop_schema(pg_url: str | None, schema: str) -> None:
    from sqlalchemy import text

    from humas.core.db import make_engine

    admin = make_engine(_pg_base(pg_url))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()
