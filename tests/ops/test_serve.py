"""`humas serve` with several web processes: the count setting, and one /metrics summing every process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from humas.cli.serve import prepare_metrics_dir, web_process_count
from humas.core.settings import get_settings
from tests.ops.test_multiprocess import _free_port


def test_the_web_process_count_comes_from_the_option_the_setting_or_the_cores(monkeypatch) -> None:
    monkeypatch.setenv("HUMAS_WEB_WORKERS", "3")
    get_settings.cache_clear()
    try:
        assert web_process_count(None) == 3
        assert web_process_count(1) == 1
        monkeypatch.setenv("HUMAS_WEB_WORKERS", "0")
        get_settings.cache_clear()
        assert web_process_count(None) == (os.cpu_count() or 1)
    finally:
        get_settings.cache_clear()


def test_the_metrics_folder_is_emptied_and_named_for_the_processes(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert prepare_metrics_dir(1) is None  # one process: its own registry
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "histogram_123.db").write_bytes(b"left by an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    assert prepare_metrics_dir(2) == folder and list(folder.iterdir()) == []


@pytest.mark.slow
def test_one_scrape_counts_the_requests_of_every_web_process(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "HUMAS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HUMAS_QUEUE_PATH": str(tmp_path / "queue.db"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    command = [sys.executable, "-m", "humas.cli.main"]
    subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True)
    serve = [*command, "serve", "--port", str(port), "--workers", "0", "--web-workers", "2"]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        pids = _wait_for_two_processes(tmp_path / "serve.log", server)
        with httpx.Client(base_url=base, timeout=30) as client:
            # New connections each time, so the kernel hands them to both processes.
            answered = sum(httpx.get(f"{base}/healthz", timeout=30).status_code == 200 for _ in range(40))
            text = client.get("/metrics").text
        match = re.search(
            r'humas_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} (\S+)', text
        )
        assert match, text[:500]
        assert float(match.group(1)) == answered == 40
        files = {p.name for p in (tmp_path / "metrics").iterdir()}
        assert len(pids) == 2 and {f"histogram_{pid}.db" for pid in pids} <= files
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
        log.close()


def _wait_for_two_processes(log: Path, server: subprocess.Popen[bytes]) -> list[str]:
    """The pids of the two web processes, once both have started serving."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-2000:]
        started = re.findall(r"Started server process \[(\d+)\]", log.read_text())
        ready = log.read_text().count("Application startup complete")
        if len(started) >= 2 and ready >= 2:
            return started[:2]
        time.sleep(0.5)
    raise AssertionError(f"two web processes did not start: {log.read_text()[-2000:]}")
