"""Bluesky (AT Protocol XRPC over httpx): own posts, mention/reply/quote notifications; post, reply, delete.

Login with an app password (``com.atproto.server.createSession``); an ``ExpiredToken`` answer triggers one
fresh login. Posts are ``app.bsky.feed.post`` records created with a record key derived from the
idempotency key, so a repeated create cannot make a second post and ``reconcile`` is a plain
``getRecord``. Rate limits: ``RateLimit-Limit/Remaining/Reset`` (epoch seconds).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from humas.connectors.base import (
    Cursor,
    FetchResult,
    PublishResult,
    SourceItem,
    as_dict,
    id_or_none,
    metrics_of,
    parse_time,
    send_once,
    to_int,
)
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    Unsupported,
)
from humas.connectors.http import HttpClient, RateLimitInfo, counted_rate_limit, json_or_none
from humas.connectors.media import Media, MediaInput, PostOptions, fetch_bytes, media_of, split_kinds
from humas.connectors.richtext import facets
from humas.connectors.spec import (
    N_,
    Capability,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    fetch_probe,
    fields_of,
)
from humas.connectors.textcount import count_graphemes

PLATFORM = "bluesky"
DEFAULT_PDS = "https://bsky.social"
POST = "app.bsky.feed.post"
METRICS = {"likeCount": "likes", "repostCount": "reposts", "replyCount": "replies", "quoteCount": "quotes"}
NOTIFY_KINDS = {"mention": "mention", "reply": "reply", "quote": "mention"}
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
T = TypeVar("T")


@dataclass(frozen=True)
class BlueskyCredentials:
    identifier: str  # handle or DID
    app_password: str = field(repr=False)
    pds_url: str = DEFAULT_PDS


def tid_for(idempotency_key: str) -> str:
    """A valid TID record key derived from the idempotency key (same key, same rkey)."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    micros = 1_600_000_000_000_000 + (digest >> 10) % 900_000_000_000_000  # 2020..2048
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def rate_limit_info(headers: httpx.Headers) -> RateLimitInfo | None:
    return counted_rate_limit(headers, "ratelimit-")


def error_for(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if status < 400:
        return None
    body = json_or_none(response)
    body = body if isinstance(body, dict) else {}
    name, message = body.get("error"), str(body.get("message") or f"HTTP {status}")
    if name in ("ExpiredToken", "InvalidToken", "AuthenticationRequired", "AccountTakedown") or status == 401:
        return AuthExpired(f"Bluesky: {name}: {message}")
    if status == 429 or name == "RateLimitExceeded":
        reset = to_int(response.headers.get("ratelimit-reset"))
        return RateLimited(max(1.0, (reset - time.time()) if reset else 60.0), "Bluesky: rate limited")
    return PlatformError(f"Bluesky: {name}: {message}", status=status, code=name, body=body)


# --- parsing ---------------------------------------------------------------------------------------


def web_url(uri: str, handle: str | None) -> str | None:
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != POST:
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


EMBED_MEDIA = {
    "app.bsky.embed.images": "image",
    "app.bsky.embed.video": "video",
    "app.bsky.embed.external": "document",
}


def _embed_media(post: dict[str, Any]) -> tuple[str | None, str | None]:
    """The media of a post: the view's URLs (``post.embed``) where present, else the record's blob CID."""
    view: dict[str, Any] = post["embed"] if isinstance(post.get("embed"), dict) else {}
    embed = (post.get("record") or {}).get("embed") or {}
    if str(embed.get("$type")) == "app.bsky.embed.recordWithMedia":
        embed, view = embed.get("media") or {}, view.get("media") or {}
    kind = EMBED_MEDIA.get(str(embed.get("$type")))
    if kind == "image":
        shown = (view.get("images") or [{}])[0]
        blob = ((embed.get("images") or [{}])[0].get("image") or {}).get("ref") or {}
        return kind, id_or_none(shown.get("fullsize")) or id_or_none(blob.get("$link"))
    if kind == "video":
        blob = (embed.get("video") or {}).get("ref") or {}
        return kind, id_or_none(view.get("playlist")) or id_or_none(blob.get("$link"))
    if kind == "document":
        return kind, id_or_none((embed.get("external") or {}).get("uri"))
    return None, None


def post_item(post: dict[str, Any], *, kind: str | None = None) -> SourceItem:
    record = post.get("record") or {}
    author = post.get("author") or {}
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    media_kind, media_ref = _embed_media(post)
    return SourceItem(
        platform=PLATFORM,
        external_id=str(post["uri"]),
        kind=kind or ("reply" if parent else "post"),
        text=record.get("text") or "",
        created_at=parse_time(record.get("createdAt") or post.get("indexedAt")),
        author_id=author.get("did"),
        author_handle=author.get("handle"),
        author_name=author.get("displayName"),
        author_followers=to_int(author.get("followersCount")),
        url=web_url(str(post["uri"]), author.get("handle")),
        parent_external_id=parent,
        thread_external_id=(reply.get("root") or {}).get("uri") or str(post["uri"]),
        metrics=metrics_of(post, METRICS),
        raw=post,
        thread_root_id=id_or_none((reply.get("root") or {}).get("uri")) or str(post["uri"]),
        in_reply_to_id=id_or_none(parent),
        media_kind=media_kind,
        media_ref=media_ref,
    )


def thread_posts(thread: dict[str, Any]) -> list[dict[str, Any]]:
    """The posts of a ``getPostThread`` answer: parents (oldest first), the post, then replies depth-first.

    ``notFoundPost`` and ``blockedPost`` nodes carry no post and are skipped. Walked without recursion, so a
    hostile, deeply nested answer cannot exhaust the stack.
    """
    parents: list[dict[str, Any]] = []
    node = thread.get("parent")
    while isinstance(node, dict):
        if isinstance(node.get("post"), dict):
            parents.append(node["post"])
        node = node.get("parent")
    posts = parents[::-1]
    stack: list[Any] = [thread]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
            continue
        posts.append(node["post"])
        replies = node.get("replies")
        stack.extend(reversed(replies) if isinstance(replies, list) else [])
    return posts


def parse_body(body: Any) -> list[SourceItem]:
    """Feeds, ``listNotifications``, ``getPosts``, ``getPostThread``, write and session answers."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("Bluesky: expected a JSON object")
    if "error" in body and set(body) <= {"error", "message"}:
        raise ErrorPayload(f"Bluesky error answer: {body['error']}: {body.get('message')}")
    if isinstance(body.get("thread"), dict):  # getPostThread
        thread = body["thread"]
        if not isinstance(thread.get("post"), dict) and not (thread.get("notFound") or thread.get("blocked")):
            raise UnrecognisedPayload("Bluesky: 'thread' is not a thread view")
        return [post_item(post) for post in thread_posts(thread)]
    if isinstance(body.get("feed"), list):
        return [
            post_item(entry["post"]) for entry in body["feed"] if "post" in entry and not entry.get("reason")
        ]
    if isinstance(body.get("notifications"), list):
        items = []
        for note in body["notifications"]:
            kind = NOTIFY_KINDS.get(note.get("reason"))
            if kind and (note.get("record") or {}).get("$type") == POST:
                items.append(post_item(note, kind=kind))
        return items
    if isinstance(body.get("posts"), list):
        return [post_item(post) for post in body["posts"]]
    if {"uri", "cid"} <= set(body) and "value" not in body or "accessJwt" in body:
        return []  # createRecord / createSession answers
    if {"did", "handle", "followersCount"} <= set(body):
        return []  # getProfile (``followers``)
    if {"uri", "value"} <= set(body):  # getRecord
        return [post_item({"uri": body["uri"], "record": body["value"]})]
    raise UnrecognisedPayload("Bluesky: no 'feed', 'notifications' or 'posts'")


# --- session ---------------------------------------------------------------------------------------


class BlueskySession:
    """Holds the access token; logs in again once when the platform says it expired."""

    def __init__(self, credentials: BlueskyCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = client or HttpClient(
            base_url=credentials.pds_url.rstrip("/"), error_for=error_for, rate_limit_parser=rate_limit_info
        )
        self.did: str | None = None
        self.handle: str | None = None
        self._access: str | None = None

    def login(self) -> None:
        body = self.http.post_json(
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": self.credentials.identifier, "password": self.credentials.app_password},
            idempotent=True,
        )
        self._access, self.did, self.handle = body["accessJwt"], body["did"], body.get("handle")

    def call(self, fn: Callable[[dict[str, str]], T]) -> T:
        if self._access is None:
            self.login()
        try:
            return fn({"Authorization": f"Bearer {self._access}"})
        except AuthExpired:
            self.login()  # raises AuthExpired itself when the app password was revoked
            return fn({"Authorization": f"Bearer {self._access}"})

    def get(self, method: str, params: dict[str, Any]) -> Any:
        return self.call(lambda h: self.http.get_json(f"/xrpc/{method}", params=params, headers=h))

    def post(self, method: str, payload: dict[str, Any], *, idempotent: bool = False) -> Any:
        return self.call(
            lambda h: self.http.post_json(f"/xrpc/{method}", json=payload, headers=h, idempotent=idempotent)
        )


# --- source and publisher --------------------------------------------------------------------------


class BlueskySource:
    platform = PLATFORM

    def __init__(
        self, credentials: BlueskyCredentials, *, client: HttpClient | None = None, max_pages: int = 5
    ):
        self.session = BlueskySession(credentials, client=client)
        self.max_pages = max_pages

    def _walk(
        self, method: str, params: dict[str, Any], key: str, since: datetime | None
    ) -> tuple[list, bool]:
        rows: list[dict[str, Any]] = []
        cursor = None
        for _ in range(self.max_pages):
            body = self.session.get(
                method, {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
            )
            for row in body.get(key) or []:
                seen_at = parse_time(row.get("indexedAt") or (row.get("post") or {}).get("indexedAt"))
                if since is not None and seen_at is not None and seen_at <= since:
                    return rows, False
                rows.append(row)
            cursor = body.get("cursor")
            if not cursor or not body.get(key):
                return rows, False
        return rows, True

    def fetch(self, since: Cursor = None) -> FetchResult:
        state = dict(since) if isinstance(since, dict) else {}
        if self.session.did is None:
            self.session.login()
        feed, more = self._walk(
            "app.bsky.feed.getAuthorFeed",
            {"actor": self.session.did},
            "feed",
            parse_time(state.get("feed_since")),
        )
        notes, nmore = self._walk(
            "app.bsky.notification.listNotifications",
            {},
            "notifications",
            parse_time(state.get("notifications_since")),
        )
        items = parse_body({"feed": feed}) + parse_body({"notifications": notes})
        cursor = {
            "feed_since": _latest(
                [(e.get("post") or {}).get("indexedAt") for e in feed], state.get("feed_since")
            ),
            "notifications_since": _latest(
                [n.get("indexedAt") for n in notes], state.get("notifications_since")
            ),
        }
        return FetchResult(items=items, cursor=cursor, has_more=more or nmore)


def _latest(values: list[Any], previous: str | None) -> str | None:
    times = [t for t in (parse_time(v) for v in [*values, previous]) if t]
    return max(times).isoformat() if times else None


class BlueskyPublisher:
    platform = PLATFORM

    def __init__(self, credentials: BlueskyCredentials, *, client: HttpClient | None = None) -> None:
        self.session = BlueskySession(credentials, client=client)

    def _create(self, record: dict[str, Any], idempotency_key: str) -> PublishResult:
        rkey = tid_for(idempotency_key)

        def send() -> PublishResult:
            body = self.session.post(
                "com.atproto.repo.createRecord",
                {"repo": self.session.did, "collection": POST, "rkey": rkey, "record": record},
            )
            return PublishResult(PLATFORM, body["uri"], web_url(body["uri"], self.session.handle), raw=body)

        if self.session.did is None:
            self.session.login()
        return send_once(send, lambda: self.reconcile(idempotency_key, text=record["text"]))

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """``com.atproto.repo.uploadBlob`` for each image (at most 4), then ``createRecord`` of an
        ``app.bsky.feed.post`` with ``app.bsky.embed.images`` (alt text kept) and the text's facets (links,
        mentions resolved to DIDs, hashtags; UTF-8 byte offsets)."""
        images, videos = split_kinds(media_of(image, media))
        if videos:
            raise Unsupported("Bluesky: video posts are not supported here yet (video service upload)")
        if self.session.did is None:
            self.session.login()
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
        found = facets(text, self._resolve)
        if found:
            record["facets"] = found
        if images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [{"alt": item.alt, "image": self._upload(item)} for item in images],
            }
        return self._create(record, idempotency_key)

    def _upload(self, item: Media) -> dict[str, Any]:
        data, mime = item.content(fetch_bytes), item.mime_type
        body = self.session.call(
            lambda h: self.session.http.post_json(
                "/xrpc/com.atproto.repo.uploadBlob",
                content=data,
                headers={**h, "Content-Type": mime},
                idempotent=True,  # a blob no record references is dropped by the PDS
            )
        )
        return dict(body["blob"])

    def _resolve(self, handle: str) -> str | None:
        try:
            body = self.session.get("com.atproto.identity.resolveHandle", {"handle": handle})
        except PlatformError:  # an unknown handle stays plain text
            return None
        return body.get("did")

    def followers(self) -> int | None:
        """The account's ``followersCount`` (``app.bsky.actor.getProfile``)."""
        if self.session.did is None:
            self.session.login()
        body = self.session.get("app.bsky.actor.getProfile", {"actor": self.session.did})
        return to_int(body.get("followersCount"))

    def metrics(self, external_id: str) -> dict[str, int]:
        """A post's likes, reposts, replies and quotes (``app.bsky.feed.getPosts``)."""
        posts = self.session.get("app.bsky.feed.getPosts", {"uris": external_id}).get("posts") or [{}]
        return metrics_of(posts[0], METRICS)

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        """Reply to an ``at://`` post URI; root and parent references are read from the parent post."""
        posts = self.session.get("app.bsky.feed.getPosts", {"uris": parent_external_id}).get("posts") or []
        if not posts:
            raise PlatformError("Bluesky: parent post not found", code="NotFound")
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        root = ((posts[0].get("record") or {}).get("reply") or {}).get("root") or parent
        record = {"$type": POST, "text": text, "createdAt": _now(), "reply": {"root": root, "parent": parent}}
        return self._create(record, idempotency_key)

    def hide(self, external_id: str) -> None:
        raise Unsupported("Bluesky: hiding replies needs a threadgate; not supported here")

    def unhide(self, external_id: str) -> None:
        raise Unsupported("Bluesky: hiding replies needs a threadgate; not supported here")

    def delete(self, external_id: str) -> None:
        repo, collection, rkey = external_id.removeprefix("at://").split("/")
        self.session.post(
            "com.atproto.repo.deleteRecord",
            {"repo": repo, "collection": collection, "rkey": rkey},
            idempotent=True,
        )

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str = "",
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """The record key is derived from the idempotency key: the record exists or it does not."""
        if self.session.did is None:
            self.session.login()
        params = {"repo": self.session.did, "collection": POST, "rkey": tid_for(idempotency_key)}
        try:
            body = self.session.get("com.atproto.repo.getRecord", params)
        except PlatformError as exc:
            if exc.status in (400, 404) and exc.code in ("RecordNotFound", "InvalidRequest", None):
                return None
            raise
        return PublishResult(
            PLATFORM, body["uri"], web_url(body["uri"], self.session.handle), reconciled=True, raw=body
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
SPEC = PlatformSpec(
    name=PLATFORM,
    label="Bluesky",
    credentials=BlueskyCredentials,
    credential_fields=fields_of(
        BlueskyCredentials,
        identifier=N_("Handle or DID"),
        app_password=N_("App password"),
        pds_url=N_("PDS address"),
    ),
    account_field="identifier",
    probe=fetch_probe(BlueskySource),
    source=BlueskySource,
    publisher=BlueskyPublisher,
    parser=parse_body,
    webhook=None,
    rate_limit=rate_limit_info,
    capabilities=frozenset(
        {C.READ_POSTS, C.READ_COMMENTS, C.REPLY, C.POST_TEXT, C.POST_IMAGE, C.DELETE, C.METRICS, C.FOLLOWERS}
    ),
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),  # a URL is read from humas' store
    reconcile=Reconcile.LOOKUP,
    # Lexicons in github.com/bluesky-social/atproto: app.bsky.feed.post text maxGraphemes 300 (maxLength
    # 3000 bytes); app.bsky.embed.images up to 4 images, each blob maxSize 1,000,000 bytes. Videos: one per
    # post, 100 MB and 3 minutes (bsky.social blog, video announcement, limits raised March 2025).
    limits=Limits(
        text_max=300,
        count_text=count_graphemes,
        caption_max=None,
        hashtags_max=None,
        media_max=4,
        image_max_bytes=1_000_000,
        video_max_bytes=100_000_000,
        video_max_seconds=180,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
