"""Connector test helpers: recorded fixtures and a sleep that only records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_path(platform: str, name: str) -> Path:
    return FIXTURES / platform / name


def load(platform: str, name: str) -> Any:
    return json.loads(fixture_path(platform, name).read_text(encoding="utf-8"))


class Sleeper:
    """Stands in for ``time.sleep``: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()
