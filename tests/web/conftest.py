"""Web tests use the shared fixtures of tests/live.py: `web_app`, `web` (TestClient on both engines),
`live_server`, `browser`, `page`."""

from tests.live import WebClient, api_token

__all__ = ["WebClient", "api_token"]
