"""`humas connectors parse` over every recorded fixture: the public output contract."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from humas.cli.connectors import app
from humas.connectors.base import MEDIA_KINDS
from tests.connectors.conftest import FIXTURES

OLD_FIELDS = {
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
NEW_FIELDS = {"thread_root_id", "in_reply_to_id", "media_kind", "media_ref"}
FIELDS = OLD_FIELDS | NEW_FIELDS
ALL = sorted(p for p in FIXTURES.glob("*/*.json"))
# The output of every fixture recorded before the thread fields existed (the v1 contract).
CONTRACT_V1 = json.loads((Path(__file__).parent / "parse_contract_v1.json").read_text(encoding="utf-8"))
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
        "line",
        "tiktok",
        "wordpress",
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
        for key in ("author_id", "author_handle", "url", "parent_external_id", *NEW_FIELDS):
            assert item[key] is None or isinstance(item[key], str)
        assert item["media_kind"] in (None, *MEDIA_KINDS)


@pytest.mark.parametrize("name", sorted(CONTRACT_V1))
def test_old_fields_keep_their_values(name):
    """Every field printed before keeps its name and value for every fixture recorded then."""
    platform, _ = name.split("/")
    result = runner.invoke(app, ["parse", platform, str(FIXTURES / name)])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [{k: v for k, v in item.items() if k in OLD_FIELDS} for item in printed] == CONTRACT_V1[name]


def test_thread_and_media_fields_are_printed(tmp_path):
    result = runner.invoke(app, ["parse", "mastodon", str(FIXTURES / "mastodon" / "context_thread.json")])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.splitlines()[-1])
    assert last["thread_root_id"] == "103188938570975982"
    assert last["in_reply_to_id"] == "103189005915505698"
    assert last["text"] == "" and last["media_kind"] == "image"


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


POST = "104010002003_5101"


@pytest.mark.parametrize(
    ("platform", "name", "external_id", "root", "in_reply_to", "media_kind"),
    [
        (
            "bluesky",
            "bluesky/get_post_thread.json",
            "at://did:plc:vwzwgnygau7ed7b7wt5ux7y2/app.bsky.feed.post/3l6ovq2nyzs2c",
            "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6oveex3ii2l",
            "at://did:plc:3jpt2mvvsumj2r7eqk4gzzjz/app.bsky.feed.post/3l6ovj7uixk2a",
            "image",
        ),
        ("facebook", "meta/fb_comments_no_id.json", "5101_8011", POST, "5101_8010", None),
        ("meta", "meta/fb_comments_no_id.json", "5101_8012", POST, POST, "image"),
        (
            "telegram",
            "telegram/channel_posts_and_edits.json",
            "-1001234567890:1202",
            "-1001234567890:1202",
            None,
            "image",
        ),
        (
            "whatsapp",
            "whatsapp/webhook_media_messages.json",
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMQA=",
            None,
            "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
            "location",
        ),
    ],
)
def test_parse_prints_thread_root_and_in_reply_to(platform, name, external_id, root, in_reply_to, media_kind):
    result = runner.invoke(app, ["parse", platform, str(FIXTURES / name)])
    assert result.exit_code == 0, result.output
    printed = {item["external_id"]: item for item in map(json.loads, result.stdout.splitlines())}
    item = printed[external_id]
    assert (item["thread_root_id"], item["in_reply_to_id"]) == (root, in_reply_to)
    assert item["media_kind"] == media_kind
    if media_kind:
        assert item["media_ref"]
