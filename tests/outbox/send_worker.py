"""Send one outbox row in its own process, and die by SIGKILL right after the other side answered.

What a worker killed by the OOM killer or a power cut leaves behind: the write went out, the row still says
``sending``. The test that runs this then lets the outbox retry.
"""

from __future__ import annotations

import os
import signal
import sys

from humas.core.db import make_engine
from humas.listening.service import deliveries  # noqa: F401 - registers the alert senders
from humas.outbox import runner


def _die(_message_id: int, _sent: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    url, message_id = sys.argv[1], int(sys.argv[2])
    print(runner.send_message(make_engine(url), message_id, after_send=_die), flush=True)
