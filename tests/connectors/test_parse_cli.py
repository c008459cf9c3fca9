"""`humas connectors parse` over every recorded fixture: the public output contract."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from humas.cli.connectors import app
from tests.connectors.conftest import FIXTURES

FIELDS = {
    "platform",
    "external_id",
    "kind",
    "author_id",
    "author_handle",
    "text",
    "created_at",
    "url",
    "parent_external_id",
    "metrics",
}
ALL = sorted(p for p in FIXTURES.glob("*/*.json"))
runner = CliRunner()


def test_every_platform_has_fixtures():
    assert {p.parent.name for p in ALL} == {
        "x",
        "meta",
        "youtube",
        "telegram",
        "whatsapp",
        "mastodon",
        "bluesky",
    }


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_fixture(path):
    result = runner.invoke(app, ["parse", path.parent.name, str(path)])
    if path.name.startswith("error_"):
        assert result.exit_code == 2, result.output
        assert "error" in result.output
        return
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        item = json.loads(line)
        assert set(item) == FIELDS
        assert item["external_id"] and isinstance(item["external_id"], str)
        assert item["kind"] in ("post", "comment", "reply", "message", "article", "mention")
        assert isinstance(item["text"], str)
        assert all(isinstance(k, str) and type(v) is int for k, v in item["metrics"].items())
        if item["created_at"] is not None:
            assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None
        for key in ("author_id", "author_handle", "url", "parent_external_id"):
            assert item[key] is None or isinstance(item[key], str)


def test_recognised_empty_body_prints_nothing(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"ok": true, "result": []}')
    result = runner.invoke(app, ["parse", "telegram", str(empty)])
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    ("platform", "body"),
    [
        ("x", '{"hello": "world"}'),
        ("meta", "[1, 2]"),
        ("youtube", '{"kind": "drive#file"}'),
        ("telegram", '{"ok": true}'),
        ("whatsapp", '{"object": "whatsapp_business_account", "entry": [{"changes": '),
        ("mastodon", '{"id": "1"}'),
        ("bluesky", "not json"),
    ],
)
def test_unrecognised_body_exits_2(tmp_path, platform, body):
    path = tmp_path / "body.json"
    path.write_text(body)
    result = runner.invoke(app, ["parse", platform, str(path)])
    assert result.exit_code == 2
    assert "not a recognised" in result.output


def test_unknown_platform_and_missing_file(tmp_path):
    assert runner.invoke(app, ["parse", "myspace", str(tmp_path / "x.json")]).exit_code == 2
    assert runner.invoke(app, ["parse", "x", str(tmp_path / "missing.json")]).exit_code == 2
