"""`humas cluster`: the production layout on one machine, as separate processes.

One `humas serve` (N web processes under uvicorn's supervisor, no consumer) and M `humas worker` processes
on the queue the settings name (Redis in production: HUMAS_REDIS_URL), all on the database of
HUMAS_DATABASE_URL. The first worker also runs the periodic schedule. Used by hand to try a deployment, and
by tests/ops/test_multiprocess.py, which kills a worker with -9 and restarts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console

console = Console()


@dataclass
class Cluster:
    """The processes of one layout; every process gets `env` on top of this process's environment."""

    web_processes: int = 2
    workers: int = 2
    threads: int = 2
    port: int = 8000
    host: str = "127.0.0.1"
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    web: subprocess.Popen[bytes] | None = None
    worker_procs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = (self.log_dir / f"{name}.log").open("ab")
            self._logs.append(out)
        return subprocess.Popen(
            [sys.executable, "-m", "humas.cli.main", *args],
            env={**os.environ, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
        )

    def start(self) -> Cluster:
        serve = ["serve", "--host", self.host, "--port", str(self.port), "--workers", "0"]
        self.web = self._spawn("web", *serve, "--web-workers", str(self.web_processes))
        self.worker_procs = [None] * self.workers
        for index in range(self.workers):
            self.start_worker(index)
        return self

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        periodic = "--periodic" if index == 0 else "--no-periodic"
        proc = self._spawn(f"worker-{index}", "worker", "--workers", str(self.threads), periodic)
        self.worker_procs[index] = proc
        return proc

    def kill_worker(self, index: int, sig: int = signal.SIGKILL) -> int:
        """Send `sig` (by default -9: no cleanup, its running tasks die with it) to one worker; its pid."""
        proc = self.worker_procs[index]
        assert proc is not None and proc.poll() is None, f"worker {index} is not running"
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        return proc.pid

    def wait_ready(self, timeout_s: float = 120) -> None:
        """Until /readyz answers 200 (database and queue reachable) or the web process died."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.web is not None and self.web.poll() is not None:
                raise RuntimeError(f"the web process exited with {self.web.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.url}/readyz not ready after {timeout_s} s")

    def stop(self, timeout_s: float = 30) -> None:
        """SIGTERM to every process group (uvicorn and huey stop gracefully), SIGKILL to what is left."""
        procs = [p for p in [self.web, *self.worker_procs] if p is not None and p.poll() is None]
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in self._logs:
            log.close()
        self._logs.clear()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def cluster(
    web: Annotated[int, typer.Option(help="Web processes.")] = 2,
    workers: Annotated[int, typer.Option(help="Worker processes (`humas worker`).")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 2,
    port: Annotated[int, typer.Option(help="Port of the web processes.")] = 8000,
    logs: Annotated[Path | None, typer.Option(help="Folder for each process's log.")] = None,
) -> None:
    """Start the production layout on this machine as separate processes (PostgreSQL and Redis are taken
    from HUMAS_DATABASE_URL and HUMAS_REDIS_URL); Ctrl-C stops them all."""
    from humas.core.settings import get_settings

    if not get_settings().redis_url:
        console.print("HUMAS_REDIS_URL is not set: the workers share the SQLite queue (one machine only).")
    layout = Cluster(web_processes=web, workers=workers, threads=threads, port=port, log_dir=logs).start()
    try:
        layout.wait_ready()
        pids = ", ".join(str(p.pid) for p in layout.worker_procs if p is not None)
        web_pid = layout.web.pid if layout.web else "?"
        console.print(f"humas cluster at {layout.url}: web {web_pid} ({web} processes), workers {pids}")
        while all(p is not None and p.poll() is None for p in [layout.web, *layout.worker_procs]):
            time.sleep(1)
        console.print("a process exited; stopping the others", style="yellow")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        layout.stop()
