"""Hostile answers: every parser, fed arbitrary JSON or a recorded answer with a part replaced by garbage,
returns items or raises ``UnrecognisedPayload`` with a message; the CLI then exits 2, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from humas.cli.connectors import app
from humas.connectors.base import SourceItem
from humas.connectors.errors import UnrecognisedPayload
from humas.connectors.parse import PARSERS, parse_payload
from tests.connectors.conftest import FIXTURES

PLATFORMS = sorted({p.parent.name for p in FIXTURES.glob("*/*.json")})
RECORDED = sorted(p for p in FIXTURES.glob("*/*.json") if not p.name.startswith("error_"))
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(platform: str, body: Any) -> None:
    try:
        items = parse_payload(platform, json.dumps(body, allow_nan=True))
    except UnrecognisedPayload as exc:
        assert str(exc).startswith(f"{platform}:") or str(exc)  # says what is wrong
        return
    assert isinstance(items, list) and all(isinstance(i, SourceItem) for i in items)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += paths(child, (*prefix, index))
    return out


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


@FUZZ
@given(platform=st.sampled_from(PLATFORMS), body=json_values)
def test_arbitrary_json_never_crashes(platform, body):
    check(platform, body)


@FUZZ
@given(data=st.data(), garbage=json_values)
def test_recorded_answer_with_a_part_replaced_never_crashes(data, garbage):
    path = data.draw(st.sampled_from(RECORDED))
    body = json.loads(path.read_text(encoding="utf-8"))
    where = data.draw(st.sampled_from(paths(body)))
    check(path.parent.name, replaced(body, where, garbage))


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(raw):
    for platform in ("bluesky", "telegram", "meta"):
        try:
            parse_payload(platform, raw)
        except UnrecognisedPayload:
            pass


def test_deeply_nested_body_is_refused_clearly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(app, ["parse", "mastodon", str(path)])
    assert result.exit_code == 2 and "not a recognised mastodon body" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_every_platform_has_a_parser():
    assert set(PLATFORMS) <= set(PARSERS)
