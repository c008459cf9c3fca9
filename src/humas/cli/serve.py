"""`humas serve` (web processes + a task consumer) and `humas worker` (consumers only)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
WEB_STARTUP_S = 120


def _consumer(workers: int, periodic: bool = True, worker_type: str = "thread"):
    from humas.jobs import huey, import_task_modules

    import_task_modules()
    return huey.create_consumer(workers=workers, worker_type=worker_type, periodic=periodic)


def web_process_count(requested: int | None) -> int:
    """The web processes to run: the option, else HUMAS_WEB_WORKERS, else (0) one per CPU core."""
    from humas.core.settings import get_settings

    count = requested if requested is not None else get_settings().web_workers
    return count if count > 0 else (os.cpu_count() or 1)


def prepare_metrics_dir(processes: int) -> Path | None:
    """With several web processes, each writes its metrics to files in one empty folder that /metrics sums
    (prometheus_client's multiprocess mode). Must run before any of them imports prometheus_client."""
    if processes <= 1 and not os.environ.get(MULTIPROC_ENV):
        return None
    folder = Path(os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="humas-metrics-"))
    # NOTE: files of an earlier run would be summed into this one's counters.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Task worker threads in this process (0: none).")] = 2,
    web_workers: Annotated[
        int | None,
        typer.Option(help="Web processes (default HUMAS_WEB_WORKERS; 0 there: one per CPU core)."),
    ] = None,
) -> None:
    """Run the web app (several processes) and a task consumer together (the one-machine default)."""
    import uvicorn

    processes = web_process_count(web_workers)
    prepare_metrics_dir(processes)
    consumer = _consumer(workers) if workers > 0 else None
    if consumer is not None:
        consumer.start()
    console.print(f"humas at http://{host}:{port}  ({processes} web processes; Ctrl-C to stop)")
    try:
        uvicorn.run(
            "humas.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=True,
            workers=processes if processes > 1 else None,
            # NOTE: a spawned web process imports the whole app before it answers the supervisor's health
            # check; on a busy small machine that takes longer than uvicorn's 5 s, and it would be killed.
            timeout_worker_healthcheck=WEB_STARTUP_S,
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


def worker(
    workers: Annotated[int, typer.Option(help="Worker threads (or processes, see --kind).")] = 4,
    periodic: Annotated[
        bool, typer.Option(help="Also run the periodic schedule (one worker host only).")
    ] = True,
    kind: Annotated[
        str, typer.Option(help="thread, or process (CPU-bound analysis on several cores).")
    ] = "thread",
) -> None:
    """Run task consumers alone (for many machines on Redis)."""
    if kind not in ("thread", "process"):
        console.print("--kind must be thread or process", style="red")
        raise typer.Exit(2)
    consumer = _consumer(workers, periodic=periodic, worker_type=kind)
    console.print(f"humas worker: {workers} {kind}s on queue {consumer.huey.name}")
    consumer.run()
