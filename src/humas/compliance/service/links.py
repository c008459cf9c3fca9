"""Resolving links when a text is sent: a short HEAD (then GET) with httpx, redirects followed."""

from __future__ import annotations

import httpx

TIMEOUT_S = 3.0
LINKS_MAX = 10  # links checked per text; the rest pass unchecked (a text full of links is checked in part)


def resolve(url: str, timeout: float = TIMEOUT_S) -> bool:
    """Whether ``url`` answers with a status below 400 within ``timeout`` seconds (HEAD, then GET)."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client:
            response = client.head(url)
            if response.status_code in (405, 501) or response.status_code >= 400:
                response = client.get(url)
            return response.status_code < 400
    except Exception:  # noqa: BLE001 - any failure to answer is "does not answer" (a warning), never a crash
        return False
