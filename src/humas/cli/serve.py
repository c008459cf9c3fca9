"""`humas serve` (web + a task consumer in one process) and `humas worker` (consumers only)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def _consumer(workers: int, periodic: bool = True):
    from humas.jobs import huey, import_task_modules

    import_task_modules()
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Task worker threads in this process (0: none).")] = 2,
) -> None:
    """Run the web app and a task consumer together (the one-machine default)."""
    import uvicorn

    consumer = _consumer(workers) if workers > 0 else None
    if consumer is not None:
        consumer.start()
    console.print(f"humas at http://{host}:{port}  (Ctrl-C to stop)")
    try:
        uvicorn.run(
            "humas.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=True,
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


def worker(
    workers: Annotated[int, typer.Option(help="Worker threads.")] = 4,
    periodic: Annotated[
        bool, typer.Option(help="Also run the periodic schedule (one worker host only).")
    ] = True,
) -> None:
    """Run task consumers alone (for many machines on Redis)."""
    consumer = _consumer(workers, periodic=periodic)
    console.print(f"humas worker: {workers} threads on queue {consumer.huey.name}")
    consumer.run()
