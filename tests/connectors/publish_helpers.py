"""Helpers for the publishing tests: read the bodies a connector sent (form, multipart, JSON)."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx

STORE = "https://humas.contoh.go.id/media"  # humas' own media store, as the publishing service links it
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF-sample-image" * 8
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"video-bytes" * 64


def form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


def form_lists(request: httpx.Request) -> dict[str, list[str]]:
    params = httpx.QueryParams(request.content.decode())
    return {key: params.get_list(key) for key in params}


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def multipart(request: httpx.Request) -> dict[str, Message]:
    """The parts of a multipart/form-data body, by field name."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    parsed = message_from_bytes(head + request.content)
    parts = {}
    for part in parsed.get_payload():  # type: ignore[union-attr]
        assert isinstance(part, Message)
        parts[str(part.get_param("name", header="content-disposition"))] = part
    return parts


def part_value(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload
