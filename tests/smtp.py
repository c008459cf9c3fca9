"""A real SMTP server on localhost for tests (aiosmtpd): the handler that keeps what it receives, a free port,
and the server started with the outbox's e-mail settings pointing at it (the `smtp_inbox` fixture)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps messages; refuses recipients on request."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@contextmanager
def smtp_server_for_outbox(
    monkeypatch: pytest.MonkeyPatch, sender: str = "humas@contoh.go.id"
) -> Iterator[Inbox]:
    """A real SMTP server on localhost; the outbox's e-mail settings (environment) point at it."""
    from humas.outbox.settings import get_delivery_settings

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("HUMAS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HUMAS_SMTP_PORT", str(port))
    monkeypatch.setenv("HUMAS_SMTP_FROM", sender)
    get_delivery_settings.cache_clear()
    try:
        yield inbox
    finally:
        controller.stop()
        get_delivery_settings.cache_clear()
