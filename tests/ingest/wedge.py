"""Run in a `ProcessPoolExecutor` worker (spawned, so importable by name): die while answering.

`die_mid_answer` writes the first kilobyte of a one-megabyte answer to the executor's result pipe and then
kills its own process with SIGKILL: what a worker killed (by an operator, or the kernel out of memory) while
it sends a batch's analyses leaves behind. The executor's manager thread reads that half message and, left
alone, waits for the rest forever.
"""

from __future__ import annotations

import os
import signal
import struct
import sys


def die_mid_answer() -> None:
    result_queue = sys._getframe(1).f_locals["result_queue"]  # noqa: SLF001 - the caller is the pool's worker loop
    os.write(result_queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"\x80" * 1024)  # noqa: SLF001
    os.kill(os.getpid(), signal.SIGKILL)


def answer(value: int) -> int:
    return value
