"""Thread context (root, in-reply-to) and media-only items, per platform, on recorded answers."""

from __future__ import annotations

import pytest

from humas.connectors import bluesky, facebook, mastodon, telegram, whatsapp, x, youtube
from humas.connectors.base import SourceItem
from humas.connectors.errors import UnrecognisedPayload
from humas.connectors.parse import parse_payload
from tests.connectors.conftest import fixture_path, load


def by_id(items: list[SourceItem]) -> dict[str, SourceItem]:
    return {item.external_id: item for item in items}


def parsed(platform: str, name: str) -> list[SourceItem]:
    return parse_payload(platform, fixture_path(platform, name).read_bytes())


# --- Bluesky ---------------------------------------------------------------------------------------


def test_bluesky_post_thread_keeps_parents_replies_and_roots():
    items = bluesky.parse_body(load("bluesky", "get_post_thread.json"))
    root = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6oveex3ii2l"
    asked = "at://did:plc:3jpt2mvvsumj2r7eqk4gzzjz/app.bsky.feed.post/3l6ovj7uixk2a"
    image = "at://did:plc:vwzwgnygau7ed7b7wt5ux7y2/app.bsky.feed.post/3l6ovq2nyzs2c"
    assert [i.external_id for i in items][:3] == [root, asked, image]  # parent first, then depth-first
    assert len(items) == 4  # the notFoundPost and blockedPost replies carry no post
    assert all(i.thread_root_id == root for i in items)
    found = by_id(items)
    assert found[root].in_reply_to_id is None and found[root].kind == "post"
    assert found[asked].in_reply_to_id == root and found[asked].kind == "reply"
    assert found[image].in_reply_to_id == asked
    assert found[image].text == "" and found[image].media_kind == "image"
    assert found[image].media_ref is not None and found[image].media_ref.startswith("https://cdn.bsky.app/")
    assert items[3].in_reply_to_id == image


def test_bluesky_thread_not_found_is_empty_and_garbage_thread_is_refused():
    assert bluesky.parse_body({"thread": {"uri": "at://x/app.bsky.feed.post/1", "notFound": True}}) == []
    with pytest.raises(UnrecognisedPayload):
        bluesky.parse_body({"thread": {"hello": 1}})


def test_bluesky_deep_thread_does_not_exhaust_the_stack():
    node: dict = {"post": {"uri": "at://did:plc:a/app.bsky.feed.post/0", "record": {"text": "0"}}}
    top = node
    for n in range(1, 5000):
        child = {"post": {"uri": f"at://did:plc:a/app.bsky.feed.post/{n}", "record": {"text": str(n)}}}
        node["replies"] = [child]
        node = child
    assert len(bluesky.parse_body({"thread": top})) == 5000


def test_bluesky_feed_reply_refs_give_root_and_parent():
    items = bluesky.parse_body(load("bluesky", "author_feed_page1.json"))
    for item in items:
        reply = item.raw.get("record", {}).get("reply")
        if reply:
            assert item.thread_root_id == reply["root"]["uri"]
            assert item.in_reply_to_id == reply["parent"]["uri"]
        else:
            assert item.thread_root_id == item.external_id and item.in_reply_to_id is None


# --- Mastodon --------------------------------------------------------------------------------------


def test_mastodon_context_ancestors_and_descendants():
    items = mastodon.parse_body(load("mastodon", "context_thread.json"))
    assert [i.external_id for i in items] == [
        "103188938570975982",
        "103188971072973252",
        "103188982235527758",
        "103189026958574542",
    ]
    assert {i.thread_root_id for i in items} == {"103188938570975982"}
    assert [i.in_reply_to_id for i in items] == [
        None,
        "103188938570975982",
        "103188971072973252",
        "103189005915505698",  # the status asked about, in neither list
    ]
    media_only = items[-1]
    assert media_only.kind == "reply" and media_only.text == ""
    assert media_only.media_kind == "image" and media_only.media_ref.endswith("57859aede991da25.jpeg")


def test_mastodon_context_without_ancestors_roots_at_the_status_asked_about():
    items = mastodon.parse_body(load("mastodon", "context.json"))
    assert [(i.thread_root_id, i.in_reply_to_id) for i in items] == [
        ("103270115826048975", "103270115826048975")
    ]


def test_mastodon_lone_reply_has_no_known_root():
    status = load("mastodon", "context_thread.json")["ancestors"][1]
    (item,) = mastodon.parse_body(status)
    assert item.in_reply_to_id == "103188938570975982" and item.thread_root_id is None


# --- Facebook --------------------------------------------------------------------------------------


def test_facebook_nested_comments_and_replies():
    found = by_id(facebook.parse_graph(load("meta", "fb_post_comments_nested.json")))
    post = "104010002003_5101"
    assert found[post].kind == "post" and found[post].thread_root_id == post
    assert found["5101_8001"].kind == "comment" and found["5101_8001"].in_reply_to_id == post
    assert found["5101_8002"].kind == "reply" and found["5101_8002"].in_reply_to_id == "5101_8001"
    assert {found[k].thread_root_id for k in ("5101_8001", "5101_8002", "5101_8003")} == {post}
    sticker = found["5101_8003"]
    assert sticker.text == "" and sticker.media_kind == "sticker"
    assert sticker.media_ref is not None and sticker.media_ref.endswith("sticker_369239263222822.png")


def test_facebook_comments_without_id_get_one_from_permalink_url():
    items = facebook.parse_graph(load("meta", "fb_comments_no_id.json"))
    assert [(i.external_id, i.kind, i.in_reply_to_id) for i in items] == [
        ("5101_8010", "comment", "104010002003_5101"),
        ("5101_8011", "reply", "5101_8010"),
        ("5101_8012", "comment", "104010002003_5101"),
    ]
    assert {i.thread_root_id for i in items} == {"104010002003_5101"}
    assert items[2].text == "" and items[2].media_kind == "image"


@pytest.mark.parametrize(
    ("url", "post_id", "expected"),
    [
        ("https://www.facebook.com/104/posts/5101/?comment_id=8010", None, ("5101_8010", None)),
        (
            "https://www.facebook.com/kota/posts/5101?comment_id=8010&reply_comment_id=8011",
            None,
            ("5101_8011", "5101_8010"),
        ),
        ("https://www.facebook.com/permalink.php?story_fbid=77&id=104&comment_id=9", None, ("77_9", None)),
        ("https://www.facebook.com/kota/posts/pfbid02xyz?comment_id=9", "104_5101", ("5101_9", None)),
        ("https://www.facebook.com/kota/posts/pfbid02xyz?comment_id=9", None, ("9", None)),
        ("https://www.facebook.com/104/posts/5101/", None, None),
        ("https://www.facebook.com/104/posts/5101/?comment_id=abc", None, None),
        (None, None, None),
    ],
)
def test_ids_from_permalink(url, post_id, expected):
    assert facebook.ids_from_permalink(url, post_id) == expected


def test_facebook_row_without_id_or_comment_permalink_is_refused_clearly():
    body = {
        "data": [
            {
                "message": "x",
                "created_time": "2025-04-02T04:00:00+0000",
                "permalink_url": "https://www.facebook.com/1/posts/2",
            }
        ]
    }
    with pytest.raises(UnrecognisedPayload, match="comment_id"):
        facebook.parse_graph(body)


def test_facebook_webhook_comment_thread_fields():
    (item,) = parsed("meta", "fb_webhook_feed_comment.json")
    value = item.raw
    assert item.thread_root_id == value["post_id"]
    assert item.in_reply_to_id == (value.get("parent_id") or value["post_id"])


# --- Instagram and YouTube -------------------------------------------------------------------------


def test_instagram_replies_answer_their_comment():
    items = parsed("meta", "ig_comments_page1.json")
    top, reply = items[0], items[1]
    assert reply.in_reply_to_id == top.external_id and reply.kind == "reply"
    webhook = parsed("meta", "ig_webhook_comment.json")[0]
    media_id = webhook.raw["media"]["id"]
    assert webhook.thread_root_id == media_id
    assert webhook.in_reply_to_id == (webhook.raw.get("parent_id") or media_id)


def test_youtube_comment_threads_root_at_the_video():
    items = youtube.parse_body(load("youtube", "comment_threads_page1.json"))
    items += youtube.parse_body(load("youtube", "comment_threads_page2.json"))
    found = by_id(items)
    top = found["UgyptqgEdhuj_qYPQQh4AaABAg"]
    assert (top.thread_root_id, top.in_reply_to_id) == ("XYAe15w39LQ", "XYAe15w39LQ")
    reply = found["UgxISZhP_62DIrtv2r94AaABAg.9jR2ZQk7Fh39jR3bQx1Y2z"]
    assert reply.thread_root_id == "XYAe15w39LQ"
    assert reply.in_reply_to_id == "UgxISZhP_62DIrtv2r94AaABAg"


# --- X -----------------------------------------------------------------------------------------------


def test_x_conversation_id_is_the_root_and_media_is_kept():
    (item,) = x.parse_body(load("x", "search_conversation_media.json"))
    assert item.thread_root_id == "1301573587187331999"
    assert item.in_reply_to_id == "1301580000000000001"
    assert item.media_kind == "image" and item.media_ref == "https://pbs.twimg.com/media/GD8a1bXaAAAb1cD.jpg"
    own = x.parse_body(load("x", "user_tweets.json"))
    assert all(i.thread_root_id for i in own if i.in_reply_to_id is None)


# --- Telegram ----------------------------------------------------------------------------------------


def test_telegram_channel_posts_edits_and_media():
    items = telegram.parse_body(load("telegram", "channel_posts_and_edits.json"))
    found = by_id(items)
    photo = found["-1001234567890:1202"]
    assert photo.kind == "post" and photo.text == "" and photo.media_kind == "image"
    assert photo.media_ref == "AgACAgUAAxkBAAIBfmYlarge"  # the largest size
    edited = found["-1001234567890:1201"]  # edited_channel_post: same id as the original post
    assert edited.kind == "post" and "diperpanjang" in edited.text
    assert edited.thread_root_id == edited.external_id
    sticker = found["-1009876543210:89"]
    assert sticker.media_kind == "sticker" and sticker.text == ""
    assert sticker.thread_root_id == "-1009876543210:87" and sticker.in_reply_to_id == "-1009876543210:87"
    edited_reply = found["-1009876543210:88"]  # edited_message
    assert edited_reply.kind == "comment" and "Cicendo" in edited_reply.text
    place = found["5550002:412"]
    assert place.kind == "message" and place.media_kind == "location"
    assert place.media_ref == "geo:-6.914744,107.609810"


def test_telegram_discussion_reply_roots_at_the_forwarded_channel_post():
    (item,) = telegram.parse_body(load("telegram", "webhook_group_reply.json"))
    assert item.in_reply_to_id == "-1009876543210:87"
    assert item.thread_root_id == "-1009876543210:87"  # is_automatic_forward


# --- WhatsApp ----------------------------------------------------------------------------------------


def test_whatsapp_media_messages_are_kept_with_kind_and_media_id():
    items = whatsapp.parse_body(load("whatsapp", "webhook_media_messages.json"))
    assert len(items) == 9  # nothing dropped
    kinds = [(i.media_kind, i.media_ref) for i in items]
    assert kinds[:3] == [
        ("image", "1003383421387256"),
        ("location", "geo:-6.921305,107.607225"),
        ("sticker", "1228429305061640"),
    ]
    assert kinds[3] == ("reaction", "\U0001f44d")
    assert kinds[4] == ("contact", "tel:+62 22 4200000")
    assert kinds[5:8] == [
        ("audio", "1557309998330098"),
        ("document", "2138421856619484"),
        ("video", "1247589983196524"),
    ]
    assert all(i.text == "" for i in items[:6]) and items[6].text == "Formulir pengaduan"


def test_whatsapp_context_and_reaction_answer_the_business_message():
    items = whatsapp.parse_body(load("whatsapp", "webhook_media_messages.json"))
    business = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
    location, reaction, forwarded, text = items[1], items[3], items[7], items[8]
    assert location.in_reply_to_id == business and location.thread_root_id is None
    assert reaction.in_reply_to_id == business
    assert text.in_reply_to_id == business and text.parent_external_id == business
    assert forwarded.in_reply_to_id is None and forwarded.thread_root_id == forwarded.external_id
    assert items[0].thread_root_id == items[0].external_id


def test_whatsapp_removed_reaction_is_kept_without_emoji():
    body = load("whatsapp", "webhook_media_messages.json")
    message = body["entry"][0]["changes"][0]["value"]["messages"][3]
    del message["reaction"]["emoji"]
    body["entry"][0]["changes"][0]["value"]["messages"] = [message]
    (item,) = whatsapp.parse_body(body)
    assert item.media_kind == "reaction" and item.media_ref is None and item.in_reply_to_id


def test_unknown_media_kind_is_refused():
    with pytest.raises(ValueError, match="media kind"):
        SourceItem("x", "1", "post", "", None, media_kind="hologram")
