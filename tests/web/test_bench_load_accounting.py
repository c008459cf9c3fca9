"""`humas bench load` bookkeeping (decision 0101): the server's CPU read from /proc, and a GET sent again
once when the server closed the kept-alive connection under it (as a browser does), counted, not hidden."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from humas.bench import load
from tests.aio import run_in_own_thread

LINUX = Path("/proc/self/stat").exists()


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_the_cpu_of_a_process_tree_is_read_and_only_grows():
    child = subprocess.Popen([sys.executable, "-c", "sum(range(3_000_000)); import time; time.sleep(30)"])
    try:
        before = load.server_cpu(os.getpid())
        assert child.pid in before and os.getpid() in before
        sum(i * i for i in range(2_000_000))
        after = load.server_cpu(os.getpid())
        used = load.cpu_used(os.getpid(), before, after)
        assert used["supervisor_cpu_s"] > 0 and used["web_cpu_s"] >= 0
    finally:
        child.kill()
        child.wait()


def test_a_get_on_a_connection_closed_by_the_server_is_sent_once_more_and_counted():
    async def scenario() -> load.Stats:
        seen = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            seen.append(1)
            if len(seen) == 1:  # the first request: the server drops the connection without answering
                writer.close()
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stats = load.Stats()
        user = load.User(f"http://127.0.0.1:{port}", ("a@b.go.id", "x", "cookie"), stats, seed=1)
        await user.fetch("explorer", "/mentions")
        await user.client.aclose()
        server.close()
        await server.wait_closed()
        return stats

    stats = run_in_own_thread(scenario)
    assert stats.retried == 1 and not stats.errors and stats.statuses == {200: 1}
